/* The 0.2 ABI, kept for programs built against libbt 0.2.0 (SONAME libbt.so.0, no version
 * members). Each function below is bound to the ELF symbol version LIBBT_0.2 (libbt.map) and
 * converts between the 0.2 layout (layouts02.h) and the newest one, then calls the current
 * function. A 0.2 program's references carry no version, and glibc binds an unversioned
 * reference to a symbol's oldest version (LIBBT_0.2); programs built against 0.3 record
 * LIBBT_0.3, and dlsym() (ctypes) returns the default, newest one. Only the functions whose
 * struct layouts changed in 0.3 are here; every other 0.2 function is LIBBT_0.2 itself.
 * docs/ABI.md explains the scheme; tests/abi runs programs built against the 0.2.0 header. */
#include "capi.h"
#include "layouts02.h"

#define SYMVER02(name) __asm__(".symver capi02_" #name ", " #name "@LIBBT_0.2")
#define CP(f) dst->f = src->f
#define CPS(f) memcpy(dst->f, src->f, sizeof dst->f) /* char arrays of the same size */

SYMVER02(bt_session_add_torrent);
int capi02_bt_session_add_torrent(bt_session *session, const bt02_add_torrent_params *src, bt_torrent **out);
int capi02_bt_session_add_torrent(bt_session *session, const bt02_add_torrent_params *src, bt_torrent **out) {
    if (!src)
        return bt_session_add_torrent(session, NULL, out);
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT, *dst = &p;
    CP(save_path);
    CP(torrent_data);
    CP(torrent_size);
    CP(torrent_file);
    CP(magnet_uri);
    CP(paused);
    CP(sequential);
    CP(file_priorities);
    CP(num_file_priorities);
    CP(super_seeding);
    CP(resume_data);
    CP(resume_size);
    return bt_session_add_torrent(session, &p, out);
}

SYMVER02(bt_torrent_status);
int capi02_bt_torrent_status(bt_torrent *torrent, struct bt02_torrent_status *dst);
int capi02_bt_torrent_status(bt_torrent *torrent, struct bt02_torrent_status *dst) {
    if (!dst)
        return bt_torrent_status(torrent, NULL);
    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT, *src = &st;
    int rc = bt_torrent_status(torrent, &st);
    if (rc != BT_OK)
        return rc;
    CP(state);
    CP(paused);
    CP(has_metadata);
    CP(error);
    CP(progress);
    CP(total_size);
    CP(total_wanted);
    CP(total_wanted_done);
    CP(total_done);
    CP(total_download);
    CP(total_upload);
    CP(download_rate);
    CP(upload_rate);
    CP(num_peers);
    CP(num_seeds);
    CP(num_pieces);
    CP(pieces_done);
    CP(piece_length);
    CPS(info_hash);
    CP(super_seeding);
    return BT_OK;
}

static void peer02(bt02_peer_info *dst, const bt_peer_info *src) {
    CPS(endpoint);
    CPS(client);
    CP(source);
    CP(flags);
    CP(progress);
    CP(download_rate);
    CP(upload_rate);
    CP(total_download);
    CP(total_upload);
}

SYMVER02(bt_torrent_peers);
int capi02_bt_torrent_peers(bt_torrent *torrent, bt02_peer_info *out, size_t cap, size_t *count);
int capi02_bt_torrent_peers(bt_torrent *torrent, bt02_peer_info *out, size_t cap, size_t *count) {
    if (!out || !count || cap == 0) /* argument errors and count-only calls need no conversion */
        return bt_torrent_peers(torrent, NULL, cap, count);
    size_t total = 0;
    int rc = bt_torrent_peers(torrent, NULL, 0, &total);
    if (rc != BT_OK)
        return rc;
    size_t n = cap < total ? cap : total;
    if (n == 0) {
        *count = total;
        return BT_OK;
    }
    bt_peer_info *tmp = calloc(n, sizeof *tmp);
    if (!tmp) {
        static const char msg[] = "bt_torrent_peers: out of memory";
        capi_set_last_error(msg, sizeof msg - 1);
        return BT_E_INTERNAL;
    }
    tmp[0].version = BT_PEER_INFO_VERSION;
    rc = bt_torrent_peers(torrent, tmp, n, count);
    if (rc == BT_OK) {
        size_t filled = *count < n ? *count : n; /* peers may have left in between */
        for (size_t i = 0; i < filled; i++)
            peer02(&out[i], &tmp[i]);
    }
    free(tmp);
    return rc;
}

SYMVER02(bt_torrent_web_seeds);
int capi02_bt_torrent_web_seeds(bt_torrent *torrent, bt02_web_seed_info **out, size_t *count);
int capi02_bt_torrent_web_seeds(bt_torrent *torrent, bt02_web_seed_info **out, size_t *count) {
    bt_web_seed_info *list = NULL;
    int rc = bt_torrent_web_seeds(torrent, BT_WEB_SEED_INFO_VERSION, out ? &list : NULL, count);
    if (out)
        *out = (bt02_web_seed_info *)list;
    if (rc != BT_OK || !list)
        return rc;
    /* Compacted in place, front to back: a 0.2 element is smaller, so element i's new place
     * ends before element i+1's old one starts, and each element is read whole before it is
     * written. The strings after the structs stay where they are; bt_free still frees it all. */
    bt02_web_seed_info *dst_arr = (bt02_web_seed_info *)list;
    for (size_t i = 0; i < *count; i++) {
        bt_web_seed_info s = list[i], *src = &s;
        bt02_web_seed_info d, *dst = &d;
        CP(url);
        CP(type);
        CP(requests);
        CP(total_download);
        CP(download_rate);
        CP(failures);
        CP(banned);
        CP(retry_in_ms);
        CP(error);
        memcpy(&dst_arr[i], &d, sizeof d);
    }
    return BT_OK;
}

SYMVER02(bt_session_disk_stats);
int capi02_bt_session_disk_stats(bt_session *session, bt02_disk_stats *dst);
int capi02_bt_session_disk_stats(bt_session *session, bt02_disk_stats *dst) {
    if (!dst)
        return bt_session_disk_stats(session, NULL);
    bt_disk_stats st = BT_DISK_STATS_INIT, *src = &st;
    int rc = bt_session_disk_stats(session, &st);
    if (rc != BT_OK)
        return rc;
    CP(read_hits);
    CP(read_misses);
    CP(read_syscalls);
    CP(write_syscalls);
    CP(read_bytes);
    CP(write_bytes);
    CP(pieces_flushed);
    CP(pieces_failed);
    CP(hash_read_backs);
    CP(read_back_blocks);
    CP(write_throughs);
    CP(flushes_complete);
    CP(flushes_budget);
    CP(flushes_close);
    CP(write_blocks);
    CP(read_blocks);
    CP(cache_blocks);
    CP(queued_write_bytes);
    CP(mapped_bytes);
    CP(locked_bytes);
    CP(lock_failed);
    return BT_OK;
}

SYMVER02(bt_session_dht_stats);
int capi02_bt_session_dht_stats(bt_session *session, bt02_dht_stats *dst);
int capi02_bt_session_dht_stats(bt_session *session, bt02_dht_stats *dst) {
    if (!dst)
        return bt_session_dht_stats(session, NULL);
    bt_dht_stats st = BT_DHT_STATS_INIT, *src = &st;
    int rc = bt_session_dht_stats(session, &st);
    if (rc != BT_OK)
        return rc;
    CPS(node_id);
    CP(nodes4);
    CP(nodes6);
    CP(good4);
    CP(good6);
    CP(lookups_in_flight);
    CP(queries_in_flight);
    CP(packets_in);
    CP(packets_out);
    CP(bytes_in);
    CP(bytes_out);
    CP(malformed);
    CP(dropped);
    CP(rate_limited);
    CP(trimmed);
    CP(queries_in);
    CP(responses_in);
    CP(timeouts);
    CP(info_hashes);
    CP(peers);
    CP(items);
    return BT_OK;
}

SYMVER02(bt_alerts_get);
int capi02_bt_alerts_get(const bt_alerts *alerts, size_t index, bt02_alert *dst);
int capi02_bt_alerts_get(const bt_alerts *alerts, size_t index, bt02_alert *dst) {
    if (!dst)
        return bt_alerts_get(alerts, index, NULL);
    bt_alert a = BT_ALERT_INIT, *src = &a;
    int rc = bt_alerts_get(alerts, index, &a);
    if (rc != BT_OK)
        return rc;
    CP(type);
    CP(category);
    CP(timestamp_us);
    CP(torrent);
    CP(info_hash);
    CP(message);
    CP(error);
    CP(state);
    CP(prev_state);
    CP(piece);
    CP(count);
    CP(endpoint);
    CP(url);
    CP(path);
    CP(operation);
    return BT_OK;
}

SYMVER02(bt_create_torrent);
int capi02_bt_create_torrent(const bt02_create_params *src, uint8_t **out, size_t *out_size);
int capi02_bt_create_torrent(const bt02_create_params *src, uint8_t **out, size_t *out_size) {
    if (!src)
        return bt_create_torrent(NULL, out, out_size);
    bt_create_params p = BT_CREATE_PARAMS_INIT, *dst = &p;
    CP(path);
    CP(piece_size);
    CP(trackers);
    CP(tracker_tiers);
    CP(num_trackers);
    CP(web_seeds);
    CP(num_web_seeds);
    CP(is_private);
    CP(comment);
    CP(creator);
    return bt_create_torrent(&p, out, out_size);
}
