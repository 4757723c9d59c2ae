/*
 * Private declarations of the libbt Node addon (N-API, plain C).
 *
 * Threading: every function here runs on the JavaScript thread, except alert_hub_notify(),
 * which libbt calls from one of its own threads (see alerts.c).
 */
#ifndef LIBBT_NODE_ADDON_H
#define LIBBT_NODE_ADDON_H

#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

#include "libbt.h"

/* Per-environment data (one per Node thread/worker that loads the addon). */
typedef struct addon_data {
    napi_ref error_ctor; /* LibbtError, set by index.js through setErrorClass() */
} addon_data;

struct alert_hub;

/* The native side of a JS Session, wrapped (napi_wrap) in a tagged handle object. */
typedef struct session_state {
    bt_session *s;
    uint64_t id; /* process-unique; index.js's dispatch(id) key */
    int closed;
    struct alert_hub *hub; /* NULL once the hub is gone */
} session_state;

extern const napi_type_tag session_tag;

/* ---- util.c ---- */

/* Call an N-API function; on failure throw (if nothing is pending) and return NULL. */
#define NAPI_CALL(env, call)                                                  \
    do {                                                                      \
        napi_status status_ = (call);                                         \
        if (status_ != napi_ok) {                                             \
            throw_napi_failure((env), status_, #call);                        \
            return NULL;                                                      \
        }                                                                     \
    } while (0)

/* Like NAPI_CALL, for helpers returning int (-1 = an exception is pending). */
#define NAPI_CALL_INT(env, call)                                              \
    do {                                                                      \
        napi_status status_ = (call);                                         \
        if (status_ != napi_ok) {                                             \
            throw_napi_failure((env), status_, #call);                        \
            return -1;                                                        \
        }                                                                     \
    } while (0)

void throw_napi_failure(napi_env env, napi_status status, const char *what);
/* Throws a LibbtError for rc with bt_last_error()'s message. Call right after the failing call. */
void throw_bt(napi_env env, int rc);
/* Throws a LibbtError with a message of the binding's own. */
void throw_bt_msg(napi_env env, int rc, const char *msg);
const char *error_code_name(int rc);
const char *state_name(int state);

/* Argument helpers: 0 on success, -1 with an exception pending. */
int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
int get_session(napi_env env, napi_value v, session_state **out, int require_open);
int get_torrent(napi_env env, napi_value v, bt_torrent **out);
int value_to_torrent(napi_env env, bt_torrent *t, napi_value *out);
/* Copies a JS string into malloc'd memory; rejects non-strings and embedded NULs. */
int get_string(napi_env env, napi_value v, const char *what, char **out);
/* Like get_string for an optional property: *out stays NULL when absent/undefined/null. */
int get_opt_string_prop(napi_env env, napi_value obj, const char *key, char **out);
int get_opt_bool_prop(napi_env env, napi_value obj, const char *key, int *out);
/* An optional integral number (or bigint); *present tells whether it was given. */
int get_opt_int64_prop(napi_env env, napi_value obj, const char *key, int64_t *out, int *present);
int get_int64(napi_env env, napi_value v, const char *what, int64_t *out);
int get_bool(napi_env env, napi_value v, const char *what, int *out);
/* Points at the bytes of a Buffer/TypedArray/DataView/ArrayBuffer (valid during the call). */
int get_bytes(napi_env env, napi_value v, const char *what, const uint8_t **data, size_t *len);
int is_nullish(napi_env env, napi_value v);
int set_str(napi_env env, napi_value obj, const char *key, const char *val);
int set_num(napi_env env, napi_value obj, const char *key, double val);
int set_bool(napi_env env, napi_value obj, const char *key, int val);
int set_null(napi_env env, napi_value obj, const char *key);
napi_value make_undefined(napi_env env);

/* ---- settings.c ---- */
/* Builds a bt_settings from a plain object (NULL/undefined -> *out = NULL, the defaults);
 * properties whose value is undefined are skipped. */
int settings_from_object(napi_env env, napi_value obj, bt_settings **out);
napi_value js_session_apply_settings(napi_env env, napi_callback_info info);
napi_value js_session_get_setting(napi_env env, napi_callback_info info);
napi_value js_setting_type(napi_env env, napi_callback_info info);

/* ---- session.c ---- */
napi_value js_session_new(napi_env env, napi_callback_info info);
napi_value js_session_close(napi_env env, napi_callback_info info);
napi_value js_session_id(napi_env env, napi_callback_info info);
napi_value js_session_listen_port(napi_env env, napi_callback_info info);
napi_value js_session_add_torrent(napi_env env, napi_callback_info info);
napi_value js_session_remove_torrent(napi_env env, napi_callback_info info);
napi_value js_session_torrents(napi_env env, napi_callback_info info);
napi_value js_session_torrent_updates(napi_env env, napi_callback_info info);
napi_value js_session_find_torrent(napi_env env, napi_callback_info info);
napi_value js_session_disk_stats(napi_env env, napi_callback_info info);
void session_close(session_state *st);

/* ---- alerts.c ---- */
int alert_hub_create(napi_env env, session_state *st, napi_value dispatch);
/* Detaches the hub from libbt and releases its threadsafe function. JS thread only. */
void alert_hub_close(session_state *st);
napi_value js_session_pop_alerts(napi_env env, napi_callback_info info);
napi_value js_session_wait_for_alert(napi_env env, napi_callback_info info);
napi_value js_session_alerts_ref(napi_env env, napi_callback_info info);

/* ---- torrent.c ---- */
napi_value js_torrent_status(napi_env env, napi_callback_info info);
int status_object(napi_env env, bt_torrent *t, struct bt_torrent_status *s, napi_value *out);
napi_value js_torrent_name(napi_env env, napi_callback_info info);
napi_value js_torrent_magnet(napi_env env, napi_callback_info info);
napi_value js_torrent_error(napi_env env, napi_callback_info info);
napi_value js_torrent_pieces(napi_env env, napi_callback_info info);
napi_value js_torrent_files(napi_env env, napi_callback_info info);
napi_value js_torrent_pause(napi_env env, napi_callback_info info);
napi_value js_torrent_resume(napi_env env, napi_callback_info info);
napi_value js_torrent_force_recheck(napi_env env, napi_callback_info info);
napi_value js_torrent_connect_peer(napi_env env, napi_callback_info info);
napi_value js_torrent_set_file_priority(napi_env env, napi_callback_info info);
napi_value js_torrent_set_sequential(napi_env env, napi_callback_info info);
napi_value js_torrent_move_storage(napi_env env, napi_callback_info info);
napi_value js_torrent_rename_file(napi_env env, napi_callback_info info);
napi_value js_torrent_set_super_seeding(napi_env env, napi_callback_info info);
napi_value js_torrent_peers(napi_env env, napi_callback_info info);
napi_value js_torrent_add_web_seed(napi_env env, napi_callback_info info);
napi_value js_torrent_remove_web_seed(napi_env env, napi_callback_info info);
napi_value js_torrent_web_seeds(napi_env env, napi_callback_info info);
napi_value js_torrent_save_resume_data(napi_env env, napi_callback_info info);
napi_value js_torrent_set_auto_managed(napi_env env, napi_callback_info info);
napi_value js_torrent_auto_managed(napi_env env, napi_callback_info info);
napi_value js_torrent_queue_position(napi_env env, napi_callback_info info);
napi_value js_torrent_queue_position_set(napi_env env, napi_callback_info info);
napi_value js_torrent_queue_position_up(napi_env env, napi_callback_info info);
napi_value js_torrent_queue_position_down(napi_env env, napi_callback_info info);
napi_value js_torrent_queue_position_top(napi_env env, napi_callback_info info);
napi_value js_torrent_queue_position_bottom(napi_env env, napi_callback_info info);
napi_value js_write_resume_file(napi_env env, napi_callback_info info);

/* ---- dht.c ---- */
napi_value js_session_dht_stats(napi_env env, napi_callback_info info);
napi_value js_session_dht_announce(napi_env env, napi_callback_info info);
napi_value js_session_dht_get_peers(napi_env env, napi_callback_info info);
napi_value js_session_dht_put_immutable(napi_env env, napi_callback_info info);
napi_value js_session_dht_get_immutable(napi_env env, napi_callback_info info);
napi_value js_session_dht_put_mutable(napi_env env, napi_callback_info info);
napi_value js_session_dht_get_mutable(napi_env env, napi_callback_info info);

/* ---- create.c ---- */
napi_value js_create_torrent(napi_env env, napi_callback_info info);

#endif
