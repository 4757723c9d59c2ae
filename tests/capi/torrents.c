/*
 * Torrents through the C ABI: adding from bytes, files and magnets; status, files, pieces,
 * priorities, trackers; every alert field filled; removed torrents and torrents of a freed
 * session as stale handles; and the 0.2 additions (disk stats, peers, super seeding, web
 * seeds, fast resume), each with NULLs and stale handles.
 *
 * Usage: torrents SCRATCH_DIR
 */
#include "capi_test.h"

static void test_torrents(bt_session *se) {
    size_t tsize = 0;
    uint8_t *tdata = make_torrent(&tsize);
    if (tdata == NULL)
        return;

    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
    p.save_path = scratch; /* the payload is already there: it checks as complete */
    p.torrent_data = tdata;
    p.torrent_size = tsize;
    p.paused = 1;
    bt_torrent *t = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    CHECK(t != NULL);
    bt_torrent *dup = NULL;
    EXPECT_ERR(bt_session_add_torrent(se, &p, &dup), BT_E_EXISTS);
    CHECK(dup == NULL);

    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    memset(&st, 0xff, sizeof st);
    st.version = BT_TORRENT_STATUS_VERSION; /* garbage everywhere else: every field must be written */
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.has_metadata == 1);
    CHECK(st.paused == 1);
    CHECK(st.total_size == 41000);
    CHECK(st.num_pieces == 3);
    CHECK(st.piece_length == 16384);
    CHECK(strlen(st.info_hash) == 40);

    char *s = NULL;
    EXPECT_OK(bt_torrent_name(t, &s));
    CHECK(s != NULL && strcmp(s, "payload") == 0);
    bt_free(s);
    EXPECT_OK(bt_torrent_magnet(t, &s));
    CHECK(s != NULL && strncmp(s, "magnet:?", 8) == 0 && strstr(s, st.info_hash) != NULL);
    bt_free(s);
    EXPECT_OK(bt_torrent_error(t, &s));
    CHECK(s != NULL && s[0] == '\0');
    bt_free(s);

    int nf = 0;
    EXPECT_OK(bt_torrent_num_files(t, &nf));
    CHECK(nf == 2);
    int64_t fsize = 0;
    EXPECT_OK(bt_torrent_file(t, 0, &s, &fsize));
    CHECK(s != NULL && strcmp(s, "payload/a") == 0 && fsize == 40000);
    bt_free(s);
    s = (char *)&s;
    EXPECT_ERR(bt_torrent_file(t, 2, &s, &fsize), BT_E_NOT_FOUND);
    CHECK(s == NULL);
    EXPECT_ERR(bt_torrent_file(t, -1, &s, &fsize), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_file_priority(t, 0, 8), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_file_priority(t, -1, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_file_priority(t, 99, 1), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_set_file_priority(t, 1, 7));
    EXPECT_OK(bt_torrent_set_sequential(t, 1));

    /* queueing (since 0.4) */
    int am = -1, qp = -2;
    EXPECT_OK(bt_torrent_auto_managed(t, &am));
    CHECK(am == 0);
    EXPECT_OK(bt_torrent_set_auto_managed(t, 1));
    EXPECT_OK(bt_torrent_auto_managed(t, &am));
    CHECK(am == 1);
    EXPECT_OK(bt_torrent_set_auto_managed(t, 0));
    EXPECT_OK(bt_torrent_queue_position(t, &qp));
    CHECK(qp == 0 || qp == -1); /* downloading while it checks, then a seed out of the queue */
    EXPECT_OK(bt_torrent_queue_position_set(t, 1000000)); /* past the end clamps */
    EXPECT_OK(bt_torrent_queue_position_up(t));
    EXPECT_OK(bt_torrent_queue_position_down(t));
    EXPECT_OK(bt_torrent_queue_position_top(t));
    EXPECT_OK(bt_torrent_queue_position_bottom(t));
    EXPECT_ERR(bt_torrent_queue_position_set(t, -1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_queue_position(t, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_auto_managed(t, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_auto_managed(NULL, &am), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_auto_managed(NULL, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_queue_position_up(NULL), BT_E_INVALID_ARG);

    size_t need = 0;
    EXPECT_ERR(bt_torrent_pieces(t, NULL, 0, &need), BT_E_BUFFER_TOO_SMALL);
    CHECK(need == 1);
    uint8_t bits[4] = {0};
    EXPECT_ERR(bt_torrent_pieces(t, NULL, 4, &need), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_pieces(t, bits, sizeof bits, NULL), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_pieces(t, bits, sizeof bits, &need));
    CHECK(need == 1 && (bits[0] & 0x1f) == 0); /* 3 pieces: the 5 spare bits are zero */

    EXPECT_ERR(bt_torrent_connect_peer(t, "not an endpoint"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_connect_peer(t, "127.0.0.1"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_connect_peer(t, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_move_storage(NULL, "/tmp"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_move_storage(t, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_rename_file(NULL, 0, "x"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_rename_file(t, 0, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_rename_file(t, 0, "../escape"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_rename_file(t, 9999, "x"), BT_E_INVALID_ARG);

    bt_torrent *found = NULL;
    EXPECT_OK(bt_session_find_torrent(se, st.info_hash, &found));
    CHECK(found == t); /* one stable handle per torrent */
    EXPECT_ERR(bt_session_find_torrent(se, "xyz", &found), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_find_torrent(se, "000000000000000000000000000000000000000g", &found), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_find_torrent(se, "0000000000000000000000000000000000000000", &found), BT_E_NOT_FOUND);
    CHECK(found == NULL);

    bt_torrent *list[4] = {0};
    size_t count = 0;
    EXPECT_OK(bt_session_torrents(se, list, 4, &count));
    CHECK(count == 1 && list[0] == t);
    count = 0;
    EXPECT_OK(bt_session_torrents(se, NULL, 0, &count));
    CHECK(count == 1);

    EXPECT_OK(bt_torrent_resume(t));
    EXPECT_OK(bt_torrent_pause(t));

    /* a torrent passed as a session and vice versa */
    EXPECT_ERR(bt_session_remove_torrent((bt_session *)t, t, 0), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_remove_torrent(se, (bt_torrent *)se, 0), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_remove_torrent(se, t, 0x100), BT_E_INVALID_ARG);

    /* a torrent of another session */
    bt_settings *ls = loopback_settings();
    bt_session *other = NULL;
    EXPECT_OK(bt_session_new(ls, &other));
    bt_settings_free(ls);
    EXPECT_ERR(bt_session_remove_torrent(other, t, 0), BT_E_NOT_FOUND);
    EXPECT_OK(bt_session_free(other));

    EXPECT_OK(bt_session_remove_torrent(se, t, 0));
    /* removed: the handle is stale, and stays stale */
    EXPECT_ERR(bt_torrent_status(t, &st), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_pause(t), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_name(t, &s), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_queue_position(t, &qp), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_queue_position_top(t), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_set_auto_managed(t, 1), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_remove_torrent(se, t, 0), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_session_find_torrent(se, st.info_hash, &found), BT_E_NOT_FOUND);
    EXPECT_OK(bt_session_torrents(se, list, 4, &count));
    CHECK(count == 0);

    /* re-adding gives a new handle, never the old one */
    bt_torrent *t2 = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t2));
    CHECK(t2 != NULL && t2 != t);
    EXPECT_ERR(bt_torrent_pause(t), BT_E_BAD_HANDLE);
    EXPECT_OK(bt_torrent_pause(t2));

    /* bt_session_torrents lists in the order torrents were added */
    bt_torrent *mags[3] = {0};
    const char *uris[3] = {
        "magnet:?xt=urn:btih:ffffffffffffffffffffffffffffffffffffffff",
        "magnet:?xt=urn:btih:0000000000000000000000000000000000000001",
        "magnet:?xt=urn:btih:8888888888888888888888888888888888888888",
    };
    bt_add_torrent_params mp = BT_ADD_TORRENT_PARAMS_INIT;
    mp.save_path = scratch;
    mp.paused = 1;
    for (int i = 0; i < 3; i++) {
        mp.magnet_uri = uris[i];
        EXPECT_OK(bt_session_add_torrent(se, &mp, &mags[i]));
    }
    EXPECT_OK(bt_session_torrents(se, list, 4, &count));
    CHECK(count == 4 && list[0] == t2 && list[1] == mags[0] && list[2] == mags[1] && list[3] == mags[2]);
    bt_torrent *two[2] = {0};
    EXPECT_OK(bt_session_torrents(se, two, 2, &count)); /* cap < count: the first cap, total count */
    CHECK(count == 4 && two[0] == t2 && two[1] == mags[0]);
    for (int i = 0; i < 3; i++)
        EXPECT_OK(bt_session_remove_torrent(se, mags[i], 0));

    bt_free(tdata);
}

static void test_v02_torrent_api(void) {
    bt_settings *ls = loopback_settings();
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(ls, &se));
    bt_settings_free(ls);
    size_t tsize = 0;
    uint8_t *tdata = make_torrent(&tsize);
    if (tdata == NULL) {
        bt_session_free(se);
        return;
    }
    bt_peer_info peers[4] = {BT_PEER_INFO_INIT};
    size_t n = 99;
    bt_web_seed_info *ws = (bt_web_seed_info *)&n;
    uint8_t *rd = (uint8_t *)&n;
    size_t rdsize = 99;

    /* NULL and foreign handles */
    EXPECT_ERR(bt_torrent_peers(NULL, peers, 4, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_set_super_seeding(NULL, 1), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(NULL, "http://127.0.0.1:1/", BT_WEB_SEED_URL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_remove_web_seed(NULL, "http://127.0.0.1:1/"), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_web_seeds(NULL, BT_WEB_SEED_INFO_VERSION, &ws, &n), BT_E_INVALID_ARG);
    CHECK(ws == NULL && n == 0);
    EXPECT_ERR(bt_torrent_save_resume_data(NULL, &rd, &rdsize), BT_E_INVALID_ARG);
    CHECK(rd == NULL && rdsize == 0);
    EXPECT_ERR(bt_torrent_peers((bt_torrent *)se, peers, 4, &n), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_set_super_seeding((bt_torrent *)se, 1), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_web_seeds((bt_torrent *)(uintptr_t)1, BT_WEB_SEED_INFO_VERSION, &ws, &n), BT_E_BAD_HANDLE);
    CHECK(strcmp(bt_alert_type_name(BT_ALERT_WEB_SEED_ERROR), "web_seed_error") == 0);

    /* a magnet without metadata has no resume data yet */
    bt_add_torrent_params mp = BT_ADD_TORRENT_PARAMS_INIT;
    mp.save_path = scratch;
    mp.magnet_uri = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567";
    mp.paused = 1;
    bt_torrent *mt = NULL;
    EXPECT_OK(bt_session_add_torrent(se, &mp, &mt));
    EXPECT_ERR(bt_torrent_save_resume_data(mt, &rd, &rdsize), BT_E_STATE);
    CHECK(rd == NULL && rdsize == 0);
    EXPECT_OK(bt_session_remove_torrent(se, mt, 0));

    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
    p.save_path = scratch;
    p.torrent_data = tdata;
    p.torrent_size = tsize;
    p.super_seeding = 1;
    p.resume_size = 10; /* resume_data NULL */
    bt_torrent *t = NULL;
    EXPECT_ERR(bt_session_add_torrent(se, &p, &t), BT_E_INVALID_ARG);
    p.resume_size = 0;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    wait_checked(t);
    struct bt_torrent_status st = BT_TORRENT_STATUS_INIT;
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.super_seeding == 1);
    CHECK(st.state == BT_STATE_SEEDING);
    EXPECT_OK(bt_torrent_set_super_seeding(t, 0));
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.super_seeding == 0);
    EXPECT_OK(bt_torrent_set_super_seeding(t, 7)); /* any non-zero is on */
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.super_seeding == 1);

    /* peers: none connected */
    n = 99;
    EXPECT_ERR(bt_torrent_peers(t, peers, 4, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_peers(t, NULL, 4, &n), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_peers(t, NULL, 0, &n));
    CHECK(n == 0);
    EXPECT_OK(bt_torrent_peers(t, peers, 4, &n));
    CHECK(n == 0);

    /* web seeds */
    EXPECT_ERR(bt_torrent_add_web_seed(t, NULL, BT_WEB_SEED_URL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/", 0), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/", 3), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "not a url", BT_WEB_SEED_URL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "ftp://127.0.0.1/x", BT_WEB_SEED_HTTP), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/files/", BT_WEB_SEED_URL));
    EXPECT_OK(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/seed.php", BT_WEB_SEED_HTTP));
    EXPECT_OK(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/files/", BT_WEB_SEED_URL)); /* again: no-op */
    EXPECT_ERR(bt_torrent_web_seeds(t, BT_WEB_SEED_INFO_VERSION, NULL, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_web_seeds(t, BT_WEB_SEED_INFO_VERSION, &ws, NULL), BT_E_INVALID_ARG);
    /* the torrent's own url-list entry (make_torrent) plus the two added */
    EXPECT_OK(bt_torrent_web_seeds(t, BT_WEB_SEED_INFO_VERSION, &ws, &n));
    CHECK(n == 3 && ws != NULL);
    if (ws != NULL && n == 3) {
        int url = -1, http = -1, own = -1;
        for (int i = 0; i < 3; i++) {
            CHECK(ws[i].url != NULL && ws[i].error != NULL);
            CHECK(ws[i].requests >= 0 && ws[i].failures >= 0 && ws[i].retry_in_ms >= 0);
            if (ws[i].type == BT_WEB_SEED_URL && strcmp(ws[i].url, "http://127.0.0.1:3/") == 0)
                own = i;
            else if (ws[i].type == BT_WEB_SEED_URL)
                url = i;
            if (ws[i].type == BT_WEB_SEED_HTTP)
                http = i;
        }
        CHECK(url >= 0 && strcmp(ws[url].url, "http://127.0.0.1:1/files/") == 0);
        CHECK(http >= 0 && strcmp(ws[http].url, "http://127.0.0.1:1/seed.php") == 0);
        CHECK(own >= 0);
    }
    bt_free(ws);
    EXPECT_ERR(bt_torrent_remove_web_seed(t, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_remove_web_seed(t, "http://127.0.0.1:1/never-added"), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_remove_web_seed(t, "http://127.0.0.1:1/files/"));
    EXPECT_OK(bt_torrent_remove_web_seed(t, "http://127.0.0.1:1/seed.php"));
    EXPECT_OK(bt_torrent_remove_web_seed(t, "http://127.0.0.1:3/"));
    ws = (bt_web_seed_info *)&n;
    EXPECT_OK(bt_torrent_web_seeds(t, BT_WEB_SEED_INFO_VERSION, &ws, &n));
    CHECK(n == 0 && ws == NULL);

    /* fast resume */
    EXPECT_ERR(bt_torrent_save_resume_data(t, NULL, &rdsize), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_torrent_save_resume_data(t, &rd, NULL), BT_E_INVALID_ARG);
    EXPECT_OK(bt_torrent_save_resume_data(t, &rd, &rdsize));
    CHECK(rd != NULL && rdsize > 0 && rd[0] == 'd');
    CHECK(rd != NULL && memmem(rd, rdsize, "11:file-format22:libtorrent resume file", 39) != NULL);
    char path[4200];
    snprintf(path, sizeof path, "%s/no/such/dir/x.resume", scratch);
    EXPECT_ERR(bt_write_resume_file(path, rd, rdsize), BT_E_IO);
    EXPECT_ERR(bt_write_resume_file(NULL, rd, rdsize), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_write_resume_file("", rd, rdsize), BT_E_INVALID_ARG);
    snprintf(path, sizeof path, "%s/x.resume", scratch);
    EXPECT_ERR(bt_write_resume_file(path, NULL, 5), BT_E_INVALID_ARG);
    EXPECT_OK(bt_write_resume_file(path, NULL, 0)); /* an empty file is allowed */
    EXPECT_OK(bt_write_resume_file(path, rd, rdsize));
    {
        FILE *f = fopen(path, "rb");
        uint8_t back[65536];
        size_t got = f ? fread(back, 1, sizeof back, f) : 0;
        if (f)
            fclose(f);
        CHECK(got == rdsize && memcmp(back, rd, got) == 0);
    }

    /* removed: every new call on the stale handle fails cleanly */
    EXPECT_OK(bt_session_remove_torrent(se, t, 0));
    EXPECT_ERR(bt_torrent_peers(t, peers, 4, &n), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_set_super_seeding(t, 1), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_add_web_seed(t, "http://127.0.0.1:1/", BT_WEB_SEED_URL), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_remove_web_seed(t, "http://127.0.0.1:1/"), BT_E_BAD_HANDLE);
    EXPECT_ERR(bt_torrent_web_seeds(t, BT_WEB_SEED_INFO_VERSION, &ws, &n), BT_E_BAD_HANDLE);
    uint8_t *rd2 = NULL;
    size_t rd2size = 0;
    EXPECT_ERR(bt_torrent_save_resume_data(t, &rd2, &rd2size), BT_E_BAD_HANDLE);
    CHECK(rd2 == NULL);

    /* re-added with its resume data: complete at once; garbage resume data falls back to a check */
    p.super_seeding = 0;
    p.resume_data = rd;
    p.resume_size = rdsize;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    wait_checked(t);
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.state == BT_STATE_SEEDING && st.super_seeding == 0);
    EXPECT_OK(bt_session_remove_torrent(se, t, 0));
    static const uint8_t junk[] = "d3:fooi1ee";
    p.resume_data = junk;
    p.resume_size = sizeof junk - 1;
    EXPECT_OK(bt_session_add_torrent(se, &p, &t));
    wait_checked(t);
    EXPECT_OK(bt_torrent_status(t, &st));
    CHECK(st.state == BT_STATE_SEEDING);
    bt_free(rd);
    bt_free(tdata);
    EXPECT_OK(bt_session_free(se));
    EXPECT_ERR(bt_torrent_peers(t, peers, 4, &n), BT_E_BAD_HANDLE); /* torrent of a freed session */
}

static void test_alerts_and_free(void) {
    bt_settings *s = loopback_settings();
    EXPECT_OK(bt_settings_set_int(s, "alert_mask", 0));
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(s, &se));
    bt_settings_free(s);

    /* empty batch */
    bt_alerts *a = NULL;
    EXPECT_OK(bt_session_pop_alerts(se, &a));
    CHECK(a != NULL);
    size_t n = 99;
    EXPECT_OK(bt_alerts_count(a, &n));
    CHECK(n == 0);
    bt_alert al = BT_ALERT_INIT;
    EXPECT_ERR(bt_alerts_get(a, 0, &al), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_alerts_get(a, (size_t)-1, &al), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_alerts_get(a, 0, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_alerts_count(a, NULL), BT_E_INVALID_ARG);
    bt_alerts_free(a);
    bt_alerts_free(a); /* double free */
    EXPECT_ERR(bt_alerts_count(a, &n), BT_E_BAD_HANDLE);

    EXPECT_ERR(bt_session_wait_for_alert(se, -2), BT_E_INVALID_ARG);
    CHECK(bt_session_wait_for_alert(se, 0) == 0);
    CHECK(bt_session_wait_for_alert(se, 20) == 0);

    /* every alert field is filled: strings never NULL */
    EXPECT_OK(bt_session_set_int(se, "alert_mask", BT_ALERT_CATEGORY_ALL));
    test_torrents(se);
    CHECK(bt_session_wait_for_alert(se, 5000) == 1);
    EXPECT_OK(bt_session_pop_alerts(se, &a));
    EXPECT_OK(bt_alerts_count(a, &n));
    CHECK(n > 0);
    int saw_added = 0;
    for (size_t i = 0; i < n; i++) {
        EXPECT_OK(bt_alert_init(&al, BT_ALERT_VERSION));
        EXPECT_OK(bt_alerts_get(a, i, &al));
        CHECK(al.info_hash && al.message && al.endpoint && al.url && al.path && al.operation);
        CHECK(al.timestamp_us > 0);
        CHECK(strcmp(bt_alert_type_name(al.type), "unknown") != 0);
        if (al.type == BT_ALERT_TORRENT_ADDED) {
            saw_added = 1;
            CHECK(strlen(al.info_hash) == 40);
        }
    }
    CHECK(saw_added);
    bt_alerts_free(a);

    EXPECT_OK(bt_session_free(se));
}

/* Batched status (bt_session_torrent_updates): the first batches name every torrent, then only
 * the ones that changed; a batch that does not fit takes nothing. */
#define UPDATES_CAP 8
static size_t take_updates(bt_session *se, bt_torrent **ts, struct bt_torrent_status *sts) {
    size_t n = 0;
    for (int i = 0; i < UPDATES_CAP; i++) {
        sts[i] = (struct bt_torrent_status)BT_TORRENT_STATUS_INIT;
        ts[i] = NULL;
    }
    EXPECT_OK(bt_session_torrent_updates(se, ts, sts, UPDATES_CAP, &n));
    return n;
}

/* Takes batches until one is empty (the torrents settled); returns how many named t paused. */
static int settle_updates(bt_session *se, bt_torrent *t) {
    bt_torrent *ts[UPDATES_CAP];
    struct bt_torrent_status sts[UPDATES_CAP];
    int seen = 0;
    for (int round = 0; round < 500; round++) {
        size_t n = take_updates(se, ts, sts);
        for (size_t i = 0; i < n; i++)
            if (ts[i] == t && sts[i].paused == 1 && strlen(sts[i].info_hash) == 40)
                seen++;
        if (n == 0)
            return seen;
        struct timespec d = {0, 20 * 1000 * 1000};
        nanosleep(&d, NULL);
    }
    CHECK(!"the torrents settle");
    return seen;
}

static void test_torrent_updates(void) {
    bt_settings *cfg = loopback_settings();
    bt_session *se = NULL;
    EXPECT_OK(bt_session_new(cfg, &se));
    bt_settings_free(cfg);
    bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT;
    p.save_path = scratch;
    p.paused = 1;
    bt_torrent *a = NULL, *b = NULL;
    p.magnet_uri = "magnet:?xt=urn:btih:00112233445566778899aabbccddeeff00112233&dn=a";
    EXPECT_OK(bt_session_add_torrent(se, &p, &a));
    p.magnet_uri = "magnet:?xt=urn:btih:1111111111111111111111111111111111111111&dn=b";
    EXPECT_OK(bt_session_add_torrent(se, &p, &b));

    /* misuse */
    size_t n = 99;
    bt_torrent *ts[UPDATES_CAP];
    struct bt_torrent_status sts[UPDATES_CAP];
    sts[0] = (struct bt_torrent_status)BT_TORRENT_STATUS_INIT;
    EXPECT_ERR(bt_session_torrent_updates(se, ts, sts, UPDATES_CAP, NULL), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_torrent_updates(se, NULL, sts, UPDATES_CAP, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_torrent_updates(se, ts, NULL, UPDATES_CAP, &n), BT_E_INVALID_ARG);
    EXPECT_ERR(bt_session_torrent_updates(NULL, ts, sts, UPDATES_CAP, &n), BT_E_INVALID_ARG);
    sts[0].version = 0;
    EXPECT_ERR(bt_session_torrent_updates(se, ts, sts, UPDATES_CAP, &n), BT_E_VERSION);
    /* both are pending: one slot is too few and takes nothing */
    sts[0] = (struct bt_torrent_status)BT_TORRENT_STATUS_INIT;
    EXPECT_ERR(bt_session_torrent_updates(se, ts, sts, 1, &n), BT_E_BUFFER_TOO_SMALL);
    CHECK(n == 2);
    EXPECT_ERR(bt_session_torrent_updates(se, NULL, NULL, 0, &n), BT_E_BUFFER_TOO_SMALL);
    CHECK(n == 2);

    CHECK(settle_updates(se, a) >= 1); /* once, or again if its state moved on */
    n = 99;
    EXPECT_OK(bt_session_torrent_updates(se, NULL, NULL, 0, &n));
    CHECK(n == 0);

    /* b changes: the next batch has b alone, with its new status */
    EXPECT_OK(bt_torrent_resume(b));
    n = 0;
    for (int round = 0; round < 500 && n == 0; round++) {
        n = take_updates(se, ts, sts);
        if (n == 0) {
            struct timespec d = {0, 10 * 1000 * 1000};
            nanosleep(&d, NULL);
        }
    }
    CHECK(n == 1 && ts[0] == b && sts[0].paused == 0);
    CHECK(n == 1 && strcmp(sts[0].info_hash, "1111111111111111111111111111111111111111") == 0);

    EXPECT_OK(bt_session_free(se));
    EXPECT_ERR(bt_session_torrent_updates(se, ts, sts, UPDATES_CAP, &n), BT_E_BAD_HANDLE);
}

static void run(void) {
    test_alerts_and_free(); /* runs test_torrents */
    test_v02_torrent_api();
    test_torrent_updates();
}

int main(int argc, char **argv) { return capi_test_main(argc, argv, run); }
