/* cmd_make.c — bt make: hash files into a .torrent, write it, and describe it (info-hash,
 * pieces, magnet) by adding it, paused, to a session that does not listen. */
#define _POSIX_C_SOURCE 200809L

#include "cmd.h"

#include "session.h"
#include "term.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct torrent_desc {
    struct bt_torrent_status st;
    char *name;   /* bt_free */
    char *magnet; /* bt_free */
    int num_files;
} torrent_desc;

static int write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        bt_errorf("cannot write %s: %s", path, strerror(errno));
        return BT_EXIT_USAGE; /* a bad --out */
    }
    size_t written = fwrite(data, 1, size, f);
    int write_errno = errno;
    if (fclose(f) != 0 && written == size) {
        written = 0;
        write_errno = errno;
    }
    if (written != size) {
        bt_errorf("cannot write %s: %s", path, strerror(write_errno));
        remove(path);
        return BT_EXIT_FAIL;
    }
    return BT_EXIT_OK;
}

/* Adds the torrent, paused, to the throwaway session with an empty temporary directory as its
 * save path, so nothing of the user's is touched, and reads what libbt says about it. */
static int describe(bt_session *s, const uint8_t *data, size_t size, torrent_desc *d)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/bt-make-XXXXXX", tmp);
    if (mkdtemp(dir) == NULL) {
        bt_errorf("cannot create a temporary directory in %s: %s", tmp, strerror(errno));
        return BT_EXIT_FAIL;
    }
    int rc = BT_EXIT_OK;
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
    p.save_path = dir;
    p.torrent_data = data;
    p.torrent_size = size;
    p.paused = 1;
    bt_torrent *t = NULL;
    if (bt_session_add_torrent(s, &p, &t) != BT_OK || torrent_status(t, &d->st) != BT_OK ||
        bt_torrent_name(t, &d->name) != BT_OK || bt_torrent_magnet(t, &d->magnet) != BT_OK ||
        bt_torrent_num_files(t, &d->num_files) != BT_OK) {
        bt_errorf("libbt cannot read the torrent it made: %s", bt_last_error());
        rc = BT_EXIT_FAIL;
    }
    if (t != NULL)
        bt_session_remove_torrent(s, t, 0);
    rmdir(dir); /* fails, harmlessly, if libbt left something there */
    return rc;
}

static void print_made(const bt_args *a, out_ctx *o, const torrent_desc *d)
{
    if (o->json) {
        json_line j;
        json_begin(&j);
        json_str(&j, "made", a->out);
        json_str(&j, "info_hash", d->st.info_hash);
        json_int(&j, "pieces", d->st.num_pieces);
        json_str(&j, "magnet", d->magnet);
        json_str(&j, "name", d->name);
        json_int(&j, "files", d->num_files);
        json_int(&j, "bytes", d->st.total_size);
        json_int(&j, "piece_size", d->st.piece_length);
        json_end(&j);
        return;
    }
    char total[32], piece[32];
    format_bytes((double)d->st.total_size, total, sizeof total);
    format_bytes((double)d->st.piece_length, piece, sizeof piece);
    printf("made ");
    term_fputs(a->out, stdout);
    printf(": \"");
    term_fputs(d->name, stdout); /* a file name */
    printf("\", %d file%s, %s in %d pieces of %s\n", d->num_files, d->num_files == 1 ? "" : "s",
           total, d->st.num_pieces, piece);
    printf("info hash: %s\nmagnet:    ", d->st.info_hash);
    term_fputs(d->magnet, stdout);
    fputc('\n', stdout);
}

int cmd_make(const bt_args *a, out_ctx *o)
{
    /* A session that does not listen, opened first so that a bad --set fails before hashing. */
    bt_session *s = NULL;
    int rc = session_open(a, "", &s);
    if (rc != BT_EXIT_OK)
        return rc;

    bt_create_params p = BT_CREATE_PARAMS_INIT;
    p.path = a->data;
    p.piece_size = a->piece_size;
    p.trackers = a->trackers.items;
    p.num_trackers = a->trackers.count;
    p.web_seeds = a->webseeds.items;
    p.num_web_seeds = a->webseeds.count;
    p.is_private = a->is_private;
    p.comment = a->comment;

    uint8_t *data = NULL;
    size_t size = 0;
    torrent_desc d = {.st = BT_TORRENT_STATUS_INIT};
    if (bt_create_torrent(&p, &data, &size) != BT_OK) {
        bt_errorf("cannot make a torrent of %s: %s", a->data, bt_last_error());
        rc = BT_EXIT_USAGE;
        goto out;
    }
    rc = describe(s, data, size, &d);
    if (rc == BT_EXIT_OK)
        rc = write_file(a->out, data, size);
    if (rc == BT_EXIT_OK)
        print_made(a, o, &d);
out:
    bt_free(d.name);
    bt_free(d.magnet);
    bt_free(data);
    if (bt_session_free(s) != BT_OK && rc == BT_EXIT_OK) {
        bt_errorf("closing the session: %s", bt_last_error());
        rc = BT_EXIT_FAIL;
    }
    return rc;
}
