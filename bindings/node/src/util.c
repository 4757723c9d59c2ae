/* Errors, argument conversion and small object-building helpers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

static const char *const error_names[] = {
    "BT_OK",            "BT_E_INVALID_ARG",   "BT_E_BAD_HANDLE", "BT_E_PARSE",
    "BT_E_NOT_FOUND",   "BT_E_EXISTS",        "BT_E_IO",         "BT_E_UNKNOWN_SETTING",
    "BT_E_SETTING_TYPE", "BT_E_STATE",        "BT_E_TIMEOUT",    "BT_E_BUFFER_TOO_SMALL",
    "BT_E_NETWORK",     "BT_E_VERSION",       "BT_E_LIMIT",
};

const char *error_code_name(int rc) {
    if (rc == BT_E_INTERNAL)
        return "BT_E_INTERNAL";
    if (rc <= 0 && -rc < (int)(sizeof error_names / sizeof error_names[0]))
        return error_names[-rc];
    return "BT_E_UNKNOWN";
}

static const char *const state_names[] = {
    "unknown", "checking_files", "downloading_metadata", "downloading", "finished", "seeding", "error",
};

const char *state_name(int state) {
    if (state > 0 && state < (int)(sizeof state_names / sizeof state_names[0]))
        return state_names[state];
    return "unknown";
}

static int exception_pending(napi_env env) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    return pending;
}

void throw_napi_failure(napi_env env, napi_status status, const char *what) {
    if (exception_pending(env))
        return;
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    char msg[512];
    snprintf(msg, sizeof msg, "libbt addon: %s failed: %s (status %d)", what,
             info && info->error_message ? info->error_message : "N-API error", (int)status);
    napi_throw_error(env, NULL, msg);
}

void throw_bt_msg(napi_env env, int rc, const char *msg) {
    if (exception_pending(env))
        return;
    addon_data *data = NULL;
    napi_value ctor = NULL, argv[3], err;
    const char *code = error_code_name(rc);
    if (napi_get_instance_data(env, (void **)&data) == napi_ok && data && data->error_ctor &&
        napi_get_reference_value(env, data->error_ctor, &ctor) == napi_ok && ctor &&
        napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &argv[0]) == napi_ok &&
        napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &argv[1]) == napi_ok &&
        napi_create_int32(env, rc, &argv[2]) == napi_ok &&
        napi_new_instance(env, ctor, 3, argv, &err) == napi_ok) {
        napi_throw(env, err);
        return;
    }
    if (!exception_pending(env))
        napi_throw_error(env, code, msg);
}

void throw_bt(napi_env env, int rc) {
    /* Copy at once: the message lives until the next libbt call on this thread. */
    const char *m = bt_last_error();
    char *msg = strdup(m && *m ? m : bt_strerror(rc));
    throw_bt_msg(env, rc, msg ? msg : "libbt error");
    free(msg);
}

static void throw_type(napi_env env, const char *what, const char *want) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s must be %s", what, want);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
}

int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
    size_t argc = want;
    NAPI_CALL_INT(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    for (size_t i = argc; i < want; i++)
        NAPI_CALL_INT(env, napi_get_undefined(env, &argv[i]));
    return 0;
}

int get_session(napi_env env, napi_value v, session_state **out, int require_open) {
    napi_valuetype t;
    bool tagged = false;
    NAPI_CALL_INT(env, napi_typeof(env, v, &t));
    if (t == napi_object)
        NAPI_CALL_INT(env, napi_check_object_type_tag(env, v, &session_tag, &tagged));
    if (!tagged) {
        throw_type(env, "session handle", "a libbt session");
        return -1;
    }
    NAPI_CALL_INT(env, napi_unwrap(env, v, (void **)out));
    if (require_open && (*out)->closed) {
        throw_bt_msg(env, BT_E_BAD_HANDLE, "libbt: the session is closed");
        return -1;
    }
    return 0;
}

/* Torrent handles are libbt's ids; they cross into JS as numbers (always < 2^53). */
int get_torrent(napi_env env, napi_value v, bt_torrent **out) {
    double d;
    napi_valuetype t;
    NAPI_CALL_INT(env, napi_typeof(env, v, &t));
    if (t != napi_number) {
        throw_type(env, "torrent handle", "a number");
        return -1;
    }
    NAPI_CALL_INT(env, napi_get_value_double(env, v, &d));
    if (!(d >= 0 && d <= 9007199254740991.0) || d != floor(d)) {
        throw_bt_msg(env, BT_E_BAD_HANDLE, "libbt: not a torrent handle");
        return -1;
    }
    *out = (bt_torrent *)(uintptr_t)d;
    return 0;
}

int value_to_torrent(napi_env env, bt_torrent *t, napi_value *out) {
    if (!t) {
        NAPI_CALL_INT(env, napi_get_null(env, out));
        return 0;
    }
    NAPI_CALL_INT(env, napi_create_double(env, (double)(uintptr_t)t, out));
    return 0;
}

int is_nullish(napi_env env, napi_value v) {
    napi_valuetype t = napi_undefined;
    napi_typeof(env, v, &t);
    return t == napi_undefined || t == napi_null;
}

int get_string(napi_env env, napi_value v, const char *what, char **out) {
    napi_valuetype t;
    size_t len = 0;
    *out = NULL;
    NAPI_CALL_INT(env, napi_typeof(env, v, &t));
    if (t != napi_string) {
        throw_type(env, what, "a string");
        return -1;
    }
    NAPI_CALL_INT(env, napi_get_value_string_utf8(env, v, NULL, 0, &len));
    char *buf = malloc(len + 1);
    if (!buf) {
        napi_throw_error(env, NULL, "out of memory");
        return -1;
    }
    if (napi_get_value_string_utf8(env, v, buf, len + 1, &len) != napi_ok) {
        free(buf);
        throw_napi_failure(env, napi_generic_failure, "napi_get_value_string_utf8");
        return -1;
    }
    if (strlen(buf) != len) {
        free(buf);
        char msg[256];
        snprintf(msg, sizeof msg, "%s must not contain NUL characters", what);
        napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
        return -1;
    }
    *out = buf;
    return 0;
}

/* Reads obj[key]; *present = 0 for undefined/null or when obj itself is nullish. */
static int get_prop(napi_env env, napi_value obj, const char *key, napi_value *v, int *present) {
    *present = 0;
    if (is_nullish(env, obj))
        return 0;
    NAPI_CALL_INT(env, napi_get_named_property(env, obj, key, v));
    *present = !is_nullish(env, *v);
    return 0;
}

int get_opt_string_prop(napi_env env, napi_value obj, const char *key, char **out) {
    napi_value v;
    int present;
    *out = NULL;
    if (get_prop(env, obj, key, &v, &present))
        return -1;
    if (!present)
        return 0;
    return get_string(env, v, key, out);
}

int get_bool(napi_env env, napi_value v, const char *what, int *out) {
    napi_valuetype t;
    bool b;
    NAPI_CALL_INT(env, napi_typeof(env, v, &t));
    if (t != napi_boolean) {
        throw_type(env, what, "a boolean");
        return -1;
    }
    NAPI_CALL_INT(env, napi_get_value_bool(env, v, &b));
    *out = b;
    return 0;
}

int get_opt_bool_prop(napi_env env, napi_value obj, const char *key, int *out) {
    napi_value v;
    int present;
    if (get_prop(env, obj, key, &v, &present))
        return -1;
    if (!present)
        return 0;
    return get_bool(env, v, key, out);
}

int get_int64(napi_env env, napi_value v, const char *what, int64_t *out) {
    napi_valuetype t;
    NAPI_CALL_INT(env, napi_typeof(env, v, &t));
    if (t == napi_bigint) {
        bool lossless;
        NAPI_CALL_INT(env, napi_get_value_bigint_int64(env, v, out, &lossless));
        if (!lossless) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s does not fit in 64 bits", what);
            napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
            return -1;
        }
        return 0;
    }
    if (t != napi_number) {
        throw_type(env, what, "an integer");
        return -1;
    }
    double d;
    NAPI_CALL_INT(env, napi_get_value_double(env, v, &d));
    if (d != floor(d) || d < -9007199254740991.0 || d > 9007199254740991.0) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s must be a safe integer, got %g", what, d);
        napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
        return -1;
    }
    *out = (int64_t)d;
    return 0;
}

int get_opt_int64_prop(napi_env env, napi_value obj, const char *key, int64_t *out, int *present) {
    napi_value v;
    if (get_prop(env, obj, key, &v, present))
        return -1;
    if (!*present)
        return 0;
    return get_int64(env, v, key, out);
}

int get_bytes(napi_env env, napi_value v, const char *what, const uint8_t **data, size_t *len) {
    bool is;
    void *p = NULL;
    NAPI_CALL_INT(env, napi_is_typedarray(env, v, &is));
    if (is) {
        napi_typedarray_type tt;
        size_t n, off;
        napi_value ab;
        NAPI_CALL_INT(env, napi_get_typedarray_info(env, v, &tt, &n, &p, &ab, &off));
        size_t elem = 1;
        switch (tt) {
        case napi_int16_array: case napi_uint16_array: elem = 2; break;
        case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
        case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
        default: break;
        }
        *data = p;
        *len = n * elem;
        return 0;
    }
    NAPI_CALL_INT(env, napi_is_dataview(env, v, &is));
    if (is) {
        napi_value ab;
        size_t off;
        NAPI_CALL_INT(env, napi_get_dataview_info(env, v, len, &p, &ab, &off));
        *data = p;
        return 0;
    }
    NAPI_CALL_INT(env, napi_is_arraybuffer(env, v, &is));
    if (is) {
        NAPI_CALL_INT(env, napi_get_arraybuffer_info(env, v, &p, len));
        *data = p;
        return 0;
    }
    throw_type(env, what, "a Buffer, TypedArray, DataView or ArrayBuffer");
    return -1;
}

int set_str(napi_env env, napi_value obj, const char *key, const char *val) {
    napi_value v;
    NAPI_CALL_INT(env, napi_create_string_utf8(env, val ? val : "", NAPI_AUTO_LENGTH, &v));
    NAPI_CALL_INT(env, napi_set_named_property(env, obj, key, v));
    return 0;
}

int set_num(napi_env env, napi_value obj, const char *key, double val) {
    napi_value v;
    NAPI_CALL_INT(env, napi_create_double(env, val, &v));
    NAPI_CALL_INT(env, napi_set_named_property(env, obj, key, v));
    return 0;
}

int set_bool(napi_env env, napi_value obj, const char *key, int val) {
    napi_value v;
    NAPI_CALL_INT(env, napi_get_boolean(env, val != 0, &v));
    NAPI_CALL_INT(env, napi_set_named_property(env, obj, key, v));
    return 0;
}

int set_null(napi_env env, napi_value obj, const char *key) {
    napi_value v;
    NAPI_CALL_INT(env, napi_get_null(env, &v));
    NAPI_CALL_INT(env, napi_set_named_property(env, obj, key, v));
    return 0;
}

napi_value make_undefined(napi_env env) {
    napi_value v = NULL;
    napi_get_undefined(env, &v);
    return v;
}
