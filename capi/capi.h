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

/* notify.c: calls a user's alert-notify function from a Go goroutine. */
void capi_call_notify(uintptr_t fn, uintptr_t userdata);

#endif
