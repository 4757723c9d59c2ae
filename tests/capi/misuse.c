/*
 * ABI misuse: every way a C caller can get it wrong must give an error code and a message,
 * never a crash. NULL for every handle and out-parameter, stale handles (freed settings,
 * session, alert batch), double frees, foreign handles (one kind passed as another, random
 * pointers), unknown setting names and wrong types, corrupt torrent bytes, files and magnets,
 * bad create parameters, version / macro consistency.
 *
 * Usage: misuse SCRATCH_DIR
 */
#include "capi_test.h"

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
    struct bt_torrent_status status = BT_TORRENT_STATUS_INIT;
    bt_alert alert = BT_ALERT_INIT;
    bt_add_torrent_params ap = BT_ADD_TORRENT_PARAMS_INIT;

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
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
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
    bt_create_params cp = BT_CREATE_PARAMS_INIT;
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

    bt_disk_stats ds = BT_DISK_STATS_INIT;
    memset(&ds, 0xff, sizeof ds);
    ds.version = BT_DISK_STATS_VERSION; /* garbage everywhere else: every field must be written */
    EXPECT_ERR(bt_session_disk_stats(NULL, &ds), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_disk_stats(se, NULL), BT_E_INVALID_ARG);
    EXPECT_OK(bt_session_disk_stats(se, &ds));
    CHECK(ds.read_hits == 0 && ds.write_syscalls == 0 && ds.queued_write_bytes == 0);
    CHECK(ds.cache_blocks >= 0 && ds.write_blocks == 0 && (ds.lock_failed == 0 || ds.lock_failed == 1));
    EXPECT_OK(bt_session_free(se));
    EXPECT_ERR(bt_session_disk_stats(se, &ds), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_get_bool(se, "enable_lsd", &b), BT_E_BAD_HANDLE);
}

static void run(void) {
    test_version();
    test_null_everywhere();
    test_settings_misuse();
    test_foreign_handles();
    test_create_misuse();
    bt_settings *s = loopback_settings();
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);
    test_corrupt_input(se);
    EXPECT_OK(bt_session_free(se));
    test_setting_types();
}

int main(int argc, char **argv) { return capi_test_main(argc, argv, run); }
