/* Built against an installed libbt (pkg-config or find_package): header, library and runtime
 * version agree, and a session starts and stops. */
#include <libbt.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    if (strcmp(bt_version(), LIBBT_VERSION) != 0 || bt_version_number() != LIBBT_VERSION_NUMBER) {
        fprintf(stderr, "smoke: header %s, library %s\n", LIBBT_VERSION, bt_version());
        return 1;
    }
    bt_settings *s = NULL;
    bt_session *se = NULL;
    if (bt_settings_new(&s) != BT_OK ||
        bt_settings_set_str(s, "listen_interfaces", "127.0.0.1:0") != BT_OK ||
        bt_session_new(s, &se) != BT_OK) {
        fprintf(stderr, "smoke: %s\n", bt_last_error());
        return 1;
    }
    bt_settings_free(s);
    int port = 0;
    bt_disk_stats ds = BT_DISK_STATS_INIT; /* the installed header's struct versions are the library's */
    if (bt_session_listen_port(se, &port) != BT_OK || port <= 0 || bt_session_disk_stats(se, &ds) != BT_OK ||
        ds.version != BT_DISK_STATS_VERSION || bt_session_free(se) != BT_OK) {
        fprintf(stderr, "smoke: %s\n", bt_last_error());
        return 1;
    }
    printf("smoke: libbt %s ok (listened on 127.0.0.1:%d)\n", bt_version(), port);
    return 0;
}
