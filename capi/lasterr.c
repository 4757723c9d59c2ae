/* The thread-local last-error message and the C-only exports that need no Go. */
#include "capi.h"

/* Messages longer than this are truncated (on a UTF-8 boundary). */
#define CAPI_ERRBUF 1024

static _Thread_local char capi_errbuf[CAPI_ERRBUF];

void capi_set_last_error(const char *msg, size_t len) {
    if (len >= CAPI_ERRBUF) {
        len = CAPI_ERRBUF - 1;
        /* do not cut a multi-byte UTF-8 sequence in half */
        while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(capi_errbuf, msg, len);
    capi_errbuf[len] = '\0';
}

const char *bt_last_error(void) { return capi_errbuf; }

void bt_free(void *ptr) { free(ptr); }

const char *bt_strerror(int code) {
    switch (code) {
    case BT_OK: return "success";
    case BT_E_INVALID_ARG: return "invalid argument";
    case BT_E_BAD_HANDLE: return "stale, freed or foreign handle";
    case BT_E_PARSE: return "malformed .torrent, magnet URI or bencode";
    case BT_E_NOT_FOUND: return "not found";
    case BT_E_EXISTS: return "the torrent is already in the session";
    case BT_E_IO: return "file system error";
    case BT_E_UNKNOWN_SETTING: return "no setting by that name";
    case BT_E_SETTING_TYPE: return "setting has another type or the value is invalid";
    case BT_E_STATE: return "not possible in the current state";
    case BT_E_TIMEOUT: return "timed out";
    case BT_E_BUFFER_TOO_SMALL: return "buffer too small";
    case BT_E_NETWORK: return "cannot listen or connect";
    case BT_E_VERSION: return "struct version is 0 or unknown to this libbt (use its _INIT macro or _init function)";
    case BT_E_LIMIT: return "a limit was exceeded";
    case BT_E_INTERNAL: return "internal error in libbt";
    }
    return "unknown error code";
}
