/* args.h — the bt command line: one parse of argv into a bt_args, with every check that needs
 * no libbt call (required options, numbers, HOST:PORT syntax). */
#ifndef BT_ARGS_H
#define BT_ARGS_H

#include <stdint.h>
#include <stdio.h>

typedef enum bt_command {
    CMD_NONE = 0,
    CMD_MAKE,
    CMD_SEED,
    CMD_GET,
    CMD_VERSION,
    CMD_HELP,
    CMD_DHT
} bt_command;

/* A repeatable option's values; the strings point into argv. */
typedef struct str_list {
    const char **items;
    size_t count;
} str_list;

typedef struct bt_args {
    bt_command command;
    int json, quiet, verbose;
    str_list sets;       /* --set NAME=VALUE */
    str_list trackers;   /* make --tracker */
    str_list webseeds;   /* make/get --webseed */
    str_list peers;      /* seed/get --peer */
    str_list dht_bootstrap; /* seed/get/dht --dht-bootstrap */
    str_list torrents;   /* seed/get --torrent (seed takes several; torrent is the first) */
    const char *data, *out, *comment;   /* make */
    const char *torrent, *magnet, *save; /* seed/get */
    int64_t piece_size;  /* 0 = automatic */
    int is_private;
    int port;            /* -1: any free port */
    double seconds;      /* < 0: no limit */
    const char *resume;  /* seed/get --resume FILE */
    int encryption;      /* seed/get --encryption: -1 unset, else out/in_enc_policy 0/1/2 */
    int super_seed;      /* seed --super-seed */
    int dht;             /* seed/get --dht */
    const char *announce; /* dht --announce HEX */
} bt_args;

/* Fills *a from argv. On a usage error prints one "bt: ..." line and returns BT_EXIT_USAGE;
 * call args_free() either way. */
int args_parse(int argc, char **argv, bt_args *a);
void args_free(bt_args *a);
void print_usage(FILE *f);

#endif
