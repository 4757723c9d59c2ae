/* The versions of the structs that cross the ABI, their sizes, and the bt_*_init functions.
 *
 * Each struct's `version` member says which layout the caller compiled against. libbt reads and
 * writes only that version's bytes (its size here), so a caller built against an older header
 * never sees a field it does not have. When a struct grows (fields appended, BT_*_VERSION
 * bumped): copy its previous definition into layouts.h as bt_x_v<N>, and add that version's
 * row below, `[N] = sizeof(bt_x_v<N>)`; the static assertions keep the newest row honest.
 * Pure C: the init functions need no Go. */
#include <stdio.h>

#include "capi.h"

#define CAPI_MAX_VERSIONS 8

static const struct {
    const char *name;  /* as C spells the type */
    const char *init;  /* the macro that sets the version */
    unsigned int latest;
    size_t size[CAPI_MAX_VERSIONS + 1]; /* by version; [0] stays 0: never valid */
} structs[CAPI_NUM_STRUCTS] = {
    [CAPI_ADD_TORRENT_PARAMS] = {"bt_add_torrent_params", "BT_ADD_TORRENT_PARAMS_INIT",
                                 BT_ADD_TORRENT_PARAMS_VERSION, {[1] = sizeof(bt_add_torrent_params)}},
    [CAPI_TORRENT_STATUS] = {"struct bt_torrent_status", "BT_TORRENT_STATUS_INIT",
                             BT_TORRENT_STATUS_VERSION, {[1] = sizeof(struct bt_torrent_status)}},
    [CAPI_PEER_INFO] = {"bt_peer_info", "BT_PEER_INFO_INIT", BT_PEER_INFO_VERSION,
                        {[1] = sizeof(bt_peer_info)}},
    [CAPI_WEB_SEED_INFO] = {"bt_web_seed_info", "BT_WEB_SEED_INFO_VERSION", BT_WEB_SEED_INFO_VERSION,
                            {[1] = sizeof(bt_web_seed_info)}},
    [CAPI_DISK_STATS] = {"bt_disk_stats", "BT_DISK_STATS_INIT", BT_DISK_STATS_VERSION,
                         {[1] = sizeof(bt_disk_stats)}},
    [CAPI_DHT_STATS] = {"bt_dht_stats", "BT_DHT_STATS_INIT", BT_DHT_STATS_VERSION,
                        {[1] = sizeof(bt_dht_stats)}},
    [CAPI_ALERT] = {"bt_alert", "BT_ALERT_INIT", BT_ALERT_VERSION, {[1] = sizeof(bt_alert)}},
    [CAPI_CREATE_PARAMS] = {"bt_create_params", "BT_CREATE_PARAMS_INIT", BT_CREATE_PARAMS_VERSION,
                            {[1] = sizeof(bt_create_params)}},
};

/* The newest version of each struct is the header's own layout. */
_Static_assert(BT_ADD_TORRENT_PARAMS_VERSION == 1 && BT_TORRENT_STATUS_VERSION == 1 &&
                   BT_PEER_INFO_VERSION == 1 && BT_WEB_SEED_INFO_VERSION == 1 &&
                   BT_DISK_STATS_VERSION == 1 && BT_DHT_STATS_VERSION == 1 && BT_ALERT_VERSION == 1 &&
                   BT_CREATE_PARAMS_VERSION == 1,
               "a struct version was bumped: add its previous layout's row above and update this");
/* The sizes of the current versions on x86-64: a field appended without bumping the struct's
 * version (and adding the old version's row) fails here, not in a caller's memory. */
#if defined(__x86_64__)
_Static_assert(sizeof(bt_add_torrent_params) == 96 && sizeof(struct bt_torrent_status) == 168 &&
                   sizeof(bt_peer_info) == 184 && sizeof(bt_web_seed_info) == 64 &&
                   sizeof(bt_disk_stats) == 176 && sizeof(bt_dht_stats) == 176 && sizeof(bt_alert) == 112 &&
                   sizeof(bt_create_params) == 88,
               "a versioned struct changed size: bump its BT_*_VERSION and keep the old layout's row");
#endif
/* version comes first in every one of them, so it can be read before the layout is known */
_Static_assert(offsetof(bt_add_torrent_params, version) == 0 && offsetof(struct bt_torrent_status, version) == 0 &&
                   offsetof(bt_peer_info, version) == 0 && offsetof(bt_web_seed_info, version) == 0 &&
                   offsetof(bt_disk_stats, version) == 0 && offsetof(bt_dht_stats, version) == 0 &&
                   offsetof(bt_alert, version) == 0 && offsetof(bt_create_params, version) == 0,
               "version must be the first member");

void capi_version_error(const char *fn, capi_struct kind, unsigned int version) {
    char msg[384];
    int n;
    if (version == 0)
        n = snprintf(msg, sizeof msg,
                     "%s: %s version is 0 (not set): start from %s or its init function",
                     fn, structs[kind].name, structs[kind].init);
    else
        n = snprintf(msg, sizeof msg,
                     "%s: %s version %u is not one libbt %s knows (1 to %u): the program was "
                     "built against a newer libbt.h",
                     fn, structs[kind].name, version, LIBBT_VERSION, structs[kind].latest);
    capi_set_last_error(msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

size_t capi_struct_size(capi_struct kind, unsigned int version) {
    if ((unsigned)kind >= CAPI_NUM_STRUCTS || version == 0 || version > structs[kind].latest ||
        version > CAPI_MAX_VERSIONS)
        return 0;
    return structs[kind].size[version];
}

unsigned int capi_struct_latest(capi_struct kind) {
    return (unsigned)kind < CAPI_NUM_STRUCTS ? structs[kind].latest : 0;
}

/* Zeroes exactly that version's bytes (a caller's older struct is smaller) and sets version. */
static int init_struct(const char *fn, capi_struct kind, void *p, unsigned int version) {
    if (!p) {
        static const char tail[] = ": the struct pointer is NULL";
        char msg[128];
        int n = snprintf(msg, sizeof msg, "%s%s", fn, tail);
        capi_set_last_error(msg, n < 0 ? 0 : (size_t)n);
        return BT_E_INVALID_ARG;
    }
    size_t size = capi_struct_size(kind, version);
    if (size == 0) {
        capi_version_error(fn, kind, version);
        return BT_E_VERSION;
    }
    memset(p, 0, size);
    *(unsigned int *)p = version;
    return BT_OK;
}

int bt_add_torrent_params_init(bt_add_torrent_params *p, unsigned int version) {
    return init_struct("bt_add_torrent_params_init", CAPI_ADD_TORRENT_PARAMS, p, version);
}
int bt_torrent_status_init(struct bt_torrent_status *p, unsigned int version) {
    return init_struct("bt_torrent_status_init", CAPI_TORRENT_STATUS, p, version);
}
int bt_peer_info_init(bt_peer_info *p, unsigned int version) {
    return init_struct("bt_peer_info_init", CAPI_PEER_INFO, p, version);
}
int bt_disk_stats_init(bt_disk_stats *p, unsigned int version) {
    return init_struct("bt_disk_stats_init", CAPI_DISK_STATS, p, version);
}
int bt_dht_stats_init(bt_dht_stats *p, unsigned int version) {
    return init_struct("bt_dht_stats_init", CAPI_DHT_STATS, p, version);
}
int bt_alert_init(bt_alert *p, unsigned int version) {
    return init_struct("bt_alert_init", CAPI_ALERT, p, version);
}
int bt_create_params_init(bt_create_params *p, unsigned int version) {
    return init_struct("bt_create_params_init", CAPI_CREATE_PARAMS, p, version);
}
