/* Torrents: status, metadata views and control. Handles are libbt ids (validated by libbt). */
#include <stdlib.h>
#include <string.h>

#include "addon.h"

/* Parses argv[0] as a torrent handle; 0 or -1 with an exception pending. */
static int torrent_arg(napi_env env, napi_callback_info info, size_t n, napi_value *argv, bt_torrent **t) {
    return get_args(env, info, n, argv) || get_torrent(env, argv[0], t) ? -1 : 0;
}

/* Returns undefined on BT_OK, or throws. */
static napi_value result(napi_env env, int rc) {
    if (rc != BT_OK) {
        throw_bt(env, rc);
        return NULL;
    }
    return make_undefined(env);
}

/* Returns a libbt-allocated string as a JS string and frees it, or throws. */
static napi_value owned_string(napi_env env, int rc, char *s) {
    napi_value out = NULL;
    if (rc != BT_OK)
        throw_bt(env, rc);
    else if (napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &out) != napi_ok)
        throw_napi_failure(env, napi_generic_failure, "napi_create_string_utf8");
    bt_free(s);
    return out;
}

/* The shapes most torrent functions share: f(t), f(t, &string), f(t, string), f(t, bool). */
static napi_value torrent_call(napi_env env, napi_callback_info info, int (*f)(bt_torrent *)) {
    napi_value argv[1];
    bt_torrent *t;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    return result(env, f(t));
}

static napi_value torrent_get_string(napi_env env, napi_callback_info info, int (*f)(bt_torrent *, char **)) {
    napi_value argv[1];
    bt_torrent *t;
    char *s = NULL;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = f(t, &s);
    return owned_string(env, rc, s);
}

static napi_value torrent_call_string(napi_env env, napi_callback_info info, const char *what,
                                      int (*f)(bt_torrent *, const char *)) {
    napi_value argv[2];
    bt_torrent *t;
    char *arg;
    if (torrent_arg(env, info, 2, argv, &t) || get_string(env, argv[1], what, &arg))
        return NULL;
    int rc = f(t, arg);
    free(arg);
    return result(env, rc);
}

static napi_value torrent_call_bool(napi_env env, napi_callback_info info, const char *what,
                                    int (*f)(bt_torrent *, int)) {
    napi_value argv[2];
    bt_torrent *t;
    int on;
    if (torrent_arg(env, info, 2, argv, &t) || get_bool(env, argv[1], what, &on))
        return NULL;
    return result(env, f(t, on));
}

/* The JS object for status s of torrent t (its error message is asked of t). -1 with an
 * exception pending on failure. */
int status_object(napi_env env, bt_torrent *t, struct bt_torrent_status *s, napi_value *out) {
    char *err_msg = NULL;
    if (s->error != 0 || s->state == BT_STATE_ERROR) {
        int rc = bt_torrent_error(t, &err_msg);
        if (rc == BT_E_BAD_HANDLE) /* removed since: its status still stands */
            err_msg = NULL;
        else if (rc != BT_OK) {
            throw_bt(env, rc);
            return -1;
        }
    }
    s->info_hash[sizeof s->info_hash - 1] = 0;
    napi_value o;
    if (napi_create_object(env, &o) != napi_ok) {
        bt_free(err_msg);
        napi_throw_error(env, NULL, "napi_create_object failed");
        return -1;
    }
    int bad = set_str(env, o, "state", state_name(s->state)) || set_bool(env, o, "paused", s->paused) ||
              set_bool(env, o, "hasMetadata", s->has_metadata) ||
              (s->error ? set_str(env, o, "error", error_code_name(s->error)) : set_null(env, o, "error")) ||
              set_str(env, o, "errorMessage", err_msg ? err_msg : "") ||
              set_num(env, o, "progress", s->progress) ||
              set_num(env, o, "totalSize", (double)s->total_size) ||
              set_num(env, o, "totalWanted", (double)s->total_wanted) ||
              set_num(env, o, "totalWantedDone", (double)s->total_wanted_done) ||
              set_num(env, o, "totalDone", (double)s->total_done) ||
              set_num(env, o, "totalDownload", (double)s->total_download) ||
              set_num(env, o, "totalUpload", (double)s->total_upload) ||
              set_num(env, o, "downloadRate", (double)s->download_rate) ||
              set_num(env, o, "uploadRate", (double)s->upload_rate) ||
              set_num(env, o, "numPeers", s->num_peers) || set_num(env, o, "numSeeds", s->num_seeds) ||
              set_num(env, o, "numPieces", s->num_pieces) || set_num(env, o, "piecesDone", s->pieces_done) ||
              set_num(env, o, "pieceLength", (double)s->piece_length) ||
              set_str(env, o, "infoHash", s->info_hash) ||
              set_bool(env, o, "superSeeding", s->super_seeding);
    bt_free(err_msg);
    if (bad)
        return -1;
    *out = o;
    return 0;
}

napi_value js_torrent_status(napi_env env, napi_callback_info info) {
    napi_value argv[1], o;
    bt_torrent *t;
    struct bt_torrent_status s = BT_TORRENT_STATUS_INIT;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = bt_torrent_status(t, &s);
    if (rc != BT_OK)
        return result(env, rc);
    return status_object(env, t, &s, &o) ? NULL : o;
}

napi_value js_torrent_name(napi_env env, napi_callback_info info) { return torrent_get_string(env, info, bt_torrent_name); }

napi_value js_torrent_magnet(napi_env env, napi_callback_info info) { return torrent_get_string(env, info, bt_torrent_magnet); }

napi_value js_torrent_error(napi_env env, napi_callback_info info) { return torrent_get_string(env, info, bt_torrent_error); }

/* pieces(t) -> Buffer with the wire-order bitfield. */
napi_value js_torrent_pieces(napi_env env, napi_callback_info info) {
    napi_value argv[1], out = NULL;
    bt_torrent *t;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    size_t cap = 256, size = 0;
    uint8_t *buf = NULL;
    for (int tries = 0; tries < 4; tries++) {
        uint8_t *nb = realloc(buf, cap ? cap : 1);
        if (!nb) {
            free(buf);
            napi_throw_error(env, NULL, "out of memory");
            return NULL;
        }
        buf = nb;
        int rc = bt_torrent_pieces(t, buf, cap, &size);
        if (rc == BT_OK) {
            void *data;
            if (napi_create_buffer_copy(env, size, buf, &data, &out) != napi_ok)
                throw_napi_failure(env, napi_generic_failure, "napi_create_buffer_copy");
            free(buf);
            return out;
        }
        if (rc != BT_E_BUFFER_TOO_SMALL) {
            free(buf);
            throw_bt(env, rc);
            return NULL;
        }
        cap = size; /* metadata may have arrived between calls: retry with the size asked for */
    }
    free(buf);
    throw_bt_msg(env, BT_E_INTERNAL, "libbt: bt_torrent_pieces kept asking for a larger buffer");
    return NULL;
}

/* files(t) -> [{ index, path, size }] */
napi_value js_torrent_files(napi_env env, napi_callback_info info) {
    napi_value argv[1], arr;
    bt_torrent *t;
    int n = 0;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = bt_torrent_num_files(t, &n);
    if (rc != BT_OK)
        return result(env, rc);
    NAPI_CALL(env, napi_create_array_with_length(env, (size_t)n, &arr));
    for (int i = 0; i < n; i++) {
        char *path = NULL;
        int64_t size = 0;
        napi_value o;
        rc = bt_torrent_file(t, i, &path, &size);
        if (rc != BT_OK)
            return result(env, rc);
        int bad = napi_create_object(env, &o) != napi_ok || set_num(env, o, "index", i) ||
                  set_str(env, o, "path", path) || set_num(env, o, "size", (double)size) ||
                  napi_set_element(env, arr, (uint32_t)i, o) != napi_ok;
        bt_free(path);
        if (bad) {
            throw_napi_failure(env, napi_generic_failure, "building the file list");
            return NULL;
        }
    }
    return arr;
}

napi_value js_torrent_pause(napi_env env, napi_callback_info info) { return torrent_call(env, info, bt_torrent_pause); }

napi_value js_torrent_resume(napi_env env, napi_callback_info info) { return torrent_call(env, info, bt_torrent_resume); }

napi_value js_torrent_force_recheck(napi_env env, napi_callback_info info) { return torrent_call(env, info, bt_torrent_force_recheck); }

napi_value js_torrent_connect_peer(napi_env env, napi_callback_info info) {
    return torrent_call_string(env, info, "endpoint", bt_torrent_connect_peer);
}

napi_value js_torrent_move_storage(napi_env env, napi_callback_info info) {
    return torrent_call_string(env, info, "savePath", bt_torrent_move_storage);
}

napi_value js_torrent_rename_file(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    bt_torrent *t;
    int64_t index;
    char *path;
    if (torrent_arg(env, info, 3, argv, &t) || get_int64(env, argv[1], "fileIndex", &index))
        return NULL;
    if (index < INT32_MIN || index > INT32_MAX) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "fileIndex must fit in 32 bits");
        return NULL;
    }
    if (get_string(env, argv[2], "path", &path))
        return NULL;
    int rc = bt_torrent_rename_file(t, (int)index, path);
    free(path);
    return result(env, rc);
}

napi_value js_torrent_set_file_priority(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    bt_torrent *t;
    int64_t index, prio;
    if (torrent_arg(env, info, 3, argv, &t) || get_int64(env, argv[1], "fileIndex", &index) ||
        get_int64(env, argv[2], "priority", &prio))
        return NULL;
    if (index < INT32_MIN || index > INT32_MAX || prio < INT32_MIN || prio > INT32_MAX) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "fileIndex and priority must fit in 32 bits");
        return NULL;
    }
    return result(env, bt_torrent_set_file_priority(t, (int)index, (int)prio));
}

napi_value js_torrent_set_sequential(napi_env env, napi_callback_info info) {
    return torrent_call_bool(env, info, "sequential", bt_torrent_set_sequential);
}

napi_value js_torrent_set_super_seeding(napi_env env, napi_callback_info info) {
    return torrent_call_bool(env, info, "superSeeding", bt_torrent_set_super_seeding);
}

static const char *peer_source_name(int source) {
    static const char *const names[] = {"unknown", "tracker", "dht", "pex", "lsd", "user", "incoming", "webSeed"};
    if (source >= 0 && source < (int)(sizeof names / sizeof names[0]))
        return names[source];
    return "unknown";
}

/* NUL-terminates a fixed-size C string field (libbt does; this guards against a short read). */
static const char *fixed_str(char *buf, size_t cap) {
    buf[cap - 1] = 0;
    return buf;
}

static int peer_to_object(napi_env env, bt_peer_info *p, napi_value *out) {
    napi_value o;
    NAPI_CALL_INT(env, napi_create_object(env, &o));
    uint32_t f = p->flags;
    if (set_str(env, o, "endpoint", fixed_str(p->endpoint, sizeof p->endpoint)) ||
        set_str(env, o, "client", fixed_str(p->client, sizeof p->client)) ||
        set_str(env, o, "source", peer_source_name(p->source)) ||
        set_num(env, o, "flags", (double)f) ||
        set_bool(env, o, "incoming", f & BT_PEER_INCOMING) || set_bool(env, o, "seed", f & BT_PEER_SEED) ||
        set_bool(env, o, "encrypted", f & BT_PEER_ENCRYPTED) ||
        set_bool(env, o, "choked", f & BT_PEER_CHOKED) || set_bool(env, o, "interested", f & BT_PEER_INTERESTED) ||
        set_bool(env, o, "remoteChoked", f & BT_PEER_REMOTE_CHOKED) ||
        set_bool(env, o, "remoteInterested", f & BT_PEER_REMOTE_INTERESTED) ||
        set_bool(env, o, "snubbed", f & BT_PEER_SNUBBED) ||
        set_num(env, o, "progress", p->progress) ||
        set_num(env, o, "downloadRate", (double)p->download_rate) ||
        set_num(env, o, "uploadRate", (double)p->upload_rate) ||
        set_num(env, o, "totalDownload", (double)p->total_download) ||
        set_num(env, o, "totalUpload", (double)p->total_upload))
        return -1;
    *out = o;
    return 0;
}

/* peers(t) -> [{ endpoint, client, source, flags, incoming, seed, ... }] */
napi_value js_torrent_peers(napi_env env, napi_callback_info info) {
    napi_value argv[1], arr;
    bt_torrent *t;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    size_t cap = 32, count = 0;
    bt_peer_info *buf = NULL;
    for (int tries = 0;; tries++) {
        bt_peer_info *nb = realloc(buf, cap * sizeof *buf);
        if (!nb) {
            free(buf);
            napi_throw_error(env, NULL, "out of memory");
            return NULL;
        }
        buf = nb;
        bt_peer_info_init(&buf[0], BT_PEER_INFO_VERSION); /* the first element's version: the array's layout */
        int rc = bt_torrent_peers(t, buf, cap, &count);
        if (rc != BT_OK) {
            free(buf);
            return result(env, rc);
        }
        if (count <= cap)
            break;
        if (tries == 8) {
            free(buf);
            throw_bt_msg(env, BT_E_INTERNAL, "libbt: the peer list kept growing");
            return NULL;
        }
        cap = count + 16; /* peers may connect between the two calls */
    }
    if (napi_create_array_with_length(env, count, &arr) != napi_ok)
        goto fail;
    for (size_t i = 0; i < count; i++) {
        napi_value o;
        if (peer_to_object(env, &buf[i], &o) || napi_set_element(env, arr, (uint32_t)i, o) != napi_ok)
            goto fail;
    }
    free(buf);
    return arr;
fail:
    free(buf);
    throw_napi_failure(env, napi_generic_failure, "building the peer list");
    return NULL;
}

/* addWebSeed(t, url, type) with type 'url' (BEP 19) or 'http' (BEP 17) */
napi_value js_torrent_add_web_seed(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    bt_torrent *t;
    char *url = NULL, *type = NULL;
    if (torrent_arg(env, info, 3, argv, &t) || get_string(env, argv[1], "url", &url))
        return NULL;
    int kind = BT_WEB_SEED_URL;
    if (!is_nullish(env, argv[2])) {
        if (get_string(env, argv[2], "type", &type)) {
            free(url);
            return NULL;
        }
        if (strcmp(type, "url") == 0) {
            kind = BT_WEB_SEED_URL;
        } else if (strcmp(type, "http") == 0) {
            kind = BT_WEB_SEED_HTTP;
        } else {
            free(url);
            free(type);
            napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "type must be 'url' (BEP 19) or 'http' (BEP 17)");
            return NULL;
        }
    }
    int rc = bt_torrent_add_web_seed(t, url, kind);
    free(url);
    free(type);
    return result(env, rc);
}

napi_value js_torrent_remove_web_seed(napi_env env, napi_callback_info info) {
    return torrent_call_string(env, info, "url", bt_torrent_remove_web_seed);
}

/* webSeeds(t) -> [{ url, type, requests, totalDownload, downloadRate, failures, banned, retryInMs, error }] */
napi_value js_torrent_web_seeds(napi_env env, napi_callback_info info) {
    napi_value argv[1], arr;
    bt_torrent *t;
    bt_web_seed_info *ws = NULL;
    size_t n = 0;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = bt_torrent_web_seeds(t, BT_WEB_SEED_INFO_VERSION, &ws, &n);
    if (rc != BT_OK)
        return result(env, rc);
    if (napi_create_array_with_length(env, n, &arr) != napi_ok)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        napi_value o;
        if (napi_create_object(env, &o) != napi_ok || set_str(env, o, "url", ws[i].url) ||
            set_str(env, o, "type", ws[i].type == BT_WEB_SEED_HTTP ? "http" : "url") ||
            set_num(env, o, "requests", ws[i].requests) ||
            set_num(env, o, "totalDownload", (double)ws[i].total_download) ||
            set_num(env, o, "downloadRate", (double)ws[i].download_rate) ||
            set_num(env, o, "failures", ws[i].failures) || set_bool(env, o, "banned", ws[i].banned) ||
            set_num(env, o, "retryInMs", (double)ws[i].retry_in_ms) || set_str(env, o, "error", ws[i].error) ||
            napi_set_element(env, arr, (uint32_t)i, o) != napi_ok)
            goto fail;
    }
    bt_free(ws);
    return arr;
fail:
    bt_free(ws);
    throw_napi_failure(env, napi_generic_failure, "building the web seed list");
    return NULL;
}

/* saveResumeData(t) -> Buffer */
napi_value js_torrent_save_resume_data(napi_env env, napi_callback_info info) {
    napi_value argv[1], out = NULL;
    bt_torrent *t;
    uint8_t *data = NULL;
    size_t size = 0;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = bt_torrent_save_resume_data(t, &data, &size);
    if (rc != BT_OK)
        return result(env, rc);
    void *copy;
    if (napi_create_buffer_copy(env, size, data, &copy, &out) != napi_ok) {
        out = NULL;
        throw_napi_failure(env, napi_generic_failure, "napi_create_buffer_copy");
    }
    bt_free(data);
    return out;
}

/* writeResumeFile(path, bytes): atomic (temporary file, fsync, rename). */
napi_value js_write_resume_file(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    char *path;
    const uint8_t *data;
    size_t len;
    if (get_args(env, info, 2, argv) || get_string(env, argv[0], "path", &path))
        return NULL;
    if (get_bytes(env, argv[1], "data", &data, &len)) {
        free(path);
        return NULL;
    }
    int rc = bt_write_resume_file(path, data, len);
    free(path);
    return result(env, rc);
}

/* ---- queueing (libtorrent's auto_managed and queue_position_*) ---- */

napi_value js_torrent_set_auto_managed(napi_env env, napi_callback_info info) {
    return torrent_call_bool(env, info, "autoManaged", bt_torrent_set_auto_managed);
}

/* f(t, &int) returned as a boolean (asBool) or a number. */
static napi_value torrent_get_int(napi_env env, napi_callback_info info, int (*f)(bt_torrent *, int *), int asBool) {
    napi_value argv[1], out;
    bt_torrent *t;
    int v = 0;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = f(t, &v);
    if (rc != BT_OK)
        return result(env, rc);
    if (asBool)
        NAPI_CALL(env, napi_get_boolean(env, v != 0, &out));
    else
        NAPI_CALL(env, napi_create_int32(env, v, &out));
    return out;
}

napi_value js_torrent_auto_managed(napi_env env, napi_callback_info info) {
    return torrent_get_int(env, info, bt_torrent_auto_managed, 1);
}

napi_value js_torrent_queue_position(napi_env env, napi_callback_info info) {
    return torrent_get_int(env, info, bt_torrent_queue_position, 0);
}

napi_value js_torrent_queue_position_set(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    bt_torrent *t;
    int64_t pos;
    if (torrent_arg(env, info, 2, argv, &t) || get_int64(env, argv[1], "position", &pos))
        return NULL;
    if (pos < 0) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "position must not be negative");
        return NULL;
    }
    /* A place past the end means the last one, as in libtorrent. */
    return result(env, bt_torrent_queue_position_set(t, pos > INT32_MAX ? INT32_MAX : (int)pos));
}

napi_value js_torrent_queue_position_up(napi_env env, napi_callback_info info) {
    return torrent_call(env, info, bt_torrent_queue_position_up);
}

napi_value js_torrent_queue_position_down(napi_env env, napi_callback_info info) {
    return torrent_call(env, info, bt_torrent_queue_position_down);
}

napi_value js_torrent_queue_position_top(napi_env env, napi_callback_info info) {
    return torrent_call(env, info, bt_torrent_queue_position_top);
}

napi_value js_torrent_queue_position_bottom(napi_env env, napi_callback_info info) {
    return torrent_call(env, info, bt_torrent_queue_position_bottom);
}
