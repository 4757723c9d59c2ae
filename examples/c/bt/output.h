/* output.h — everything bt prints on stdout: JSON lines (with --json or when stdout is not a
 * terminal) or, on a terminal, human text and a one-line progress bar redrawn in place. */
#ifndef BT_OUTPUT_H
#define BT_OUTPUT_H

#include <libbt.h>

#include <stdint.h>
#include <stdio.h>

#include "args.h"

typedef struct out_ctx {
    int json;      /* JSON lines instead of text */
    int quiet;     /* no progress, only results and error alerts */
    int verbose;   /* every alert */
    int bar_shown; /* a progress line is on the terminal without its newline */
    int multi;     /* several torrents (bt seed): alert lines name their info_hash */
} out_ctx;

void out_init(out_ctx *o, const bt_args *a);

/* One JSON object per line: json_begin, fields, json_end (which writes "}\n" and flushes). */
typedef struct json_line {
    FILE *f;
    int fields;
} json_line;

void json_begin(json_line *j);
void json_str(json_line *j, const char *key, const char *value);
void json_int(json_line *j, const char *key, int64_t value);
void json_fixed(json_line *j, const char *key, double value, int decimals); /* null if not finite */
void json_bool(json_line *j, const char *key, int value);
void json_end(json_line *j);
/* Writes s as a JSON string: quoted, escaped, invalid UTF-8 replaced by U+FFFD; C1 controls
 * and bidirectional overrides are \u-escaped too (the same string once parsed, inert on a
 * terminal). */
void json_write_string(FILE *f, const char *s);

const char *state_name(int state);

/* Before printing a line of text on a terminal, clear the progress bar. */
void out_clear_bar(out_ctx *o);
/* Ends the progress bar line, keeping it on screen. */
void out_end_bar(out_ctx *o);

/* {"event":"listening","port":P} or "listening on port P". */
void out_listening(out_ctx *o, int port);
/* A download's progress: a JSON line or the progress bar. */
void out_progress(out_ctx *o, const struct bt_torrent_status *st);
/* A seeder's status: {"event":"seeding",...} or a status line. */
void out_seeding(out_ctx *o, const struct bt_torrent_status *st);
/* What several torrents add up to (bt seed with more than one --torrent). */
typedef struct seed_totals {
    int torrents, checking, errors, seeding;
    struct bt_torrent_status sum; /* rates, peers and byte counts added up; progress of the
                                     wanted bytes; state of the least advanced torrent */
} seed_totals;
/* The aggregate line: {"event":E,"torrents":N,<the status keys>,"seeding":N,"checking":N,
 * "errors":N} (E is "checking" until every check is over, then "seeding"), or a status line. */
void out_seed_totals(out_ctx *o, const char *event, const seed_totals *t);
/* One torrent of several (--verbose): {"event":"torrent","torrent":I,"info_hash":H,<keys>}. */
void out_seed_torrent(out_ctx *o, int index, const struct bt_torrent_status *st);

/* Prints the alert if it is worth printing ({"alert":name,"msg":...}). */
void out_alert(out_ctx *o, const bt_alert *al);

#endif
