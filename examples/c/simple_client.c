/* simple_client.c — download one torrent with libbt and exit once it is complete.
 *
 *   cc simple_client.c $(pkg-config --cflags --libs libbt) -o simple_client
 *   ./simple_client FILE.torrent SAVE_DIR
 */
#include <libbt.h>
#include <stdio.h>

static int fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, bt_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE.torrent SAVE_DIR\n", argv[0]);
        return 2;
    }

    bt_session *session = NULL;
    if (bt_session_new(NULL, &session) != BT_OK) /* NULL: default settings */
        return fail("bt_session_new");

    bt_add_torrent_params params = BT_ADD_TORRENT_PARAMS_INIT; /* zero: the default of every field */
    params.torrent_file = argv[1];
    params.save_path = argv[2];
    bt_torrent *torrent = NULL;                  /* owned by the session: never freed */
    if (bt_session_add_torrent(session, &params, &torrent) != BT_OK) {
        int rc = fail("bt_session_add_torrent");
        bt_session_free(session);
        return rc;
    }

    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    while (st.state != BT_STATE_SEEDING && st.state != BT_STATE_FINISHED) {
        bt_session_wait_for_alert(session, 1000); /* wake on an alert, or every second */

        bt_alerts *alerts = NULL;                /* a batch we own until bt_alerts_free() */
        size_t n = 0;
        if (bt_session_pop_alerts(session, &alerts) == BT_OK)
            bt_alerts_count(alerts, &n);
        for (size_t i = 0; i < n; i++) {
            bt_alert a = BT_ALERT_INIT;
            if (bt_alerts_get(alerts, i, &a) == BT_OK)
                printf("  %s: %s\n", bt_alert_type_name(a.type), a.message);
        }
        bt_alerts_free(alerts);

        if (bt_torrent_status(torrent, &st) != BT_OK) {
            fail("bt_torrent_status");
            break;
        }
        if (st.state == BT_STATE_ERROR) {
            char *msg = NULL;                    /* strings from libbt are freed with bt_free() */
            bt_torrent_error(torrent, &msg);
            fprintf(stderr, "torrent error: %s\n", msg ? msg : "?");
            bt_free(msg);
            break;
        }
        printf("%5.1f%%  %lld kB/s down  %lld kB/s up  %d peers\n", st.progress * 100,
               (long long)(st.download_rate / 1000), (long long)(st.upload_rate / 1000),
               st.num_peers);
    }

    bt_session_free(session);                    /* also removes and stops the torrent */
    return st.state == BT_STATE_SEEDING || st.state == BT_STATE_FINISHED ? 0 : 1;
}
