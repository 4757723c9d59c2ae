/* Trampoline: Go cannot call a C function pointer directly. */
#include "capi.h"

void capi_call_notify(uintptr_t fn, uintptr_t userdata) {
    ((bt_alert_notify_fn)fn)((void *)userdata);
}
