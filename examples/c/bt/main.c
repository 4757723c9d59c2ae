/* bt — a command-line BitTorrent client on libbt (include/libbt.h).
 *
 *   bt make --data PATH --out FILE ...   create a .torrent
 *   bt seed --torrent FILE --save DIR    serve data
 *   bt get  --torrent FILE --save DIR    download (or --magnet URI)
 *   bt dht  --port P                      run a DHT node
 *
 * Run "bt help" for every option. main() only parses arguments and dispatches; each command
 * lives in cmd_<name>.c and returns the exit code. */
#include <libbt.h>

#include <stdio.h>

#include "args.h"
#include "cmd.h"
#include "output.h"
#include "util.h"

static int print_version(const bt_args *a)
{
    if (a->json) { /* only when asked: scripts read "bt X (libbt Y)" */
        json_line j;
        json_begin(&j);
        json_str(&j, "bt", LIBBT_VERSION);
        json_str(&j, "libbt", bt_version());
        json_end(&j);
    } else {
        printf("bt %s (libbt %s)\n", LIBBT_VERSION, bt_version());
    }
    if (bt_version_number() / 100 != LIBBT_VERSION_NUMBER / 100) {
        bt_warnf("built against libbt %s but running with %s", LIBBT_VERSION, bt_version());
    }
    return BT_EXIT_OK;
}

int main(int argc, char **argv)
{
    bt_args a;
    int rc = args_parse(argc, argv, &a);
    if (rc == BT_EXIT_OK) {
        out_ctx o;
        out_init(&o, &a);
        switch (a.command) {
        case CMD_MAKE: rc = cmd_make(&a, &o); break;
        case CMD_SEED: rc = cmd_seed(&a, &o); break;
        case CMD_GET: rc = cmd_get(&a, &o); break;
        case CMD_DHT: rc = cmd_dht(&a, &o); break;
        case CMD_VERSION: rc = print_version(&a); break;
        case CMD_HELP: print_usage(stdout); break;
        default: rc = BT_EXIT_USAGE; break;
        }
    }
    args_free(&a);
    return rc;
}
