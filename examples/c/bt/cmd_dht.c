/* cmd_dht.c — bt dht: run a DHT node on loopback (--port, --dht-bootstrap), optionally announce
 * an info-hash on our port, and print the routing table's size about once a second until
 * --seconds run out or SIGINT/SIGTERM arrives (exit 0). */
#define _POSIX_C_SOURCE 200809L

#include "cmd.h"

#include "loop.h"
#include "session.h"
#include "term.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static void print_nodes(out_ctx *o, const bt_dht_stats *st)
{
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "dht");
        json_int(&j, "nodes", st->nodes4 + st->nodes6);
        json_int(&j, "nodes4", st->nodes4);
        json_int(&j, "nodes6", st->nodes6);
        json_int(&j, "peers", st->peers);
        json_int(&j, "packets_in", (int64_t)st->packets_in);
        json_int(&j, "packets_out", (int64_t)st->packets_out);
        json_end(&j);
    } else if (!o->quiet) {
        printf("dht: %d nodes (%d IPv4, %d IPv6), %d peers stored\n", st->nodes4 + st->nodes6,
               st->nodes4, st->nodes6, st->peers);
        fflush(stdout);
    }
}

static void print_announced(out_ctx *o, const char *ih, int ok, const char *msg)
{
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "announced");
        json_str(&j, "info_hash", ih);
        json_bool(&j, "ok", ok);
        if (!ok)
            json_str(&j, "msg", msg);
        json_end(&j);
    } else if (!o->quiet) {
        if (ok)
            printf("announced %s\n", ih);
        else {
            printf("announcing %s failed: ", ih);
            term_fputs(msg, stdout);
            fputc('\n', stdout);
        }
        fflush(stdout);
    }
}

int cmd_dht(const bt_args *a, out_ctx *o)
{
    bt_session *s = NULL;
    char listen[64];
    listen_interfaces_for(a->port, listen, sizeof listen);
    install_stop_handlers();
    int rc = session_open(a, listen, &s);
    if (rc != BT_EXIT_OK)
        return rc;
    double start = now_seconds();
    if ((rc = session_announce_port(s, o)) != BT_EXIT_OK)
        goto out;
    ticker tk;
    ticker_start(&tk, o, start);
    tk.period = 1.0;
    int announced = 0;
    double last_try = -1;
    bt_dht_stats st = BT_DHT_STATS_INIT;
    alert_seen seen = {0, 0, 0};
    while (!stop_requested()) {
        bt_session_wait_for_alert(s, ticker_wait_ms(&tk, now_seconds()));
        if (session_drain_alerts(s, o, &seen) != BT_OK || bt_session_dht_stats(s, &st) != BT_OK) {
            bt_errorf("lost the session: %s", bt_last_error());
            rc = BT_EXIT_FAIL;
            goto out;
        }
        double now = now_seconds();
        /* Announce once the table has a node, retrying every 2 s until it works. */
        if (a->announce != NULL && !announced && st.nodes4 + st.nodes6 > 0 &&
            (last_try < 0 || now - last_try >= 2.0)) {
            last_try = now;
            int arc = bt_session_dht_announce(s, a->announce, 0, 5000);
            announced = arc == BT_OK;
            if (announced || now - start > 10)
                print_announced(o, a->announce, announced, bt_last_error());
            if (!announced && now - start > 10)
                announced = -1; /* reported; stop trying */
        }
        if (ticker_due(&tk, now))
            print_nodes(o, &st);
        if (a->seconds >= 0 && now - start >= a->seconds)
            break;
    }
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "stopped");
        json_int(&j, "nodes", st.nodes4 + st.nodes6);
        json_fixed(&j, "seconds", now_seconds() - start, 3);
        json_end(&j);
    }
    rc = BT_EXIT_OK;
out:
    if (s != NULL && bt_session_free(s) != BT_OK)
        bt_warnf("closing the session: %s", bt_last_error());
    return rc;
}
