/* Settings: JS objects <-> bt_settings, and typed reads of a running session's settings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "addon.h"

/* Sets one name = value on st; 0 or -1 with an exception pending. */
static int set_one(napi_env env, bt_settings *st, const char *name, napi_value v) {
    napi_valuetype t;
    int rc;
    NAPI_CALL_INT(env, napi_typeof(env, v, &t));
    switch (t) {
    case napi_boolean: {
        bool b;
        NAPI_CALL_INT(env, napi_get_value_bool(env, v, &b));
        rc = bt_settings_set_bool(st, name, b);
        break;
    }
    case napi_string: {
        char *s;
        if (get_string(env, v, name, &s))
            return -1;
        rc = bt_settings_set_str(st, name, s);
        free(s);
        break;
    }
    case napi_number: {
        double d;
        NAPI_CALL_INT(env, napi_get_value_double(env, v, &d));
        if (d != floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
            char msg[300];
            snprintf(msg, sizeof msg, "libbt: setting %s: %g is not an integer", name, d);
            throw_bt_msg(env, BT_E_SETTING_TYPE, msg);
            return -1;
        }
        rc = bt_settings_set_int(st, name, (int64_t)d);
        break;
    }
    case napi_bigint: {
        int64_t n;
        if (get_int64(env, v, name, &n))
            return -1;
        rc = bt_settings_set_int(st, name, n);
        break;
    }
    default: {
        char msg[300];
        snprintf(msg, sizeof msg, "libbt: setting %s: want a number, boolean or string", name);
        throw_bt_msg(env, BT_E_SETTING_TYPE, msg);
        return -1;
    }
    }
    if (rc != BT_OK) {
        throw_bt(env, rc);
        return -1;
    }
    return 0;
}

int settings_from_object(napi_env env, napi_value obj, bt_settings **out) {
    napi_valuetype t;
    napi_value keys;
    uint32_t n;
    *out = NULL;
    if (is_nullish(env, obj))
        return 0;
    NAPI_CALL_INT(env, napi_typeof(env, obj, &t));
    if (t != napi_object) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "settings must be an object");
        return -1;
    }
    NAPI_CALL_INT(env, napi_get_all_property_names(env, obj, napi_key_own_only,
                                                   napi_key_enumerable | napi_key_skip_symbols,
                                                   napi_key_numbers_to_strings, &keys));
    NAPI_CALL_INT(env, napi_get_array_length(env, keys, &n));
    bt_settings *st = NULL;
    int rc = bt_settings_new(&st);
    if (rc != BT_OK) {
        throw_bt(env, rc);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        napi_value k, v;
        napi_valuetype vt = napi_undefined;
        char *name = NULL;
        if (napi_get_element(env, keys, i, &k) != napi_ok || napi_get_property(env, obj, k, &v) != napi_ok ||
            napi_typeof(env, v, &vt) != napi_ok || (vt != napi_undefined && get_string(env, k, "setting name", &name)) ||
            (vt != napi_undefined && set_one(env, st, name, v))) {
            free(name);
            bt_settings_free(st);
            throw_napi_failure(env, napi_generic_failure, "reading settings"); /* no-op if pending */
            return -1;
        }
        free(name);
    }
    *out = st;
    return 0;
}

/* applySettings(session, obj): validates every value first, then applies them together. */
napi_value js_session_apply_settings(napi_env env, napi_callback_info info) {
    napi_value argv[2];
    session_state *ss;
    bt_settings *st;
    if (get_args(env, info, 2, argv) || get_session(env, argv[0], &ss, 1))
        return NULL;
    if (is_nullish(env, argv[1])) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "settings must be an object");
        return NULL;
    }
    if (settings_from_object(env, argv[1], &st))
        return NULL;
    int rc = bt_session_apply_settings(ss->s, st);
    if (rc != BT_OK)
        throw_bt(env, rc);
    bt_settings_free(st);
    return make_undefined(env);
}

static const char *setting_type_name(int type) {
    switch (type) {
    case BT_SETTING_INT: return "int";
    case BT_SETTING_BOOL: return "bool";
    case BT_SETTING_STR: return "string";
    default: return "unknown";
    }
}

/* settingType(name) -> 'int' | 'bool' | 'string' */
napi_value js_setting_type(napi_env env, napi_callback_info info) {
    napi_value argv[1], out = NULL;
    char *name;
    int type = 0;
    if (get_args(env, info, 1, argv) || get_string(env, argv[0], "name", &name))
        return NULL;
    int rc = bt_setting_type(name, &type);
    free(name);
    if (rc != BT_OK) {
        throw_bt(env, rc);
        return NULL;
    }
    NAPI_CALL(env, napi_create_string_utf8(env, setting_type_name(type), NAPI_AUTO_LENGTH, &out));
    return out;
}

/* getSetting(session, name) -> number | boolean | string, by the type libbt reports. */
napi_value js_session_get_setting(napi_env env, napi_callback_info info) {
    napi_value argv[2], out = NULL;
    session_state *ss;
    char *name;
    if (get_args(env, info, 2, argv) || get_session(env, argv[0], &ss, 1) ||
        get_string(env, argv[1], "name", &name))
        return NULL;
    int type = 0;
    int rc = bt_setting_type(name, &type);
    if (rc == BT_OK && type == BT_SETTING_BOOL) {
        int b = 0;
        rc = bt_session_get_bool(ss->s, name, &b);
        if (rc == BT_OK)
            napi_get_boolean(env, b != 0, &out);
    } else if (rc == BT_OK && type == BT_SETTING_INT) {
        int64_t n = 0;
        rc = bt_session_get_int(ss->s, name, &n);
        if (rc == BT_OK)
            napi_create_int64(env, n, &out);
    } else if (rc == BT_OK) {
        char *s = NULL;
        rc = bt_session_get_str(ss->s, name, &s);
        if (rc == BT_OK)
            napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &out);
        bt_free(s);
    }
    if (rc != BT_OK)
        throw_bt(env, rc);
    free(name);
    return out;
}
