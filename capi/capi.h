/* Private declarations shared by capi's Go preambles and its C files. Not installed. */
#ifndef LIBBT_CAPI_H
#define LIBBT_CAPI_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libbt.h"

/* const-qualified aliases so cgo's generated prototypes match libbt.h exactly
 * (cgo cannot spell `const` in a Go signature). */
typedef const char capi_cchar;
typedef const bt_settings capi_csettings;
typedef const bt_alerts capi_calerts;
typedef const bt_add_torrent_params capi_cadd_params;
typedef const bt_create_params capi_ccreate_params;
typedef const uint8_t capi_cuint8;

/* lasterr.c: the calling thread's last-error message (a _Thread_local buffer). */
void capi_set_last_error(const char *msg, size_t len);

/* versions.c: the versioned structs and the size of each of their versions. */
typedef enum capi_struct {
    CAPI_ADD_TORRENT_PARAMS,
    CAPI_TORRENT_STATUS,
    CAPI_PEER_INFO,
    CAPI_WEB_SEED_INFO,
    CAPI_DISK_STATS,
    CAPI_DHT_STATS,
    CAPI_ALERT,
    CAPI_CREATE_PARAMS,
    CAPI_NUM_STRUCTS
} capi_struct;

/* The size of version `version` of struct `kind`, 0 if libbt does not know that version. */
size_t capi_struct_size(capi_struct kind, unsigned int version);
/* Sets the last error for an unknown version: "fn: <struct> version <n> ...". */
void capi_version_error(const char *fn, capi_struct kind, unsigned int version);
/* The newest version of struct `kind`. */
unsigned int capi_struct_latest(capi_struct kind);

/* notify.c: calls a user's alert-notify function from a Go goroutine. */
void capi_call_notify(uintptr_t fn, uintptr_t userdata);

#endif
