/* The struct layouts of libbt 0.2.0 (tests/abi/0.2.0/libbt.h), frozen: no version member.
 * Programs built against 0.2.0 pass these; compat02.c converts them. Never edit. Not installed. */
#ifndef LIBBT_CAPI_LAYOUTS02_H
#define LIBBT_CAPI_LAYOUTS02_H

#include "libbt.h"

typedef struct bt02_disk_stats {
    uint64_t read_hits, read_misses, read_syscalls, write_syscalls, read_bytes, write_bytes;
    uint64_t pieces_flushed, pieces_failed, hash_read_backs, read_back_blocks, write_throughs;
    uint64_t flushes_complete, flushes_budget, flushes_close;
    int64_t write_blocks, read_blocks, cache_blocks, queued_write_bytes, mapped_bytes, locked_bytes;
    int lock_failed;
} bt02_disk_stats;

typedef struct bt02_add_torrent_params {
    const char *save_path;
    const uint8_t *torrent_data;
    size_t torrent_size;
    const char *torrent_file;
    const char *magnet_uri;
    int paused;
    int sequential;
    const uint8_t *file_priorities;
    size_t num_file_priorities;
    int super_seeding;
    const uint8_t *resume_data;
    size_t resume_size;
} bt02_add_torrent_params;

struct bt02_torrent_status {
    int state, paused, has_metadata, error;
    double progress;
    int64_t total_size, total_wanted, total_wanted_done, total_done, total_download, total_upload;
    int64_t download_rate, upload_rate;
    int num_peers, num_seeds, num_pieces, pieces_done;
    int64_t piece_length;
    char info_hash[41];
    int super_seeding;
};

typedef struct bt02_peer_info {
    char endpoint[64];
    char client[64];
    int source;
    uint32_t flags;
    double progress;
    int64_t download_rate, upload_rate, total_download, total_upload;
} bt02_peer_info;

typedef struct bt02_web_seed_info {
    const char *url;
    int type, requests;
    int64_t total_download, download_rate;
    int failures, banned;
    int64_t retry_in_ms;
    const char *error;
} bt02_web_seed_info;

typedef struct bt02_dht_stats {
    char node_id[41];
    int nodes4, nodes6, good4, good6, lookups_in_flight, queries_in_flight;
    uint64_t packets_in, packets_out, bytes_in, bytes_out, malformed, dropped, rate_limited, trimmed;
    uint64_t queries_in, responses_in, timeouts;
    int info_hashes, peers, items;
} bt02_dht_stats;

typedef struct bt02_alert {
    int type;
    uint32_t category;
    int64_t timestamp_us;
    bt_torrent *torrent;
    const char *info_hash, *message;
    int error, state, prev_state;
    int64_t piece, count;
    const char *endpoint, *url, *path, *operation;
} bt02_alert;

typedef struct bt02_create_params {
    const char *path;
    int64_t piece_size;
    const char *const *trackers;
    const int *tracker_tiers;
    size_t num_trackers;
    const char *const *web_seeds;
    size_t num_web_seeds;
    int is_private;
    const char *comment, *creator;
} bt02_create_params;

/* The sizes 0.2.0 had on x86-64 (tests/abi checks them against the 0.2.0 header as well). */
#if defined(__x86_64__)
_Static_assert(sizeof(bt02_add_torrent_params) == 88, "0.2.0 layout");
_Static_assert(sizeof(struct bt02_torrent_status) == 160, "0.2.0 layout");
_Static_assert(sizeof(bt02_peer_info) == 176, "0.2.0 layout");
_Static_assert(sizeof(bt02_web_seed_info) == 56, "0.2.0 layout");
_Static_assert(sizeof(bt02_disk_stats) == 168, "0.2.0 layout");
_Static_assert(sizeof(bt02_dht_stats) == 176, "0.2.0 layout");
_Static_assert(sizeof(bt02_alert) == 104, "0.2.0 layout");
_Static_assert(sizeof(bt02_create_params) == 80, "0.2.0 layout");
#endif

#endif
