/* Sessions: creation, closing (explicit or by the GC), torrents in and out. */
#include <stdlib.h>

#include "addon.h"

/* Marks the objects that wrap a session_state, so get_session() rejects foreign ones. */
const napi_type_tag session_tag = {0x6c69626274736573ULL, 0x73696f6e5f746167ULL};

/* Frees the libbt session once. JS thread only. Returns bt_session_free's result. */
static int session_close_rc(session_state *st) {
    if (st->closed)
        return BT_OK;
    st->closed = 1;
    alert_hub_close(st);
    return bt_session_free(st->s);
}

void session_close(session_state *st) { (void)session_close_rc(st); }

/* The wrapper's finalizer: a session the user forgot to close is freed when it is collected
 * (or when the environment shuts down). */
static void session_finalize(napi_env env, void *data, void *hint) {
    (void)env;
    (void)hint;
    session_state *st = data;
    session_close(st);
    free(st);
}

/* sessionNew(settings, dispatch) -> handle object; dispatch(sessionId(handle)) runs when alerts arrive */
napi_value js_session_new(napi_env env, napi_callback_info info) {
    napi_value argv[2], ext;
    bt_settings *settings;
    if (get_args(env, info, 2, argv) || settings_from_object(env, argv[0], &settings))
        return NULL;
    session_state *st = calloc(1, sizeof *st);
    if (!st) {
        bt_settings_free(settings);
        napi_throw_error(env, NULL, "out of memory");
        return NULL;
    }
    int rc = bt_session_new(settings, &st->s);
    bt_settings_free(settings);
    if (rc != BT_OK) {
        throw_bt(env, rc);
        free(st);
        return NULL;
    }
    /* A plain object wrapping st (napi_wrap and type tags on objects work on every Node with
     * NAPI_VERSION 8; tags on externals came later). */
    if (napi_create_object(env, &ext) != napi_ok || napi_type_tag_object(env, ext, &session_tag) != napi_ok ||
        napi_wrap(env, ext, st, session_finalize, NULL, NULL) != napi_ok) {
        bt_session_free(st->s);
        free(st);
        throw_napi_failure(env, napi_generic_failure, "wrapping the session");
        return NULL;
    }
    /* From here the finalizer owns st. */
    if (alert_hub_create(env, st, argv[1])) {
        session_close(st);
        return NULL;
    }
    return ext;
}

napi_value js_session_close(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    session_state *st;
    if (get_args(env, info, 1, argv) || get_session(env, argv[0], &st, 0))
        return NULL;
    int rc = session_close_rc(st);
    if (rc != BT_OK)
        throw_bt(env, rc);
    return make_undefined(env);
}

napi_value js_session_id(napi_env env, napi_callback_info info) {
    napi_value argv[1], out;
    session_state *st;
    if (get_args(env, info, 1, argv) || get_session(env, argv[0], &st, 0))
        return NULL;
    NAPI_CALL(env, napi_create_double(env, (double)st->id, &out));
    return out;
}

napi_value js_session_listen_port(napi_env env, napi_callback_info info) {
    napi_value argv[1], out;
    session_state *st;
    int port = 0;
    if (get_args(env, info, 1, argv) || get_session(env, argv[0], &st, 1))
        return NULL;
    int rc = bt_session_listen_port(st->s, &port);
    if (rc != BT_OK) {
        throw_bt(env, rc);
        return NULL;
    }
    NAPI_CALL(env, napi_create_int32(env, port, &out));
    return out;
}

/* Reads filePriorities: an array of integers or a byte array. */
static int get_priorities(napi_env env, napi_value obj, uint8_t **out, size_t *n) {
    napi_value v;
    bool is_array;
    *out = NULL;
    *n = 0;
    NAPI_CALL_INT(env, napi_get_named_property(env, obj, "filePriorities", &v));
    if (is_nullish(env, v))
        return 0;
    NAPI_CALL_INT(env, napi_is_array(env, v, &is_array));
    if (!is_array) {
        const uint8_t *bytes;
        if (get_bytes(env, v, "filePriorities", &bytes, n))
            return -1;
        *out = malloc(*n ? *n : 1);
        if (!*out) {
            napi_throw_error(env, NULL, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < *n; i++)
            (*out)[i] = bytes[i];
        return 0;
    }
    uint32_t len;
    NAPI_CALL_INT(env, napi_get_array_length(env, v, &len));
    *out = malloc(len ? len : 1);
    if (!*out) {
        napi_throw_error(env, NULL, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < len; i++) {
        napi_value e;
        int64_t p;
        if (napi_get_element(env, v, i, &e) != napi_ok || get_int64(env, e, "filePriorities[i]", &p)) {
            free(*out);
            *out = NULL;
            throw_napi_failure(env, napi_generic_failure, "reading filePriorities");
            return -1;
        }
        if (p < 0 || p > 255) {
            free(*out);
            *out = NULL;
            napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "file priorities must be 0 (skip) to 7");
            return -1;
        }
        (*out)[i] = (uint8_t)p;
    }
    *n = len;
    return 0;
}

/* sessionAddTorrent(session, params) -> torrent handle */
napi_value js_session_add_torrent(napi_env env, napi_callback_info info) {
    napi_value argv[2], out = NULL, data_v;
    session_state *st;
    napi_valuetype t;
    if (get_args(env, info, 2, argv) || get_session(env, argv[0], &st, 1))
        return NULL;
    NAPI_CALL(env, napi_typeof(env, argv[1], &t));
    if (t != napi_object) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "addTorrent() wants a params object");
        return NULL;
    }
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
    char *save_path = NULL, *file = NULL, *magnet = NULL;
    uint8_t *prios = NULL;
    int paused = 0, sequential = 0, super_seeding = 0;
    napi_value resume_v;
    if (get_opt_string_prop(env, argv[1], "savePath", &save_path) ||
        get_opt_string_prop(env, argv[1], "torrentFile", &file) ||
        get_opt_string_prop(env, argv[1], "magnet", &magnet) ||
        get_opt_bool_prop(env, argv[1], "paused", &paused) ||
        get_opt_bool_prop(env, argv[1], "sequential", &sequential) ||
        get_opt_bool_prop(env, argv[1], "superSeeding", &super_seeding) ||
        napi_get_named_property(env, argv[1], "resumeData", &resume_v) != napi_ok ||
        (!is_nullish(env, resume_v) && get_bytes(env, resume_v, "resumeData", &p.resume_data, &p.resume_size)) ||
        get_priorities(env, argv[1], &prios, &p.num_file_priorities) ||
        napi_get_named_property(env, argv[1], "torrentData", &data_v) != napi_ok ||
        (!is_nullish(env, data_v) && get_bytes(env, data_v, "torrentData", &p.torrent_data, &p.torrent_size))) {
        throw_napi_failure(env, napi_generic_failure, "reading addTorrent params"); /* no-op if pending */
        goto done;
    }
    p.save_path = save_path;
    p.torrent_file = file;
    p.magnet_uri = magnet;
    p.paused = paused;
    p.sequential = sequential;
    p.super_seeding = super_seeding;
    p.file_priorities = prios;
    bt_torrent *tor = NULL;
    int rc = bt_session_add_torrent(st->s, &p, &tor);
    if (rc != BT_OK)
        throw_bt(env, rc);
    else if (value_to_torrent(env, tor, &out))
        out = NULL;
done:
    free(save_path);
    free(file);
    free(magnet);
    free(prios);
    return out;
}

/* sessionRemoveTorrent(session, torrent, deleteFiles) */
napi_value js_session_remove_torrent(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    session_state *st;
    bt_torrent *tor;
    int del = 0;
    if (get_args(env, info, 3, argv) || get_session(env, argv[0], &st, 1) ||
        get_torrent(env, argv[1], &tor) || (!is_nullish(env, argv[2]) && get_bool(env, argv[2], "deleteFiles", &del)))
        return NULL;
    int rc = bt_session_remove_torrent(st->s, tor, del ? BT_REMOVE_DELETE_FILES : 0);
    if (rc != BT_OK)
        throw_bt(env, rc);
    return make_undefined(env);
}

/* sessionTorrents(session) -> handle[] */
napi_value js_session_torrents(napi_env env, napi_callback_info info) {
    napi_value argv[1], arr;
    session_state *st;
    if (get_args(env, info, 1, argv) || get_session(env, argv[0], &st, 1))
        return NULL;
    size_t cap = 64, count = 0;
    bt_torrent **buf = NULL;
    for (;;) {
        bt_torrent **nb = realloc(buf, cap * sizeof *buf);
        if (!nb) {
            free(buf);
            napi_throw_error(env, NULL, "out of memory");
            return NULL;
        }
        buf = nb;
        int rc = bt_session_torrents(st->s, buf, cap, &count);
        if (rc != BT_OK) {
            free(buf);
            throw_bt(env, rc);
            return NULL;
        }
        if (count <= cap)
            break;
        cap = count + 16; /* torrents may be added between the two calls */
    }
    if (napi_create_array_with_length(env, count, &arr) != napi_ok)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        napi_value h;
        if (value_to_torrent(env, buf[i], &h) || napi_set_element(env, arr, (uint32_t)i, h) != napi_ok)
            goto fail;
    }
    free(buf);
    return arr;
fail:
    free(buf);
    throw_napi_failure(env, napi_generic_failure, "building the torrent list");
    return NULL;
}

/* sessionTorrentUpdates(session) -> [handle, status, handle, status, ...]: the torrents whose
 * status changed since the last call (bt_session_torrent_updates). */
napi_value js_session_torrent_updates(napi_env env, napi_callback_info info) {
    napi_value argv[1], arr;
    session_state *st;
    if (get_args(env, info, 1, argv) || get_session(env, argv[0], &st, 1))
        return NULL;
    size_t cap = 64, count = 0;
    bt_torrent **ts = NULL;
    struct bt_torrent_status *sts = NULL;
    for (;;) {
        bt_torrent **nt = realloc(ts, cap * sizeof *ts);
        if (nt)
            ts = nt;
        struct bt_torrent_status *ns = nt ? realloc(sts, cap * sizeof *sts) : NULL;
        if (!ns) {
            free(ts);
            free(sts);
            napi_throw_error(env, NULL, "out of memory");
            return NULL;
        }
        sts = ns;
        sts[0] = (struct bt_torrent_status)BT_TORRENT_STATUS_INIT; /* the array's layout */
        int rc = bt_session_torrent_updates(st->s, ts, sts, cap, &count);
        if (rc == BT_E_BUFFER_TOO_SMALL) { /* nothing was taken: grow and ask again */
            cap = count + 64;
            continue;
        }
        if (rc != BT_OK) {
            free(ts);
            free(sts);
            throw_bt(env, rc);
            return NULL;
        }
        break;
    }
    int bad = napi_create_array_with_length(env, 2 * count, &arr) != napi_ok;
    for (size_t i = 0; i < count && !bad; i++) {
        napi_value h, o;
        bad = value_to_torrent(env, ts[i], &h) || napi_set_element(env, arr, (uint32_t)(2 * i), h) != napi_ok;
        if (!bad && status_object(env, ts[i], &sts[i], &o)) {
            free(ts);
            free(sts);
            return NULL; /* its exception is pending */
        }
        bad = bad || napi_set_element(env, arr, (uint32_t)(2 * i + 1), o) != napi_ok;
    }
    free(ts);
    free(sts);
    if (bad) {
        throw_napi_failure(env, napi_generic_failure, "building the torrent updates");
        return NULL;
    }
    return arr;
}

/* sessionFindTorrent(session, hex) -> handle | null */
napi_value js_session_find_torrent(napi_env env, napi_callback_info info) {
    napi_value argv[2], out = NULL;
    session_state *st;
    char *hex;
    if (get_args(env, info, 2, argv) || get_session(env, argv[0], &st, 1) ||
        get_string(env, argv[1], "infoHash", &hex))
        return NULL;
    bt_torrent *tor = NULL;
    int rc = bt_session_find_torrent(st->s, hex, &tor);
    free(hex);
    if (rc == BT_E_NOT_FOUND)
        napi_get_null(env, &out);
    else if (rc != BT_OK)
        throw_bt(env, rc);
    else if (value_to_torrent(env, tor, &out))
        out = NULL;
    return out;
}

/* sessionDiskStats(session) -> { readHits, readMisses, ... } */
napi_value js_session_disk_stats(napi_env env, napi_callback_info info) {
    napi_value argv[1], o;
    session_state *st;
    bt_disk_stats d = BT_DISK_STATS_INIT;
    if (get_args(env, info, 1, argv) || get_session(env, argv[0], &st, 1))
        return NULL;
    int rc = bt_session_disk_stats(st->s, &d);
    if (rc != BT_OK) {
        throw_bt(env, rc);
        return NULL;
    }
    NAPI_CALL(env, napi_create_object(env, &o));
    /* Counters stay exact as numbers up to 2^53 bytes. */
    if (set_num(env, o, "readHits", (double)d.read_hits) || set_num(env, o, "readMisses", (double)d.read_misses) ||
        set_num(env, o, "readSyscalls", (double)d.read_syscalls) ||
        set_num(env, o, "writeSyscalls", (double)d.write_syscalls) ||
        set_num(env, o, "readBytes", (double)d.read_bytes) || set_num(env, o, "writeBytes", (double)d.write_bytes) ||
        set_num(env, o, "piecesFlushed", (double)d.pieces_flushed) ||
        set_num(env, o, "piecesFailed", (double)d.pieces_failed) ||
        set_num(env, o, "hashReadBacks", (double)d.hash_read_backs) ||
        set_num(env, o, "readBackBlocks", (double)d.read_back_blocks) ||
        set_num(env, o, "writeThroughs", (double)d.write_throughs) ||
        set_num(env, o, "flushesComplete", (double)d.flushes_complete) ||
        set_num(env, o, "flushesBudget", (double)d.flushes_budget) ||
        set_num(env, o, "flushesClose", (double)d.flushes_close) ||
        set_num(env, o, "writeBlocks", (double)d.write_blocks) || set_num(env, o, "readBlocks", (double)d.read_blocks) ||
        set_num(env, o, "cacheBlocks", (double)d.cache_blocks) ||
        set_num(env, o, "queuedWriteBytes", (double)d.queued_write_bytes) ||
        set_num(env, o, "mappedBytes", (double)d.mapped_bytes) ||
        set_num(env, o, "lockedBytes", (double)d.locked_bytes) || set_bool(env, o, "lockFailed", d.lock_failed))
        return NULL;
    return o;
}
