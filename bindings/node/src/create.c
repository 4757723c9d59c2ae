/* createTorrent(): hashes files through bt_create_torrent and returns the .torrent bytes. */
#include <stdlib.h>

#include "addon.h"

typedef struct str_list {
    char **items;
    int *tiers;
    size_t n, cap;
} str_list;

static void str_list_free(str_list *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    free(l->tiers);
}

static int str_list_push(napi_env env, str_list *l, napi_value v, const char *what, int tier) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **items = realloc(l->items, cap * sizeof *items);
        if (items)
            l->items = items;
        int *tiers = items ? realloc(l->tiers, cap * sizeof *tiers) : NULL;
        if (tiers)
            l->tiers = tiers;
        if (!items || !tiers) {
            napi_throw_error(env, NULL, "out of memory");
            return -1;
        }
        l->cap = cap;
    }
    char *s;
    if (get_string(env, v, what, &s))
        return -1;
    l->items[l->n] = s;
    l->tiers[l->n] = tier;
    l->n++;
    return 0;
}

/* Reads an array of strings; when tiers_ok, an element may itself be an array (one tier). A
 * plain string element is a tier of its own. */
static int get_str_array(napi_env env, napi_value opts, const char *key, int tiers_ok, str_list *l) {
    napi_value v;
    bool is_array;
    uint32_t n;
    NAPI_CALL_INT(env, napi_get_named_property(env, opts, key, &v));
    if (is_nullish(env, v))
        return 0;
    NAPI_CALL_INT(env, napi_is_array(env, v, &is_array));
    if (!is_array) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                              tiers_ok ? "trackers must be string[] or string[][]" : "webSeeds must be string[]");
        return -1;
    }
    NAPI_CALL_INT(env, napi_get_array_length(env, v, &n));
    for (uint32_t i = 0; i < n; i++) {
        napi_value e;
        bool inner;
        NAPI_CALL_INT(env, napi_get_element(env, v, i, &e));
        NAPI_CALL_INT(env, napi_is_array(env, e, &inner));
        if (inner && tiers_ok) {
            uint32_t m;
            NAPI_CALL_INT(env, napi_get_array_length(env, e, &m));
            for (uint32_t j = 0; j < m; j++) {
                napi_value u;
                NAPI_CALL_INT(env, napi_get_element(env, e, j, &u));
                if (str_list_push(env, l, u, "tracker URL", (int)i))
                    return -1;
            }
        } else if (str_list_push(env, l, e, tiers_ok ? "tracker URL" : "web seed URL", (int)i)) {
            return -1;
        }
    }
    return 0;
}

napi_value js_create_torrent(napi_env env, napi_callback_info info) {
    napi_value argv[1], out = NULL;
    napi_valuetype t;
    if (get_args(env, info, 1, argv))
        return NULL;
    NAPI_CALL(env, napi_typeof(env, argv[0], &t));
    if (t != napi_object) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "createTorrent() wants an options object");
        return NULL;
    }
    bt_create_params p = BT_CREATE_PARAMS_INIT;
    char *path = NULL, *comment = NULL, *creator = NULL;
    str_list trackers = {0}, seeds = {0};
    int64_t piece_size = 0;
    int has_piece_size = 0, is_private = 0;
    if (get_opt_string_prop(env, argv[0], "path", &path) ||
        get_opt_int64_prop(env, argv[0], "pieceSize", &piece_size, &has_piece_size) ||
        get_opt_bool_prop(env, argv[0], "private", &is_private) ||
        get_opt_string_prop(env, argv[0], "comment", &comment) ||
        get_opt_string_prop(env, argv[0], "creator", &creator) ||
        get_str_array(env, argv[0], "trackers", 1, &trackers) ||
        get_str_array(env, argv[0], "webSeeds", 0, &seeds))
        goto done;
    p.path = path;
    p.piece_size = piece_size;
    p.trackers = (const char *const *)trackers.items;
    p.tracker_tiers = trackers.tiers;
    p.num_trackers = trackers.n;
    p.web_seeds = (const char *const *)seeds.items;
    p.num_web_seeds = seeds.n;
    p.is_private = is_private;
    p.comment = comment;
    p.creator = creator;
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = bt_create_torrent(&p, &data, &size);
    if (rc != BT_OK) {
        throw_bt(env, rc);
    } else {
        void *copy;
        if (napi_create_buffer_copy(env, size, data, &copy, &out) != napi_ok) {
            out = NULL;
            throw_napi_failure(env, napi_generic_failure, "napi_create_buffer_copy");
        }
    }
    bt_free(data);
done:
    free(path);
    free(comment);
    free(creator);
    str_list_free(&trackers);
    str_list_free(&seeds);
    return out;
}
