/* session.h — what the seed, get and make commands share: a session built from the command
 * line (listen address, alert mask, --set), the listen port, the alert drain, torrent status
 * and connecting to --peer endpoints. */
#ifndef BT_SESSION_H
#define BT_SESSION_H

#include <libbt.h>

#include "args.h"
#include "output.h"

/* Opens a session listening on `listen` (a listen_interfaces value) with the alert mask bt
 * uses, then applies every --set. Returns BT_EXIT_OK, or prints "bt: ..." and returns
 * BT_EXIT_USAGE (bad --set) or BT_EXIT_FAIL. */
int session_open(const bt_args *a, const char *listen, bt_session **out);

/* What seed and get begin with: stop handlers, a session listening on --port (session_open),
 * and the torrent of --torrent or --magnet added with --resume data and --super-seed. On
 * failure prints why and returns BT_EXIT_USAGE or BT_EXIT_FAIL, leaving in *s a session for
 * the caller to free (or NULL). */
int session_start(const bt_args *a, bt_session **s, bt_torrent **t);

/* "127.0.0.1:P,[::1]:P" for --port P (port 0 without it). */
void listen_interfaces_for(int port, char *buf, size_t cap);

/* Waits (briefly) for the session to listen, then prints the listening line. */
int session_announce_port(bt_session *s, out_ctx *o);

/* What the alerts drained so far said about the torrent. */
typedef struct alert_seen {
    int checked;  /* torrent_checked */
    int finished; /* torrent_finished */
    int error;    /* torrent_error or file_error */
} alert_seen;

/* Pops every queued alert, prints those worth printing and records them in *seen. */
int session_drain_alerts(bt_session *s, out_ctx *o, alert_seen *seen);

/* bt_torrent_status(), in the one place that names it. */
int torrent_status(bt_torrent *t, struct bt_torrent_status *st);

/* Connects to every --peer. Returns BT_EXIT_USAGE if libbt rejects an endpoint, else
 * BT_EXIT_OK (connection failures are reported by alerts and retried by the caller). */
int connect_peers(bt_torrent *t, const str_list *peers, out_ctx *o);

/* Prints "bt: <what>: <torrent error>" using bt_torrent_error(). */
void report_torrent_error(bt_torrent *t, const char *what);

/* Adds every --webseed (BEP 19) to the torrent; BT_EXIT_USAGE if libbt rejects one. */
int add_web_seeds(bt_torrent *t, const str_list *urls);

/* Seconds between saves of --resume data. */
#define RESUME_SAVE_SECONDS 10.0

/* Reads the --resume file if it exists (*data NULL otherwise; free() it). BT_EXIT_OK, or
 * BT_EXIT_USAGE after printing why it cannot be read. */
int resume_load(const char *path, uint8_t **data, size_t *size);
/* Saves the torrent's resume data to path atomically (no-op for a NULL path). Warns on
 * failure, except BT_E_STATE (nothing to save yet) when quiet_if_unready. Returns a BT_E_*. */
int resume_save(bt_torrent *t, const char *path, int quiet_if_unready);

#endif
