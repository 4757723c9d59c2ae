/*
 * Alerts: popping batches into plain JS objects, and waking JS when alerts arrive.
 *
 * Wake-up path: libbt calls hub_notify() on one of its own threads when the alert queue goes
 * from empty to non-empty. hub_notify only queues a call on the session's
 * napi_threadsafe_function (at most one outstanding, via `pending`); hub_call_js then runs on
 * the JS thread and calls index.js's dispatch(id), which pops and hands the alerts to
 * waiting iterators.
 *
 * Lifetimes: libbt's notify userdata is the hub's id, not a pointer, and hub_notify looks the
 * id up in a global list under hubs_mu. libbt may still run a notify callback that it read
 * just before bt_session_set_alert_notify(NULL)/bt_session_free returned, so a late call must
 * find nothing rather than a freed hub. The hub itself lives until its threadsafe function is
 * finalized (after close, or at environment teardown); hub_finalize takes hubs_mu, so it
 * cannot free the tsfn under a notify that is using it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "addon.h"

typedef struct alert_hub {
    uint64_t id;                   /* the JS dispatch key and libbt's notify userdata */
    napi_threadsafe_function tsfn; /* written under hubs_mu on the JS thread; NULL when gone */
    atomic_int pending;            /* a call is queued and not yet run */
    session_state *owner;          /* JS thread only; NULL once detached */
    struct alert_hub *next;        /* hubs_mu */
} alert_hub;

static pthread_mutex_t hubs_mu = PTHREAD_MUTEX_INITIALIZER;
static alert_hub *hubs; /* hubs_mu */

static void unlink_locked(alert_hub *h) {
    for (alert_hub **pp = &hubs; *pp; pp = &(*pp)->next) {
        if (*pp == h) {
            *pp = h->next;
            h->next = NULL;
            return;
        }
    }
}

/* Runs on a libbt thread. Must not call libbt or block. */
static void hub_notify(void *userdata) {
    uint64_t id = (uint64_t)(uintptr_t)userdata;
    pthread_mutex_lock(&hubs_mu);
    alert_hub *h = hubs;
    while (h && h->id != id)
        h = h->next;
    if (h && h->tsfn && !atomic_exchange(&h->pending, 1)) {
        if (napi_call_threadsafe_function(h->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok)
            atomic_store(&h->pending, 0);
    }
    pthread_mutex_unlock(&hubs_mu);
}

/* Runs on the JS thread. env is NULL for calls still queued when the tsfn is finalized: Node
 * makes those after hub_finalize has freed the hub, so h must not be touched then. */
static void hub_call_js(napi_env env, napi_value dispatch, void *context, void *data) {
    (void)data;
    if (!env || !dispatch)
        return;
    alert_hub *h = context;
    atomic_store(&h->pending, 0);
    napi_value undef, id;
    if (napi_get_undefined(env, &undef) != napi_ok || napi_create_double(env, (double)h->id, &id) != napi_ok)
        return;
    /* A throw here surfaces as an uncaught exception; index.js's dispatch catches its own. */
    napi_call_function(env, undef, dispatch, 1, &id, NULL);
}

static void hub_finalize(napi_env env, void *finalize_data, void *hint) {
    (void)env;
    (void)hint;
    alert_hub *h = finalize_data;
    pthread_mutex_lock(&hubs_mu);
    unlink_locked(h);
    h->tsfn = NULL;
    pthread_mutex_unlock(&hubs_mu);
    if (h->owner)
        h->owner->hub = NULL;
    free(h);
}

/* Creates the hub of a new session; dispatch is called as dispatch(st->id). Ids are unique in
 * the process (not per environment), as worker threads share the hub list. */
int alert_hub_create(napi_env env, session_state *st, napi_value dispatch) {
    static uint64_t next_id = 1; /* hubs_mu */
    napi_value name;
    alert_hub *h = calloc(1, sizeof *h);
    if (!h) {
        napi_throw_error(env, NULL, "out of memory");
        return -1;
    }
    pthread_mutex_lock(&hubs_mu);
    h->id = next_id++;
    pthread_mutex_unlock(&hubs_mu);
    st->id = h->id;
    h->owner = st;
    NAPI_CALL_INT(env, napi_create_string_utf8(env, "libbt.alerts", NAPI_AUTO_LENGTH, &name));
    napi_threadsafe_function tsfn;
    napi_status s = napi_create_threadsafe_function(env, dispatch, NULL, name, 0, 1, h, hub_finalize, h,
                                                    hub_call_js, &tsfn);
    if (s != napi_ok) {
        free(h);
        throw_napi_failure(env, s, "napi_create_threadsafe_function");
        return -1;
    }
    /* An idle session must not keep Node alive; iterators ref it while they wait. */
    napi_unref_threadsafe_function(env, tsfn);
    pthread_mutex_lock(&hubs_mu);
    h->tsfn = tsfn;
    h->next = hubs;
    hubs = h;
    pthread_mutex_unlock(&hubs_mu);
    st->hub = h;
    int rc = bt_session_set_alert_notify(st->s, hub_notify, (void *)(uintptr_t)h->id);
    if (rc != BT_OK) {
        throw_bt(env, rc);
        return -1;
    }
    return 0;
}

void alert_hub_close(session_state *st) {
    alert_hub *h = st->hub;
    if (!h)
        return;
    bt_session_set_alert_notify(st->s, NULL, NULL);
    pthread_mutex_lock(&hubs_mu);
    unlink_locked(h);
    napi_threadsafe_function tsfn = h->tsfn;
    h->tsfn = NULL;
    pthread_mutex_unlock(&hubs_mu);
    h->owner = NULL;
    st->hub = NULL;
    if (tsfn)
        napi_release_threadsafe_function(tsfn, napi_tsfn_release); /* hub_finalize frees h */
}

/* sessionAlertsRef(session, bool): keep the event loop alive while an iterator waits. */
napi_value js_session_alerts_ref(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    session_state *st;
    int ref;
    if (get_args(env, info, 2, argv) || get_session(env, argv[0], &st, 0) || get_bool(env, argv[1], "ref", &ref))
        return NULL;
    if (st->hub && st->hub->tsfn) {
        if (ref)
            napi_ref_threadsafe_function(env, st->hub->tsfn);
        else
            napi_unref_threadsafe_function(env, st->hub->tsfn);
    }
    return make_undefined(env);
}

/* Which typed fields each alert type carries (see bt_alert_type in libbt.h). */
enum {
    F_STATE = 1 << 0,
    F_ERROR = 1 << 1,
    F_PIECE = 1 << 2,
    F_COUNT = 1 << 3,
    F_ENDPOINT = 1 << 4,
    F_URL = 1 << 5,
    F_PATH = 1 << 6,
    F_OPERATION = 1 << 7,
    F_ALL = 0xff,
};

static int alert_fields(int type) {
    switch (type) {
    case BT_ALERT_TORRENT_ADDED: case BT_ALERT_TORRENT_REMOVED: case BT_ALERT_TORRENT_FINISHED:
    case BT_ALERT_TORRENT_PAUSED: case BT_ALERT_TORRENT_RESUMED: case BT_ALERT_TORRENT_CHECKED:
    case BT_ALERT_METADATA_RECEIVED: case BT_ALERT_PERFORMANCE:
        return 0;
    case BT_ALERT_STATE_CHANGED: return F_STATE;
    case BT_ALERT_TORRENT_ERROR: return F_ERROR;
    case BT_ALERT_FILE_ERROR: return F_ERROR | F_PATH | F_OPERATION;
    case BT_ALERT_PIECE_FINISHED: case BT_ALERT_HASH_FAILED: return F_PIECE;
    case BT_ALERT_TRACKER_ANNOUNCE: return F_URL | F_OPERATION;
    case BT_ALERT_TRACKER_REPLY: return F_URL | F_COUNT;
    case BT_ALERT_TRACKER_ERROR: return F_URL | F_ERROR;
    case BT_ALERT_TRACKER_WARNING: return F_URL;
    case BT_ALERT_PEER_CONNECTED: case BT_ALERT_PEER_DISCONNECTED: case BT_ALERT_LISTEN_SUCCEEDED:
    case BT_ALERT_METADATA_FAILED:
        return F_ENDPOINT;
    case BT_ALERT_PEER_ERROR: case BT_ALERT_LISTEN_FAILED: return F_ENDPOINT | F_ERROR;
    case BT_ALERT_ALERTS_DROPPED: return F_COUNT;
    case BT_ALERT_WEB_SEED_ERROR: return F_URL | F_ERROR;
    case BT_ALERT_DHT_REPLY: return F_COUNT;
    case BT_ALERT_FASTRESUME_REJECTED: case BT_ALERT_SESSION_ERROR: case BT_ALERT_ADD_TORRENT_FAILED:
        return F_ERROR;
    case BT_ALERT_TORRENT_SANITIZED: return 0;
    case BT_ALERT_PEER_BANNED: return F_ENDPOINT;
    case BT_ALERT_BLOCK_TIMEOUT: return F_ENDPOINT | F_PIECE;
    default: return F_ALL;
    }
}

/* Copies one alert (strings included) into a new plain object. */
static int alert_to_object(napi_env env, const bt_alert *a, napi_value *out) {
    napi_value o, torrent;
    NAPI_CALL_INT(env, napi_create_object(env, &o));
    int f = alert_fields(a->type);
    if (set_str(env, o, "type", bt_alert_type_name(a->type)) ||
        set_num(env, o, "category", (double)a->category) ||
        set_num(env, o, "time", (double)a->timestamp_us / 1000.0) ||
        value_to_torrent(env, a->torrent, &torrent) ||
        napi_set_named_property(env, o, "torrent", torrent) != napi_ok ||
        set_str(env, o, "infoHash", a->info_hash) || set_str(env, o, "message", a->message))
        return -1;
    if ((f & F_STATE) && (set_str(env, o, "state", state_name(a->state)) ||
                          set_str(env, o, "prevState", state_name(a->prev_state))))
        return -1;
    if ((f & F_ERROR) && (a->error ? set_str(env, o, "error", error_code_name(a->error)) : set_null(env, o, "error")))
        return -1;
    if ((f & F_PIECE) && set_num(env, o, "piece", (double)a->piece))
        return -1;
    if ((f & F_COUNT) && set_num(env, o, "count", (double)a->count))
        return -1;
    if ((f & F_ENDPOINT) && set_str(env, o, "endpoint", a->endpoint))
        return -1;
    if ((f & F_URL) && set_str(env, o, "url", a->url))
        return -1;
    if ((f & F_PATH) && set_str(env, o, "path", a->path))
        return -1;
    if ((f & F_OPERATION) && set_str(env, o, "operation", a->operation))
        return -1;
    *out = o;
    return 0;
}

/* sessionPopAlerts(session) -> raw alert objects (torrent is a handle or null). The batch is
 * copied completely and freed before returning. */
napi_value js_session_pop_alerts(napi_env env, napi_callback_info info) {
    napi_value argv[1], arr = NULL;
    session_state *st;
    bt_alerts *batch = NULL;
    size_t n = 0;
    if (get_args(env, info, 1, argv) || get_session(env, argv[0], &st, 1))
        return NULL;
    int rc = bt_session_pop_alerts(st->s, &batch);
    if (rc == BT_OK)
        rc = bt_alerts_count(batch, &n);
    if (rc != BT_OK) {
        throw_bt(env, rc);
        bt_alerts_free(batch);
        return NULL;
    }
    if (napi_create_array_with_length(env, n, &arr) != napi_ok)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        bt_alert a = BT_ALERT_INIT;
        napi_value o;
        rc = bt_alerts_get(batch, i, &a);
        if (rc != BT_OK) {
            throw_bt(env, rc);
            goto fail;
        }
        if (alert_to_object(env, &a, &o) || napi_set_element(env, arr, (uint32_t)i, o) != napi_ok)
            goto fail;
    }
    bt_alerts_free(batch);
    return arr;
fail:
    throw_napi_failure(env, napi_generic_failure, "copying alerts"); /* no-op if pending */
    bt_alerts_free(batch);
    return NULL;
}

/* sessionWaitForAlert(session, timeoutMs) -> boolean. Blocks the calling (JS) thread. */
napi_value js_session_wait_for_alert(napi_env env, napi_callback_info info) {
    napi_value argv[2], out;
    session_state *st;
    int64_t ms = -1;
    if (get_args(env, info, 2, argv) || get_session(env, argv[0], &st, 1) ||
        (!is_nullish(env, argv[1]) && get_int64(env, argv[1], "timeoutMs", &ms)))
        return NULL;
    if (ms < 0)
        ms = -1;
    else if (ms > INT32_MAX)
        ms = INT32_MAX;
    int rc = bt_session_wait_for_alert(st->s, (int)ms);
    if (rc < 0) {
        throw_bt(env, rc);
        return NULL;
    }
    NAPI_CALL(env, napi_get_boolean(env, rc > 0, &out));
    return out;
}
