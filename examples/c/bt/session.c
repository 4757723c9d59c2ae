/* session.c — see session.h. */
#define _POSIX_C_SOURCE 200809L

#include "session.h"

#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BT_ALERT_MASK                                                                         \
    (BT_ALERT_CATEGORY_ERROR | BT_ALERT_CATEGORY_STATUS | BT_ALERT_CATEGORY_TRACKER |        \
     BT_ALERT_CATEGORY_STORAGE | BT_ALERT_CATEGORY_PEER | BT_ALERT_CATEGORY_DHT)

static int bool_word(const char *s)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(s, yes[i]) == 0)
            return 1;
        if (strcmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* Sets NAME=VALUE with the type libbt says the setting has (bt_setting_type). */
static int apply_set(bt_settings *st, const char *assignment, char *err, size_t errcap)
{
    const char *eq = strchr(assignment, '=');
    size_t name_len = (size_t)(eq - assignment);
    char *name = malloc(name_len + 1);
    if (name == NULL) {
        snprintf(err, errcap, "out of memory");
        return BT_E_INTERNAL;
    }
    memcpy(name, assignment, name_len);
    name[name_len] = '\0';
    const char *value = eq + 1;

    int type = 0;
    int rc = bt_setting_type(name, &type);
    if (rc == BT_OK) {
        switch (type) {
        case BT_SETTING_INT: {
            int64_t v;
            if (parse_int64(value, &v) != 0) {
                snprintf(err, errcap, "%s is an integer setting, not '%s'", name, value);
                rc = BT_E_SETTING_TYPE;
            } else {
                rc = bt_settings_set_int(st, name, v);
            }
            break;
        }
        case BT_SETTING_BOOL: {
            int b = bool_word(value);
            if (b < 0) {
                snprintf(err, errcap, "%s is a boolean setting (true or false), not '%s'", name, value);
                rc = BT_E_SETTING_TYPE;
            } else {
                rc = bt_settings_set_bool(st, name, b);
            }
            break;
        }
        default:
            rc = bt_settings_set_str(st, name, value);
            break;
        }
    }
    if (rc != BT_OK && err[0] == '\0')
        snprintf(err, errcap, "%s", bt_last_error());
    free(name);
    return rc;
}

/* The settings the command line's own options stand for: --encryption, --dht,
 * --dht-bootstrap (bt dht always runs the DHT). */
static int apply_options(const bt_args *a, bt_settings *st)
{
    if (a->encryption >= 0 && (bt_settings_set_int(st, "out_enc_policy", a->encryption) != BT_OK ||
                               bt_settings_set_int(st, "in_enc_policy", a->encryption) != BT_OK))
        return -1;
    if (a->dht || a->command == CMD_DHT) {
        size_t len = 1;
        for (size_t i = 0; i < a->dht_bootstrap.count; i++)
            len += strlen(a->dht_bootstrap.items[i]) + 1;
        char *nodes = calloc(1, len);
        if (nodes == NULL)
            return -1;
        for (size_t i = 0; i < a->dht_bootstrap.count; i++) {
            if (i > 0)
                strcat(nodes, ",");
            strcat(nodes, a->dht_bootstrap.items[i]);
        }
        int rc = bt_settings_set_bool(st, "enable_dht", 1) == BT_OK &&
                 bt_settings_set_str(st, "dht_bootstrap_nodes", nodes) == BT_OK;
        free(nodes);
        if (!rc)
            return -1;
    }
    return 0;
}

int session_open(const bt_args *a, const char *listen, bt_session **out)
{
    bt_settings *st = NULL;
    int exit_code = BT_EXIT_FAIL;
    *out = NULL;
    if (bt_settings_new(&st) != BT_OK) {
        bt_errorf("cannot create settings: %s", bt_last_error());
        return BT_EXIT_FAIL;
    }
    if (bt_settings_set_str(st, "listen_interfaces", listen) != BT_OK ||
        bt_settings_set_int(st, "alert_mask", BT_ALERT_MASK) != BT_OK) {
        bt_errorf("cannot configure the session: %s", bt_last_error());
        goto out;
    }
    if (apply_options(a, st) != 0) {
        bt_errorf("cannot configure the session: %s", bt_last_error());
        goto out;
    }
    for (size_t i = 0; i < a->sets.count; i++) {
        char err[512] = "";
        if (apply_set(st, a->sets.items[i], err, sizeof err) != BT_OK) {
            bt_errorf("--set %s: %s", a->sets.items[i], err);
            exit_code = BT_EXIT_USAGE;
            goto out;
        }
    }
    int rc = bt_session_new(st, out);
    if (rc != BT_OK) {
        bt_errorf("cannot start a session: %s", bt_last_error());
        /* Settings that libbt only rejects as a whole are still bad input. */
        if (rc == BT_E_INVALID_ARG || rc == BT_E_SETTING_TYPE || rc == BT_E_UNKNOWN_SETTING)
            exit_code = BT_EXIT_USAGE;
        *out = NULL;
        goto out;
    }
    exit_code = BT_EXIT_OK;
out:
    bt_settings_free(st);
    return exit_code;
}

void listen_interfaces_for(int port, char *buf, size_t cap)
{
    if (port < 0)
        port = 0;
    snprintf(buf, cap, "127.0.0.1:%d,[::1]:%d", port, port);
}

int session_announce_port(bt_session *s, out_ctx *o)
{
    int port = 0;
    /* Listening may finish just after bt_session_new(): allow it a moment. */
    for (int i = 0; i < 300; i++) {
        if (bt_session_listen_port(s, &port) == BT_OK && port > 0)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (port <= 0) {
        bt_errorf("the session is not listening: %s", bt_last_error());
        return BT_EXIT_FAIL;
    }
    out_listening(o, port);
    return BT_EXIT_OK;
}

int session_drain_alerts(bt_session *s, out_ctx *o, alert_seen *seen)
{
    bt_alerts *batch = NULL;
    int rc = bt_session_pop_alerts(s, &batch);
    if (rc != BT_OK)
        return rc;
    size_t n = 0;
    bt_alerts_count(batch, &n);
    for (size_t i = 0; i < n; i++) {
        bt_alert al = BT_ALERT_INIT;
        if (bt_alerts_get(batch, i, &al) != BT_OK)
            continue;
        switch (al.type) {
        case BT_ALERT_TORRENT_CHECKED: seen->checked = 1; break;
        case BT_ALERT_TORRENT_FINISHED: seen->finished = 1; break;
        case BT_ALERT_TORRENT_ERROR:
        case BT_ALERT_FILE_ERROR: seen->error = 1; break;
        default: break;
        }
        out_alert(o, &al);
    }
    bt_alerts_free(batch);
    return BT_OK;
}

int torrent_status(bt_torrent *t, struct bt_torrent_status *st)
{
    return bt_torrent_status(t, st);
}

int connect_peers(bt_torrent *t, const str_list *peers, out_ctx *o)
{
    for (size_t i = 0; i < peers->count; i++) {
        int rc = bt_torrent_connect_peer(t, peers->items[i]);
        if (rc == BT_E_INVALID_ARG) {
            bt_errorf("--peer %s: %s", peers->items[i], bt_last_error());
            return BT_EXIT_USAGE;
        }
        if (rc != BT_OK && o->verbose) {
            out_clear_bar(o);
            bt_warnf("connecting to %s: %s", peers->items[i], bt_last_error());
        }
    }
    return BT_EXIT_OK;
}

void report_torrent_error(bt_torrent *t, const char *what)
{
    char *msg = NULL;
    if (bt_torrent_error(t, &msg) == BT_OK && msg != NULL && msg[0] != '\0')
        bt_errorf("%s: %s", what, msg);
    else
        bt_errorf("%s", what);
    bt_free(msg);
}

int add_web_seeds(bt_torrent *t, const str_list *urls)
{
    for (size_t i = 0; i < urls->count; i++) {
        if (bt_torrent_add_web_seed(t, urls->items[i], BT_WEB_SEED_URL) != BT_OK) {
            bt_errorf("--webseed %s: %s", urls->items[i], bt_last_error());
            return BT_EXIT_USAGE;
        }
    }
    return BT_EXIT_OK;
}

int resume_load(const char *path, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    if (path == NULL)
        return BT_EXIT_OK;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT)
            return BT_EXIT_OK; /* the first run */
        bt_errorf("--resume %s: %s", path, strerror(errno));
        return BT_EXIT_USAGE;
    }
    size_t cap = 64 * 1024, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *nb = cap < ((size_t)64 << 20) ? realloc(buf, cap * 2) : NULL;
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        bt_errorf("--resume %s: cannot read it", path);
        return BT_EXIT_USAGE;
    }
    *data = buf;
    *size = n;
    return BT_EXIT_OK;
}

int resume_save(bt_torrent *t, const char *path, int quiet_if_unready)
{
    if (path == NULL)
        return BT_OK;
    uint8_t *data = NULL;
    size_t size = 0;
    int rc = bt_torrent_save_resume_data(t, &data, &size);
    if (rc == BT_E_STATE && quiet_if_unready)
        return rc; /* no metadata yet, or checking files: nothing worth saving */
    if (rc == BT_OK)
        rc = bt_write_resume_file(path, data, size);
    if (rc != BT_OK)
        bt_warnf("saving resume data to %s: %s", path, bt_last_error());
    bt_free(data);
    return rc;
}

int session_start(const bt_args *a, bt_session **s, bt_torrent **t)
{
    char listen[64];
    listen_interfaces_for(a->port, listen, sizeof listen);
    install_stop_handlers();
    *s = NULL;
    *t = NULL;
    int rc = session_open(a, listen, s);
    if (rc != BT_EXIT_OK)
        return rc;
    uint8_t *resume = NULL;
    size_t resume_size = 0;
    if ((rc = resume_load(a->resume, &resume, &resume_size)) != BT_EXIT_OK)
        return rc;
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
    p.save_path = a->save;
    p.torrent_file = a->torrent;
    p.magnet_uri = a->magnet;
    p.super_seeding = a->super_seed;
    p.resume_data = resume;
    p.resume_size = resume_size;
    int added = bt_session_add_torrent(*s, &p, t);
    free(resume);
    if (added != BT_OK) {
        bt_errorf("cannot add %s: %s", a->torrent ? a->torrent : "the magnet link", bt_last_error());
        return BT_EXIT_USAGE;
    }
    return BT_EXIT_OK;
}
