/* args.c — see args.h. Options may come before or after the command, as "--name value" or
 * "--name=value"; each option is checked against the commands that accept it. */
#include "args.h"

#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
    FOR_MAKE = 1 << CMD_MAKE,
    FOR_SEED = 1 << CMD_SEED,
    FOR_GET = 1 << CMD_GET,
    FOR_DHT = 1 << CMD_DHT,
    FOR_ALL = FOR_MAKE | FOR_SEED | FOR_GET | FOR_DHT | (1 << CMD_VERSION) | (1 << CMD_HELP)
};

typedef enum opt_id {
    OPT_JSON, OPT_QUIET, OPT_VERBOSE, OPT_SET, OPT_HELP, OPT_VERSION,
    OPT_DATA, OPT_OUT, OPT_PIECE_SIZE, OPT_TRACKER, OPT_WEBSEED, OPT_PRIVATE, OPT_COMMENT,
    OPT_TORRENT, OPT_MAGNET, OPT_SAVE, OPT_PORT, OPT_SECONDS, OPT_PEER,
    OPT_RESUME, OPT_ENCRYPTION, OPT_SUPER_SEED, OPT_DHT, OPT_DHT_BOOTSTRAP, OPT_ANNOUNCE
} opt_id;

typedef struct opt_spec {
    const char *name;
    opt_id id;
    int takes_value;
    int repeatable;
    unsigned commands; /* FOR_* bits */
} opt_spec;

static const opt_spec options[] = {
    {"json", OPT_JSON, 0, 1, FOR_ALL},
    {"quiet", OPT_QUIET, 0, 1, FOR_ALL},
    {"verbose", OPT_VERBOSE, 0, 1, FOR_ALL},
    {"set", OPT_SET, 1, 1, FOR_ALL},
    {"help", OPT_HELP, 0, 1, FOR_ALL},
    {"version", OPT_VERSION, 0, 1, FOR_ALL},
    {"data", OPT_DATA, 1, 0, FOR_MAKE},
    {"out", OPT_OUT, 1, 0, FOR_MAKE},
    {"piece-size", OPT_PIECE_SIZE, 1, 0, FOR_MAKE},
    {"tracker", OPT_TRACKER, 1, 1, FOR_MAKE},
    {"webseed", OPT_WEBSEED, 1, 1, FOR_MAKE | FOR_GET},
    {"private", OPT_PRIVATE, 0, 0, FOR_MAKE},
    {"comment", OPT_COMMENT, 1, 0, FOR_MAKE},
    {"torrent", OPT_TORRENT, 1, 1, FOR_SEED | FOR_GET},
    {"magnet", OPT_MAGNET, 1, 0, FOR_GET},
    {"save", OPT_SAVE, 1, 0, FOR_SEED | FOR_GET},
    {"port", OPT_PORT, 1, 0, FOR_SEED | FOR_GET | FOR_DHT},
    {"seconds", OPT_SECONDS, 1, 0, FOR_SEED | FOR_GET | FOR_DHT},
    {"peer", OPT_PEER, 1, 1, FOR_SEED | FOR_GET},
    {"resume", OPT_RESUME, 1, 0, FOR_SEED | FOR_GET},
    {"encryption", OPT_ENCRYPTION, 1, 0, FOR_SEED | FOR_GET},
    {"super-seed", OPT_SUPER_SEED, 0, 0, FOR_SEED},
    {"dht", OPT_DHT, 0, 0, FOR_SEED | FOR_GET},
    {"dht-bootstrap", OPT_DHT_BOOTSTRAP, 1, 1, FOR_SEED | FOR_GET | FOR_DHT},
    {"announce", OPT_ANNOUNCE, 1, 0, FOR_DHT},
};
#define NUM_OPTIONS (sizeof options / sizeof options[0])

static const char *const command_names[] = {
    [CMD_MAKE] = "make", [CMD_SEED] = "seed", [CMD_GET] = "get",
    [CMD_VERSION] = "version", [CMD_HELP] = "help", [CMD_DHT] = "dht",
};

void print_usage(FILE *f)
{
    fputs("usage:\n"
          "  bt make --data PATH --out FILE [--piece-size BYTES] [--tracker URL]...\n"
          "          [--webseed URL]... [--private] [--comment TEXT]\n"
          "  bt seed --torrent FILE [--torrent FILE]... --save DIR [--port P] [--seconds S]\n"
          "          [--peer HOST:PORT]...   (each torrent seeded from DIR)\n"
          "  bt get  (--torrent FILE | --magnet URI) --save DIR [--peer HOST:PORT]...\n"
          "          [--port P] [--seconds S] [--webseed URL]...\n"
          "  seed and get also take: [--resume FILE] [--encryption forced|enabled|disabled]\n"
          "          [--dht [--dht-bootstrap HOST:PORT]...]; seed takes [--super-seed]\n"
          "  bt dht  [--port P] [--dht-bootstrap HOST:PORT]... [--announce HEX] [--seconds S]\n"
          "  bt --version\n"
          "  bt help\n"
          "common options:\n"
          "  --json            one JSON object per line (the default when stdout is not a terminal)\n"
          "  --set NAME=VALUE  any libbt setting, e.g. --set connections_limit=50 (repeatable)\n"
          "  --quiet           no progress output, only results and errors\n"
          "  --verbose         print every alert, peer alerts included\n"
          "HOST:PORT is 1.2.3.4:6881 or [::1]:6881. --port listens on 127.0.0.1 and [::1]\n"
          "(default: any free port). Exit status: 0 done, 1 failed or out of time, 2 bad input.\n",
          f);
}

static const opt_spec *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < NUM_OPTIONS; i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

static bt_command find_command(const char *word)
{
    for (size_t i = 0; i < sizeof command_names / sizeof command_names[0]; i++)
        if (command_names[i] != NULL && strcmp(command_names[i], word) == 0)
            return (bt_command)i;
    return CMD_NONE;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bt_verrorf(fmt, ap);
    va_end(ap);
    return BT_EXIT_USAGE;
}

/* Stores one option value; returns BT_EXIT_OK or BT_EXIT_USAGE. */
static int take_value(bt_args *a, const opt_spec *o, const char *v)
{
    if (*v == '\0' && o->id != OPT_COMMENT)
        return usage_error("--%s needs a non-empty value", o->name);
    switch (o->id) {
    case OPT_SET:
        if (strchr(v, '=') == NULL || v[0] == '=')
            return usage_error("--set takes NAME=VALUE, not '%s'", v);
        a->sets.items[a->sets.count++] = v;
        break;
    case OPT_TRACKER: a->trackers.items[a->trackers.count++] = v; break;
    case OPT_WEBSEED: a->webseeds.items[a->webseeds.count++] = v; break;
    case OPT_DHT_BOOTSTRAP:
        if (parse_endpoint(v) != 0)
            return usage_error("--dht-bootstrap '%s' is not HOST:PORT (1.2.3.4:6881 or [::1]:6881)", v);
        a->dht_bootstrap.items[a->dht_bootstrap.count++] = v;
        break;
    case OPT_RESUME: a->resume = v; break;
    case OPT_ENCRYPTION:
        if (strcmp(v, "forced") == 0)
            a->encryption = 0;
        else if (strcmp(v, "enabled") == 0)
            a->encryption = 1;
        else if (strcmp(v, "disabled") == 0)
            a->encryption = 2;
        else
            return usage_error("--encryption '%s': want forced, enabled or disabled", v);
        break;
    case OPT_ANNOUNCE:
        if (strlen(v) != 40 || strspn(v, "0123456789abcdefABCDEF") != 40)
            return usage_error("--announce '%s' is not an info-hash (40 hex digits)", v);
        a->announce = v;
        break;
    case OPT_PEER:
        if (parse_endpoint(v) != 0)
            return usage_error("--peer '%s' is not HOST:PORT (1.2.3.4:6881 or [::1]:6881)", v);
        a->peers.items[a->peers.count++] = v;
        break;
    case OPT_DATA: a->data = v; break;
    case OPT_OUT: a->out = v; break;
    case OPT_COMMENT: a->comment = v; break;
    case OPT_TORRENT:
        if (a->torrent == NULL)
            a->torrent = v;
        a->torrents.items[a->torrents.count++] = v;
        break;
    case OPT_MAGNET: a->magnet = v; break;
    case OPT_SAVE: a->save = v; break;
    case OPT_PIECE_SIZE:
        if (parse_size(v, &a->piece_size) != 0 || a->piece_size <= 0)
            return usage_error("--piece-size '%s' is not a size in bytes (e.g. 262144 or 256K)", v);
        break;
    case OPT_PORT:
        if (parse_port(v, &a->port) != 0)
            return usage_error("--port '%s' is not a port number (0-65535)", v);
        break;
    case OPT_SECONDS:
        if (parse_seconds(v, &a->seconds) != 0)
            return usage_error("--seconds '%s' is not a number of seconds", v);
        break;
    default:
        break;
    }
    return BT_EXIT_OK;
}

static void set_flag(bt_args *a, opt_id id, int *help, int *version)
{
    switch (id) {
    case OPT_JSON: a->json = 1; break;
    case OPT_QUIET: a->quiet = 1; break;
    case OPT_VERBOSE: a->verbose = 1; break;
    case OPT_PRIVATE: a->is_private = 1; break;
    case OPT_SUPER_SEED: a->super_seed = 1; break;
    case OPT_DHT: a->dht = 1; break;
    case OPT_HELP: *help = 1; break;
    case OPT_VERSION: *version = 1; break;
    default: break;
    }
}

static int check_required(const bt_args *a)
{
    const char *cmd = command_names[a->command];
    switch (a->command) {
    case CMD_MAKE:
        if (a->data == NULL)
            return usage_error("%s: --data PATH is required", cmd);
        if (a->out == NULL)
            return usage_error("%s: --out FILE is required", cmd);
        break;
    case CMD_SEED:
        if (a->torrent == NULL)
            return usage_error("%s: --torrent FILE is required", cmd);
        if (a->save == NULL)
            return usage_error("%s: --save DIR is required", cmd);
        if (a->torrents.count > 1 && a->resume != NULL)
            return usage_error("%s: --resume takes a single --torrent", cmd);
        break;
    case CMD_GET:
        if (a->torrents.count > 1)
            return usage_error("--torrent given twice");
        if ((a->torrent == NULL) == (a->magnet == NULL))
            return usage_error("%s: give exactly one of --torrent FILE and --magnet URI", cmd);
        if (a->save == NULL)
            return usage_error("%s: --save DIR is required", cmd);
        break;
    default:
        break;
    }
    if ((a->command == CMD_SEED || a->command == CMD_GET) && a->dht_bootstrap.count > 0 && !a->dht)
        return usage_error("%s: --dht-bootstrap needs --dht", cmd);
    return BT_EXIT_OK;
}

int args_parse(int argc, char **argv, bt_args *a)
{
    memset(a, 0, sizeof *a);
    a->port = -1;
    a->seconds = -1;
    a->encryption = -1;
    /* Each list holds at most one entry per argument. */
    str_list *lists[] = {&a->sets,  &a->trackers,      &a->webseeds,
                         &a->peers, &a->dht_bootstrap, &a->torrents};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        lists[i]->items = calloc((size_t)argc + 1, sizeof(char *));
        if (lists[i]->items == NULL) {
            bt_errorf("out of memory");
            return BT_EXIT_FAIL;
        }
    }

    unsigned seen = 0;       /* 1 << opt_id of every option given */
    const char *first_seen[NUM_OPTIONS] = {0};
    int help = 0, version = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0) {
            help = 1;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (a->command != CMD_NONE)
                return usage_error("unexpected argument '%s' (try 'bt help')", arg);
            a->command = find_command(arg);
            if (a->command == CMD_NONE)
                return usage_error("unknown command '%s' (try 'bt help')", arg);
            continue;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        const opt_spec *o = find_option(name, name_len);
        if (o == NULL)
            return usage_error("unknown option '%s' (try 'bt help')", arg);
        if ((seen & (1u << o->id)) && !o->repeatable)
            return usage_error("--%s given twice", o->name);
        seen |= 1u << o->id;
        first_seen[o->id] = arg;
        if (!o->takes_value) {
            if (eq != NULL)
                return usage_error("--%s takes no value", o->name);
            set_flag(a, o->id, &help, &version);
            continue;
        }
        const char *value;
        if (eq != NULL) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return usage_error("--%s needs a value", o->name);
        }
        int rc = take_value(a, o, value);
        if (rc != BT_EXIT_OK)
            return rc;
    }

    if (help) {
        a->command = CMD_HELP;
        return BT_EXIT_OK;
    }
    if (version) {
        a->command = CMD_VERSION;
        return BT_EXIT_OK;
    }
    if (a->command == CMD_NONE)
        return usage_error("no command given (try 'bt help')");
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        if ((seen & (1u << options[i].id)) && !(options[i].commands & (1u << a->command)))
            return usage_error("option '%s' does not apply to 'bt %s'", first_seen[options[i].id],
                               command_names[a->command]);
    }
    return check_required(a);
}

void args_free(bt_args *a)
{
    free(a->sets.items);
    free(a->trackers.items);
    free(a->webseeds.items);
    free(a->peers.items);
    free(a->dht_bootstrap.items);
    free(a->torrents.items);
    memset(a, 0, sizeof *a);
}
