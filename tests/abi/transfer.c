/*
 * The ABI compatibility program: one source, compiled against the previous release's header
 * (tests/abi/0.2.0/libbt.h, linked the way a 0.2 program was: no symbol versions) and against
 * the current one, and run against the library just built. It drives every struct that crosses
 * the ABI through a real transfer between two sessions on loopback: torrent creation, add
 * params (including the fields after the ones 0.1 had), torrent status, peers, alerts, web
 * seeds, disk and DHT stats, fast resume. Each value is checked against what it must be, and
 * every struct sits between canaries, so a struct read or written in the wrong layout shows as
 * a wrong value, a smashed canary, or an ASan report.
 *
 * Usage: transfer SCRATCH_DIR
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "libbt.h"

/* What differs between the two headers, and nothing else. */
#if LIBBT_VERSION_NUMBER >= 300
#define ADD_PARAMS_INIT BT_ADD_TORRENT_PARAMS_INIT
#define CREATE_PARAMS_INIT BT_CREATE_PARAMS_INIT
#define STATUS_INIT BT_TORRENT_STATUS_INIT
#define ALERT_INIT BT_ALERT_INIT
#define DISK_STATS_INIT BT_DISK_STATS_INIT
#define DHT_STATS_INIT BT_DHT_STATS_INIT
#define PEER_INFO_INIT BT_PEER_INFO_INIT
#define WEB_SEEDS(t, out, n) bt_torrent_web_seeds(t, BT_WEB_SEED_INFO_VERSION, out, n)
#else
#define ADD_PARAMS_INIT {0}
#define CREATE_PARAMS_INIT {0}
#define STATUS_INIT {0}
#define ALERT_INIT {0}
#define DISK_STATS_INIT {0}
#define DHT_STATS_INIT {0}
#define PEER_INFO_INIT {0}
#define WEB_SEEDS(t, out, n) bt_torrent_web_seeds(t, out, n)
#endif

/* Numbers both headers agree on, spelled out where the 0.2.0 header lacks the name. */
enum { ALERT_FASTRESUME_REJECTED = 27, LAST_ALERT_TYPE_KNOWN = 32 };

static int passed, failed;
#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (cond) {                                                                           \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            fprintf(stderr, "%s:%d: FAIL: %s (last error: \"%s\")\n", __FILE__, __LINE__, #cond, \
                    bt_last_error());                                                         \
        }                                                                                     \
    } while (0)
#define OK(call) CHECK((call) == BT_OK)

/* A struct with canaries on both sides: libbt must write inside it and nowhere else. */
#define GUARDED(type) struct { unsigned char before[32]; type v; unsigned char after[32]; }
#define GUARD_SET(g) (memset((g).before, 0xC5, 32), memset((g).after, 0xC5, 32))
static int canaries_ok(const unsigned char *b, const unsigned char *a) {
    for (int i = 0; i < 32; i++)
        if (b[i] != 0xC5 || a[i] != 0xC5)
            return 0;
    return 1;
}
#define GUARD_OK(g) canaries_ok((g).before, (g).after)

/* a fills pieces 0-5 exactly and b/c sits alone in piece 6, so skipping b/c skips a piece. */
enum { PIECE = 16384, FILE_A = 6 * PIECE, FILE_C = 3000, PIECES = 7, WANTED_PIECES = 6 };

static char scratch[2048];
static int64_t start_us;

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void write_file(const char *path, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    for (size_t i = 0; i < size; i++)
        fputc((int)((i * 13 + 5) & 0xff), f);
    fclose(f);
}

static int is_hex40(const char *s) {
    if (!s || strlen(s) != 40)
        return 0;
    for (int i = 0; i < 40; i++)
        if (!strchr("0123456789abcdef", s[i]))
            return 0;
    return 1;
}

static bt_session *new_session(const char *dht_bootstrap) {
    bt_settings *s = NULL;
    bt_session *se = NULL;
    OK(bt_settings_new(&s));
    OK(bt_settings_set_str(s, "listen_interfaces", "127.0.0.1:0"));
    OK(bt_settings_set_int(s, "alert_mask", BT_ALERT_CATEGORY_ALL));
    OK(bt_settings_set_bool(s, "enable_dht", 1));
    if (dht_bootstrap)
        OK(bt_settings_set_str(s, "dht_bootstrap_nodes", dht_bootstrap));
    OK(bt_session_new(s, &se));
    bt_settings_free(s);
    if (!se) {
        fprintf(stderr, "cannot start a session: %s\n", bt_last_error());
        exit(1);
    }
    return se;
}

/* ---- torrent creation ---------------------------------------------------------------------- */

static uint8_t *create(size_t *size) {
    char path[2200];
    snprintf(path, sizeof path, "%s/seed/payload", scratch);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/seed/payload/b", scratch);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/seed/payload/a", scratch);
    write_file(path, FILE_A);
    snprintf(path, sizeof path, "%s/seed/payload/b/c", scratch);
    write_file(path, FILE_C);
    snprintf(path, sizeof path, "%s/seed/payload", scratch);

    const char *trackers[] = {"http://127.0.0.1:1/announce", "udp://127.0.0.1:1"};
    int tiers[] = {1, 0};
    const char *seeds[] = {"http://127.0.0.1:1/ws/"};
    GUARDED(bt_create_params) p;
    GUARD_SET(p);
    bt_create_params init = CREATE_PARAMS_INIT;
    p.v = init;
    p.v.path = path;
    p.v.piece_size = PIECE;
    p.v.trackers = trackers;
    p.v.tracker_tiers = tiers;
    p.v.num_trackers = 2;
    p.v.web_seeds = seeds;
    p.v.num_web_seeds = 1;
    p.v.is_private = 0;
    p.v.comment = "abi test"; /* creator NULL: "libbt/<runtime version>" */
    uint8_t *out = NULL;
    OK(bt_create_torrent(&p.v, &out, size));
    CHECK(GUARD_OK(p));
    if (!out)
        exit(1);
    char creator[64];
    snprintf(creator, sizeof creator, "10:created by%zu:libbt/%s", strlen("libbt/") + strlen(bt_version()),
             bt_version());
    CHECK(memmem(out, *size, "7:comment8:abi test", 19) != NULL);
    CHECK(memmem(out, *size, creator, strlen(creator)) != NULL);
    CHECK(memmem(out, *size, "8:announce17:udp://127.0.0.1:1", 30) != NULL); /* tier 0 first */
    CHECK(memmem(out, *size, "12:piece lengthi16384e", 22) != NULL);
    CHECK(memmem(out, *size, "8:url-listl22:http://127.0.0.1:1/ws/e", 37) != NULL);
    return out;
}

/* ---- alerts ------------------------------------------------------------------------------ */

typedef struct seen {
    int finished, pieces, added, resume_rejected;
} seen;

/* Pops and checks every alert of se; counts what matters for torrent t. */
static void drain(bt_session *se, bt_torrent *t, const char *info_hash, seen *sn) {
    bt_alerts *batch = NULL;
    size_t n = 0;
    OK(bt_session_pop_alerts(se, &batch));
    OK(bt_alerts_count(batch, &n));
    for (size_t i = 0; i < n; i++) {
        GUARDED(bt_alert) a;
        GUARD_SET(a);
        bt_alert init = ALERT_INIT;
        a.v = init;
        OK(bt_alerts_get(batch, i, &a.v));
        CHECK(GUARD_OK(a));
        CHECK(a.v.type >= 1 && a.v.type <= LAST_ALERT_TYPE_KNOWN);
        CHECK(strcmp(bt_alert_type_name(a.v.type), "unknown") != 0);
        CHECK(a.v.category != 0 && (a.v.category & ~0xffu) == 0);
        CHECK(a.v.timestamp_us > start_us - 10000000 && a.v.timestamp_us < now_us() + 10000000);
        CHECK(a.v.info_hash && a.v.message && a.v.endpoint && a.v.url && a.v.path && a.v.operation);
        CHECK(a.v.info_hash[0] == '\0' || is_hex40(a.v.info_hash));
        CHECK(a.v.error <= 0 && a.v.error >= -99);
        if (a.v.torrent != t)
            continue;
        CHECK(strcmp(a.v.info_hash, info_hash) == 0);
        switch (a.v.type) {
        case BT_ALERT_TORRENT_ADDED: sn->added++; break;
        case BT_ALERT_TORRENT_FINISHED: sn->finished++; break;
        case BT_ALERT_PIECE_FINISHED:
            CHECK(a.v.piece >= 0 && a.v.piece < PIECES);
            sn->pieces++;
            break;
        case BT_ALERT_STATE_CHANGED:
            CHECK(a.v.state >= BT_STATE_CHECKING_FILES && a.v.state <= BT_STATE_ERROR);
            CHECK(a.v.prev_state >= 0 && a.v.prev_state <= BT_STATE_ERROR && a.v.prev_state != a.v.state);
            break;
        case ALERT_FASTRESUME_REJECTED: sn->resume_rejected++; break;
        default: break;
        }
    }
    bt_alerts_free(batch);
}

/* ---- status, peers, stats ------------------------------------------------------------------ */

static struct bt_torrent_status status_of(bt_torrent *t) {
    GUARDED(struct bt_torrent_status) s;
    GUARD_SET(s);
    struct bt_torrent_status init = STATUS_INIT;
    s.v = init;
    OK(bt_torrent_status(t, &s.v));
    CHECK(GUARD_OK(s));
    return s.v;
}

/* The peers of t (web seeds are listed too): the BitTorrent one is on loopback, and a seed
 * seen from the getter once it has everything. Returns whether it was there. */
typedef bt_peer_info peer_array[4];
static int check_peers(bt_torrent *t, int from_getter) {
    GUARDED(peer_array) p;
    GUARD_SET(p);
    bt_peer_info init = PEER_INFO_INIT;
    memset(p.v, 0, sizeof p.v);
    p.v[0] = init;
    size_t count = 0, total = 0;
    OK(bt_torrent_peers(t, NULL, 0, &total));
    OK(bt_torrent_peers(t, p.v, 4, &count));
    CHECK(GUARD_OK(p));
    CHECK(count <= 3); /* the other session and the getter's two web seeds */
    int found = 0;
    for (size_t i = 0; i < count && i < 4; i++) {
        bt_peer_info *q = &p.v[i];
#if LIBBT_VERSION_NUMBER >= 300
        CHECK(q->version == BT_PEER_INFO_VERSION); /* libbt sets it in every element it fills */
#endif
        CHECK(memchr(q->endpoint, '\0', sizeof q->endpoint) && memchr(q->client, '\0', sizeof q->client));
        CHECK((q->flags & ~0xffu) == 0);
        CHECK(q->progress >= 0 && q->progress <= 1);
        CHECK(q->download_rate >= 0 && q->upload_rate >= 0 && q->total_download >= 0 && q->total_upload >= 0);
        if (q->source == BT_PEER_SOURCE_WEB_SEED) {
            CHECK(from_getter && strncmp(q->endpoint, "http://127.0.0.1:1/", 19) == 0);
            continue;
        }
        found = 1;
        CHECK(strncmp(q->endpoint, "127.0.0.1:", 10) == 0);
        /* usually USER (connect_peer) / INCOMING, but the DHT may find the other one first */
        CHECK(q->source >= BT_PEER_SOURCE_TRACKER && q->source <= BT_PEER_SOURCE_INCOMING);
        CHECK(q->source != BT_PEER_SOURCE_INCOMING || (q->flags & BT_PEER_INCOMING));
        if (from_getter && q->progress == 1)
            CHECK(q->flags & BT_PEER_SEED);
    }
    return found;
}

static void check_web_seeds(bt_torrent *t) {
    OK(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/seed.php", BT_WEB_SEED_HTTP));
    bt_web_seed_info *ws = NULL;
    size_t n = 0;
    OK(WEB_SEEDS(t, &ws, &n));
    CHECK(n == 2 && ws != NULL);
    int url = 0, http = 0;
    for (size_t i = 0; ws && i < n; i++) {
        CHECK(ws[i].error != NULL && ws[i].requests >= 0 && ws[i].failures >= 0 && ws[i].retry_in_ms >= 0);
        CHECK(ws[i].banned == 0 && ws[i].total_download >= 0 && ws[i].download_rate >= 0);
        if (ws[i].type == BT_WEB_SEED_URL && strcmp(ws[i].url, "http://127.0.0.1:1/ws/") == 0)
            url++;
        if (ws[i].type == BT_WEB_SEED_HTTP && strcmp(ws[i].url, "http://127.0.0.1:1/seed.php") == 0)
            http++;
    }
    CHECK(url == 1 && http == 1);
    bt_free(ws);
}

/* The getter's disk counters once its wanted pieces are written. */
static void check_disk_stats(bt_session *se, int64_t at_least_written) {
    GUARDED(bt_disk_stats) d;
    for (int i = 0; i < 100; i++) { /* pieces are written after their hash passes: wait for it */
        GUARD_SET(d);
        bt_disk_stats init = DISK_STATS_INIT;
        d.v = init;
        OK(bt_session_disk_stats(se, &d.v));
        CHECK(GUARD_OK(d));
        if ((int64_t)d.v.write_bytes >= at_least_written && d.v.pieces_flushed >= WANTED_PIECES)
            break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK((int64_t)d.v.write_bytes >= at_least_written);
    CHECK(d.v.write_syscalls > 0 && d.v.write_syscalls <= d.v.write_bytes);
    CHECK(d.v.read_bytes < 1000000000 && d.v.pieces_failed == 0);
    CHECK(d.v.pieces_flushed == WANTED_PIECES);
    CHECK(d.v.flushes_complete <= d.v.pieces_flushed + 1);
    CHECK(d.v.cache_blocks > 0 && d.v.write_blocks >= 0 && d.v.write_blocks <= d.v.cache_blocks);
    CHECK(d.v.queued_write_bytes >= 0 && d.v.mapped_bytes >= 0 && d.v.locked_bytes >= 0);
    CHECK(d.v.locked_bytes <= d.v.mapped_bytes);
    CHECK(d.v.lock_failed == 0 || d.v.lock_failed == 1);
}

/* Waits (up to 20 s) for the DHT node of se to know the other one. */
static void check_dht_stats(bt_session *se) {
    GUARDED(bt_dht_stats) d;
    for (int i = 0; i < 200; i++) {
        GUARD_SET(d);
        bt_dht_stats init = DHT_STATS_INIT;
        d.v = init;
        OK(bt_session_dht_stats(se, &d.v));
        CHECK(GUARD_OK(d));
        if (d.v.nodes4 > 0)
            break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK(is_hex40(d.v.node_id));
    CHECK(d.v.nodes4 >= 1 && d.v.nodes4 < 100 && d.v.nodes6 == 0);
    CHECK(d.v.good4 >= 0 && d.v.good4 <= d.v.nodes4 && d.v.good6 == 0);
    CHECK(d.v.lookups_in_flight >= 0 && d.v.queries_in_flight >= 0);
    CHECK(d.v.packets_in > 0 && d.v.packets_out > 0);
    CHECK(d.v.bytes_in >= 20 * d.v.packets_in && d.v.bytes_out >= 20 * d.v.packets_out);
    CHECK(d.v.malformed == 0 && d.v.rate_limited == 0);
    CHECK(d.v.queries_in + d.v.responses_in <= d.v.packets_in);
    CHECK(d.v.info_hashes >= 0 && d.v.peers >= 0 && d.v.items == 0);
}

/* ---- the transfer -------------------------------------------------------------------------- */

static bt_torrent *add(bt_session *se, const bt_add_torrent_params *p) {
    bt_torrent *t = NULL;
    OK(bt_session_add_torrent(se, p, &t));
    if (!t)
        exit(1);
    return t;
}

static void run(void) {
    start_us = now_us();
    size_t tsize = 0;
    char dir[2200];
    snprintf(dir, sizeof dir, "%s/seed", scratch);
    mkdir(dir, 0755);
    uint8_t *tdata = create(&tsize);

    bt_session *seeder = new_session(NULL);
    int seed_port = 0;
    OK(bt_session_listen_port(seeder, &seed_port));
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", seed_port);
    bt_session *getter = new_session(endpoint); /* DHT: bootstraps from the seeder's node */

    GUARDED(bt_add_torrent_params) sp;
    GUARD_SET(sp);
    bt_add_torrent_params init = ADD_PARAMS_INIT;
    sp.v = init;
    sp.v.save_path = dir;
    sp.v.torrent_data = tdata;
    sp.v.torrent_size = tsize;
    bt_torrent *st = add(seeder, &sp.v);
    CHECK(GUARD_OK(sp));

    /* The getter skips file b/c (priority 0): total_wanted tells the array was read right. */
    snprintf(dir, sizeof dir, "%s/get", scratch);
    mkdir(dir, 0755);
    const uint8_t prios[2] = {4, 0};
    GUARDED(bt_add_torrent_params) gp;
    GUARD_SET(gp);
    gp.v = init;
    gp.v.save_path = dir;
    gp.v.torrent_data = tdata;
    gp.v.torrent_size = tsize;
    gp.v.sequential = 1;
    gp.v.file_priorities = prios;
    gp.v.num_file_priorities = 2;
    bt_torrent *gt = add(getter, &gp.v);
    CHECK(GUARD_OK(gp));

    /* A paused magnet with super seeding: the fields after file_priorities (0.2's additions). */
    bt_add_torrent_params mp = init;
    mp.save_path = dir;
    mp.magnet_uri = "magnet:?xt=urn:btih:00112233445566778899aabbccddeeff00112233&dn=other";
    mp.paused = 1;
    mp.super_seeding = 1;
    bt_torrent *mt = add(getter, &mp);
    struct bt_torrent_status ms = status_of(mt);
    CHECK(ms.paused == 1 && ms.super_seeding == 1 && ms.has_metadata == 0 && ms.error == 0);
    CHECK(ms.state == BT_STATE_DOWNLOADING_METADATA && ms.total_size == 0 && ms.num_pieces == 0);
    CHECK(strcmp(ms.info_hash, "00112233445566778899aabbccddeeff00112233") == 0);

    struct bt_torrent_status ss = status_of(st);
    const char *ih = ss.info_hash;
    char info_hash[41];
    memcpy(info_hash, ih, 41);
    CHECK(is_hex40(info_hash));
    CHECK(ss.total_size == FILE_A + FILE_C && ss.num_pieces == PIECES && ss.piece_length == PIECE);
    CHECK(ss.paused == 0 && ss.super_seeding == 0 && ss.has_metadata == 1);
    char *magnet = NULL;
    OK(bt_torrent_magnet(st, &magnet));
    CHECK(magnet && strstr(magnet, info_hash) != NULL);
    bt_free(magnet);

    check_web_seeds(gt);
    OK(bt_torrent_connect_peer(gt, endpoint));

    seen sg = {0}, ssn = {0};
    int saw_peers_g = 0, saw_peers_s = 0;
    for (int i = 0; i < 600 && !sg.finished; i++) { /* up to 60 s */
        bt_session_wait_for_alert(getter, 100);
        drain(getter, gt, info_hash, &sg);
        drain(seeder, st, info_hash, &ssn);
        saw_peers_g |= check_peers(gt, 1);
        saw_peers_s |= check_peers(st, 0);
    }
    CHECK(sg.finished == 1 && sg.added == 1 && ssn.added == 1);
    CHECK(sg.pieces == WANTED_PIECES);
    CHECK(saw_peers_g && saw_peers_s);

    struct bt_torrent_status gs = status_of(gt);
    CHECK(gs.state == BT_STATE_FINISHED && gs.paused == 0 && gs.has_metadata == 1 && gs.error == 0);
    CHECK(gs.progress > 0.999999 && gs.progress <= 1.0);
    CHECK(gs.total_size == FILE_A + FILE_C && gs.total_wanted == FILE_A && gs.total_wanted_done == FILE_A);
    CHECK(gs.total_done == FILE_A);
    CHECK(gs.total_download >= FILE_A && gs.total_download < 4 * (FILE_A + FILE_C));
    CHECK(gs.total_upload >= 0 && gs.download_rate >= 0 && gs.upload_rate >= 0);
    CHECK(gs.num_pieces == PIECES && gs.piece_length == PIECE);
    CHECK(gs.pieces_done == WANTED_PIECES);
    CHECK(gs.num_peers >= 0 && gs.num_peers <= 1 && gs.num_seeds <= gs.num_peers);
    CHECK(strcmp(gs.info_hash, info_hash) == 0 && gs.super_seeding == 0);
    uint8_t bits[8];
    size_t nbits = 0;
    OK(bt_torrent_pieces(gt, bits, sizeof bits, &nbits));
    CHECK(nbits == 1 && bits[0] == 0xfc); /* pieces 0-5 */

    check_disk_stats(getter, FILE_A);
    check_dht_stats(getter);

    /* Fast resume: the data saved by this library, passed back in the struct's last fields. */
    uint8_t *rd = NULL;
    size_t rdsize = 0;
    OK(bt_torrent_save_resume_data(gt, &rd, &rdsize));
    CHECK(rd && rdsize > 0 && rd[0] == 'd');
    OK(bt_session_remove_torrent(getter, gt, 0));
    gp.v.resume_data = rd;
    gp.v.resume_size = rdsize;
    bt_torrent *rt = add(getter, &gp.v);
    seen sr = {0};
    for (int i = 0; i < 100; i++) {
        bt_session_wait_for_alert(getter, 100);
        drain(getter, rt, info_hash, &sr);
        struct bt_torrent_status rs = status_of(rt);
        if (rs.state != BT_STATE_CHECKING_FILES && rs.total_wanted_done == FILE_A)
            break;
    }
    struct bt_torrent_status rs = status_of(rt);
    CHECK(rs.total_wanted_done == FILE_A && sr.resume_rejected == 0);
    bt_free(rd);

    OK(bt_session_free(getter));
    OK(bt_session_free(seeder));
    bt_free(tdata);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    snprintf(scratch, sizeof scratch, "%s", argv[1]);
    printf("transfer: built against libbt.h %s, running libbt %s\n", LIBBT_VERSION, bt_version());
    run();
    printf("transfer: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
