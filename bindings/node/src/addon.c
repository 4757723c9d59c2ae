/* Module entry: per-environment data and the export table used by index.js. */
#include <stdlib.h>

#include "addon.h"

static void addon_data_free(napi_env env, void *data, void *hint) {
    (void)hint;
    addon_data *d = data;
    if (d->error_ctor)
        napi_delete_reference(env, d->error_ctor);
    free(d);
}

/* setErrorClass(LibbtError): the class native errors are constructed from. */
static napi_value js_set_error_class(napi_env env, napi_callback_info info) {
    napi_value argv[1];
    addon_data *d;
    napi_valuetype t;
    if (get_args(env, info, 1, argv))
        return NULL;
    NAPI_CALL(env, napi_typeof(env, argv[0], &t));
    if (t != napi_function) {
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setErrorClass wants a class");
        return NULL;
    }
    NAPI_CALL(env, napi_get_instance_data(env, (void **)&d));
    if (d->error_ctor)
        napi_delete_reference(env, d->error_ctor);
    d->error_ctor = NULL;
    NAPI_CALL(env, napi_create_reference(env, argv[0], 1, &d->error_ctor));
    return make_undefined(env);
}

/* strerror(code) -> { code: 'BT_E_...', description } */
static napi_value js_strerror(napi_env env, napi_callback_info info) {
    napi_value argv[1], o;
    int64_t code;
    if (get_args(env, info, 1, argv) || get_int64(env, argv[0], "code", &code))
        return NULL;
    NAPI_CALL(env, napi_create_object(env, &o));
    if (set_str(env, o, "code", error_code_name((int)code)) || set_str(env, o, "description", bt_strerror((int)code)))
        return NULL;
    return o;
}

#define FN(name, fn) { name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL }

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
    addon_data *d = calloc(1, sizeof *d);
    if (!d || napi_set_instance_data(env, d, addon_data_free, NULL) != napi_ok) {
        free(d);
        napi_throw_error(env, NULL, "libbt addon: cannot set instance data");
        return NULL;
    }
    napi_value version, version_number;
    NAPI_CALL(env, napi_create_string_utf8(env, bt_version(), NAPI_AUTO_LENGTH, &version));
    NAPI_CALL(env, napi_create_int32(env, bt_version_number(), &version_number));
    napi_property_descriptor props[] = {
        FN("setErrorClass", js_set_error_class),
        FN("strerror", js_strerror),
        FN("sessionNew", js_session_new),
        FN("sessionClose", js_session_close),
        FN("sessionId", js_session_id),
        FN("sessionApplySettings", js_session_apply_settings),
        FN("sessionGetSetting", js_session_get_setting),
        FN("sessionListenPort", js_session_listen_port),
        FN("sessionAddTorrent", js_session_add_torrent),
        FN("sessionRemoveTorrent", js_session_remove_torrent),
        FN("sessionTorrents", js_session_torrents),
        FN("sessionTorrentUpdates", js_session_torrent_updates),
        FN("sessionFindTorrent", js_session_find_torrent),
        FN("sessionPopAlerts", js_session_pop_alerts),
        FN("sessionWaitForAlert", js_session_wait_for_alert),
        FN("sessionAlertsRef", js_session_alerts_ref),
        FN("torrentStatus", js_torrent_status),
        FN("torrentName", js_torrent_name),
        FN("torrentMagnet", js_torrent_magnet),
        FN("torrentError", js_torrent_error),
        FN("torrentPieces", js_torrent_pieces),
        FN("torrentFiles", js_torrent_files),
        FN("torrentPause", js_torrent_pause),
        FN("torrentResume", js_torrent_resume),
        FN("torrentForceRecheck", js_torrent_force_recheck),
        FN("torrentConnectPeer", js_torrent_connect_peer),
        FN("torrentSetFilePriority", js_torrent_set_file_priority),
        FN("torrentSetSequential", js_torrent_set_sequential),
        FN("torrentMoveStorage", js_torrent_move_storage),
        FN("torrentRenameFile", js_torrent_rename_file),
        FN("torrentSetSuperSeeding", js_torrent_set_super_seeding),
        FN("torrentPeers", js_torrent_peers),
        FN("torrentAddWebSeed", js_torrent_add_web_seed),
        FN("torrentRemoveWebSeed", js_torrent_remove_web_seed),
        FN("torrentWebSeeds", js_torrent_web_seeds),
        FN("torrentSaveResumeData", js_torrent_save_resume_data),
        FN("torrentSetAutoManaged", js_torrent_set_auto_managed),
        FN("torrentAutoManaged", js_torrent_auto_managed),
        FN("torrentQueuePosition", js_torrent_queue_position),
        FN("torrentQueuePositionSet", js_torrent_queue_position_set),
        FN("torrentQueuePositionUp", js_torrent_queue_position_up),
        FN("torrentQueuePositionDown", js_torrent_queue_position_down),
        FN("torrentQueuePositionTop", js_torrent_queue_position_top),
        FN("torrentQueuePositionBottom", js_torrent_queue_position_bottom),
        FN("writeResumeFile", js_write_resume_file),
        FN("sessionDiskStats", js_session_disk_stats),
        FN("settingType", js_setting_type),
        FN("sessionDhtStats", js_session_dht_stats),
        FN("sessionDhtAnnounce", js_session_dht_announce),
        FN("sessionDhtGetPeers", js_session_dht_get_peers),
        FN("sessionDhtPutImmutable", js_session_dht_put_immutable),
        FN("sessionDhtGetImmutable", js_session_dht_get_immutable),
        FN("sessionDhtPutMutable", js_session_dht_put_mutable),
        FN("sessionDhtGetMutable", js_session_dht_get_mutable),
        FN("createTorrent", js_create_torrent),
        { "version", NULL, NULL, NULL, NULL, version, napi_enumerable, NULL },
        { "versionNumber", NULL, NULL, NULL, NULL, version_number, napi_enumerable, NULL },
        { "headerVersion", NULL, NULL, NULL, NULL, NULL, napi_enumerable, NULL },
    };
    napi_value header_version;
    NAPI_CALL(env, napi_create_string_utf8(env, LIBBT_VERSION, NAPI_AUTO_LENGTH, &header_version));
    props[sizeof props / sizeof props[0] - 1].value = header_version;
    NAPI_CALL(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
    return exports;
}
