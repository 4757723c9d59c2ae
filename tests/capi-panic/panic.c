/*
 * A panic inside the engine does not end the host process. Run against the test library built
 * with -tags libbt_panic_hooks (scripts/capi-panic.sh) and LIBBT_TEST_PANIC=torrent_tick,
 * dht_bootstrap: the torrent goroutine panics once its torrent seeds, and the DHT bootstrap
 * goroutine panics at start. The torrent must then be in the error state with BT_E_INTERNAL
 * and a torrent_error alert naming where, the session must report a session_error with
 * BT_E_INTERNAL, resuming must bring the torrent back, and this process must reach its end.
 */
#include "../capi/capi_test.h"

static int wait_state(bt_torrent *t, int state, int seconds) {
    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    for (int i = 0; i < seconds * 50; i++) {
        if (bt_torrent_status(t, &st) == BT_OK && st.state == state)
            return 1;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void run(void) {
    const char *hooks = getenv("LIBBT_TEST_PANIC");
    if (hooks == NULL || strstr(hooks, "torrent_tick") == NULL || strstr(hooks, "dht_bootstrap") == NULL) {
        fprintf(stderr, "set LIBBT_TEST_PANIC=torrent_tick,dht_bootstrap and use the libbt_panic_hooks library\n");
        failed++;
        return;
    }
    bt_settings *s = loopback_settings();
    EXPECT_OK(bt_settings_set_bool(s, "enable_dht", 1));
    EXPECT_OK(bt_settings_set_int(s, "alert_mask", 0x7fffffff));
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);
    if (se == NULL)
        return;

    size_t tsize = 0;
    uint8_t *tdata = make_torrent(&tsize);
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
    p.save_path = scratch; /* the payload is there: the torrent checks as complete and seeds */
    p.torrent_data = tdata;
    p.torrent_size = tsize;
    bt_torrent *t = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    bt_free(tdata);
    if (t == NULL) {
        bt_session_free(se);
        return;
    }

    int torrent_error = 0, session_error = 0;
    for (int i = 0; i < 150 && !(torrent_error && session_error); i++) {
        bt_session_wait_for_alert(se, 200);
        bt_alerts *batch = NULL;
        if (bt_session_pop_alerts(se, &batch) != BT_OK)
            continue;
        size_t n = 0;
        bt_alerts_count(batch, &n);
        for (size_t k = 0; k < n; k++) {
            bt_alert a = BT_ALERT_INIT;
            if (bt_alerts_get(batch, k, &a) != BT_OK)
                continue;
            if (a.type == BT_ALERT_TORRENT_ERROR && strstr(a.message, "torrent tick") != NULL) {
                torrent_error = 1;
                CHECK(a.error == BT_E_INTERNAL);
                CHECK(a.torrent == t);
                CHECK(strstr(a.message, "LIBBT_TEST_PANIC: torrent_tick") != NULL);
            }
            if (a.type == BT_ALERT_SESSION_ERROR && strstr(a.message, "dht bootstrap") != NULL) {
                session_error = 1;
                CHECK(a.error == BT_E_INTERNAL);
                CHECK(a.torrent == NULL);
            }
        }
        bt_alerts_free(batch);
    }
    CHECK(torrent_error);
    CHECK(session_error);

    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.state == BT_STATE_ERROR);
    CHECK(st.error == BT_E_INTERNAL);
    char *msg = NULL;
    EXPECT_OK(bt_torrent_error(t, &msg));
    CHECK(msg != NULL && strstr(msg, "internal error") != NULL);
    bt_free(msg);

    /* The session and the torrent still answer: resume checks again and seeds. */
    EXPECT_OK(bt_torrent_resume(t));
    CHECK(wait_state(t, BT_STATE_SEEDING, 30));
    EXPECT_OK(bt_session_free(se));
}

int main(int argc, char **argv) { return capi_test_main(argc, argv, run); }
