/* Torrents: status, metadata views and control. Handles are libbt ids (validated by libbt). */
#include <stdlib.h>

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

napi_value js_torrent_status(napi_env env, napi_callback_info info) {
    napi_value argv[1], o;
    bt_torrent *t;
    struct bt_torrent_status s;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = bt_torrent_status(t, &s);
    if (rc != BT_OK)
        return result(env, rc);
    char *err_msg = NULL;
    if (s.error != 0 || s.state == BT_STATE_ERROR) {
        rc = bt_torrent_error(t, &err_msg);
        if (rc != BT_OK)
            return result(env, rc);
    }
    s.info_hash[sizeof s.info_hash - 1] = 0;
    NAPI_CALL(env, napi_create_object(env, &o));
    int bad = set_str(env, o, "state", state_name(s.state)) || set_bool(env, o, "paused", s.paused) ||
              set_bool(env, o, "hasMetadata", s.has_metadata) ||
              (s.error ? set_str(env, o, "error", error_code_name(s.error)) : set_null(env, o, "error")) ||
              set_str(env, o, "errorMessage", err_msg ? err_msg : "") ||
              set_num(env, o, "progress", s.progress) ||
              set_num(env, o, "totalSize", (double)s.total_size) ||
              set_num(env, o, "totalWanted", (double)s.total_wanted) ||
              set_num(env, o, "totalWantedDone", (double)s.total_wanted_done) ||
              set_num(env, o, "totalDone", (double)s.total_done) ||
              set_num(env, o, "totalDownload", (double)s.total_download) ||
              set_num(env, o, "totalUpload", (double)s.total_upload) ||
              set_num(env, o, "downloadRate", (double)s.download_rate) ||
              set_num(env, o, "uploadRate", (double)s.upload_rate) ||
              set_num(env, o, "numPeers", s.num_peers) || set_num(env, o, "numSeeds", s.num_seeds) ||
              set_num(env, o, "numPieces", s.num_pieces) || set_num(env, o, "piecesDone", s.pieces_done) ||
              set_num(env, o, "pieceLength", (double)s.piece_length) ||
              set_str(env, o, "infoHash", s.info_hash);
    bt_free(err_msg);
    return bad ? NULL : o;
}

napi_value js_torrent_name(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    bt_torrent *t;
    char *s = NULL;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = bt_torrent_name(t, &s);
    return owned_string(env, rc, s);
}

napi_value js_torrent_magnet(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    bt_torrent *t;
    char *s = NULL;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = bt_torrent_magnet(t, &s);
    return owned_string(env, rc, s);
}

napi_value js_torrent_error(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    bt_torrent *t;
    char *s = NULL;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    int rc = bt_torrent_error(t, &s);
    return owned_string(env, rc, s);
}

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

napi_value js_torrent_pause(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    bt_torrent *t;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    return result(env, bt_torrent_pause(t));
}

napi_value js_torrent_resume(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    bt_torrent *t;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    return result(env, bt_torrent_resume(t));
}

napi_value js_torrent_force_recheck(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    bt_torrent *t;
    if (torrent_arg(env, info, 1, argv, &t))
        return NULL;
    return result(env, bt_torrent_force_recheck(t));
}

napi_value js_torrent_connect_peer(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    bt_torrent *t;
    char *ep;
    if (torrent_arg(env, info, 2, argv, &t) || get_string(env, argv[1], "endpoint", &ep))
        return NULL;
    int rc = bt_torrent_connect_peer(t, ep);
    free(ep);
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
    napi_value argv[2];
    bt_torrent *t;
    int seq;
    if (torrent_arg(env, info, 2, argv, &t) || get_bool(env, argv[1], "sequential", &seq))
        return NULL;
    return result(env, bt_torrent_set_sequential(t, seq));
}
