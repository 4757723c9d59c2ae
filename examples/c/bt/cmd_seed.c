/* cmd_seed.c — bt seed: verify the data in DIR, then serve it until --seconds run out or
 * SIGINT/SIGTERM arrives (exit 0). Incomplete data is a warning, not an error. */
#define _POSIX_C_SOURCE 200809L

#include "cmd.h"

#include "loop.h"
#include "session.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The check is over once the torrent has left the checking state after libbt said it checked,
 * or after we saw it checking, or when it never started checking within two seconds. */
static int check_over(const struct bt_torrent_status *st, const alert_seen *seen,
                      int saw_checking, double since_add)
{
    if (st->state == BT_STATE_CHECKING_FILES)
        return 0;
    if (st->state == BT_STATE_SEEDING || st->state == BT_STATE_FINISHED ||
        st->state == BT_STATE_ERROR)
        return 1;
    return seen->checked || saw_checking || since_add > 2.0;
}

static void print_checked(out_ctx *o, const bt_args *a, const struct bt_torrent_status *st)
{
    int complete = st->state == BT_STATE_SEEDING || st->state == BT_STATE_FINISHED;
    if (!complete) {
        out_clear_bar(o);
        bt_warnf("the data in %s is incomplete (%.1f%% verified); seeding what there is",
                 a->save, st->progress * 100);
    }
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "checked");
        json_bool(&j, "complete", complete);
        json_fixed(&j, "progress", st->progress, 4);
        json_int(&j, "pieces", st->num_pieces);
        json_int(&j, "pieces_done", st->pieces_done);
        json_end(&j);
    } else if (!o->quiet && complete) {
        out_clear_bar(o);
        printf("checked: all %d pieces present\n", st->num_pieces);
        fflush(stdout);
    }
}

static void print_stopped(out_ctx *o, const struct bt_torrent_status *st, double seconds)
{
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "stopped");
        json_int(&j, "uploaded", st->total_upload);
        json_fixed(&j, "seconds", seconds, 3);
        json_end(&j);
    } else if (!o->quiet) {
        char total[32];
        format_bytes((double)st->total_upload, total, sizeof total);
        printf("stopped after %.1f s, uploaded %s\n", seconds, total);
    }
}

int cmd_seed(const bt_args *a, out_ctx *o)
{
    bt_session *s = NULL;
    bt_torrent *t = NULL;
    int rc = session_start(a, &s, &t);
    if (rc != BT_EXIT_OK)
        goto out;
    double start = now_seconds();
    if ((rc = session_announce_port(s, o)) != BT_EXIT_OK)
        goto out;

    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    alert_seen seen = {0, 0, 0};
    ticker tk;
    ticker_start(&tk, o, start);
    int checked = 0, saw_checking = 0;
    double last_dial = start, last_save = start;
    while (!stop_requested()) {
        int w = bt_session_wait_for_alert(s, ticker_wait_ms(&tk, now_seconds()));
        if (w < 0 || session_drain_alerts(s, o, &seen) != BT_OK || torrent_status(t, &st) != BT_OK) {
            out_end_bar(o);
            bt_errorf("lost the session: %s", bt_last_error());
            rc = BT_EXIT_FAIL;
            goto out;
        }
        double now = now_seconds();
        if (st.state == BT_STATE_ERROR) {
            out_end_bar(o);
            report_torrent_error(t, "cannot seed");
            rc = BT_EXIT_FAIL;
            goto out;
        }
        if (st.state == BT_STATE_CHECKING_FILES)
            saw_checking = 1;
        if (!checked && check_over(&st, &seen, saw_checking, now - start)) {
            checked = 1;
            print_checked(o, a, &st);
            tk.next = now; /* the first seeding line right away */
            if ((rc = connect_peers(t, &a->peers, o)) != BT_EXIT_OK)
                goto out;
            last_dial = now;
        }
        if (ticker_due(&tk, now)) {
            if (checked)
                out_seeding(o, &st);
            else
                out_progress(o, &st);
        }
        if (a->seconds >= 0 && now - start >= a->seconds)
            break;
        if (checked && a->peers.count > 0 && st.num_peers == 0 &&
            now - last_dial >= PEER_RETRY_SECONDS) {
            if ((rc = connect_peers(t, &a->peers, o)) != BT_EXIT_OK)
                goto out;
            last_dial = now;
        }
        if (checked && a->resume != NULL && now - last_save >= RESUME_SAVE_SECONDS) {
            resume_save(t, a->resume, 1);
            last_save = now;
        }
    }
    resume_save(t, a->resume, 1);
    out_end_bar(o);
    print_stopped(o, &st, now_seconds() - start);
    rc = BT_EXIT_OK;
out:
    out_end_bar(o);
    if (s != NULL && bt_session_free(s) != BT_OK)
        bt_warnf("closing the session: %s", bt_last_error());
    return rc;
}
