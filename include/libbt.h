/*
 * libbt.h — the public C API of libbt, a BitTorrent engine.
 *
 * Conventions (after libgit2 and SQLite):
 *  - Every function that can fail returns int: BT_OK (0) or a negative BT_E_* code. On failure,
 *    bt_last_error() returns a message for the calling thread, valid until the next libbt call on
 *    that thread.
 *  - Handles (bt_session *, bt_torrent *, bt_settings *, bt_alerts *) are opaque and never
 *    dereferenced by libbt as memory: they are validated ids. A stale, freed, NULL or foreign
 *    handle yields BT_E_BAD_HANDLE (or BT_E_INVALID_ARG for NULL), never a crash. Ids are never
 *    reused, so a stale handle cannot name a newer object.
 *  - What libbt allocates, libbt frees: strings and buffers with bt_free(), objects with their
 *    bt_*_free(). All free functions accept NULL.
 *  - Torrent handles belong to their session: they need no freeing and become stale when the
 *    torrent is removed or the session is freed.
 *  - All functions are thread-safe unless stated otherwise.
 *  - After fork() the library is unusable in the child: spawn processes, do not fork them.
 *
 * How the ABI grows (docs/ABI.md has the details and the reasons):
 *  - Every struct that crosses the ABI has `unsigned int version` as its first member. Set it
 *    with the struct's BT_*_INIT macro or bt_*_init() function before passing the struct (or,
 *    for an array the caller allocates, its first element) to libbt. libbt accepts every
 *    version it has ever defined, reading and writing only the fields that version has, and
 *    rejects version 0 and versions newer than itself with BT_E_VERSION.
 *  - Fields are only ever appended to a struct, and appending one bumps its BT_*_VERSION.
 *    Enum values and functions are only added. A function whose arguments must change gets a
 *    new ELF symbol version (LIBBT_x.y) and the old symbol stays, converting.
 *  - Anything else (removing or reordering a field, changing a type or a meaning) changes the
 *    SONAME (libbt.so.N).
 *  - 0.3 added the version members. Programs built against 0.2.0 keep working with this
 *    library under the same SONAME, libbt.so.0: their unversioned references bind to the
 *    LIBBT_0.2 symbols, which take the 0.2 layouts. Programs built against 0.1 were already
 *    broken by 0.2.0 (bt_add_torrent_params grew from 64 to 88 bytes) and must be rebuilt.
 */
#ifndef LIBBT_H
#define LIBBT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBBT_VERSION_MAJOR 0
#define LIBBT_VERSION_MINOR 4
#define LIBBT_VERSION_PATCH 0
#define LIBBT_VERSION "0.4.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH, comparable with bt_version_number(). */
#define LIBBT_VERSION_NUMBER (LIBBT_VERSION_MAJOR * 10000 + LIBBT_VERSION_MINOR * 100 + LIBBT_VERSION_PATCH)

/* In C designated (`.version = v`), so -Wextra does not warn about the members left zero. In
 * C++ (where g++ -Wextra warns either way) bt_*_init() is the quiet spelling. */
#ifdef __cplusplus
#define BT_VERSIONED_INIT_(v) { (v) }
#else
#define BT_VERSIONED_INIT_(v) { .version = (v) }
#endif

/* ---- errors ------------------------------------------------------------------------------ */

typedef enum bt_error_code {
    BT_OK = 0,
    BT_E_INVALID_ARG = -1,     /* NULL pointer, out-of-range value, malformed address */
    BT_E_BAD_HANDLE = -2,      /* stale, freed or foreign handle */
    BT_E_PARSE = -3,           /* malformed .torrent, magnet URI or bencode */
    BT_E_NOT_FOUND = -4,       /* no such torrent, file or item */
    BT_E_EXISTS = -5,          /* the torrent is already in the session */
    BT_E_IO = -6,              /* file system error */
    BT_E_UNKNOWN_SETTING = -7, /* no setting by that name */
    BT_E_SETTING_TYPE = -8,    /* setting exists but has another type, or the value is invalid */
    BT_E_STATE = -9,           /* not possible in the current state (e.g. no metadata yet) */
    BT_E_TIMEOUT = -10,
    BT_E_BUFFER_TOO_SMALL = -11, /* the needed size is returned through the size out-parameter */
    BT_E_NETWORK = -12,        /* cannot listen or connect */
    BT_E_VERSION = -13,        /* a struct's version member is 0 or newer than this libbt knows;
                                * the message names the struct and the version (since 0.3) */
    BT_E_LIMIT = -14,          /* a limit was exceeded; the message names the limit and the
                                * value, e.g. "max_pieces exceeded: 2000001 > 2000000" (since 0.3) */
    BT_E_INTERNAL = -99        /* a bug in libbt (a recovered panic); the message says where */
} bt_error_code;

/* The calling thread's message for the last failed call. Never NULL ("" if none). */
const char *bt_last_error(void);
/* A static description of an error code. Never NULL. */
const char *bt_strerror(int code);

/* Runtime version, e.g. "0.4.0", and MAJOR*10000+MINOR*100+PATCH. */
const char *bt_version(void);
int bt_version_number(void);

/* Frees a string or buffer that libbt returned. NULL-safe. */
void bt_free(void *ptr);

/* ---- settings ---------------------------------------------------------------------------- */
/*
 * Settings are typed values by name (libtorrent's names where they exist). Setting an unknown
 * name or the wrong type fails with BT_E_UNKNOWN_SETTING / BT_E_SETTING_TYPE and a message.
 * The main ones (see README for all):
 *   listen_interfaces (str)   "127.0.0.1:6881,[::1]:6881"; port 0 picks a free port
 *   connections_limit (int)   maximum peer connections in the session (default 200)
 *   unchoke_slots_limit (int) regular upload slots (default 8; -1 = unlimited)
 *   download_rate_limit, upload_rate_limit (int) bytes/s, 0 = unlimited
 *   alert_mask (int)          BT_ALERT_CATEGORY_* bits
 *   alert_queue_size (int)    bounded alert queue (default 2000)
 *   request_queue_time (int)  seconds of data to keep requested from a peer (default 3)
 *   peer_timeout (int)        seconds without a message before a peer is dropped (default 120)
 *   user_agent (str), peer_fingerprint (str)
 *   enable_incoming_tcp, enable_outgoing_tcp (bool)
 *   enable_dht, enable_lsd, enable_upnp, enable_natpmp (bool, default false)
 *   dht_bootstrap_nodes (str) "host:port,..."; empty: contact nobody
 *   dht_state_file (str), dht_read_only, dht_enforce_node_id (bool)
 *   out_enc_policy, in_enc_policy (int) protocol encryption: 0 forced, 1 enabled (default),
 *                             2 disabled; allowed_enc_level (int) 1 plaintext, 2 RC4, 3 both
 *   prefer_rc4 (bool)
 * bt_setting_type() tells the type of any name, so bindings and command lines need not guess.
 */
typedef struct bt_settings bt_settings;

int bt_settings_new(bt_settings **out);
void bt_settings_free(bt_settings *settings);
int bt_settings_set_int(bt_settings *settings, const char *name, int64_t value);
int bt_settings_set_bool(bt_settings *settings, const char *name, int value);
int bt_settings_set_str(bt_settings *settings, const char *name, const char *value);

typedef enum bt_setting_kind {
    BT_SETTING_INT = 1,
    BT_SETTING_BOOL = 2,
    BT_SETTING_STR = 3
} bt_setting_kind;

/* The type of the setting called name (a BT_SETTING_*), or BT_E_UNKNOWN_SETTING. (since 0.2) */
int bt_setting_type(const char *name, int *type);

/* ---- session ----------------------------------------------------------------------------- */

typedef struct bt_session bt_session;
typedef struct bt_torrent bt_torrent;

/* settings may be NULL for the defaults. The settings object is copied; free it when you like. */
int bt_session_new(const bt_settings *settings, bt_session **out);
/* Stops all torrents (announcing "stopped" to trackers, bounded in time) and frees the session.
 * Returns BT_E_BAD_HANDLE for a session already freed; NULL is accepted (returns BT_OK). */
int bt_session_free(bt_session *session);
/* Applies settings to a running session. */
int bt_session_apply_settings(bt_session *session, const bt_settings *settings);
int bt_session_set_int(bt_session *session, const char *name, int64_t value);
int bt_session_set_bool(bt_session *session, const char *name, int value);
int bt_session_set_str(bt_session *session, const char *name, const char *value);
/* Reads an int setting (a bool setting reads as 0 or 1). */
int bt_session_get_int(bt_session *session, const char *name, int64_t *out);
/* Reads a bool setting as 0 or 1; BT_E_SETTING_TYPE for other types. (since 0.2) */
int bt_session_get_bool(bt_session *session, const char *name, int *out);
/* *out is allocated by libbt: free it with bt_free(). */
int bt_session_get_str(bt_session *session, const char *name, char **out);
/* The TCP port actually listened on (first listen interface), useful with port 0. */
int bt_session_listen_port(bt_session *session, int *out_port);

/* Counters of the session's disk layer (libtorrent's session stats are the model). Counters
 * only grow; gauges are current values. (since 0.2) */
typedef struct bt_disk_stats {
    unsigned int version;        /* BT_DISK_STATS_VERSION (since 0.3) */
    /* block cache lookups by reads for peers, in blocks */
    uint64_t read_hits;          /* served from memory */
    uint64_t read_misses;        /* needed a disk read (which reads the rest of the piece ahead) */
    /* system calls: one per file touched by each pread/preadv/pwrite/pwritev */
    uint64_t read_syscalls;
    uint64_t write_syscalls;
    uint64_t read_bytes;
    uint64_t write_bytes;
    /* pieces */
    uint64_t pieces_flushed;     /* written after passing their hash */
    uint64_t pieces_failed;      /* failed their hash (dropped) */
    uint64_t hash_read_backs;    /* pieces that had to be read (partly) back to be hashed */
    uint64_t read_back_blocks;   /* blocks read back for that */
    uint64_t write_throughs;     /* blocks written directly: no cache slot could be freed */
    /* flush reasons */
    uint64_t flushes_complete;   /* a piece that passed its hash */
    uint64_t flushes_budget;     /* a partial piece, to make room (least recently updated first) */
    uint64_t flushes_close;      /* partial pieces at close, recheck or resume-data time */
    /* gauges */
    int64_t write_blocks;        /* dirty blocks in the cache (not on disk yet) */
    int64_t read_blocks;         /* clean blocks in the cache (also on disk) */
    int64_t cache_blocks;        /* cache capacity in blocks */
    int64_t queued_write_bytes;  /* submitted writes not yet in the cache or on disk */
    int64_t mapped_bytes;        /* cache memory mapped so far */
    int64_t locked_bytes;        /* of which locked in RAM */
    int lock_failed;             /* locking was asked for and refused */
} bt_disk_stats;

#define BT_DISK_STATS_VERSION 1
#define BT_DISK_STATS_INIT BT_VERSIONED_INIT_(BT_DISK_STATS_VERSION)
/* Zeroes *stats and sets its version (BT_E_VERSION if libbt does not know it). (since 0.3) */
int bt_disk_stats_init(bt_disk_stats *stats, unsigned int version);

/* out->version must be set (BT_DISK_STATS_INIT). */
int bt_session_disk_stats(bt_session *session, bt_disk_stats *out);

/* ---- torrents ---------------------------------------------------------------------------- */

/* Exactly one of torrent_data, torrent_file, magnet_uri must be set. Start from
 * BT_ADD_TORRENT_PARAMS_INIT (or bt_add_torrent_params_init()): zero is the default for every
 * other field. */
typedef struct bt_add_torrent_params {
    unsigned int version;           /* BT_ADD_TORRENT_PARAMS_VERSION (since 0.3) */
    const char *save_path;          /* required: directory the files are saved under */
    const uint8_t *torrent_data;    /* .torrent bytes ... */
    size_t torrent_size;
    const char *torrent_file;       /* ... or a .torrent path ... */
    const char *magnet_uri;         /* ... or a magnet link */
    int paused;                     /* add in the paused state */
    int sequential;                 /* download pieces in order */
    const uint8_t *file_priorities; /* per file, 0 (skip) - 7; NULL = all 4 */
    size_t num_file_priorities;
    /* since 0.2 */
    int super_seeding;              /* BEP 16 super seeding once the torrent is a seed */
    const uint8_t *resume_data;     /* from bt_torrent_save_resume_data(): skips the full */
    size_t resume_size;             /* recheck of files unchanged since; NULL = none */
} bt_add_torrent_params;

#define BT_ADD_TORRENT_PARAMS_VERSION 1
#define BT_ADD_TORRENT_PARAMS_INIT BT_VERSIONED_INIT_(BT_ADD_TORRENT_PARAMS_VERSION)
/* Zeroes *params and sets its version (BT_E_VERSION if libbt does not know it). (since 0.3) */
int bt_add_torrent_params_init(bt_add_torrent_params *params, unsigned int version);

int bt_session_add_torrent(bt_session *session, const bt_add_torrent_params *params, bt_torrent **out);

#define BT_REMOVE_DELETE_FILES 1
int bt_session_remove_torrent(bt_session *session, bt_torrent *torrent, int flags);

/* Fills out[0..cap) with the session's torrents; *count is the total (may exceed cap). */
int bt_session_torrents(bt_session *session, bt_torrent **out, size_t cap, size_t *count);
/* info_hash: 40 hex characters. BT_E_NOT_FOUND if absent. */
int bt_session_find_torrent(bt_session *session, const char *info_hash, bt_torrent **out);

typedef enum bt_torrent_state {
    BT_STATE_CHECKING_FILES = 1,
    BT_STATE_DOWNLOADING_METADATA = 2,
    BT_STATE_DOWNLOADING = 3,
    BT_STATE_FINISHED = 4,  /* all wanted pieces done, some skipped */
    BT_STATE_SEEDING = 5,
    BT_STATE_ERROR = 6      /* see bt_torrent_status.error_message via bt_torrent_error */
} bt_torrent_state;

/* A struct tag only, no typedef: the name bt_torrent_status is the function below. */
struct bt_torrent_status {
    unsigned int version;     /* BT_TORRENT_STATUS_VERSION (since 0.3) */
    int state;                /* bt_torrent_state */
    int paused;
    int has_metadata;
    int error;                /* BT_E_* when state == BT_STATE_ERROR, else 0 */
    double progress;          /* 0..1 of the wanted bytes; while checking files, of the check */
    int64_t total_size;       /* bytes in the torrent (0 without metadata) */
    int64_t total_wanted;     /* bytes not skipped by priority 0 */
    int64_t total_wanted_done;/* verified wanted bytes */
    int64_t total_done;       /* verified bytes */
    int64_t total_download;   /* payload bytes received this session */
    int64_t total_upload;     /* payload bytes sent this session */
    int64_t download_rate;    /* payload bytes/s */
    int64_t upload_rate;
    int num_peers;            /* connected peers */
    int num_seeds;            /* connected peers that have everything */
    int num_pieces;
    int pieces_done;
    int64_t piece_length;
    char info_hash[41];       /* hex, NUL-terminated */
    /* since 0.2 */
    int super_seeding;        /* super seeding is switched on (it acts once the torrent seeds) */
};

#define BT_TORRENT_STATUS_VERSION 1
#define BT_TORRENT_STATUS_INIT BT_VERSIONED_INIT_(BT_TORRENT_STATUS_VERSION)
/* Zeroes *status and sets its version (BT_E_VERSION if libbt does not know it). (since 0.3) */
int bt_torrent_status_init(struct bt_torrent_status *status, unsigned int version);

/* out->version must be set (BT_TORRENT_STATUS_INIT). */
int bt_torrent_status(bt_torrent *torrent, struct bt_torrent_status *out);
/* Batched status, libtorrent's post_torrent_updates (since 0.4): the status of every torrent
 * whose status changed since the previous call (the first call: every torrent), taken from
 * snapshots the torrents publish (at most a second old) instead of asking each one; paused and
 * idle torrents cost nothing. statuses[i] is about torrents[i]; statuses[0].version sets the
 * layout of the whole array (BT_TORRENT_STATUS_INIT). When more than cap changed, nothing is
 * taken: BT_E_BUFFER_TOO_SMALL with *count the number pending (cap 0 and NULL arrays ask for
 * it); otherwise *count is the number written, in the order the torrents were added. One
 * consumer per session: two callers split the changes between them. */
int bt_session_torrent_updates(bt_session *session, bt_torrent **torrents,
                               struct bt_torrent_status *statuses, size_t cap, size_t *count);
/* The torrent's name (from metadata or the magnet's dn). Free with bt_free(). */
int bt_torrent_name(bt_torrent *torrent, char **out);
/* The current error message ("" if none). Free with bt_free(). */
int bt_torrent_error(bt_torrent *torrent, char **out);
/* Copies the piece bitfield (BitTorrent wire order: piece 0 is the high bit of byte 0).
 * If cap is too small, returns BT_E_BUFFER_TOO_SMALL with *size set to the bytes needed. */
int bt_torrent_pieces(bt_torrent *torrent, uint8_t *out, size_t cap, size_t *size);
/* A magnet link for the torrent. Free with bt_free(). */
int bt_torrent_magnet(bt_torrent *torrent, char **out);
int bt_torrent_pause(bt_torrent *torrent);
int bt_torrent_resume(bt_torrent *torrent);
int bt_torrent_force_recheck(bt_torrent *torrent);
/* endpoint: "1.2.3.4:6881" or "[::1]:6881". */
int bt_torrent_connect_peer(bt_torrent *torrent, const char *endpoint);
int bt_torrent_set_file_priority(bt_torrent *torrent, int file_index, int priority);
int bt_torrent_set_sequential(bt_torrent *torrent, int sequential);
/* Moves the torrent's files to a new save directory; cached data is written first, and on
 * failure nothing moves. Blocks until the move is done. */
int bt_torrent_move_storage(bt_torrent *torrent, const char *save_path);
/* Gives file file_index a new path relative to the save directory ('/'-separated; it must
 * stay inside it), renaming the file on disk if it exists. */
int bt_torrent_rename_file(bt_torrent *torrent, int file_index, const char *path);
int bt_torrent_num_files(bt_torrent *torrent, int *out);
/* File path (relative, '/'-separated, free with bt_free()) and size. */
int bt_torrent_file(bt_torrent *torrent, int file_index, char **path, int64_t *size);

/* ---- peers (since 0.2) -------------------------------------------------------------------- */

typedef enum bt_peer_source {
    BT_PEER_SOURCE_UNKNOWN = 0,
    BT_PEER_SOURCE_TRACKER = 1,
    BT_PEER_SOURCE_DHT = 2,
    BT_PEER_SOURCE_PEX = 3,      /* peer exchange (BEP 11) */
    BT_PEER_SOURCE_LSD = 4,      /* local service discovery (BEP 14) */
    BT_PEER_SOURCE_USER = 5,     /* bt_torrent_connect_peer() or a magnet's x.pe */
    BT_PEER_SOURCE_INCOMING = 6, /* it connected to us */
    BT_PEER_SOURCE_WEB_SEED = 7
} bt_peer_source;

/* bt_peer_info.flags bits */
#define BT_PEER_INCOMING 0x1         /* it connected to us */
#define BT_PEER_SEED 0x2             /* it has every piece */
#define BT_PEER_ENCRYPTED 0x4        /* the connection is encrypted (MSE/PE, RC4) */
#define BT_PEER_CHOKED 0x8           /* we choke it */
#define BT_PEER_INTERESTED 0x10      /* we are interested in it */
#define BT_PEER_REMOTE_CHOKED 0x20   /* it chokes us */
#define BT_PEER_REMOTE_INTERESTED 0x40 /* it is interested in us */
#define BT_PEER_SNUBBED 0x80         /* it has sent nothing we asked for in a while */

/* One connected peer. Strings are NUL-terminated (truncated if longer). */
typedef struct bt_peer_info {
    unsigned int version;     /* BT_PEER_INFO_VERSION (since 0.3) */
    char endpoint[64];        /* "1.2.3.4:6881" or "[::1]:6881" */
    char client[64];          /* from its extended handshake ("v"), "" if unknown */
    int source;               /* bt_peer_source: how we learned of it */
    uint32_t flags;           /* BT_PEER_* bits */
    double progress;          /* 0..1 of the pieces it has */
    int64_t download_rate;    /* payload bytes/s from it */
    int64_t upload_rate;      /* payload bytes/s to it */
    int64_t total_download;   /* payload bytes from it on this connection */
    int64_t total_upload;     /* payload bytes to it on this connection */
} bt_peer_info;

#define BT_PEER_INFO_VERSION 1
#define BT_PEER_INFO_INIT BT_VERSIONED_INIT_(BT_PEER_INFO_VERSION)
/* Zeroes *info and sets its version (BT_E_VERSION if libbt does not know it). (since 0.3) */
int bt_peer_info_init(bt_peer_info *info, unsigned int version);

/* Fills out[0..min(cap, *count)) with the connected peers; *count is the total. out may be NULL
 * when cap is 0 (to ask for the count).
 * An array the caller allocates carries its version in its first element: out[0].version
 * (`bt_peer_info peers[32] = { BT_PEER_INFO_INIT };`, or bt_peer_info_init(&out[0], ...) on
 * malloc'd memory) chooses the layout of every element, which are sizeof that version apart;
 * libbt sets the version of each element it fills. */
int bt_torrent_peers(bt_torrent *torrent, bt_peer_info *out, size_t cap, size_t *count);

/* ---- super seeding, web seeds, fast resume (since 0.2) ------------------------------------ */

/* BEP 16: reveal pieces one at a time to each peer. Takes effect for peers connecting after
 * the change, and only while the torrent is a seed. */
int bt_torrent_set_super_seeding(bt_torrent *torrent, int on);

typedef enum bt_web_seed_type {
    BT_WEB_SEED_URL = 1,  /* BEP 19, GetRight-style (url-list) */
    BT_WEB_SEED_HTTP = 2  /* BEP 17, Hoffman-style (httpseeds) */
} bt_web_seed_type;

/* Adds an http:// or https:// web seed. Adding one already there clears its ban and back-off. */
int bt_torrent_add_web_seed(bt_torrent *torrent, const char *url, int type);
/* Stops and forgets the web seed with this URL (either type); BT_E_INVALID_ARG if none. */
int bt_torrent_remove_web_seed(bt_torrent *torrent, const char *url);

typedef struct bt_web_seed_info {
    unsigned int version;     /* the version asked for (since 0.3) */
    const char *url;
    int type;                 /* bt_web_seed_type */
    int requests;             /* requests in flight */
    int64_t total_download;   /* payload bytes received from it */
    int64_t download_rate;    /* bytes/s */
    int failures;             /* failures since its last success */
    int banned;               /* sent too many pieces that failed the hash check */
    int64_t retry_in_ms;      /* > 0 while backed off */
    const char *error;        /* its latest failure, "" after a success */
} bt_web_seed_info;

#define BT_WEB_SEED_INFO_VERSION 1

/* The torrent's web seeds as one allocation (the structs, then their strings): *out is NULL
 * when there are none, else free it with bt_free().
 * An array libbt allocates is laid out in the version the caller asks for (pass
 * BT_WEB_SEED_INFO_VERSION): elements are sizeof that version apart and each carries it.
 * (since 0.3: the version argument; 0.2 programs keep the old signature, see the top) */
int bt_torrent_web_seeds(bt_torrent *torrent, unsigned int version, bt_web_seed_info **out,
                         size_t *count);

/* The torrent's fast-resume data (bencoded, libtorrent's field names), to pass back in
 * bt_add_torrent_params.resume_data. *out is freed with bt_free(). BT_E_STATE without metadata
 * or while checking files. */
int bt_torrent_save_resume_data(bt_torrent *torrent, uint8_t **out, size_t *size);
/* Writes data to path atomically (a temporary file in the same directory, fsync, rename, fsync
 * of the directory): a crash leaves the old file or the new one, never a torn one. */
int bt_write_resume_file(const char *path, const uint8_t *data, size_t size);

/* ---- DHT (since 0.2) ----------------------------------------------------------------------- */
/*
 * The session's Mainline DHT node runs when the enable_dht setting is on (with
 * dht_bootstrap_nodes "host:port,..."; empty by default: contact nobody). Every function below
 * fails with BT_E_STATE while it is off. Lookups block the calling thread for up to timeout_ms
 * (-1: libbt's own limits only); BT_E_TIMEOUT when they run out, BT_E_NETWORK when there is no
 * node to ask yet.
 */
typedef struct bt_dht_stats {
    unsigned int version;       /* BT_DHT_STATS_VERSION (since 0.3) */
    char node_id[41];           /* hex */
    int nodes4, nodes6;         /* routing-table entries (good and questionable) */
    int good4, good6;
    int lookups_in_flight;
    int queries_in_flight;
    uint64_t packets_in, packets_out;
    uint64_t bytes_in, bytes_out;
    uint64_t malformed;         /* datagrams that failed to decode */
    uint64_t dropped;           /* well-formed but lying or unexpected */
    uint64_t rate_limited;      /* queries dropped by the per-IP limit */
    uint64_t trimmed;           /* replies cut to the anti-amplification limit */
    uint64_t queries_in, responses_in, timeouts;
    int info_hashes, peers;     /* peer store */
    int items;                  /* BEP 44 store */
} bt_dht_stats;

#define BT_DHT_STATS_VERSION 1
#define BT_DHT_STATS_INIT BT_VERSIONED_INIT_(BT_DHT_STATS_VERSION)
/* Zeroes *stats and sets its version (BT_E_VERSION if libbt does not know it). (since 0.3) */
int bt_dht_stats_init(bt_dht_stats *stats, unsigned int version);

/* out->version must be set (BT_DHT_STATS_INIT). */
int bt_session_dht_stats(bt_session *session, bt_dht_stats *out);
/* Announces that we have info_hash (40 hex) on port (<= 0: the session's listen port). */
int bt_session_dht_announce(bt_session *session, const char *info_hash, int port, int timeout_ms);
/* Looks up peers for info_hash. *out is "1.2.3.4:6881\n[::1]:6881\n..." (one endpoint per line,
 * "" for none), *count the number of lines; free *out with bt_free(). */
int bt_session_dht_get_peers(bt_session *session, const char *info_hash, int timeout_ms,
                             char **out, size_t *count);
/* BEP 44. value is one bencoded value of at most 1000 bytes. *stored (may be NULL) is the number
 * of nodes that took the item. */
int bt_session_dht_put_immutable(bt_session *session, const uint8_t *value, size_t size,
                                 int timeout_ms, char *target /* [41] */, int *stored);
/* target: 40 hex (SHA-1 of the bencoded value). BT_E_NOT_FOUND if no node has it. */
int bt_session_dht_get_immutable(bt_session *session, const char *target, int timeout_ms,
                                 uint8_t **value, size_t *size);
/* Signs value with the ed25519 key of the 32-byte seed and stores it under (public key, salt).
 * public_key (may be NULL) receives the 32-byte public key. */
int bt_session_dht_put_mutable(bt_session *session, const uint8_t *seed /* [32] */, const uint8_t *salt,
                               size_t salt_size, const uint8_t *value, size_t size, int64_t seq,
                               int timeout_ms, uint8_t *public_key /* [32] or NULL */, int *stored);
/* The newest item of (public key, salt) whose signature verifies; BT_E_NOT_FOUND if none. */
int bt_session_dht_get_mutable(bt_session *session, const uint8_t *public_key /* [32] */,
                               const uint8_t *salt, size_t salt_size, int timeout_ms,
                               uint8_t **value, size_t *size, int64_t *seq);

/* ---- alerts ------------------------------------------------------------------------------ */

typedef enum bt_alert_category {
    BT_ALERT_CATEGORY_ERROR = 0x1,
    BT_ALERT_CATEGORY_STATUS = 0x2,
    BT_ALERT_CATEGORY_PEER = 0x4,
    BT_ALERT_CATEGORY_TRACKER = 0x8,
    BT_ALERT_CATEGORY_STORAGE = 0x10,
    BT_ALERT_CATEGORY_PROGRESS = 0x20,
    BT_ALERT_CATEGORY_PERFORMANCE = 0x40,
    BT_ALERT_CATEGORY_DHT = 0x80,
    BT_ALERT_CATEGORY_ALL = 0x7fffffff
} bt_alert_category;

/* Default mask: ERROR | STATUS | TRACKER | STORAGE. */

typedef enum bt_alert_type {
    BT_ALERT_TORRENT_ADDED = 1,
    BT_ALERT_TORRENT_REMOVED = 2,
    BT_ALERT_STATE_CHANGED = 3,       /* state, prev_state */
    BT_ALERT_TORRENT_FINISHED = 4,
    BT_ALERT_TORRENT_PAUSED = 5,
    BT_ALERT_TORRENT_RESUMED = 6,
    BT_ALERT_TORRENT_CHECKED = 7,
    BT_ALERT_TORRENT_ERROR = 8,       /* error, message */
    BT_ALERT_FILE_ERROR = 9,          /* error, path, operation */
    BT_ALERT_PIECE_FINISHED = 10,     /* piece */
    BT_ALERT_HASH_FAILED = 11,        /* piece */
    BT_ALERT_TRACKER_ANNOUNCE = 12,   /* url, event in operation */
    BT_ALERT_TRACKER_REPLY = 13,      /* url, count = peers received */
    BT_ALERT_TRACKER_ERROR = 14,      /* url, message */
    BT_ALERT_TRACKER_WARNING = 15,    /* url, message */
    BT_ALERT_PEER_CONNECTED = 16,     /* endpoint */
    BT_ALERT_PEER_DISCONNECTED = 17,  /* endpoint, message = reason */
    BT_ALERT_PEER_ERROR = 18,         /* endpoint, message: protocol violation */
    BT_ALERT_LISTEN_SUCCEEDED = 19,   /* endpoint */
    BT_ALERT_LISTEN_FAILED = 20,      /* endpoint, message */
    BT_ALERT_METADATA_RECEIVED = 21,
    BT_ALERT_METADATA_FAILED = 22,    /* endpoint */
    BT_ALERT_ALERTS_DROPPED = 23,     /* count = alerts dropped since the last batch */
    BT_ALERT_PERFORMANCE = 24,        /* message */
    BT_ALERT_WEB_SEED_ERROR = 25,     /* url, error, message: backed off or banned (since 0.2) */
    BT_ALERT_DHT_REPLY = 26,          /* count = peers a DHT announce found (since 0.2) */
    /* since 0.3 (27 was emitted by 0.2.0 already, but missing here) */
    BT_ALERT_FASTRESUME_REJECTED = 27, /* error, message: why the resume data was not used; a full
                                        * check of the files follows */
    BT_ALERT_TORRENT_SANITIZED = 28,  /* message: what loading the torrent changed (paths renamed,
                                       * unsorted keys, ...) */
    BT_ALERT_PEER_BANNED = 29,        /* endpoint, message: why (hash failures); its IP is refused
                                       * from now on */
    BT_ALERT_SESSION_ERROR = 30,      /* error, message: a session-wide failure (e.g. a recovered
                                       * panic outside any torrent); the session goes on */
    BT_ALERT_BLOCK_TIMEOUT = 31,      /* endpoint, piece: a requested block did not arrive in time
                                       * and is asked for again */
    BT_ALERT_ADD_TORRENT_FAILED = 32  /* error, message: a torrent could not be added (a limit, a
                                       * parse error); info_hash when known */
} bt_alert_type;

/* One alert. Strings are owned by the batch and valid until bt_alerts_free(); unused fields are
 * 0, -1 (piece) or "" (strings), never NULL. */
typedef struct bt_alert {
    unsigned int version;     /* BT_ALERT_VERSION (since 0.3) */
    int type;                 /* bt_alert_type */
    uint32_t category;        /* bt_alert_category bits */
    int64_t timestamp_us;     /* unix time in microseconds */
    bt_torrent *torrent;      /* NULL when not about a torrent (or the torrent is gone) */
    const char *info_hash;    /* hex, "" when not about a torrent */
    const char *message;      /* human-readable description */
    int error;                /* BT_E_* for error alerts */
    int state;                /* STATE_CHANGED: new bt_torrent_state */
    int prev_state;
    int64_t piece;            /* PIECE_FINISHED, HASH_FAILED, BLOCK_TIMEOUT */
    int64_t count;            /* TRACKER_REPLY peers; ALERTS_DROPPED alerts */
    const char *endpoint;     /* peer or listen address */
    const char *url;          /* tracker URL */
    const char *path;         /* FILE_ERROR file */
    const char *operation;    /* FILE_ERROR: "open", "read", "write", ...; TRACKER_ANNOUNCE: event */
} bt_alert;

#define BT_ALERT_VERSION 1
#define BT_ALERT_INIT BT_VERSIONED_INIT_(BT_ALERT_VERSION)
/* Zeroes *alert and sets its version (BT_E_VERSION if libbt does not know it). (since 0.3) */
int bt_alert_init(bt_alert *alert, unsigned int version);

/* A batch of alerts owned by the caller. */
typedef struct bt_alerts bt_alerts;

/* Takes every queued alert into a new batch (possibly empty). Free it with bt_alerts_free(). */
int bt_session_pop_alerts(bt_session *session, bt_alerts **out);
/* Waits up to timeout_ms (-1 = forever) for an alert. Returns 1 if alerts are queued, 0 on
 * timeout, or a negative error (e.g. the session was freed while waiting). */
int bt_session_wait_for_alert(bt_session *session, int timeout_ms);
/* Called from a libbt thread whenever the alert queue goes from empty to non-empty. It must
 * return quickly and must not call libbt. NULL removes it. */
typedef void (*bt_alert_notify_fn)(void *userdata);
int bt_session_set_alert_notify(bt_session *session, bt_alert_notify_fn fn, void *userdata);

int bt_alerts_count(const bt_alerts *alerts, size_t *out);
/* Copies alert i into *out (out->version must be set: BT_ALERT_INIT); its strings stay valid
 * until the batch is freed. */
int bt_alerts_get(const bt_alerts *alerts, size_t index, bt_alert *out);
void bt_alerts_free(bt_alerts *alerts);
/* "torrent_added", "state_changed", ...; "unknown" for unknown types. */
const char *bt_alert_type_name(int type);

/* ---- torrent creation -------------------------------------------------------------------- */

typedef struct bt_create_params {
    unsigned int version;            /* BT_CREATE_PARAMS_VERSION (since 0.3) */
    const char *path;                /* file or directory */
    int64_t piece_size;              /* 0 = automatic */
    const char *const *trackers;     /* num_trackers URLs */
    const int *tracker_tiers;        /* tier of each tracker; NULL = one tier per tracker */
    size_t num_trackers;
    const char *const *web_seeds;
    size_t num_web_seeds;
    int is_private;
    const char *comment;             /* NULL = none */
    const char *creator;             /* NULL = "libbt/VERSION" */
} bt_create_params;

#define BT_CREATE_PARAMS_VERSION 1
#define BT_CREATE_PARAMS_INIT BT_VERSIONED_INIT_(BT_CREATE_PARAMS_VERSION)
/* Zeroes *params and sets its version (BT_E_VERSION if libbt does not know it). (since 0.3) */
int bt_create_params_init(bt_create_params *params, unsigned int version);

/* Hashes the files (in parallel) and returns the .torrent bytes; free with bt_free(). */
int bt_create_torrent(const bt_create_params *params, uint8_t **out, size_t *out_size);

/* ---- queueing ---------------------------------------------------------------------------- */
/*
 * libtorrent's queueing (since 0.4). An auto-managed torrent is started and paused by the
 * session's queue to keep the settings active_downloads, active_seeds, active_checking and
 * active_limit (libtorrent's names, defaults and meanings; dont_count_slow_torrents,
 * share_ratio_limit, seed_time_limit, auto_manage_interval too): a paused auto-managed torrent
 * is queued and waits its turn, with torrent_resumed / torrent_paused alerts whose message names
 * the limit. Auto-management is off unless set; turning it off leaves the torrent as it is.
 * Downloading torrents have a place in the download queue, 0 first, in the order added;
 * finished and seeding ones have -1 and moving them does nothing (as in libtorrent).
 */
int bt_torrent_set_auto_managed(bt_torrent *torrent, int on);
int bt_torrent_auto_managed(bt_torrent *torrent, int *out);
/* The torrent's place in the download queue, or -1. */
int bt_torrent_queue_position(bt_torrent *torrent, int *out);
/* Moves the torrent to place position; the ones between shift by one; a place past the end
 * means the last. BT_E_INVALID_ARG for a negative position. */
int bt_torrent_queue_position_set(bt_torrent *torrent, int position);
int bt_torrent_queue_position_up(bt_torrent *torrent);
int bt_torrent_queue_position_down(bt_torrent *torrent);
int bt_torrent_queue_position_top(bt_torrent *torrent);
int bt_torrent_queue_position_bottom(bt_torrent *torrent);

#ifdef __cplusplus
}
#endif

#endif /* LIBBT_H */
