/*
 * Threads and the C ABI: bt_session_free while another thread waits for alerts and while four
 * threads use the session, the notify callback (never called after it is removed), and the
 * per-thread last error.
 *
 * Usage: threads SCRATCH_DIR
 */
#include "capi_test.h"

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
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
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

static void run(void) {
    test_free_while_waiting();
    test_notify();
    test_thread_local_error();
    test_concurrent_free();
}

int main(int argc, char **argv) { return capi_test_main(argc, argv, run); }
