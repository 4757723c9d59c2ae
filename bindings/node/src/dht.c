/* The session's DHT node: stats, announce, get_peers and BEP 44 items. The lookups block the
 * calling thread (like waitForAlert) for at most their timeout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

/* argv[0] session (open); 0 or -1 with an exception pending. */
static int dht_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, session_state **st) {
    return get_args(env, info, n, argv) || get_session(env, argv[0], st, 1) ? -1 : 0;
}

/* An optional { timeoutMs } (default 10000; -1 = libbt's own limits). */
static int timeout_arg(napi_env env, napi_value opts, int *out) {
    int64_t v = 10000;
    int present = 0;
    if (get_opt_int64_prop(env, opts, "timeoutMs", &v, &present))
        return -1;
    if (v < -1 || v > INT32_MAX) {
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "timeoutMs must be -1 or 0..2^31-1");
        return -1;
    }
    *out = (int)v;
    return 0;
}

static napi_value fail(napi_env env, int rc) {
    throw_bt(env, rc);
    return NULL;
}

/* dhtStats(session) -> { nodeId, nodes4, nodes6, ... } */
napi_value js_session_dht_stats(napi_env env, napi_callback_info info) {
    napi_value argv[1], o;
    session_state *st;
    bt_dht_stats d = BT_DHT_STATS_INIT;
    if (dht_args(env, info, 1, argv, &st))
        return NULL;
    int rc = bt_session_dht_stats(st->s, &d);
    if (rc != BT_OK)
        return fail(env, rc);
    d.node_id[sizeof d.node_id - 1] = 0;
    NAPI_CALL(env, napi_create_object(env, &o));
    if (set_str(env, o, "nodeId", d.node_id) || set_num(env, o, "nodes", d.nodes4 + d.nodes6) ||
        set_num(env, o, "nodes4", d.nodes4) || set_num(env, o, "nodes6", d.nodes6) ||
        set_num(env, o, "good4", d.good4) || set_num(env, o, "good6", d.good6) ||
        set_num(env, o, "lookupsInFlight", d.lookups_in_flight) ||
        set_num(env, o, "queriesInFlight", d.queries_in_flight) ||
        set_num(env, o, "packetsIn", (double)d.packets_in) || set_num(env, o, "packetsOut", (double)d.packets_out) ||
        set_num(env, o, "bytesIn", (double)d.bytes_in) || set_num(env, o, "bytesOut", (double)d.bytes_out) ||
        set_num(env, o, "malformed", (double)d.malformed) || set_num(env, o, "dropped", (double)d.dropped) ||
        set_num(env, o, "rateLimited", (double)d.rate_limited) || set_num(env, o, "trimmed", (double)d.trimmed) ||
        set_num(env, o, "queriesIn", (double)d.queries_in) || set_num(env, o, "responsesIn", (double)d.responses_in) ||
        set_num(env, o, "timeouts", (double)d.timeouts) || set_num(env, o, "infoHashes", d.info_hashes) ||
        set_num(env, o, "peers", d.peers) || set_num(env, o, "items", d.items))
        return NULL;
    return o;
}

/* dhtAnnounce(session, infoHash, { port, timeoutMs }) */
napi_value js_session_dht_announce(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    session_state *st;
    char *ih;
    int timeout;
    int64_t port = 0;
    int present;
    if (dht_args(env, info, 3, argv, &st) || get_string(env, argv[1], "infoHash", &ih))
        return NULL;
    if (timeout_arg(env, argv[2], &timeout) || get_opt_int64_prop(env, argv[2], "port", &port, &present)) {
        free(ih);
        return NULL;
    }
    if (port < 0 || port > 65535) {
        free(ih);
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "port must be 0..65535");
        return NULL;
    }
    int rc = bt_session_dht_announce(st->s, ih, (int)port, timeout);
    free(ih);
    return rc == BT_OK ? make_undefined(env) : fail(env, rc);
}

/* dhtGetPeers(session, infoHash, { timeoutMs }) -> ['1.2.3.4:6881', ...] */
napi_value js_session_dht_get_peers(napi_env env, napi_callback_info info) {
    napi_value argv[3], arr;
    session_state *st;
    char *ih, *out = NULL;
    size_t n = 0;
    int timeout;
    if (dht_args(env, info, 3, argv, &st) || get_string(env, argv[1], "infoHash", &ih))
        return NULL;
    if (timeout_arg(env, argv[2], &timeout)) {
        free(ih);
        return NULL;
    }
    int rc = bt_session_dht_get_peers(st->s, ih, timeout, &out, &n);
    free(ih);
    if (rc != BT_OK)
        return fail(env, rc);
    uint32_t i = 0;
    int bad = napi_create_array_with_length(env, n, &arr) != napi_ok;
    for (char *p = out, *nl; !bad && p && *p && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        napi_value s;
        bad = napi_create_string_utf8(env, p, (size_t)(nl - p), &s) != napi_ok ||
              napi_set_element(env, arr, i++, s) != napi_ok;
    }
    bt_free(out);
    if (bad) {
        throw_napi_failure(env, napi_generic_failure, "building the peer list");
        return NULL;
    }
    return arr;
}

static napi_value owned_buffer(napi_env env, uint8_t *data, size_t size) {
    napi_value out = NULL;
    void *copy;
    if (napi_create_buffer_copy(env, size, data, &copy, &out) != napi_ok) {
        out = NULL;
        throw_napi_failure(env, napi_generic_failure, "napi_create_buffer_copy");
    }
    bt_free(data);
    return out;
}

/* dhtPutImmutable(session, value, { timeoutMs }) -> { target, stored } */
napi_value js_session_dht_put_immutable(napi_env env, napi_callback_info info) {
    napi_value argv[3], o;
    session_state *st;
    const uint8_t *v;
    size_t vlen;
    int timeout, stored = 0;
    char target[41];
    if (dht_args(env, info, 3, argv, &st) || get_bytes(env, argv[1], "value", &v, &vlen) ||
        timeout_arg(env, argv[2], &timeout))
        return NULL;
    int rc = bt_session_dht_put_immutable(st->s, v, vlen, timeout, target, &stored);
    if (rc != BT_OK)
        return fail(env, rc);
    NAPI_CALL(env, napi_create_object(env, &o));
    if (set_str(env, o, "target", target) || set_num(env, o, "stored", stored))
        return NULL;
    return o;
}

/* dhtGetImmutable(session, target, { timeoutMs }) -> Buffer */
napi_value js_session_dht_get_immutable(napi_env env, napi_callback_info info) {
    napi_value argv[3];
    session_state *st;
    char *target;
    int timeout;
    uint8_t *v = NULL;
    size_t vs = 0;
    if (dht_args(env, info, 3, argv, &st) || get_string(env, argv[1], "target", &target))
        return NULL;
    if (timeout_arg(env, argv[2], &timeout)) {
        free(target);
        return NULL;
    }
    int rc = bt_session_dht_get_immutable(st->s, target, timeout, &v, &vs);
    free(target);
    if (rc != BT_OK)
        return fail(env, rc);
    return owned_buffer(env, v, vs);
}

/* Reads an optional Buffer property (salt); absent = empty. */
static int opt_bytes_prop(napi_env env, napi_value obj, const char *key, const uint8_t **p, size_t *n) {
    napi_value v;
    *p = NULL;
    *n = 0;
    if (is_nullish(env, obj))
        return 0;
    NAPI_CALL_INT(env, napi_get_named_property(env, obj, key, &v));
    if (is_nullish(env, v))
        return 0;
    return get_bytes(env, v, key, p, n);
}

static int exact_bytes(napi_env env, napi_value v, const char *what, size_t want, const uint8_t **p) {
    size_t n;
    if (get_bytes(env, v, what, p, &n))
        return -1;
    if (n != want) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s must be %zu bytes", what, want);
        napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", msg);
        return -1;
    }
    return 0;
}

/* dhtPutMutable(session, { seed, value, seq, salt?, timeoutMs? }) -> { publicKey, stored } */
napi_value js_session_dht_put_mutable(napi_env env, napi_callback_info info) {
    napi_value argv[2], o, seed_v, value_v, pubbuf;
    session_state *st;
    const uint8_t *seed, *v, *salt;
    size_t vlen, slen;
    int64_t seq = 0;
    int present = 0, timeout, stored = 0;
    uint8_t pub[32];
    if (dht_args(env, info, 2, argv, &st))
        return NULL;
    if (is_nullish(env, argv[1])) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dhtPutMutable() wants { seed, value, seq }");
        return NULL;
    }
    if (napi_get_named_property(env, argv[1], "seed", &seed_v) != napi_ok ||
        napi_get_named_property(env, argv[1], "value", &value_v) != napi_ok ||
        exact_bytes(env, seed_v, "seed", 32, &seed) || get_bytes(env, value_v, "value", &v, &vlen) ||
        opt_bytes_prop(env, argv[1], "salt", &salt, &slen) ||
        get_opt_int64_prop(env, argv[1], "seq", &seq, &present) || timeout_arg(env, argv[1], &timeout)) {
        throw_napi_failure(env, napi_generic_failure, "reading dhtPutMutable params");
        return NULL;
    }
    int rc = bt_session_dht_put_mutable(st->s, seed, salt, slen, v, vlen, seq, timeout, pub, &stored);
    if (rc != BT_OK)
        return fail(env, rc);
    void *data;
    NAPI_CALL(env, napi_create_object(env, &o));
    NAPI_CALL(env, napi_create_buffer_copy(env, sizeof pub, pub, &data, &pubbuf));
    NAPI_CALL(env, napi_set_named_property(env, o, "publicKey", pubbuf));
    if (set_num(env, o, "stored", stored))
        return NULL;
    return o;
}

/* dhtGetMutable(session, publicKey, { salt?, timeoutMs? }) -> { value, seq } */
napi_value js_session_dht_get_mutable(napi_env env, napi_callback_info info) {
    napi_value argv[3], o, buf;
    session_state *st;
    const uint8_t *pub, *salt;
    size_t slen;
    int timeout;
    uint8_t *v = NULL;
    size_t vs = 0;
    int64_t seq = 0;
    if (dht_args(env, info, 3, argv, &st) || exact_bytes(env, argv[1], "publicKey", 32, &pub) ||
        opt_bytes_prop(env, argv[2], "salt", &salt, &slen) || timeout_arg(env, argv[2], &timeout))
        return NULL;
    int rc = bt_session_dht_get_mutable(st->s, pub, salt, slen, timeout, &v, &vs, &seq);
    if (rc != BT_OK)
        return fail(env, rc);
    if (!(buf = owned_buffer(env, v, vs)))
        return NULL;
    NAPI_CALL(env, napi_create_object(env, &o));
    NAPI_CALL(env, napi_set_named_property(env, o, "value", buf));
    if (set_num(env, o, "seq", (double)seq))
        return NULL;
    return o;
}
