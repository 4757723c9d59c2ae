/* output.c — see output.h. */
#define _POSIX_C_SOURCE 200809L

#include "output.h"

#include "term.h"
#include "util.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

void out_init(out_ctx *o, const bt_args *a)
{
    memset(o, 0, sizeof *o);
    o->json = a->json || !isatty(STDOUT_FILENO);
    o->quiet = a->quiet;
    o->verbose = a->verbose;
    o->multi = a->command == CMD_SEED && a->torrents.count > 1;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

void json_write_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', f);
    while (*p != '\0') {
        unsigned char c = *p;
        switch (c) {
        case '"': fputs("\\\"", f); p++; continue;
        case '\\': fputs("\\\\", f); p++; continue;
        case '\n': fputs("\\n", f); p++; continue;
        case '\r': fputs("\\r", f); p++; continue;
        case '\t': fputs("\\t", f); p++; continue;
        case '\b': fputs("\\b", f); p++; continue;
        case '\f': fputs("\\f", f); p++; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", c);
            p++;
            continue;
        }
        size_t n = term_utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", f);
            p++;
        } else if (n > 1 && term_is_control(term_utf8_decode(p, n))) {
            /* Exact once parsed, and inert if the JSON lands on a terminal. */
            fprintf(f, "\\u%04x", term_utf8_decode(p, n));
            p += n;
        } else {
            fwrite(p, 1, n, f);
            p += n;
        }
    }
    fputc('"', f);
}

void json_begin(json_line *j)
{
    j->f = stdout;
    j->fields = 0;
    fputc('{', j->f);
}

static void json_key(json_line *j, const char *key)
{
    if (j->fields++ > 0)
        fputc(',', j->f);
    json_write_string(j->f, key);
    fputc(':', j->f);
}

void json_str(json_line *j, const char *key, const char *value)
{
    json_key(j, key);
    json_write_string(j->f, value);
}

void json_int(json_line *j, const char *key, int64_t value)
{
    json_key(j, key);
    fprintf(j->f, "%lld", (long long)value);
}

void json_fixed(json_line *j, const char *key, double value, int decimals)
{
    json_key(j, key);
    if (isfinite(value))
        fprintf(j->f, "%.*f", decimals, value);
    else
        fputs("null", j->f);
}

void json_bool(json_line *j, const char *key, int value)
{
    json_key(j, key);
    fputs(value ? "true" : "false", j->f);
}

void json_end(json_line *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}

/* ---- text ---------------------------------------------------------------------------------- */

const char *state_name(int state)
{
    switch (state) {
    case BT_STATE_CHECKING_FILES: return "checking";
    case BT_STATE_DOWNLOADING_METADATA: return "metadata";
    case BT_STATE_DOWNLOADING: return "downloading";
    case BT_STATE_FINISHED: return "finished";
    case BT_STATE_SEEDING: return "seeding";
    case BT_STATE_ERROR: return "error";
    default: return "unknown";
    }
}

void out_clear_bar(out_ctx *o)
{
    if (o->bar_shown) {
        fputs("\r\033[K", stdout);
        o->bar_shown = 0;
    }
}

void out_end_bar(out_ctx *o)
{
    if (o->bar_shown) {
        fputc('\n', stdout);
        fflush(stdout);
        o->bar_shown = 0;
    }
}

void out_listening(out_ctx *o, int port)
{
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "listening");
        json_int(&j, "port", port);
        json_end(&j);
    } else if (!o->quiet) {
        printf("listening on port %d\n", port);
        fflush(stdout);
    }
}

static void json_status_fields(json_line *j, const struct bt_torrent_status *st)
{
    json_fixed(j, "progress", st->progress, 4);
    json_int(j, "down", st->download_rate);
    json_int(j, "up", st->upload_rate);
    json_int(j, "peers", st->num_peers);
    json_int(j, "seeds", st->num_seeds);
    json_str(j, "state", state_name(st->state));
    json_int(j, "downloaded", st->total_download);
    json_int(j, "uploaded", st->total_upload);
    json_int(j, "wanted", st->total_wanted);
    json_int(j, "wanted_done", st->total_wanted_done);
}

#define BAR_WIDTH 20

void out_progress(out_ctx *o, const struct bt_torrent_status *st)
{
    if (o->quiet)
        return;
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_status_fields(&j, st);
        json_end(&j);
        return;
    }
    char down[32], up[32], eta[32];
    format_bytes((double)st->download_rate, down, sizeof down);
    format_bytes((double)st->upload_rate, up, sizeof up);
    if (st->state == BT_STATE_DOWNLOADING_METADATA) {
        printf("\rfetching metadata  %d peers\033[K", st->num_peers);
    } else if (st->state == BT_STATE_CHECKING_FILES) {
        printf("\rchecking files %5.1f%%\033[K", st->progress * 100);
    } else {
        double p = st->progress < 0 ? 0 : st->progress > 1 ? 1 : st->progress;
        char bar[BAR_WIDTH + 1];
        int filled = (int)(p * BAR_WIDTH);
        for (int i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < filled ? '#' : '-';
        bar[BAR_WIDTH] = '\0';
        double left = (double)(st->total_wanted - st->total_wanted_done);
        format_duration(st->download_rate > 0 ? left / (double)st->download_rate : NAN, eta,
                        sizeof eta);
        printf("\r%5.1f%% [%s] %s/s down  %s/s up  %d peers  ETA %s\033[K", p * 100, bar, down,
               up, st->num_peers, eta);
    }
    fflush(stdout);
    o->bar_shown = 1;
}

void out_seeding(out_ctx *o, const struct bt_torrent_status *st)
{
    if (o->quiet)
        return;
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", "seeding");
        json_status_fields(&j, st);
        json_end(&j);
        return;
    }
    char up[32], total[32];
    format_bytes((double)st->upload_rate, up, sizeof up);
    format_bytes((double)st->total_upload, total, sizeof total);
    printf("\r%s %5.1f%%  up %s/s  %d peers  uploaded %s\033[K", state_name(st->state),
           st->progress * 100, up, st->num_peers, total);
    fflush(stdout);
    o->bar_shown = 1;
}

void out_seed_totals(out_ctx *o, const char *event, const seed_totals *t)
{
    if (o->quiet)
        return;
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "event", event);
        json_int(&j, "torrents", t->torrents);
        json_status_fields(&j, &t->sum);
        json_int(&j, "seeding", t->seeding);
        json_int(&j, "checking", t->checking);
        json_int(&j, "errors", t->errors);
        json_end(&j);
        return;
    }
    char up[32], total[32];
    format_bytes((double)t->sum.upload_rate, up, sizeof up);
    format_bytes((double)t->sum.total_upload, total, sizeof total);
    printf("\r%d torrents: %d seeding, %d checking, %d failed  %5.1f%%  up %s/s  %d peers  "
           "uploaded %s\033[K",
           t->torrents, t->seeding, t->checking, t->errors, t->sum.progress * 100, up,
           t->sum.num_peers, total);
    fflush(stdout);
    o->bar_shown = 1;
}

void out_seed_torrent(out_ctx *o, int index, const struct bt_torrent_status *st)
{
    if (!o->json || o->quiet)
        return;
    json_line j;
    json_begin(&j);
    json_str(&j, "event", "torrent");
    json_int(&j, "torrent", index);
    json_str(&j, "info_hash", st->info_hash);
    json_status_fields(&j, st);
    json_end(&j);
}

/* Errors, tracker replies, hash failures, checks, metadata and finishing are worth a line;
 * peer alerts only with --verbose; with --quiet only errors. */
static int worth_printing(const out_ctx *o, const bt_alert *al)
{
    if (o->verbose)
        return 1;
    if (al->type == BT_ALERT_WEB_SEED_ERROR) /* a peer alert too, but about a --webseed */
        return 1;
    if (al->category & BT_ALERT_CATEGORY_PEER)
        return 0;
    switch (al->type) {
    case BT_ALERT_TORRENT_ERROR:
    case BT_ALERT_FILE_ERROR:
    case BT_ALERT_TRACKER_ERROR:
    case BT_ALERT_LISTEN_FAILED:
    case BT_ALERT_METADATA_FAILED:
    case BT_ALERT_HASH_FAILED:
    case BT_ALERT_ALERTS_DROPPED:
        return 1;
    case BT_ALERT_TRACKER_REPLY:
    case BT_ALERT_TRACKER_WARNING:
    case BT_ALERT_TORRENT_FINISHED:
    case BT_ALERT_TORRENT_CHECKED:
    case BT_ALERT_METADATA_RECEIVED:
    case BT_ALERT_PERFORMANCE:
    case BT_ALERT_DHT_REPLY:
        return !o->quiet;
    default:
        return (al->category & BT_ALERT_CATEGORY_ERROR) != 0;
    }
}

void out_alert(out_ctx *o, const bt_alert *al)
{
    if (!worth_printing(o, al))
        return;
    const char *name = bt_alert_type_name(al->type);
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "alert", name);
        json_str(&j, "msg", al->message);
        if (al->error != 0)
            json_int(&j, "error", al->error);
        if (al->piece >= 0 &&
            (al->type == BT_ALERT_HASH_FAILED || al->type == BT_ALERT_PIECE_FINISHED))
            json_int(&j, "piece", al->piece);
        if (al->type == BT_ALERT_TRACKER_REPLY || al->type == BT_ALERT_ALERTS_DROPPED ||
            al->type == BT_ALERT_DHT_REPLY)
            json_int(&j, "count", al->count);
        if (al->url != NULL && al->url[0] != '\0')
            json_str(&j, "url", al->url);
        if (al->endpoint != NULL && al->endpoint[0] != '\0')
            json_str(&j, "endpoint", al->endpoint);
        if (al->path != NULL && al->path[0] != '\0')
            json_str(&j, "path", al->path);
        if (o->multi && al->info_hash != NULL && al->info_hash[0] != '\0')
            json_str(&j, "info_hash", al->info_hash);
        json_end(&j);
        return;
    }
    out_clear_bar(o);
    printf("[%s] ", name);
    term_fputs(al->message, stdout); /* names, tracker replies, client names: not ours */
    fputc('\n', stdout);
    fflush(stdout);
}
