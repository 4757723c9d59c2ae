/*
 * Shared by the C ABI test programs of tests/capi (each *.c is one program, built by
 * scripts/capi-misuse.sh with ASan+UBSan and against a cgocheck2 build): the CHECK / EXPECT_*
 * counters, the scratch directory, and small helpers. Helpers are static inline so a program
 * that does not use one still builds with -Werror.
 */
#ifndef LIBBT_CAPI_TEST_H
#define LIBBT_CAPI_TEST_H

#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libbt.h"

static int passed, failed;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (cond) {                                                                           \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            fprintf(stderr, "%s:%d: FAIL: %s (last error: \"%s\")\n", __FILE__, __LINE__, #cond, \
                    bt_last_error());                                                         \
        }                                                                                     \
    } while (0)

/* A failing call: the code is `want` and the thread's message is non-empty. */
#define EXPECT_ERR(call, want)                                                                \
    do {                                                                                      \
        int rc_ = (call);                                                                     \
        const char *msg_ = bt_last_error();                                                   \
        if (rc_ == (want) && msg_ != NULL && msg_[0] != '\0') {                               \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            fprintf(stderr, "%s:%d: FAIL: %s returned %d (%s), want %d (%s); message \"%s\"\n", \
                    __FILE__, __LINE__, #call, rc_, bt_strerror(rc_), (want), bt_strerror(want), \
                    msg_ ? msg_ : "(NULL)");                                                  \
        }                                                                                     \
    } while (0)

#define EXPECT_OK(call)                                                                       \
    do {                                                                                      \
        int rc_ = (call);                                                                     \
        if (rc_ == BT_OK) {                                                                   \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            fprintf(stderr, "%s:%d: FAIL: %s returned %d (%s): %s\n", __FILE__, __LINE__, #call, \
                    rc_, bt_strerror(rc_), bt_last_error());                                  \
        }                                                                                     \
    } while (0)

/* The scratch directory given on the command line (a fresh one per run). */
static char scratch[4096] __attribute__((unused));

static inline void write_file(const char *path, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    for (size_t i = 0; i < size; i++)
        fputc((int)((i * 7 + 3) & 0xff), f);
    fclose(f);
}

static inline bt_settings *loopback_settings(void) {
    bt_settings *s = NULL;
    EXPECT_OK(bt_settings_new(&s));
    EXPECT_OK(bt_settings_set_str(s, "listen_interfaces", "127.0.0.1:0"));
    return s;
}
/* Creates scratch/payload/{a,b/c} and returns the .torrent bytes. */
static inline uint8_t *make_torrent(size_t *size) {
    char path[4200];
    snprintf(path, sizeof path, "%s/payload", scratch);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/payload/b", scratch);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/payload/a", scratch);
    write_file(path, 40000);
    snprintf(path, sizeof path, "%s/payload/b/c", scratch);
    write_file(path, 1000);
    snprintf(path, sizeof path, "%s/payload", scratch);

    const char *trackers[] = {"http://127.0.0.1:1/announce", "udp://127.0.0.1:1", "http://127.0.0.1:2/announce"};
    int tiers[] = {1, 0, 1};
    const char *seeds[] = {"http://127.0.0.1:3/"};
    bt_create_params cp = BT_CREATE_PARAMS_INIT;
    cp.path = path;
    cp.piece_size = 16384;
    cp.trackers = trackers;
    cp.tracker_tiers = tiers;
    cp.num_trackers = 3;
    cp.web_seeds = seeds;
    cp.num_web_seeds = 1;
    cp.comment = "misuse test";
    uint8_t *out = NULL;
    EXPECT_OK(bt_create_torrent(&cp, &out, size));
    CHECK(out != NULL && *size > 0 && out[0] == 'd');
    if (out != NULL) {
        /* tier 0 comes first; the default creator names the library version */
        static const char announce[] = "8:announce17:udp://127.0.0.1:1";
        static const char creator[] = "10:created by11:libbt/" LIBBT_VERSION;
        static const char tiers_list[] = "13:announce-listll17:udp://127.0.0.1:1el27:http://127.0.0.1:1/announce27:http://127.0.0.1:2/announceee";
        CHECK(memmem(out, *size, announce, sizeof announce - 1) != NULL);
        CHECK(memmem(out, *size, creator, sizeof creator - 1) != NULL);
        CHECK(memmem(out, *size, tiers_list, sizeof tiers_list - 1) != NULL);
        CHECK(memmem(out, *size, "7:comment11:misuse test", 23) != NULL);
    }
    return out;
}
static inline void wait_checked(bt_torrent *t) {
    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    for (int i = 0; i < 500; i++) {
        if (bt_torrent_status(t, &st) == BT_OK && st.state != BT_STATE_CHECKING_FILES)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Every program's main: capi_test_main(argc, argv, run) runs run() with scratch set and
 * prints the tally. */
static inline int capi_test_main(int argc, char **argv, void (*run)(void)) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    snprintf(scratch, sizeof scratch, "%s", argv[1]);
    run();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
