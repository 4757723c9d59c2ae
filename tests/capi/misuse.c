/*
 * ABI misuse test for libbt: every way a C caller can get it wrong must give an error code and a
 * message, never a crash. Run under ASan+UBSan or valgrind (see scripts/capi-misuse.sh).
 *
 * It covers: NULL for every handle and out-parameter, stale handles (freed settings, session,
 * alert batch; removed torrent; torrent of a freed session), double frees, foreign handles (one
 * kind passed as another, random pointers), unknown setting names and wrong types, corrupt
 * torrent bytes and magnets, empty alert batches, freeing a session while another thread waits,
 * the notify callback, the thread-local last error, version / macro consistency, and the 0.2
 * additions (setting types, bt_session_get_bool, disk stats, peers, super seeding, web seeds,
 * fast resume, the DHT between two sessions on loopback).
 *
 * Usage: misuse SCRATCH_DIR
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libbt.h"

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

/* A failing call: the code is `want` and the thread's message is non-empty. */
#define EXPECT_ERR(call, want)                                                                \
    do {                                                                                      \
        int rc_ = (call);                                                                     \
        const char *msg_ = bt_last_error();                                                   \
        if (rc_ == (want) && msg_ != NULL && msg_[0] != '\0') {                               \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            fprintf(stderr, "%s:%d: FAIL: %s returned %d (%s), want %d (%s); message \"%s\"\n", \
                    __FILE__, __LINE__, #call, rc_, bt_strerror(rc_), (want), bt_strerror(want), \
                    msg_ ? msg_ : "(NULL)");                                                  \
        }                                                                                     \
    } while (0)

#define EXPECT_OK(call)                                                                       \
    do {                                                                                      \
        int rc_ = (call);                                                                     \
        if (rc_ == BT_OK) {                                                                   \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            fprintf(stderr, "%s:%d: FAIL: %s returned %d (%s): %s\n", __FILE__, __LINE__, #call, \
                    rc_, bt_strerror(rc_), bt_last_error());                                  \
        }                                                                                     \
    } while (0)

static char scratch[4096];

static void write_file(const char *path, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    for (size_t i = 0; i < size; i++)
        fputc((int)((i * 7 + 3) & 0xff), f);
    fclose(f);
}

static bt_settings *loopback_settings(void) {
    bt_settings *s = NULL;
    EXPECT_OK(bt_settings_new(&s));
    EXPECT_OK(bt_settings_set_str(s, "listen_interfaces", "127.0.0.1:0"));
    return s;
}

static void test_version(void) {
    CHECK(bt_version() != NULL);
    CHECK(strcmp(bt_version(), LIBBT_VERSION) == 0);
    CHECK(bt_version_number() == LIBBT_VERSION_NUMBER);
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", LIBBT_VERSION_MAJOR, LIBBT_VERSION_MINOR, LIBBT_VERSION_PATCH);
    CHECK(strcmp(buf, LIBBT_VERSION) == 0);
    CHECK(bt_last_error() != NULL);
    for (int code = -100; code <= 1; code++)
        CHECK(bt_strerror(code) != NULL && bt_strerror(code)[0] != '\0');
    CHECK(strcmp(bt_alert_type_name(BT_ALERT_TORRENT_ADDED), "torrent_added") == 0);
    CHECK(strcmp(bt_alert_type_name(BT_ALERT_PERFORMANCE), "performance") == 0);
    CHECK(strcmp(bt_alert_type_name(0), "unknown") == 0);
    CHECK(strcmp(bt_alert_type_name(-5), "unknown") == 0);
    CHECK(strcmp(bt_alert_type_name(9999), "unknown") == 0);
    bt_free(NULL);
}

static void test_null_everywhere(void) {
    bt_settings *st = NULL;
    bt_session *se = NULL;
    bt_torrent *t = NULL;
    bt_alerts *a = NULL;
    char *str = NULL;
    int64_t i64 = 0;
    int i = 0;
    size_t n = 0;
    uint8_t buf[8];
    struct bt_torrent_status status;
    bt_alert alert;
    bt_add_torrent_params ap;
    memset(&ap, 0, sizeof ap);

    /* free functions accept NULL */
    bt_settings_free(NULL);
    bt_alerts_free(NULL);
    EXPECT_OK(bt_session_free(NULL));

    EXPECT_ERR(bt_settings_new(NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_settings_set_int(NULL, "connections_limit", 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_settings_set_bool(NULL, "enable_incoming_tcp", 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_settings_set_str(NULL, "user_agent", "x"), BT_E_INVALID_ARG);
    EXPECT_OK(bt_settings_new(&st));
    EXPECT_ERR(bt_settings_set_int(st, NULL, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_settings_set_bool(st, NULL, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_settings_set_str(st, NULL, "x"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_settings_set_str(st, "user_agent", NULL), BT_E_INVALID_ARG);
    bt_settings_free(st);

    EXPECT_ERR(bt_session_new(NULL, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_apply_settings(NULL, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_set_int(NULL, "connections_limit", 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_set_bool(NULL, "enable_incoming_tcp", 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_set_str(NULL, "user_agent", "x"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_get_int(NULL, "connections_limit", &i64), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_get_str(NULL, "user_agent", &str), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_listen_port(NULL, &i), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_add_torrent(NULL, &ap, &t), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_remove_torrent(NULL, NULL, 0), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_torrents(NULL, NULL, 0, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_find_torrent(NULL, "00", &t), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_pop_alerts(NULL, &a), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_wait_for_alert(NULL, 0), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_set_alert_notify(NULL, NULL, NULL), BT_E_INVALID_ARG);

    EXPECT_ERR(bt_torrent_status(NULL, &status), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_name(NULL, &str), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_error(NULL, &str), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_pieces(NULL, buf, sizeof buf, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_magnet(NULL, &str), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_pause(NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_resume(NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_force_recheck(NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_connect_peer(NULL, "127.0.0.1:1"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_file_priority(NULL, 0, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_sequential(NULL, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_num_files(NULL, &i), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_file(NULL, 0, &str, &i64), BT_E_INVALID_ARG);

    EXPECT_ERR(bt_alerts_count(NULL, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_alerts_get(NULL, 0, &alert), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_create_torrent(NULL, NULL, NULL), BT_E_INVALID_ARG);
    uint8_t *bytes = NULL;
    EXPECT_ERR(bt_create_torrent(NULL, &bytes, &n), BT_E_INVALID_ARG);
    CHECK(bytes == NULL);

    /* NULL out-parameters on a live session */
    bt_settings *ls = loopback_settings();
    EXPECT_OK(bt_session_new(ls, &se));
    bt_settings_free(ls);
    EXPECT_ERR(bt_session_get_int(se, "connections_limit", NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_get_int(se, NULL, &i64), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_get_str(se, "user_agent", NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_set_str(se, "user_agent", NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_apply_settings(se, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_listen_port(se, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_add_torrent(se, NULL, &t), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_add_torrent(se, &ap, &t), BT_E_INVALID_ARG); /* no save_path */
    EXPECT_ERR(bt_session_remove_torrent(se, NULL, 0), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_torrents(se, NULL, 0, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_torrents(se, NULL, 4, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_find_torrent(se, NULL, &t), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_find_torrent(se, "0000000000000000000000000000000000000000", NULL),
               BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_pop_alerts(se, NULL), BT_E_INVALID_ARG);
    EXPECT_OK(bt_session_set_alert_notify(se, NULL, NULL));
    EXPECT_OK(bt_session_free(se));
}

static void test_settings_misuse(void) {
    bt_settings *s = NULL;
    EXPECT_OK(bt_settings_new(&s));
    EXPECT_ERR(bt_settings_set_int(s, "no_such_setting", 1), BT_E_UNKNOWN_SETTING);
    CHECK(strstr(bt_last_error(), "no_such_setting") != NULL);
    EXPECT_ERR(bt_settings_set_bool(s, "", 1), BT_E_UNKNOWN_SETTING);
    EXPECT_ERR(bt_settings_set_str(s, "no_such_setting", "x"), BT_E_UNKNOWN_SETTING);
    /* wrong types */
    EXPECT_ERR(bt_settings_set_int(s, "listen_interfaces", 1), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_settings_set_str(s, "connections_limit", "10"), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_settings_set_bool(s, "connections_limit", 1), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_settings_set_int(s, "enable_incoming_tcp", 1), BT_E_SETTING_TYPE);
    /* invalid values */
    EXPECT_ERR(bt_settings_set_int(s, "connections_limit", 0), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_settings_set_int(s, "connections_limit", INT64_MIN), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_settings_set_str(s, "listen_interfaces", "not an address"), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_settings_set_bool(s, "enable_upnp", 1), BT_E_SETTING_TYPE);
    /* valid */
    EXPECT_OK(bt_settings_set_int(s, "connections_limit", 50));
    EXPECT_OK(bt_settings_set_bool(s, "enable_incoming_tcp", 0));
    EXPECT_OK(bt_settings_set_bool(s, "enable_outgoing_tcp", 42)); /* any non-zero is true */
    EXPECT_OK(bt_settings_set_str(s, "user_agent", "misuse/1.0 \xc3\xa9"));
    EXPECT_OK(bt_settings_set_str(s, "listen_interfaces", "127.0.0.1:0"));

    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s); /* the session copied it */

    int64_t v = 0;
    char *str = NULL;
    EXPECT_OK(bt_session_get_int(se, "connections_limit", &v));
    CHECK(v == 50);
    EXPECT_OK(bt_session_get_int(se, "enable_incoming_tcp", &v)); /* bools read as 0/1 */
    CHECK(v == 0);
    EXPECT_OK(bt_session_get_int(se, "enable_outgoing_tcp", &v));
    CHECK(v == 1);
    EXPECT_OK(bt_session_get_str(se, "user_agent", &str));
    CHECK(str != NULL && strcmp(str, "misuse/1.0 \xc3\xa9") == 0);
    bt_free(str);
    str = NULL;
    EXPECT_ERR(bt_session_get_str(se, "connections_limit", &str), BT_E_SETTING_TYPE);
    CHECK(str == NULL);
    EXPECT_ERR(bt_session_get_int(se, "user_agent", &v), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_session_get_int(se, "no_such_setting", &v), BT_E_UNKNOWN_SETTING);
    EXPECT_ERR(bt_session_get_str(se, "no_such_setting", &str), BT_E_UNKNOWN_SETTING);
    EXPECT_ERR(bt_session_set_int(se, "no_such_setting", 1), BT_E_UNKNOWN_SETTING);
    EXPECT_ERR(bt_session_set_int(se, "user_agent", 1), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_session_set_bool(se, "enable_upnp", 1), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_session_set_str(se, "connections_limit", "1"), BT_E_SETTING_TYPE);
    EXPECT_OK(bt_session_set_int(se, "connections_limit", 77));
    EXPECT_OK(bt_session_get_int(se, "connections_limit", &v));
    CHECK(v == 77);
    EXPECT_OK(bt_session_set_bool(se, "enable_incoming_tcp", 1));
    EXPECT_OK(bt_session_set_str(se, "user_agent", "x"));

    bt_settings *s2 = NULL;
    EXPECT_OK(bt_settings_new(&s2));
    EXPECT_OK(bt_settings_set_int(s2, "download_rate_limit", 1000));
    EXPECT_OK(bt_session_apply_settings(se, s2));
    EXPECT_OK(bt_session_get_int(se, "download_rate_limit", &v));
    CHECK(v == 1000);

    int port = -1;
    EXPECT_OK(bt_session_listen_port(se, &port));
    CHECK(port >= 0 && port < 65536); /* 0 unless enabling incoming TCP started a listener */

    /* stale settings: freed, then double-freed */
    bt_settings_free(s2);
    EXPECT_ERR(bt_settings_set_int(s2, "connections_limit", 1), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_apply_settings(se, s2), BT_E_BAD_HANDLE);
    bt_settings_free(s2); /* double free: no crash, a message */
    CHECK(bt_last_error()[0] != '\0');
    bt_session *never = (bt_session *)&never;
    EXPECT_ERR(bt_session_new(s2, &never), BT_E_BAD_HANDLE);
    CHECK(never == NULL);

    EXPECT_OK(bt_session_free(se));
}

static void test_foreign_handles(void) {
    bt_settings *st = loopback_settings();
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(st, &se));
    bt_alerts *al = NULL;
    EXPECT_OK(bt_session_pop_alerts(se, &al));
    int local = 0;
    int port = 0;
    size_t n = 0;
    int64_t v = 0;
    EXPECT_OK(bt_session_listen_port(se, &port));
    CHECK(port > 0 && port < 65536);
    {
        /* a second session on the same port cannot listen */
        char iface[64];
        snprintf(iface, sizeof iface, "127.0.0.1:%d", port);
        bt_settings *busy = NULL;
        EXPECT_OK(bt_settings_new(&busy));
        EXPECT_OK(bt_settings_set_str(busy, "listen_interfaces", iface));
        bt_session *se2 = (bt_session *)&se2;
        EXPECT_ERR(bt_session_new(busy, &se2), BT_E_NETWORK);
        CHECK(se2 == NULL);
        bt_settings_free(busy);
    }

    /* one kind passed as another */
    EXPECT_ERR(bt_session_listen_port((bt_session *)st, &port), BT_E_BAD_HANDLE);
    CHECK(strstr(bt_last_error(), "settings") != NULL);
    EXPECT_ERR(bt_session_listen_port((bt_session *)al, &port), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_settings_set_int((bt_settings *)se, "connections_limit", 5), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_pause((bt_torrent *)se), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_alerts_count((const bt_alerts *)se, &n), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_free((bt_session *)st), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_free((bt_session *)al), BT_E_BAD_HANDLE);
    bt_settings_free((bt_settings *)se); /* must not free the session */
    bt_alerts_free((bt_alerts *)st);     /* must not free the settings */
    bt_settings_free((bt_settings *)al);
    EXPECT_OK(bt_session_get_int(se, "connections_limit", &v));
    EXPECT_OK(bt_settings_set_int(st, "connections_limit", 5));
    EXPECT_OK(bt_alerts_count(al, &n));

    /* random pointers: stack, heap, small integers, all-ones */
    void *heap = malloc(16);
    void *randoms[] = {&local, heap, (void *)1, (void *)0x1000, (void *)0xdeadbeef, (void *)~(uintptr_t)0};
    for (size_t i = 0; i < sizeof randoms / sizeof randoms[0]; i++) {
        EXPECT_ERR(bt_session_listen_port((bt_session *)randoms[i], &port), BT_E_BAD_HANDLE);
        EXPECT_ERR(bt_torrent_pause((bt_torrent *)randoms[i]), BT_E_BAD_HANDLE);
        EXPECT_ERR(bt_settings_set_int((bt_settings *)randoms[i], "connections_limit", 1), BT_E_BAD_HANDLE);
        EXPECT_ERR(bt_alerts_count((const bt_alerts *)randoms[i], &n), BT_E_BAD_HANDLE);
        EXPECT_ERR(bt_session_free((bt_session *)randoms[i]), BT_E_BAD_HANDLE);
        bt_settings_free((bt_settings *)randoms[i]);
        bt_alerts_free((bt_alerts *)randoms[i]);
    }
    free(heap);

    bt_alerts_free(al);
    bt_settings_free(st);
    EXPECT_OK(bt_session_free(se));
    /* stale session: every use and a double free fail cleanly */
    EXPECT_ERR(bt_session_listen_port(se, &port), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_get_int(se, "connections_limit", &v), BT_E_BAD_HANDLE);
    bt_alerts *al2 = NULL;
    EXPECT_ERR(bt_session_pop_alerts(se, &al2), BT_E_BAD_HANDLE);
    CHECK(al2 == NULL);
    EXPECT_ERR(bt_session_wait_for_alert(se, 10), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_free(se), BT_E_BAD_HANDLE);
    /* stale alert batch */
    EXPECT_ERR(bt_alerts_count(al, &n), BT_E_BAD_HANDLE);
    bt_alerts_free(al);
    CHECK(bt_last_error()[0] != '\0');
}

static void test_corrupt_input(bt_session *se) {
    bt_torrent *t = (bt_torrent *)&t;
    bt_add_torrent_params p;
    memset(&p, 0, sizeof p);
    p.save_path = scratch;

    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_INVALID_ARG); /* no source */
    CHECK(t == NULL);
    static const uint8_t garbage[] = "this is not bencode";
    p.torrent_data = garbage;
    p.torrent_size = sizeof garbage - 1;
    p.magnet_uri = "magnet:?xt=urn:btih:0000000000000000000000000000000000000000";
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_INVALID_ARG); /* two sources */
    p.magnet_uri = NULL;

    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_PARSE);
    static const uint8_t not_a_dict[] = "i42e";
    p.torrent_data = not_a_dict;
    p.torrent_size = sizeof not_a_dict - 1;
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_PARSE);
    static const uint8_t truncated[] = "d8:announce14:http://a.b/ann4:infod6:lengthi10e4:name1:x12:piece lengthi16384e6:pieces20:0123";
    p.torrent_data = truncated;
    p.torrent_size = sizeof truncated - 1;
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_PARSE);
    static const uint8_t no_info[] = "d8:announce14:http://a.b/anne";
    p.torrent_data = no_info;
    p.torrent_size = sizeof no_info - 1;
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_PARSE);
    p.torrent_size = 0; /* empty */
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_PARSE);
    p.torrent_data = NULL;

    p.magnet_uri = "not a magnet";
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_PARSE);
    p.magnet_uri = "magnet:?xt=urn:btih:zz";
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_PARSE);
    p.magnet_uri = NULL;

    char path[4200];
    snprintf(path, sizeof path, "%s/does-not-exist.torrent", scratch);
    p.torrent_file = path;
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_IO);
    snprintf(path, sizeof path, "%s/garbage.torrent", scratch);
    FILE *f = fopen(path, "wb");
    fputs("d4:infoi1ee", f);
    fclose(f);
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_PARSE);
    p.torrent_file = NULL;

    size_t n = 99;
    EXPECT_OK(bt_session_torrents(se, NULL, 0, &n));
    CHECK(n == 0);
}

static void test_create_misuse(void) {
    bt_create_params cp;
    memset(&cp, 0, sizeof cp);
    uint8_t *out = NULL;
    size_t size = 0;
    EXPECT_ERR(bt_create_torrent(&cp, &out, &size), BT_E_INVALID_ARG); /* path NULL */
    char path[4200];
    snprintf(path, sizeof path, "%s/no/such/file", scratch);
    cp.path = path;
    EXPECT_ERR(bt_create_torrent(&cp, &out, &size), BT_E_IO);
    snprintf(path, sizeof path, "%s/payload", scratch);
    cp.num_trackers = 2; /* trackers NULL */
    EXPECT_ERR(bt_create_torrent(&cp, &out, &size), BT_E_INVALID_ARG);
    const char *trackers[] = {"http://127.0.0.1:1/announce", NULL};
    cp.trackers = trackers;
    EXPECT_ERR(bt_create_torrent(&cp, &out, &size), BT_E_INVALID_ARG); /* trackers[1] NULL */
    cp.num_trackers = 1;
    int tiers[] = {-1};
    cp.tracker_tiers = tiers;
    EXPECT_ERR(bt_create_torrent(&cp, &out, &size), BT_E_INVALID_ARG);
    cp.tracker_tiers = NULL;
    cp.piece_size = -16384;
    EXPECT_ERR(bt_create_torrent(&cp, &out, &size), BT_E_INVALID_ARG);
    CHECK(out == NULL && size == 0);
}

/* Creates scratch/payload/{a,b/c} and returns the .torrent bytes. */
static uint8_t *make_torrent(size_t *size) {
    char path[4200];
    snprintf(path, sizeof path, "%s/payload", scratch);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/payload/b", scratch);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/payload/a", scratch);
    write_file(path, 40000);
    snprintf(path, sizeof path, "%s/payload/b/c", scratch);
    write_file(path, 1000);
    snprintf(path, sizeof path, "%s/payload", scratch);

    const char *trackers[] = {"http://127.0.0.1:1/announce", "udp://127.0.0.1:1", "http://127.0.0.1:2/announce"};
    int tiers[] = {1, 0, 1};
    const char *seeds[] = {"http://127.0.0.1:3/"};
    bt_create_params cp;
    memset(&cp, 0, sizeof cp);
    cp.path = path;
    cp.piece_size = 16384;
    cp.trackers = trackers;
    cp.tracker_tiers = tiers;
    cp.num_trackers = 3;
    cp.web_seeds = seeds;
    cp.num_web_seeds = 1;
    cp.comment = "misuse test";
    uint8_t *out = NULL;
    EXPECT_OK(bt_create_torrent(&cp, &out, size));
    CHECK(out != NULL && *size > 0 && out[0] == 'd');
    if (out != NULL) {
        /* tier 0 comes first; the default creator names the library version */
        static const char announce[] = "8:announce17:udp://127.0.0.1:1";
        static const char creator[] = "10:created by11:libbt/" LIBBT_VERSION;
        static const char tiers_list[] = "13:announce-listll17:udp://127.0.0.1:1el27:http://127.0.0.1:1/announce27:http://127.0.0.1:2/announceee";
        CHECK(memmem(out, *size, announce, sizeof announce - 1) != NULL);
        CHECK(memmem(out, *size, creator, sizeof creator - 1) != NULL);
        CHECK(memmem(out, *size, tiers_list, sizeof tiers_list - 1) != NULL);
        CHECK(memmem(out, *size, "7:comment11:misuse test", 23) != NULL);
    }
    return out;
}

static void test_torrents(bt_session *se) {
    size_t tsize = 0;
    uint8_t *tdata = make_torrent(&tsize);
    if (tdata == NULL)
        return;

    bt_add_torrent_params p;
    memset(&p, 0, sizeof p);
    p.save_path = scratch; /* the payload is already there: it checks as complete */
    p.torrent_data = tdata;
    p.torrent_size = tsize;
    p.paused = 1;
    bt_torrent *t = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    CHECK(t != NULL);
    bt_torrent *dup = NULL;
    EXPECT_ERR(bt_session_add_torrent(se, &p, &dup), BT_E_EXISTS);
    CHECK(dup == NULL);

    struct bt_torrent_status st;
    memset(&st, 0xff, sizeof st);
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.has_metadata == 1);
    CHECK(st.paused == 1);
    CHECK(st.total_size == 41000);
    CHECK(st.num_pieces == 3);
    CHECK(st.piece_length == 16384);
    CHECK(strlen(st.info_hash) == 40);

    char *s = NULL;
    EXPECT_OK(bt_torrent_name(t, &s));
    CHECK(s != NULL && strcmp(s, "payload") == 0);
    bt_free(s);
    EXPECT_OK(bt_torrent_magnet(t, &s));
    CHECK(s != NULL && strncmp(s, "magnet:?", 8) == 0 && strstr(s, st.info_hash) != NULL);
    bt_free(s);
    EXPECT_OK(bt_torrent_error(t, &s));
    CHECK(s != NULL && s[0] == '\0');
    bt_free(s);

    int nf = 0;
    EXPECT_OK(bt_torrent_num_files(t, &nf));
    CHECK(nf == 2);
    int64_t fsize = 0;
    EXPECT_OK(bt_torrent_file(t, 0, &s, &fsize));
    CHECK(s != NULL && strcmp(s, "payload/a") == 0 && fsize == 40000);
    bt_free(s);
    s = (char *)&s;
    EXPECT_ERR(bt_torrent_file(t, 2, &s, &fsize), BT_E_NOT_FOUND);
    CHECK(s == NULL);
    EXPECT_ERR(bt_torrent_file(t, -1, &s, &fsize), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_file_priority(t, 0, 8), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_file_priority(t, -1, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_file_priority(t, 99, 1), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_set_file_priority(t, 1, 7));
    EXPECT_OK(bt_torrent_set_sequential(t, 1));

    size_t need = 0;
    EXPECT_ERR(bt_torrent_pieces(t, NULL, 0, &need), BT_E_BUFFER_TOO_SMALL);
    CHECK(need == 1);
    uint8_t bits[4] = {0};
    EXPECT_ERR(bt_torrent_pieces(t, NULL, 4, &need), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_pieces(t, bits, sizeof bits, NULL), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_pieces(t, bits, sizeof bits, &need));
    CHECK(need == 1 && (bits[0] & 0x1f) == 0); /* 3 pieces: the 5 spare bits are zero */

    EXPECT_ERR(bt_torrent_connect_peer(t, "not an endpoint"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_connect_peer(t, "127.0.0.1"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_connect_peer(t, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_move_storage(NULL, "/tmp"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_move_storage(t, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_rename_file(NULL, 0, "x"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_rename_file(t, 0, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_rename_file(t, 0, "../escape"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_rename_file(t, 9999, "x"), BT_E_INVALID_ARG);

    bt_torrent *found = NULL;
    EXPECT_OK(bt_session_find_torrent(se, st.info_hash, &found));
    CHECK(found == t); /* one stable handle per torrent */
    EXPECT_ERR(bt_session_find_torrent(se, "xyz", &found), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_find_torrent(se, "000000000000000000000000000000000000000g", &found), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_find_torrent(se, "0000000000000000000000000000000000000000", &found), BT_E_NOT_FOUND);
    CHECK(found == NULL);

    bt_torrent *list[4] = {0};
    size_t count = 0;
    EXPECT_OK(bt_session_torrents(se, list, 4, &count));
    CHECK(count == 1 && list[0] == t);
    count = 0;
    EXPECT_OK(bt_session_torrents(se, NULL, 0, &count));
    CHECK(count == 1);

    EXPECT_OK(bt_torrent_resume(t));
    EXPECT_OK(bt_torrent_pause(t));

    /* a torrent passed as a session and vice versa */
    EXPECT_ERR(bt_session_remove_torrent((bt_session *)t, t, 0), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_remove_torrent(se, (bt_torrent *)se, 0), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_remove_torrent(se, t, 0x100), BT_E_INVALID_ARG);

    /* a torrent of another session */
    bt_settings *ls = loopback_settings();
    bt_session *other = NULL;
    EXPECT_OK(bt_session_new(ls, &other));
    bt_settings_free(ls);
    EXPECT_ERR(bt_session_remove_torrent(other, t, 0), BT_E_NOT_FOUND);
    EXPECT_OK(bt_session_free(other));

    EXPECT_OK(bt_session_remove_torrent(se, t, 0));
    /* removed: the handle is stale, and stays stale */
    EXPECT_ERR(bt_torrent_status(t, &st), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_pause(t), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_name(t, &s), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_remove_torrent(se, t, 0), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_find_torrent(se, st.info_hash, &found), BT_E_NOT_FOUND);
    EXPECT_OK(bt_session_torrents(se, list, 4, &count));
    CHECK(count == 0);

    /* re-adding gives a new handle, never the old one */
    bt_torrent *t2 = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t2));
    CHECK(t2 != NULL && t2 != t);
    EXPECT_ERR(bt_torrent_pause(t), BT_E_BAD_HANDLE);
    EXPECT_OK(bt_torrent_pause(t2));

    /* bt_session_torrents lists in the order torrents were added */
    bt_torrent *mags[3] = {0};
    const char *uris[3] = {
        "magnet:?xt=urn:btih:ffffffffffffffffffffffffffffffffffffffff",
        "magnet:?xt=urn:btih:0000000000000000000000000000000000000001",
        "magnet:?xt=urn:btih:8888888888888888888888888888888888888888",
    };
    bt_add_torrent_params mp;
    memset(&mp, 0, sizeof mp);
    mp.save_path = scratch;
    mp.paused = 1;
    for (int i = 0; i < 3; i++) {
        mp.magnet_uri = uris[i];
        EXPECT_OK(bt_session_add_torrent(se, &mp, &mags[i]));
    }
    EXPECT_OK(bt_session_torrents(se, list, 4, &count));
    CHECK(count == 4 && list[0] == t2 && list[1] == mags[0] && list[2] == mags[1] && list[3] == mags[2]);
    bt_torrent *two[2] = {0};
    EXPECT_OK(bt_session_torrents(se, two, 2, &count)); /* cap < count: the first cap, total count */
    CHECK(count == 4 && two[0] == t2 && two[1] == mags[0]);
    for (int i = 0; i < 3; i++)
        EXPECT_OK(bt_session_remove_torrent(se, mags[i], 0));

    bt_free(tdata);
}

/* ---- 0.2: settings types, disk stats, peers, super seeding, web seeds, fast resume ---------- */

static void test_setting_types(void) {
    int type = -1, b = -1;
    EXPECT_ERR(bt_setting_type(NULL, &type), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_setting_type("connections_limit", NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_setting_type("no_such_setting", &type), BT_E_UNKNOWN_SETTING);
    CHECK(type == 0);
    EXPECT_OK(bt_setting_type("connections_limit", &type));
    CHECK(type == BT_SETTING_INT);
    EXPECT_OK(bt_setting_type("enable_incoming_tcp", &type));
    CHECK(type == BT_SETTING_BOOL);
    EXPECT_OK(bt_setting_type("listen_interfaces", &type));
    CHECK(type == BT_SETTING_STR);

    EXPECT_ERR(bt_session_get_bool(NULL, "enable_lsd", &b), BT_E_INVALID_ARG);
    bt_settings *s = loopback_settings();
    EXPECT_OK(bt_settings_set_bool(s, "enable_incoming_tcp", 1));
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);
    EXPECT_ERR(bt_session_get_bool(se, NULL, &b), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_get_bool(se, "enable_lsd", NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_get_bool(se, "connections_limit", &b), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_session_get_bool(se, "user_agent", &b), BT_E_SETTING_TYPE);
    EXPECT_ERR(bt_session_get_bool(se, "no_such_setting", &b), BT_E_UNKNOWN_SETTING);
    EXPECT_OK(bt_session_get_bool(se, "enable_incoming_tcp", &b));
    CHECK(b == 1);
    EXPECT_OK(bt_session_set_bool(se, "enable_incoming_tcp", 0));
    EXPECT_OK(bt_session_get_bool(se, "enable_incoming_tcp", &b));
    CHECK(b == 0);
    EXPECT_ERR(bt_session_get_bool((bt_session *)(uintptr_t)0xdeadbeef, "enable_lsd", &b), BT_E_BAD_HANDLE);

    bt_disk_stats ds;
    memset(&ds, 0xff, sizeof ds);
    EXPECT_ERR(bt_session_disk_stats(NULL, &ds), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_disk_stats(se, NULL), BT_E_INVALID_ARG);
    EXPECT_OK(bt_session_disk_stats(se, &ds));
    CHECK(ds.read_hits == 0 && ds.write_syscalls == 0 && ds.queued_write_bytes == 0);
    CHECK(ds.cache_blocks >= 0 && ds.write_blocks == 0 && (ds.lock_failed == 0 || ds.lock_failed == 1));
    EXPECT_OK(bt_session_free(se));
    EXPECT_ERR(bt_session_disk_stats(se, &ds), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_get_bool(se, "enable_lsd", &b), BT_E_BAD_HANDLE);
}

static void wait_checked(bt_torrent *t) {
    struct bt_torrent_status st;
    for (int i = 0; i < 500; i++) {
        if (bt_torrent_status(t, &st) == BT_OK && st.state != BT_STATE_CHECKING_FILES)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void test_v02_torrent_api(void) {
    bt_settings *ls = loopback_settings();
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(ls, &se));
    bt_settings_free(ls);
    size_t tsize = 0;
    uint8_t *tdata = make_torrent(&tsize);
    if (tdata == NULL) {
        bt_session_free(se);
        return;
    }
    bt_peer_info peers[4];
    size_t n = 99;
    bt_web_seed_info *ws = (bt_web_seed_info *)&n;
    uint8_t *rd = (uint8_t *)&n;
    size_t rdsize = 99;

    /* NULL and foreign handles */
    EXPECT_ERR(bt_torrent_peers(NULL, peers, 4, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_super_seeding(NULL, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(NULL, "http://127.0.0.1:1/", BT_WEB_SEED_URL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_remove_web_seed(NULL, "http://127.0.0.1:1/"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_web_seeds(NULL, &ws, &n), BT_E_INVALID_ARG);
    CHECK(ws == NULL && n == 0);
    EXPECT_ERR(bt_torrent_save_resume_data(NULL, &rd, &rdsize), BT_E_INVALID_ARG);
    CHECK(rd == NULL && rdsize == 0);
    EXPECT_ERR(bt_torrent_peers((bt_torrent *)se, peers, 4, &n), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_set_super_seeding((bt_torrent *)se, 1), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_web_seeds((bt_torrent *)(uintptr_t)1, &ws, &n), BT_E_BAD_HANDLE);
    CHECK(strcmp(bt_alert_type_name(BT_ALERT_WEB_SEED_ERROR), "web_seed_error") == 0);

    /* a magnet without metadata has no resume data yet */
    bt_add_torrent_params mp;
    memset(&mp, 0, sizeof mp);
    mp.save_path = scratch;
    mp.magnet_uri = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567";
    mp.paused = 1;
    bt_torrent *mt = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &mp, &mt));
    EXPECT_ERR(bt_torrent_save_resume_data(mt, &rd, &rdsize), BT_E_STATE);
    CHECK(rd == NULL && rdsize == 0);
    EXPECT_OK(bt_session_remove_torrent(se, mt, 0));

    bt_add_torrent_params p;
    memset(&p, 0, sizeof p);
    p.save_path = scratch;
    p.torrent_data = tdata;
    p.torrent_size = tsize;
    p.super_seeding = 1;
    p.resume_size = 10; /* resume_data NULL */
    bt_torrent *t = NULL;
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_INVALID_ARG);
    p.resume_size = 0;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    wait_checked(t);
    struct bt_torrent_status st;
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.super_seeding == 1);
    CHECK(st.state == BT_STATE_SEEDING);
    EXPECT_OK(bt_torrent_set_super_seeding(t, 0));
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.super_seeding == 0);
    EXPECT_OK(bt_torrent_set_super_seeding(t, 7)); /* any non-zero is on */
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.super_seeding == 1);

    /* peers: none connected */
    n = 99;
    EXPECT_ERR(bt_torrent_peers(t, peers, 4, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_peers(t, NULL, 4, &n), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_peers(t, NULL, 0, &n));
    CHECK(n == 0);
    EXPECT_OK(bt_torrent_peers(t, peers, 4, &n));
    CHECK(n == 0);

    /* web seeds */
    EXPECT_ERR(bt_torrent_add_web_seed(t, NULL, BT_WEB_SEED_URL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/", 0), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/", 3), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "not a url", BT_WEB_SEED_URL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "ftp://127.0.0.1/x", BT_WEB_SEED_HTTP), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/files/", BT_WEB_SEED_URL));
    EXPECT_OK(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/seed.php", BT_WEB_SEED_HTTP));
    EXPECT_OK(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/files/", BT_WEB_SEED_URL)); /* again: no-op */
    EXPECT_ERR(bt_torrent_web_seeds(t, NULL, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_web_seeds(t, &ws, NULL), BT_E_INVALID_ARG);
    /* the torrent's own url-list entry (make_torrent) plus the two added */
    EXPECT_OK(bt_torrent_web_seeds(t, &ws, &n));
    CHECK(n == 3 && ws != NULL);
    if (ws != NULL && n == 3) {
        int url = -1, http = -1, own = -1;
        for (int i = 0; i < 3; i++) {
            CHECK(ws[i].url != NULL && ws[i].error != NULL);
            CHECK(ws[i].requests >= 0 && ws[i].failures >= 0 && ws[i].retry_in_ms >= 0);
            if (ws[i].type == BT_WEB_SEED_URL && strcmp(ws[i].url, "http://127.0.0.1:3/") == 0)
                own = i;
            else if (ws[i].type == BT_WEB_SEED_URL)
                url = i;
            if (ws[i].type == BT_WEB_SEED_HTTP)
                http = i;
        }
        CHECK(url >= 0 && strcmp(ws[url].url, "http://127.0.0.1:1/files/") == 0);
        CHECK(http >= 0 && strcmp(ws[http].url, "http://127.0.0.1:1/seed.php") == 0);
        CHECK(own >= 0);
    }
    bt_free(ws);
    EXPECT_ERR(bt_torrent_remove_web_seed(t, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_remove_web_seed(t, "http://127.0.0.1:1/never-added"), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_remove_web_seed(t, "http://127.0.0.1:1/files/"));
    EXPECT_OK(bt_torrent_remove_web_seed(t, "http://127.0.0.1:1/seed.php"));
    EXPECT_OK(bt_torrent_remove_web_seed(t, "http://127.0.0.1:3/"));
    ws = (bt_web_seed_info *)&n;
    EXPECT_OK(bt_torrent_web_seeds(t, &ws, &n));
    CHECK(n == 0 && ws == NULL);

    /* fast resume */
    EXPECT_ERR(bt_torrent_save_resume_data(t, NULL, &rdsize), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_save_resume_data(t, &rd, NULL), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_save_resume_data(t, &rd, &rdsize));
    CHECK(rd != NULL && rdsize > 0 && rd[0] == 'd');
    CHECK(rd != NULL && memmem(rd, rdsize, "11:file-format22:libtorrent resume file", 39) != NULL);
    char path[4200];
    snprintf(path, sizeof path, "%s/no/such/dir/x.resume", scratch);
    EXPECT_ERR(bt_write_resume_file(path, rd, rdsize), BT_E_IO);
    EXPECT_ERR(bt_write_resume_file(NULL, rd, rdsize), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_write_resume_file("", rd, rdsize), BT_E_INVALID_ARG);
    snprintf(path, sizeof path, "%s/x.resume", scratch);
    EXPECT_ERR(bt_write_resume_file(path, NULL, 5), BT_E_INVALID_ARG);
    EXPECT_OK(bt_write_resume_file(path, NULL, 0)); /* an empty file is allowed */
    EXPECT_OK(bt_write_resume_file(path, rd, rdsize));
    {
        FILE *f = fopen(path, "rb");
        uint8_t back[65536];
        size_t got = f ? fread(back, 1, sizeof back, f) : 0;
        if (f)
            fclose(f);
        CHECK(got == rdsize && memcmp(back, rd, got) == 0);
    }

    /* removed: every new call on the stale handle fails cleanly */
    EXPECT_OK(bt_session_remove_torrent(se, t, 0));
    EXPECT_ERR(bt_torrent_peers(t, peers, 4, &n), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_set_super_seeding(t, 1), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/", BT_WEB_SEED_URL), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_remove_web_seed(t, "http://127.0.0.1:1/"), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_web_seeds(t, &ws, &n), BT_E_BAD_HANDLE);
    uint8_t *rd2 = NULL;
    size_t rd2size = 0;
    EXPECT_ERR(bt_torrent_save_resume_data(t, &rd2, &rd2size), BT_E_BAD_HANDLE);
    CHECK(rd2 == NULL);

    /* re-added with its resume data: complete at once; garbage resume data falls back to a check */
    p.super_seeding = 0;
    p.resume_data = rd;
    p.resume_size = rdsize;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    wait_checked(t);
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.state == BT_STATE_SEEDING && st.super_seeding == 0);
    EXPECT_OK(bt_session_remove_torrent(se, t, 0));
    static const uint8_t junk[] = "d3:fooi1ee";
    p.resume_data = junk;
    p.resume_size = sizeof junk - 1;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    wait_checked(t);
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.state == BT_STATE_SEEDING);
    bt_free(rd);
    bt_free(tdata);
    EXPECT_OK(bt_session_free(se));
    EXPECT_ERR(bt_torrent_peers(t, peers, 4, &n), BT_E_BAD_HANDLE); /* torrent of a freed session */
}

static bt_session *dht_session(const char *bootstrap) {
    bt_settings *s = loopback_settings();
    EXPECT_OK(bt_settings_set_bool(s, "enable_dht", 1));
    if (bootstrap != NULL)
        EXPECT_OK(bt_settings_set_str(s, "dht_bootstrap_nodes", bootstrap));
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);
    return se;
}

static void test_dht(void) {
    bt_dht_stats ds;
    char target[41];
    uint8_t *v = NULL;
    size_t vs = 0, n = 0;
    char *peers = NULL;
    int stored = -1;
    uint8_t seed[32], pub[32];
    memset(seed, 7, sizeof seed);
    const char *ih = "0123456789abcdef0123456789abcdef01234567";

    EXPECT_ERR(bt_session_dht_stats(NULL, &ds), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_announce(NULL, ih, 0, 10), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_get_peers(NULL, ih, 10, &peers, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_put_immutable(NULL, (const uint8_t *)"i1e", 3, 10, target, &stored), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_get_immutable(NULL, ih, 10, &v, &vs), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_put_mutable(NULL, seed, NULL, 0, (const uint8_t *)"i1e", 3, 1, 10, pub, &stored), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_get_mutable(NULL, pub, NULL, 0, 10, &v, &vs, NULL), BT_E_INVALID_ARG);

    /* the DHT is off by default */
    bt_settings *ls = loopback_settings();
    bt_session *off = NULL;
    EXPECT_OK(bt_session_new(ls, &off));
    bt_settings_free(ls);
    EXPECT_ERR(bt_session_dht_stats(off, &ds), BT_E_STATE);
    EXPECT_ERR(bt_session_dht_announce(off, ih, 0, 10), BT_E_STATE);
    EXPECT_ERR(bt_session_dht_get_peers(off, ih, 10, &peers, &n), BT_E_STATE);
    CHECK(peers == NULL && n == 0);
    EXPECT_ERR(bt_session_dht_get_immutable(off, ih, 10, &v, &vs), BT_E_STATE);
    EXPECT_OK(bt_session_free(off));
    EXPECT_ERR(bt_session_dht_stats(off, &ds), BT_E_BAD_HANDLE);

    bt_session *a = dht_session(NULL);
    int port_a = 0;
    EXPECT_OK(bt_session_listen_port(a, &port_a));
    char boot[64];
    snprintf(boot, sizeof boot, "127.0.0.1:%d", port_a);
    bt_session *b = dht_session(boot);
    int port_b = 0;
    EXPECT_OK(bt_session_listen_port(b, &port_b));

    /* bad arguments on a live DHT */
    EXPECT_ERR(bt_session_dht_stats(b, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_announce(b, NULL, 0, 10), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_announce(b, "xyz", 0, 10), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_announce(b, ih, 70000, 10), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_announce(b, ih, 0, -2), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_get_peers(b, ih, 10, NULL, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_get_peers(b, ih, 10, &peers, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_put_immutable(b, NULL, 3, 10, target, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_put_immutable(b, (const uint8_t *)"i1e", 3, 10, NULL, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_put_immutable(b, (const uint8_t *)"not bencode", 11, 10, target, NULL), BT_E_INVALID_ARG);
    static uint8_t big[1200];
    memset(big, 'x', sizeof big);
    memcpy(big, "1195:", 5);
    EXPECT_ERR(bt_session_dht_put_immutable(b, big, sizeof big, 10, target, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_get_immutable(b, "zz", 10, &v, &vs), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_get_immutable(b, ih, 10, NULL, &vs), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_put_mutable(b, NULL, NULL, 0, (const uint8_t *)"i1e", 3, 1, 10, pub, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_put_mutable(b, seed, NULL, 4, (const uint8_t *)"i1e", 3, 1, 10, pub, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_dht_get_mutable(b, NULL, NULL, 0, 10, &v, &vs, NULL), BT_E_INVALID_ARG);

    /* b bootstraps from a */
    int nodes = 0;
    for (int i = 0; i < 500 && nodes == 0; i++) {
        if (bt_session_dht_stats(b, &ds) == BT_OK)
            nodes = ds.nodes4 + ds.nodes6;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK(nodes >= 1);
    CHECK(strlen(ds.node_id) == 40);

    /* BEP 44 immutable: put through b onto a, then looked up by b */
    EXPECT_OK(bt_session_dht_put_immutable(b, (const uint8_t *)"5:hello", 7, 5000, target, &stored));
    CHECK(strlen(target) == 40 && stored >= 1);
    EXPECT_OK(bt_session_dht_get_immutable(b, target, 5000, &v, &vs)); /* b asks a, which stored it */
    CHECK(v != NULL && vs == 7 && memcmp(v, "5:hello", 7) == 0);
    bt_free(v);
    v = NULL;

    /* BEP 44 mutable */
    EXPECT_OK(bt_session_dht_put_mutable(b, seed, (const uint8_t *)"salt", 4, (const uint8_t *)"i42e", 4, 3, 5000, pub, &stored));
    CHECK(stored >= 1);
    int64_t seq = -1;
    EXPECT_OK(bt_session_dht_get_mutable(b, pub, (const uint8_t *)"salt", 4, 5000, &v, &vs, &seq));
    CHECK(v != NULL && vs == 4 && memcmp(v, "i42e", 4) == 0 && seq == 3);
    bt_free(v);
    v = NULL;

    /* announce through b, find b's port through a */
    EXPECT_OK(bt_session_dht_announce(b, ih, 0, 5000));
    EXPECT_OK(bt_session_dht_get_peers(a, ih, 5000, &peers, &n));
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d\n", port_b);
    CHECK(n >= 1 && peers != NULL && strstr(peers, want) != NULL);
    bt_free(peers);
    EXPECT_OK(bt_session_dht_stats(a, &ds));
    CHECK(ds.info_hashes >= 1 && ds.peers >= 1 && ds.items >= 2 && ds.packets_in > 0);

    EXPECT_OK(bt_session_free(b));
    EXPECT_OK(bt_session_free(a));
    EXPECT_ERR(bt_session_dht_get_peers(a, ih, 10, &peers, &n), BT_E_BAD_HANDLE);
}

static void test_alerts_and_free(void) {
    bt_settings *s = loopback_settings();
    EXPECT_OK(bt_settings_set_int(s, "alert_mask", 0));
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);

    /* empty batch */
    bt_alerts *a = NULL;
    EXPECT_OK(bt_session_pop_alerts(se, &a));
    CHECK(a != NULL);
    size_t n = 99;
    EXPECT_OK(bt_alerts_count(a, &n));
    CHECK(n == 0);
    bt_alert al;
    EXPECT_ERR(bt_alerts_get(a, 0, &al), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_alerts_get(a, (size_t)-1, &al), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_alerts_get(a, 0, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_alerts_count(a, NULL), BT_E_INVALID_ARG);
    bt_alerts_free(a);
    bt_alerts_free(a); /* double free */
    EXPECT_ERR(bt_alerts_count(a, &n), BT_E_BAD_HANDLE);

    EXPECT_ERR(bt_session_wait_for_alert(se, -2), BT_E_INVALID_ARG);
    CHECK(bt_session_wait_for_alert(se, 0) == 0);
    CHECK(bt_session_wait_for_alert(se, 20) == 0);

    /* every alert field is filled: strings never NULL */
    EXPECT_OK(bt_session_set_int(se, "alert_mask", BT_ALERT_CATEGORY_ALL));
    test_torrents(se);
    CHECK(bt_session_wait_for_alert(se, 5000) == 1);
    EXPECT_OK(bt_session_pop_alerts(se, &a));
    EXPECT_OK(bt_alerts_count(a, &n));
    CHECK(n > 0);
    int saw_added = 0;
    for (size_t i = 0; i < n; i++) {
        memset(&al, 0, sizeof al);
        EXPECT_OK(bt_alerts_get(a, i, &al));
        CHECK(al.info_hash && al.message && al.endpoint && al.url && al.path && al.operation);
        CHECK(al.timestamp_us > 0);
        CHECK(strcmp(bt_alert_type_name(al.type), "unknown") != 0);
        if (al.type == BT_ALERT_TORRENT_ADDED) {
            saw_added = 1;
            CHECK(strlen(al.info_hash) == 40);
        }
    }
    CHECK(saw_added);
    bt_alerts_free(a);

    EXPECT_OK(bt_session_free(se));
}

static void *waiter(void *arg) {
    bt_session *se = arg;
    intptr_t rc = bt_session_wait_for_alert(se, -1);
    return (void *)rc;
}

static void test_free_while_waiting(void) {
    bt_settings *s = loopback_settings();
    EXPECT_OK(bt_settings_set_int(s, "alert_mask", 0)); /* nothing will ever be queued */
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, waiter, se) == 0);
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    EXPECT_OK(bt_session_free(se));
    void *ret = NULL;
    CHECK(pthread_join(th, &ret) == 0);
    CHECK((intptr_t)ret == BT_E_BAD_HANDLE);
}

static atomic_int notified;
static void on_alert(void *userdata) {
    CHECK(userdata == (void *)&notified);
    atomic_fetch_add(&notified, 1);
}

static void test_notify(void) {
    bt_settings *s = loopback_settings();
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);
    EXPECT_OK(bt_session_set_alert_notify(se, on_alert, &notified));
    bt_add_torrent_params p;
    memset(&p, 0, sizeof p);
    p.save_path = scratch;
    p.magnet_uri = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x";
    p.paused = 1;
    bt_alerts *a = NULL;
    EXPECT_OK(bt_session_pop_alerts(se, &a)); /* drain: the next alert goes empty -> non-empty */
    bt_alerts_free(a);
    bt_torrent *t = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    for (int i = 0; i < 500 && atomic_load(&notified) == 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK(atomic_load(&notified) > 0);
    int nf = 0;
    EXPECT_ERR(bt_torrent_num_files(t, &nf), BT_E_STATE); /* magnet: no metadata yet */
    EXPECT_OK(bt_session_set_alert_notify(se, NULL, NULL));
    /* after set_alert_notify(NULL) returns, the old callback never runs again */
    int before = atomic_load(&notified);
    EXPECT_OK(bt_session_pop_alerts(se, &a));
    bt_alerts_free(a);
    EXPECT_OK(bt_torrent_pause(t));
    EXPECT_OK(bt_torrent_resume(t));
    struct timespec pause_ts = {0, 50 * 1000 * 1000};
    nanosleep(&pause_ts, NULL);
    CHECK(atomic_load(&notified) == before);
    /* alerts already queued when a callback is set: it is called once */
    CHECK(bt_session_wait_for_alert(se, 2000) == 1);
    EXPECT_OK(bt_session_set_alert_notify(se, on_alert, &notified));
    for (int i = 0; i < 500 && atomic_load(&notified) == before; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    CHECK(atomic_load(&notified) > before);
    EXPECT_OK(bt_session_free(se));
    /* the torrent of a freed session is stale */
    EXPECT_ERR(bt_torrent_pause(t), BT_E_BAD_HANDLE);
}

/* Threads use a session (and make their own settings) while the main thread frees it: every
 * call returns BT_OK or BT_E_BAD_HANDLE, nothing crashes, nothing leaks. */
struct hammer_arg {
    bt_session *se;
    atomic_int bad_rc;
    atomic_int calls;
};

static void *hammer(void *p) {
    struct hammer_arg *a = p;
    for (int i = 0; i < 3000; i++) {
        int64_t v = 0;
        int rc = bt_session_get_int(a->se, "connections_limit", &v);
        if (rc != BT_OK && rc != BT_E_BAD_HANDLE)
            atomic_fetch_add(&a->bad_rc, 1);
        bt_alerts *al = NULL;
        rc = bt_session_pop_alerts(a->se, &al);
        if (rc != BT_OK && rc != BT_E_BAD_HANDLE)
            atomic_fetch_add(&a->bad_rc, 1);
        bt_alerts_free(al);
        rc = bt_session_set_int(a->se, "connections_limit", 10 + i % 50);
        if (rc != BT_OK && rc != BT_E_BAD_HANDLE)
            atomic_fetch_add(&a->bad_rc, 1);
        bt_settings *s = NULL;
        if (bt_settings_new(&s) != BT_OK || bt_settings_set_int(s, "connections_limit", 5) != BT_OK)
            atomic_fetch_add(&a->bad_rc, 1);
        bt_settings_free(s);
        atomic_fetch_add(&a->calls, 1);
    }
    return NULL;
}

static void test_concurrent_free(void) {
    bt_settings *s = loopback_settings();
    struct hammer_arg a;
    a.se = NULL;
    atomic_init(&a.bad_rc, 0);
    atomic_init(&a.calls, 0);
    EXPECT_OK(bt_session_new(s, &a.se));
    bt_settings_free(s);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&th[i], NULL, hammer, &a) == 0);
    while (atomic_load(&a.calls) < 200) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    EXPECT_OK(bt_session_free(a.se));
    for (int i = 0; i < 4; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    CHECK(atomic_load(&a.bad_rc) == 0);
    CHECK(atomic_load(&a.calls) == 4 * 3000);
}

static void *other_thread_error(void *arg) {
    (void)arg;
    bt_session_listen_port(NULL, NULL);
    return strstr(bt_last_error(), "bt_session_listen_port") ? (void *)1 : NULL;
}

static void test_thread_local_error(void) {
    EXPECT_ERR(bt_torrent_pause(NULL), BT_E_INVALID_ARG);
    char mine[256];
    snprintf(mine, sizeof mine, "%s", bt_last_error());
    pthread_t th;
    void *ok = NULL;
    CHECK(pthread_create(&th, NULL, other_thread_error, NULL) == 0);
    CHECK(pthread_join(th, &ok) == 0);
    CHECK(ok == (void *)1);
    CHECK(strcmp(mine, bt_last_error()) == 0); /* the other thread's failure left ours alone */
    CHECK(strstr(mine, "bt_torrent_pause") != NULL);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    snprintf(scratch, sizeof scratch, "%s", argv[1]);
    test_version();
    test_null_everywhere();
    test_settings_misuse();
    test_foreign_handles();
    test_create_misuse();
    {
        bt_settings *s = loopback_settings();
        bt_session *se = NULL;
        EXPECT_OK(bt_session_new(s, &se));
        bt_settings_free(s);
        test_corrupt_input(se);
        EXPECT_OK(bt_session_free(se));
    }
    test_alerts_and_free();
    test_free_while_waiting();
    test_notify();
    test_setting_types();
    test_v02_torrent_api();
    test_dht();
    test_thread_local_error();
    test_concurrent_free();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
