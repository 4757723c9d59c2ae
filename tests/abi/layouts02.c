/*
 * Prints the size of every 0.2 struct and the offset of each of its fields, either as the
 * 0.2.0 header declares them (-DFROM_HEADER, with -Itests/abi/0.2.0) or as capi/layouts02.h,
 * the library's frozen copy that the LIBBT_0.2 functions convert from, declares them
 * (-Icapi -Iinclude). scripts/test-abi.sh compares the two outputs: they must be identical.
 */
#include <stddef.h>
#include <stdio.h>

#ifdef FROM_HEADER
#include "libbt.h"
#define T(name) bt_##name
#define ST(name) struct bt_##name
#else
#include "layouts02.h"
#define T(name) bt02_##name
#define ST(name) struct bt02_##name
#endif

#define S(name, type) printf("%s size %zu\n", name, sizeof(type))
#define O(name, type, field) printf("%s.%s %zu\n", name, #field, offsetof(type, field))

int main(void) {
    S("add_torrent_params", T(add_torrent_params));
#define X(f) O("add_torrent_params", T(add_torrent_params), f);
    X(save_path) X(torrent_data) X(torrent_size) X(torrent_file) X(magnet_uri) X(paused)
    X(sequential) X(file_priorities) X(num_file_priorities) X(super_seeding) X(resume_data)
    X(resume_size)
#undef X
    S("torrent_status", ST(torrent_status));
#define X(f) O("torrent_status", ST(torrent_status), f);
    X(state) X(paused) X(has_metadata) X(error) X(progress) X(total_size) X(total_wanted)
    X(total_wanted_done) X(total_done) X(total_download) X(total_upload) X(download_rate)
    X(upload_rate) X(num_peers) X(num_seeds) X(num_pieces) X(pieces_done) X(piece_length)
    X(info_hash) X(super_seeding)
#undef X
    S("peer_info", T(peer_info));
#define X(f) O("peer_info", T(peer_info), f);
    X(endpoint) X(client) X(source) X(flags) X(progress) X(download_rate) X(upload_rate)
    X(total_download) X(total_upload)
#undef X
    S("web_seed_info", T(web_seed_info));
#define X(f) O("web_seed_info", T(web_seed_info), f);
    X(url) X(type) X(requests) X(total_download) X(download_rate) X(failures) X(banned)
    X(retry_in_ms) X(error)
#undef X
    S("disk_stats", T(disk_stats));
#define X(f) O("disk_stats", T(disk_stats), f);
    X(read_hits) X(read_misses) X(read_syscalls) X(write_syscalls) X(read_bytes) X(write_bytes)
    X(pieces_flushed) X(pieces_failed) X(hash_read_backs) X(read_back_blocks) X(write_throughs)
    X(flushes_complete) X(flushes_budget) X(flushes_close) X(write_blocks) X(read_blocks)
    X(cache_blocks) X(queued_write_bytes) X(mapped_bytes) X(locked_bytes) X(lock_failed)
#undef X
    S("dht_stats", T(dht_stats));
#define X(f) O("dht_stats", T(dht_stats), f);
    X(node_id) X(nodes4) X(nodes6) X(good4) X(good6) X(lookups_in_flight) X(queries_in_flight)
    X(packets_in) X(packets_out) X(bytes_in) X(bytes_out) X(malformed) X(dropped)
    X(rate_limited) X(trimmed) X(queries_in) X(responses_in) X(timeouts) X(info_hashes)
    X(peers) X(items)
#undef X
    S("alert", T(alert));
#define X(f) O("alert", T(alert), f);
    X(type) X(category) X(timestamp_us) X(torrent) X(info_hash) X(message) X(error) X(state)
    X(prev_state) X(piece) X(count) X(endpoint) X(url) X(path) X(operation)
#undef X
    S("create_params", T(create_params));
#define X(f) O("create_params", T(create_params), f);
    X(path) X(piece_size) X(trackers) X(tracker_tiers) X(num_trackers) X(web_seeds)
    X(num_web_seeds) X(is_private) X(comment) X(creator)
#undef X
    return 0;
}
