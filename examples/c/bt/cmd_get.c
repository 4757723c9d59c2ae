/* cmd_get.c — bt get: download a .torrent or magnet link into DIR, reporting progress, until
 * every wanted piece is verified (exit 0) or --seconds run out (exit 1). */
#define _POSIX_C_SOURCE 200809L

#include "cmd.h"

#include "loop.h"
#include "session.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_done(out_ctx *o, int64_t bytes, double seconds)
{
    double mbps = seconds > 0 ? (double)bytes / 1e6 / seconds : NAN;
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_bool(&j, "done", 1);
        json_fixed(&j, "seconds", seconds, 3);
        json_int(&j, "bytes", bytes);
        json_fixed(&j, "MBps", mbps, 3);
        json_end(&j);
        return;
    }
    char total[32];
    format_bytes((double)bytes, total, sizeof total);
    if (isfinite(mbps))
        printf("done: %s in %.1f s (%.1f MB/s)\n", total, seconds, mbps);
    else
        printf("done: %s, already complete\n", total);
}

static void print_not_done(out_ctx *o, const char *reason, double progress, double seconds)
{
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_bool(&j, "done", 0);
        json_str(&j, "reason", reason);
        json_fixed(&j, "progress", progress, 4);
        json_fixed(&j, "seconds", seconds, 3);
        json_end(&j);
        return;
    }
    printf("not done (%s) after %.1f s: %.1f%%\n", reason, seconds, progress * 100);
}

int cmd_get(const bt_args *a, out_ctx *o)
{
    bt_session *s = NULL;
    bt_torrent *t = NULL;
    int rc = session_start(a, &s, &t);
    if (rc != BT_EXIT_OK)
        goto out;
    if ((rc = add_web_seeds(t, &a->webseeds)) != BT_EXIT_OK)
        goto out;
    double start = now_seconds();
    if ((rc = session_announce_port(s, o)) != BT_EXIT_OK)
        goto out;
    if ((rc = connect_peers(t, &a->peers, o)) != BT_EXIT_OK)
        goto out;

    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    alert_seen seen = {0, 0, 0};
    ticker tk;
    ticker_start(&tk, o, start);
    double last_dial = start, finish = -1, now = start, last_save = start;
    const char *reason = "interrupted";
    while (!stop_requested()) {
        int w = bt_session_wait_for_alert(s, ticker_wait_ms(&tk, now_seconds()));
        if (w < 0 || session_drain_alerts(s, o, &seen) != BT_OK || torrent_status(t, &st) != BT_OK) {
            out_end_bar(o);
            bt_errorf("lost the session: %s", bt_last_error());
            reason = "error";
            break;
        }
        now = now_seconds();
        if (st.state == BT_STATE_ERROR) {
            out_end_bar(o);
            report_torrent_error(t, "download failed");
            reason = "error";
            break;
        }
        if (st.has_metadata && (st.state == BT_STATE_FINISHED || st.state == BT_STATE_SEEDING)) {
            finish = now;
            break;
        }
        if (ticker_due(&tk, now))
            out_progress(o, &st);
        if (a->seconds >= 0 && now - start >= a->seconds) {
            reason = "timeout";
            break;
        }
        if (a->peers.count > 0 && st.num_peers == 0 && now - last_dial >= PEER_RETRY_SECONDS) {
            if ((rc = connect_peers(t, &a->peers, o)) != BT_EXIT_OK)
                goto out;
            last_dial = now;
        }
        if (a->resume != NULL && now - last_save >= RESUME_SAVE_SECONDS) {
            resume_save(t, a->resume, 1);
            last_save = now;
        }
    }
    resume_save(t, a->resume, 1); /* on the way out, whatever the reason */

    if (finish >= 0)
        out_progress(o, &st); /* the 100% line */
    out_end_bar(o);
    /* Free the session before reporting "done": its files are then complete on disk. */
    if (bt_session_free(s) != BT_OK)
        bt_warnf("closing the session: %s", bt_last_error());
    s = NULL;
    if (finish >= 0) {
        print_done(o, st.total_wanted, finish - start);
        rc = BT_EXIT_OK;
    } else {
        print_not_done(o, reason, st.progress, now_seconds() - start);
        rc = BT_EXIT_FAIL;
    }
out:
    out_end_bar(o);
    if (s != NULL)
        bt_session_free(s);
    return rc;
}
