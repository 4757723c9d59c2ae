/*
 * The DHT through the C ABI, between two sessions on loopback: off -> BT_E_STATE, bad hashes,
 * values and timeouts, announce + get_peers, BEP 44 immutable and mutable put/get, stale
 * handles.
 *
 * Usage: dht SCRATCH_DIR
 */
#include "capi_test.h"

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
    bt_dht_stats ds = BT_DHT_STATS_INIT;
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

int main(int argc, char **argv) { return capi_test_main(argc, argv, test_dht); }
