/*
 * Versioned structs: every struct that crosses the ABI carries its version first. The init
 * macros and functions set it; version 0 (a struct zeroed the 0.2 way) and versions newer than
 * the library fail with BT_E_VERSION and a message naming the struct and the version, before
 * anything is read or written; libbt writes no byte past the caller's version's size, in
 * single structs and in arrays (whose first element carries the version).
 *
 * Usage: versions SCRATCH_DIR
 */
#include "capi_test.h"

/* The message of the last call names the struct and the version. */
#define EXPECT_VERSION_ERR(call, struct_name, version_text)                                   \
    do {                                                                                      \
        EXPECT_ERR(call, BT_E_VERSION);                                                       \
        CHECK(strstr(bt_last_error(), struct_name) != NULL);                                  \
        CHECK(strstr(bt_last_error(), version_text) != NULL);                                 \
    } while (0)

/* Every byte of [p, p+n) is b. */
static int all_bytes(const void *p, size_t n, unsigned char b) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        if (c[i] != b)
            return 0;
    return 1;
}

/* An init function zeroes exactly its struct and sets the version; a bad version or NULL
 * leaves the memory alone. */
#define CHECK_INIT(type, init_fn, version_macro, name)                                        \
    do {                                                                                      \
        unsigned char buf_[sizeof(type) + 16];                                                \
        memset(buf_, 0xAB, sizeof buf_);                                                      \
        type *p_ = (type *)(void *)buf_;                                                      \
        EXPECT_VERSION_ERR(init_fn(p_, 0), name, "version is 0");                             \
        EXPECT_VERSION_ERR(init_fn(p_, version_macro + 1), name, "version 2 ");               \
        CHECK(all_bytes(buf_, sizeof buf_, 0xAB));                                            \
        EXPECT_ERR(init_fn(NULL, version_macro), BT_E_INVALID_ARG);                           \
        EXPECT_OK(init_fn(p_, version_macro));                                                \
        CHECK(p_->version == version_macro);                                                  \
        CHECK(all_bytes(buf_ + sizeof p_->version, sizeof(type) - sizeof p_->version, 0));    \
        CHECK(all_bytes(buf_ + sizeof(type), 16, 0xAB));                                      \
    } while (0)

static void test_init_functions(void) {
    CHECK_INIT(bt_add_torrent_params, bt_add_torrent_params_init, BT_ADD_TORRENT_PARAMS_VERSION,
               "bt_add_torrent_params");
    CHECK_INIT(struct bt_torrent_status, bt_torrent_status_init, BT_TORRENT_STATUS_VERSION,
               "struct bt_torrent_status");
    CHECK_INIT(bt_peer_info, bt_peer_info_init, BT_PEER_INFO_VERSION, "bt_peer_info");
    CHECK_INIT(bt_disk_stats, bt_disk_stats_init, BT_DISK_STATS_VERSION, "bt_disk_stats");
    CHECK_INIT(bt_dht_stats, bt_dht_stats_init, BT_DHT_STATS_VERSION, "bt_dht_stats");
    CHECK_INIT(bt_alert, bt_alert_init, BT_ALERT_VERSION, "bt_alert");
    CHECK_INIT(bt_create_params, bt_create_params_init, BT_CREATE_PARAMS_VERSION, "bt_create_params");

    /* the macros set the same version, and zero the rest */
    bt_add_torrent_params ap = BT_ADD_TORRENT_PARAMS_INIT;
    CHECK(ap.version == BT_ADD_TORRENT_PARAMS_VERSION && ap.save_path == NULL && ap.paused == 0);
    bt_peer_info peers[3] = {BT_PEER_INFO_INIT};
    CHECK(peers[0].version == BT_PEER_INFO_VERSION && peers[1].version == 0);
    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    CHECK(st.version == BT_TORRENT_STATUS_VERSION && st.state == 0);
}

/* Version 0, and a version newer than the library, are refused by every call that takes a
 * struct, before the handle or any other field is looked at. */
static void test_calls_refuse_unknown_versions(bt_session *se, bt_torrent *t, bt_alerts *batch) {
    const unsigned int bad[] = {0, 2, 0xffffffffu};
    const char *const bad_text[] = {"version is 0", "version 2 ", "version 4294967295"};
    for (int i = 0; i < 3; i++) {
        const char *vt = bad_text[i];
        bt_add_torrent_params ap = BT_ADD_TORRENT_PARAMS_INIT;
        ap.version = bad[i];
        ap.save_path = scratch;
        ap.magnet_uri = "magnet:?xt=urn:btih:1111111111111111111111111111111111111111";
        bt_torrent *added = (bt_torrent *)&ap;
        EXPECT_VERSION_ERR(bt_session_add_torrent(se, &ap, &added), "bt_add_torrent_params", vt);
        CHECK(added == NULL);
        CHECK(strncmp(bt_last_error(), "bt_session_add_torrent: ", 24) == 0);

        struct bt_torrent_status st;
        memset(&st, 0x5A, sizeof st);
        st.version = bad[i];
        EXPECT_VERSION_ERR(bt_torrent_status(t, &st), "struct bt_torrent_status", vt);
        CHECK(st.version == bad[i] && all_bytes((char *)&st + sizeof st.version, sizeof st - sizeof st.version, 0x5A));

        bt_disk_stats ds = BT_DISK_STATS_INIT;
        ds.version = bad[i];
        EXPECT_VERSION_ERR(bt_session_disk_stats(se, &ds), "bt_disk_stats", vt);
        bt_dht_stats hs = BT_DHT_STATS_INIT;
        hs.version = bad[i];
        EXPECT_VERSION_ERR(bt_session_dht_stats(se, &hs), "bt_dht_stats", vt); /* not BT_E_STATE */

        bt_alert al = BT_ALERT_INIT;
        al.version = bad[i];
        EXPECT_VERSION_ERR(bt_alerts_get(batch, 0, &al), "bt_alert", vt);

        bt_peer_info peers[2] = {BT_PEER_INFO_INIT};
        peers[0].version = bad[i];
        size_t n = 99;
        EXPECT_VERSION_ERR(bt_torrent_peers(t, peers, 2, &n), "bt_peer_info", vt);
        CHECK(n == 0);

        bt_web_seed_info *ws = (bt_web_seed_info *)&n;
        EXPECT_VERSION_ERR(bt_torrent_web_seeds(t, bad[i], &ws, &n), "bt_web_seed_info", vt);
        CHECK(ws == NULL && n == 0);

        bt_create_params cp = BT_CREATE_PARAMS_INIT;
        cp.version = bad[i];
        cp.path = scratch;
        uint8_t *out = (uint8_t *)&n;
        size_t out_size = 7;
        EXPECT_VERSION_ERR(bt_create_torrent(&cp, &out, &out_size), "bt_create_params", vt);
        CHECK(out == NULL && out_size == 0);
    }
    /* the count-only call of bt_torrent_peers needs no version (there is no element) */
    size_t n = 99;
    EXPECT_OK(bt_torrent_peers(t, NULL, 0, &n));
    CHECK(n == 0);
}

/* libbt writes the struct (every element of an array) and not one byte past it. */
static void test_writes_stay_inside_the_struct(bt_session *se, bt_torrent *t, bt_alerts *batch) {
    struct {
        struct bt_torrent_status st;
        unsigned char canary[32];
    } s;
    memset(&s, 0xCC, sizeof s);
    EXPECT_OK(bt_torrent_status_init(&s.st, BT_TORRENT_STATUS_VERSION));
    EXPECT_OK(bt_torrent_status(t, &s.st));
    CHECK(s.st.version == BT_TORRENT_STATUS_VERSION && s.st.num_pieces == 3 && s.st.piece_length == 16384);
    CHECK(strlen(s.st.info_hash) == 40);
    CHECK(all_bytes(s.canary, sizeof s.canary, 0xCC));

    struct {
        bt_alert al;
        unsigned char canary[32];
    } a;
    memset(&a, 0xCC, sizeof a);
    a.al.version = BT_ALERT_VERSION;
    EXPECT_OK(bt_alerts_get(batch, 0, &a.al));
    CHECK(a.al.version == BT_ALERT_VERSION && a.al.type > 0 && a.al.message != NULL);
    CHECK(all_bytes(a.canary, sizeof a.canary, 0xCC));

    struct {
        bt_disk_stats ds;
        unsigned char canary[32];
    } d;
    memset(&d, 0xCC, sizeof d);
    d.ds.version = BT_DISK_STATS_VERSION;
    EXPECT_OK(bt_session_disk_stats(se, &d.ds));
    CHECK(d.ds.version == BT_DISK_STATS_VERSION && d.ds.cache_blocks > 0);
    CHECK(all_bytes(d.canary, sizeof d.canary, 0xCC));

    /* web seeds: libbt's array in the version asked for, every element carrying it */
    EXPECT_OK(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/x/", BT_WEB_SEED_URL));
    bt_web_seed_info *ws = NULL;
    size_t n = 0;
    EXPECT_OK(bt_torrent_web_seeds(t, BT_WEB_SEED_INFO_VERSION, &ws, &n));
    CHECK(n == 2 && ws != NULL); /* the torrent's own url-list entry and this one */
    for (size_t i = 0; ws != NULL && i < n; i++)
        CHECK(ws[i].version == BT_WEB_SEED_INFO_VERSION && strncmp(ws[i].url, "http://127.0.0.1:", 17) == 0);
    bt_free(ws);
}

static void run(void) {
    test_init_functions();

    bt_settings *s = loopback_settings();
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);
    size_t tsize = 0;
    uint8_t *tdata = make_torrent(&tsize); /* 41000 bytes in 16 KiB pieces: 3 pieces */
    if (tdata == NULL) {
        bt_session_free(se);
        return;
    }
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
    p.save_path = scratch;
    p.torrent_data = tdata;
    p.torrent_size = tsize;
    p.paused = 1;
    bt_torrent *t = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    wait_checked(t);
    bt_alerts *batch = NULL;
    EXPECT_OK(bt_session_pop_alerts(se, &batch));
    size_t count = 0;
    EXPECT_OK(bt_alerts_count(batch, &count));
    CHECK(count > 0); /* torrent_added at least */

    test_calls_refuse_unknown_versions(se, t, batch);
    test_writes_stay_inside_the_struct(se, t, batch);

    bt_alerts_free(batch);
    bt_free(tdata);
    EXPECT_OK(bt_session_free(se));
}

int main(int argc, char **argv) { return capi_test_main(argc, argv, run); }
