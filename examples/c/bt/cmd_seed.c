/* cmd_seed.c — bt seed: verify the data in DIR, then serve it until --seconds run out or
 * SIGINT/SIGTERM arrives (exit 0). Incomplete data is a warning, not an error.
 *
 * With several --torrent FILEs, every torrent is seeded from DIR by the one session: each
 * torrent's check and failure is its own line ({"event":"checked"|"error","torrent":I,...}),
 * progress is one aggregate line ({"event":"checking"|"seeding","torrents":N,...}), and a
 * torrent that fails does not stop the others (exit 1 only when every one has failed). */
#define _POSIX_C_SOURCE 200809L

#include "cmd.h"

#include "loop.h"
#include "session.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One --torrent FILE of the command line. */
typedef struct seed_item {
    bt_torrent *t;
    const char *file;
    struct bt_torrent_status st;
    int checked, saw_checking, failed;
    double last_dial;
} seed_item;

/* The check is over once the torrent has left the checking state after libbt said it checked,
 * or after we saw it checking, or when it never started checking within two seconds. */
static int check_over(const struct bt_torrent_status *st, int seen_checked, int saw_checking,
                      double since_add)
{
    if (st->state == BT_STATE_CHECKING_FILES)
        return 0;
    if (st->state == BT_STATE_SEEDING || st->state == BT_STATE_FINISHED ||
        st->state == BT_STATE_ERROR)
        return 1;
    return seen_checked || saw_checking || since_add > 2.0;
}

static void print_checked(out_ctx *o, const bt_args *a, const seed_item *it, int index)
{
    const struct bt_torrent_status *st = &it->st;
    int complete = st->state == BT_STATE_SEEDING || st->state == BT_STATE_FINISHED;
    if (!complete) {
        out_clear_bar(o);
        if (o->multi)
            bt_warnf("the data in %s for %s is incomplete (%.1f%% verified); seeding what there is",
                     a->save, it->file, st->progress * 100);
        else
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
        if (o->multi) {
            json_int(&j, "torrent", index);
            json_str(&j, "info_hash", st->info_hash);
            json_str(&j, "file", it->file);
        }
        json_end(&j);
    } else if (!o->quiet && complete && !o->multi) {
        out_clear_bar(o);
        printf("checked: all %d pieces present\n", st->num_pieces);
        fflush(stdout);
    }
}

/* A torrent of several failed: one line, and the others go on. */
static void print_failed(out_ctx *o, seed_item *it, int index)
{
    char *msg = NULL;
    if (bt_torrent_error(it->t, &msg) != BT_OK)
        msg = NULL;
    out_clear_bar(o);
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "error");
        json_int(&j, "torrent", index);
        json_str(&j, "info_hash", it->st.info_hash);
        json_str(&j, "file", it->file);
        json_str(&j, "msg", msg != NULL ? msg : "");
        json_end(&j);
    }
    bt_warnf("cannot seed %s: %s", it->file, msg != NULL && msg[0] != '\0' ? msg : "error");
    bt_free(msg);
}

static void print_stopped(out_ctx *o, int64_t uploaded, int torrents, double seconds)
{
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "stopped");
        json_int(&j, "uploaded", uploaded);
        json_fixed(&j, "seconds", seconds, 3);
        if (o->multi)
            json_int(&j, "torrents", torrents);
        json_end(&j);
    } else if (!o->quiet) {
        char total[32];
        format_bytes((double)uploaded, total, sizeof total);
        printf("stopped after %.1f s, uploaded %s\n", seconds, total);
    }
}

/* Adds every --torrent, seeded from --save (the --resume data goes to a single torrent). */
static int add_torrents(const bt_args *a, bt_session *s, seed_item *items)
{
    uint8_t *resume = NULL;
    size_t resume_size = 0;
    int rc = resume_load(a->resume, &resume, &resume_size);
    if (rc != BT_EXIT_OK)
        return rc;
    for (size_t i = 0; i < a->torrents.count; i++) {
        bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
        p.save_path = a->save;
        p.torrent_file = a->torrents.items[i];
        p.super_seeding = a->super_seed;
        p.resume_data = resume;
        p.resume_size = resume_size;
        items[i].file = a->torrents.items[i];
        if (bt_session_add_torrent(s, &p, &items[i].t) != BT_OK) {
            bt_errorf("cannot add %s: %s", a->torrents.items[i], bt_last_error());
            rc = BT_EXIT_USAGE;
            break;
        }
    }
    free(resume);
    return rc;
}

/* libtorrent's queueing would run only active_seeds (5) seeds at once: bt seed asks for all of
 * them, unless --set says otherwise. */
static int seed_all_at_once(const bt_args *a, bt_session *s, int64_t n)
{
    static const char *const limits[] = {"active_seeds", "active_limit"};
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
        size_t len = strlen(limits[k]);
        int given = 0;
        for (size_t i = 0; i < a->sets.count; i++)
            given |= strncmp(a->sets.items[i], limits[k], len) == 0 && a->sets.items[i][len] == '=';
        int64_t v = 0;
        if (given || bt_session_get_int(s, limits[k], &v) != BT_OK || v < 0 || v >= n)
            continue;
        if (bt_session_set_int(s, limits[k], n) != BT_OK) {
            bt_errorf("cannot set %s: %s", limits[k], bt_last_error());
            return BT_EXIT_FAIL;
        }
    }
    return BT_EXIT_OK;
}

static void add_up(seed_totals *tot, const seed_item *items, int n)
{
    memset(tot, 0, sizeof *tot);
    tot->torrents = n;
    struct bt_torrent_status *sum = &tot->sum;
    sum->state = BT_STATE_SEEDING;
    int alive = 0;
    for (int i = 0; i < n; i++) {
        const struct bt_torrent_status *st = &items[i].st;
        if (items[i].failed) {
            tot->errors++;
            continue;
        }
        alive++;
        if (!items[i].checked)
            tot->checking++;
        if (st->state == BT_STATE_SEEDING)
            tot->seeding++;
        if (st->state < sum->state)
            sum->state = st->state;
        sum->download_rate += st->download_rate;
        sum->upload_rate += st->upload_rate;
        sum->num_peers += st->num_peers;
        sum->num_seeds += st->num_seeds;
        sum->total_download += st->total_download;
        sum->total_upload += st->total_upload;
        sum->total_wanted += st->total_wanted;
        sum->total_wanted_done += st->total_wanted_done;
    }
    if (alive == 0)
        sum->state = BT_STATE_ERROR;
    sum->progress = sum->total_wanted > 0
                        ? (double)sum->total_wanted_done / (double)sum->total_wanted
                        : 0.0;
}

int cmd_seed(const bt_args *a, out_ctx *o)
{
    int n = (int)a->torrents.count;
    bt_session *s = NULL;
    seed_item *items = calloc((size_t)n, sizeof *items);
    char listen[64];
    listen_interfaces_for(a->port, listen, sizeof listen);
    install_stop_handlers();
    int rc = items != NULL ? session_open(a, listen, &s) : BT_EXIT_FAIL;
    if (items == NULL)
        bt_errorf("out of memory");
    if (rc != BT_EXIT_OK || (rc = seed_all_at_once(a, s, n)) != BT_EXIT_OK ||
        (rc = add_torrents(a, s, items)) != BT_EXIT_OK)
        goto out;
    double start = now_seconds();
    if ((rc = session_announce_port(s, o)) != BT_EXIT_OK)
        goto out;
    for (int i = 0; i < n; i++)
        items[i].st = (struct bt_torrent_status)BT_TORRENT_STATUS_INIT;

    alert_seen seen = {0, 0, 0};
    ticker tk;
    ticker_start(&tk, o, start);
    int unchecked = n, failed = 0, all_checked_shown = 0;
    double last_poll = -1, last_save = start;
    while (!stop_requested()) {
        int w = bt_session_wait_for_alert(s, ticker_wait_ms(&tk, now_seconds()));
        if (w < 0 || session_drain_alerts(s, o, &seen) != BT_OK) {
            out_end_bar(o);
            bt_errorf("lost the session: %s", bt_last_error());
            rc = BT_EXIT_FAIL;
            goto out;
        }
        double now = now_seconds();
        int due = ticker_due(&tk, now);
        /* Statuses are one call per torrent: read them on a tick, and more often only while
         * checks are under way and something happened. */
        if (due || (unchecked > 0 && (w > 0 || now - last_poll >= 0.2))) {
            last_poll = now;
            for (int i = 0; i < n; i++) {
                seed_item *it = &items[i];
                if (it->failed)
                    continue;
                if (torrent_status(it->t, &it->st) != BT_OK) {
                    out_end_bar(o);
                    bt_errorf("lost the session: %s", bt_last_error());
                    rc = BT_EXIT_FAIL;
                    goto out;
                }
                if (it->st.state == BT_STATE_ERROR) {
                    if (!o->multi) {
                        out_end_bar(o);
                        report_torrent_error(it->t, "cannot seed");
                        rc = BT_EXIT_FAIL;
                        goto out;
                    }
                    print_failed(o, it, i);
                    it->failed = 1;
                    failed++;
                    if (!it->checked)
                        unchecked--;
                    continue;
                }
                if (it->st.state == BT_STATE_CHECKING_FILES)
                    it->saw_checking = 1;
                if (!it->checked &&
                    check_over(&it->st, n == 1 && seen.checked, it->saw_checking, now - start)) {
                    it->checked = 1;
                    unchecked--;
                    print_checked(o, a, it, i);
                    if (!o->multi)
                        tk.next = now; /* the first seeding line right away */
                    if ((rc = connect_peers(it->t, &a->peers, o)) != BT_EXIT_OK)
                        goto out;
                    it->last_dial = now;
                }
                if (it->checked && a->peers.count > 0 && it->st.num_peers == 0 &&
                    now - it->last_dial >= PEER_RETRY_SECONDS) {
                    if ((rc = connect_peers(it->t, &a->peers, o)) != BT_EXIT_OK)
                        goto out;
                    it->last_dial = now;
                }
            }
            if (failed == n) {
                out_end_bar(o);
                bt_errorf("cannot seed any of the %d torrents", n);
                rc = BT_EXIT_FAIL;
                goto out;
            }
        }
        if (o->multi && unchecked == 0 && !all_checked_shown) {
            all_checked_shown = 1;
            seed_totals tot;
            add_up(&tot, items, n);
            if (!o->json && !o->quiet) {
                out_clear_bar(o);
                printf("checked: %d of %d torrents complete\n", tot.seeding, n);
                fflush(stdout);
            }
            tk.next = now; /* the first seeding line right away */
            due = 0;
        }
        if (due) {
            if (o->multi) {
                seed_totals tot;
                add_up(&tot, items, n);
                out_seed_totals(o, unchecked > 0 ? "checking" : "seeding", &tot);
                if (o->verbose)
                    for (int i = 0; i < n; i++)
                        out_seed_torrent(o, i, &items[i].st);
            } else if (items[0].checked) {
                out_seeding(o, &items[0].st);
            } else {
                out_progress(o, &items[0].st);
            }
        }
        if (a->seconds >= 0 && now - start >= a->seconds)
            break;
        if (n == 1 && items[0].checked && a->resume != NULL &&
            now - last_save >= RESUME_SAVE_SECONDS) {
            resume_save(items[0].t, a->resume, 1);
            last_save = now;
        }
    }
    int64_t uploaded = 0;
    for (int i = 0; i < n; i++) {
        if (!items[i].failed && torrent_status(items[i].t, &items[i].st) != BT_OK)
            continue;
        uploaded += items[i].st.total_upload;
    }
    if (n == 1)
        resume_save(items[0].t, a->resume, 1);
    out_end_bar(o);
    print_stopped(o, uploaded, n, now_seconds() - start);
    rc = BT_EXIT_OK;
out:
    out_end_bar(o);
    if (s != NULL && bt_session_free(s) != BT_OK)
        bt_warnf("closing the session: %s", bt_last_error());
    free(items);
    return rc;
}
