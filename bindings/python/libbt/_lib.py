"""Finding and loading libbt.so, and the ctypes prototypes of include/libbt.h.

Only this module touches ``ctypes.CDLL``. Handles are ``c_void_p`` (libbt's handles are validated
ids, never memory). Strings that libbt allocates come back through ``POINTER(c_void_p)``
out-parameters and are read with :func:`take_string` / :func:`take_bytes`, which free them with
``bt_free``; a ``c_char_p`` restype would copy the string and leak the original.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import (
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_double,
    c_int,
    c_int64,
    c_size_t,
    c_uint,
    c_uint8,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path

__all__ = ["lib", "library_path", "take_string", "take_bytes", "LIBBT_ABI"]

_SONAME = "libbt.so.0"
_HERE = Path(__file__).resolve().parent


def _candidates() -> list[tuple[str, Path]]:
    """Where to look, in order: the bundled copy, $LIBBT_LIBRARY, the repo's build/lib."""
    out: list[tuple[str, Path]] = [("bundled", _HERE / _SONAME)]
    env = os.environ.get("LIBBT_LIBRARY")
    if env:
        out.append(("LIBBT_LIBRARY", Path(env)))
    # bindings/python/libbt/_lib.py -> repo root is three levels up from the package dir.
    build = _HERE.parent.parent.parent / "build" / "lib"
    out.append(("repo build", build / _SONAME))
    out.append(("repo build", build / "libbt.so"))
    return out


def _load() -> tuple[ctypes.CDLL, Path]:
    tried = []
    for origin, path in _candidates():
        if not path.is_file():
            tried.append(f"{path} ({origin}: missing)")
            continue
        try:
            return ctypes.CDLL(str(path)), path
        except OSError as e:
            tried.append(f"{path} ({origin}: {e})")
    raise ImportError(
        "libbt: cannot load the libbt shared library; run `make` at the repo top to build "
        "build/lib/libbt.so, or set LIBBT_LIBRARY to its path. Tried: " + "; ".join(tried)
    )


lib, library_path = _load()


# ---- structs (must match include/libbt.h field for field) ----------------------------------

#: The libbt this binding's structs follow (MAJOR*10000+MINOR*100): 0.3 added the version members.
LIBBT_ABI = 300


class _Versioned(Structure):
    """A struct whose first member is libbt's ``unsigned int version``: a new instance carries
    the version of the layout declared here (the header's BT_*_VERSION), as BT_*_INIT does in C.
    libbt reads and writes only that version's fields, and refuses a version it does not know
    with BT_E_VERSION (:class:`libbt.VersionError`)."""

    VERSION = 1

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.version = self.VERSION


class AddTorrentParams(_Versioned):
    VERSION = 1  # BT_ADD_TORRENT_PARAMS_VERSION
    _fields_ = [
        ("version", c_uint),
        ("save_path", c_char_p),
        ("torrent_data", POINTER(c_uint8)),
        ("torrent_size", c_size_t),
        ("torrent_file", c_char_p),
        ("magnet_uri", c_char_p),
        ("paused", c_int),
        ("sequential", c_int),
        ("file_priorities", POINTER(c_uint8)),
        ("num_file_priorities", c_size_t),
        # 0.2
        ("super_seeding", c_int),
        ("resume_data", POINTER(c_uint8)),
        ("resume_size", c_size_t),
    ]


class TorrentStatusStruct(_Versioned):
    VERSION = 1  # BT_TORRENT_STATUS_VERSION
    _fields_ = [
        ("version", c_uint),
        ("state", c_int),
        ("paused", c_int),
        ("has_metadata", c_int),
        ("error", c_int),
        ("progress", c_double),
        ("total_size", c_int64),
        ("total_wanted", c_int64),
        ("total_wanted_done", c_int64),
        ("total_done", c_int64),
        ("total_download", c_int64),
        ("total_upload", c_int64),
        ("download_rate", c_int64),
        ("upload_rate", c_int64),
        ("num_peers", c_int),
        ("num_seeds", c_int),
        ("num_pieces", c_int),
        ("pieces_done", c_int),
        ("piece_length", c_int64),
        ("info_hash", c_char * 41),
        # 0.2
        ("super_seeding", c_int),
    ]


class AlertStruct(_Versioned):
    # The const char * fields are owned by the batch: c_char_p reads copy them, which is what we
    # want (they are copied before bt_alerts_free).
    VERSION = 1  # BT_ALERT_VERSION
    _fields_ = [
        ("version", c_uint),
        ("type", c_int),
        ("category", c_uint32),
        ("timestamp_us", c_int64),
        ("torrent", c_void_p),
        ("info_hash", c_char_p),
        ("message", c_char_p),
        ("error", c_int),
        ("state", c_int),
        ("prev_state", c_int),
        ("piece", c_int64),
        ("count", c_int64),
        ("endpoint", c_char_p),
        ("url", c_char_p),
        ("path", c_char_p),
        ("operation", c_char_p),
    ]


class DiskStatsStruct(_Versioned):
    VERSION = 1  # BT_DISK_STATS_VERSION
    _fields_ = [("version", c_uint)] + [
        (name, c_uint64)
        for name in (
            "read_hits", "read_misses", "read_syscalls", "write_syscalls", "read_bytes",
            "write_bytes", "pieces_flushed", "pieces_failed", "hash_read_backs",
            "read_back_blocks", "write_throughs", "flushes_complete", "flushes_budget",
            "flushes_close",
        )
    ] + [
        (name, c_int64)
        for name in (
            "write_blocks", "read_blocks", "cache_blocks", "queued_write_bytes", "mapped_bytes",
            "locked_bytes",
        )
    ] + [("lock_failed", c_int)]


class PeerInfoStruct(_Versioned):
    # In an array, the first element's version chooses the layout of all (libbt.h).
    VERSION = 1  # BT_PEER_INFO_VERSION
    _fields_ = [
        ("version", c_uint),
        ("endpoint", c_char * 64),
        ("client", c_char * 64),
        ("source", c_int),
        ("flags", c_uint32),
        ("progress", c_double),
        ("download_rate", c_int64),
        ("upload_rate", c_int64),
        ("total_download", c_int64),
        ("total_upload", c_int64),
    ]


class WebSeedInfoStruct(_Versioned):
    # The strings point into the same bt_free'd block: c_char_p reads copy them. libbt allocates
    # the array in the version passed to bt_torrent_web_seeds.
    VERSION = 1  # BT_WEB_SEED_INFO_VERSION
    _fields_ = [
        ("version", c_uint),
        ("url", c_char_p),
        ("type", c_int),
        ("requests", c_int),
        ("total_download", c_int64),
        ("download_rate", c_int64),
        ("failures", c_int),
        ("banned", c_int),
        ("retry_in_ms", c_int64),
        ("error", c_char_p),
    ]


class DhtStatsStruct(_Versioned):
    VERSION = 1  # BT_DHT_STATS_VERSION
    _fields_ = [
        ("version", c_uint),
        ("node_id", c_char * 41),
        ("nodes4", c_int),
        ("nodes6", c_int),
        ("good4", c_int),
        ("good6", c_int),
        ("lookups_in_flight", c_int),
        ("queries_in_flight", c_int),
    ] + [
        (name, c_uint64)
        for name in (
            "packets_in", "packets_out", "bytes_in", "bytes_out", "malformed", "dropped",
            "rate_limited", "trimmed", "queries_in", "responses_in", "timeouts",
        )
    ] + [("info_hashes", c_int), ("peers", c_int), ("items", c_int)]


class CreateParams(_Versioned):
    VERSION = 1  # BT_CREATE_PARAMS_VERSION
    _fields_ = [
        ("version", c_uint),
        ("path", c_char_p),
        ("piece_size", c_int64),
        ("trackers", POINTER(c_char_p)),
        ("tracker_tiers", POINTER(c_int)),
        ("num_trackers", c_size_t),
        ("web_seeds", POINTER(c_char_p)),
        ("num_web_seeds", c_size_t),
        ("is_private", c_int),
        ("comment", c_char_p),
        ("creator", c_char_p),
    ]


# ---- prototypes ----------------------------------------------------------------------------

_P = POINTER
_H = c_void_p  # every opaque handle
_OUT_H = _P(c_void_p)
_OUT_STR = _P(c_void_p)  # char ** that libbt allocated: freed with bt_free

_PROTOTYPES: dict[str, tuple[object, list[object]]] = {
    # errors, version, memory
    "bt_last_error": (c_char_p, []),
    "bt_strerror": (c_char_p, [c_int]),
    "bt_version": (c_char_p, []),
    "bt_version_number": (c_int, []),
    "bt_free": (None, [c_void_p]),
    # settings
    "bt_settings_new": (c_int, [_OUT_H]),
    "bt_settings_free": (None, [_H]),
    "bt_settings_set_int": (c_int, [_H, c_char_p, c_int64]),
    "bt_settings_set_bool": (c_int, [_H, c_char_p, c_int]),
    "bt_settings_set_str": (c_int, [_H, c_char_p, c_char_p]),
    # session
    "bt_session_new": (c_int, [_H, _OUT_H]),
    "bt_session_free": (c_int, [_H]),
    "bt_session_apply_settings": (c_int, [_H, _H]),
    "bt_session_set_int": (c_int, [_H, c_char_p, c_int64]),
    "bt_session_set_bool": (c_int, [_H, c_char_p, c_int]),
    "bt_session_set_str": (c_int, [_H, c_char_p, c_char_p]),
    "bt_session_get_int": (c_int, [_H, c_char_p, _P(c_int64)]),
    "bt_session_get_str": (c_int, [_H, c_char_p, _OUT_STR]),
    "bt_session_listen_port": (c_int, [_H, _P(c_int)]),
    "bt_setting_type": (c_int, [c_char_p, _P(c_int)]),
    "bt_session_get_bool": (c_int, [_H, c_char_p, _P(c_int)]),
    "bt_session_disk_stats": (c_int, [_H, _P(DiskStatsStruct)]),
    # DHT
    "bt_session_dht_stats": (c_int, [_H, _P(DhtStatsStruct)]),
    "bt_session_dht_announce": (c_int, [_H, c_char_p, c_int, c_int]),
    "bt_session_dht_get_peers": (c_int, [_H, c_char_p, c_int, _OUT_STR, _P(c_size_t)]),
    "bt_session_dht_put_immutable": (c_int, [_H, c_char_p, c_size_t, c_int, c_char_p, _P(c_int)]),
    "bt_session_dht_get_immutable": (c_int, [_H, c_char_p, c_int, _P(c_void_p), _P(c_size_t)]),
    "bt_session_dht_put_mutable": (
        c_int,
        [_H, c_char_p, c_char_p, c_size_t, c_char_p, c_size_t, c_int64, c_int, c_char_p, _P(c_int)],
    ),
    "bt_session_dht_get_mutable": (
        c_int,
        [_H, c_char_p, c_char_p, c_size_t, c_int, _P(c_void_p), _P(c_size_t), _P(c_int64)],
    ),
    # torrents
    "bt_session_add_torrent": (c_int, [_H, _P(AddTorrentParams), _OUT_H]),
    "bt_session_remove_torrent": (c_int, [_H, _H, c_int]),
    "bt_session_torrents": (c_int, [_H, _P(c_void_p), c_size_t, _P(c_size_t)]),
    "bt_session_find_torrent": (c_int, [_H, c_char_p, _OUT_H]),
    "bt_torrent_status": (c_int, [_H, _P(TorrentStatusStruct)]),
    "bt_session_torrent_updates": (c_int, [_H, _P(c_void_p), _P(TorrentStatusStruct), c_size_t, _P(c_size_t)]),
    "bt_torrent_name": (c_int, [_H, _OUT_STR]),
    "bt_torrent_error": (c_int, [_H, _OUT_STR]),
    "bt_torrent_pieces": (c_int, [_H, _P(c_uint8), c_size_t, _P(c_size_t)]),
    "bt_torrent_magnet": (c_int, [_H, _OUT_STR]),
    "bt_torrent_pause": (c_int, [_H]),
    "bt_torrent_resume": (c_int, [_H]),
    "bt_torrent_force_recheck": (c_int, [_H]),
    "bt_torrent_connect_peer": (c_int, [_H, c_char_p]),
    "bt_torrent_set_file_priority": (c_int, [_H, c_int, c_int]),
    "bt_torrent_set_sequential": (c_int, [_H, c_int]),
    "bt_torrent_move_storage": (c_int, [_H, c_char_p]),
    "bt_torrent_rename_file": (c_int, [_H, c_int, c_char_p]),
    "bt_torrent_num_files": (c_int, [_H, _P(c_int)]),
    "bt_torrent_file": (c_int, [_H, c_int, _OUT_STR, _P(c_int64)]),
    "bt_torrent_peers": (c_int, [_H, _P(PeerInfoStruct), c_size_t, _P(c_size_t)]),
    "bt_torrent_set_super_seeding": (c_int, [_H, c_int]),
    "bt_torrent_set_auto_managed": (c_int, [_H, c_int]),
    "bt_torrent_auto_managed": (c_int, [_H, _P(c_int)]),
    "bt_torrent_queue_position": (c_int, [_H, _P(c_int)]),
    "bt_torrent_queue_position_set": (c_int, [_H, c_int]),
    "bt_torrent_queue_position_up": (c_int, [_H]),
    "bt_torrent_queue_position_down": (c_int, [_H]),
    "bt_torrent_queue_position_top": (c_int, [_H]),
    "bt_torrent_queue_position_bottom": (c_int, [_H]),
    "bt_torrent_add_web_seed": (c_int, [_H, c_char_p, c_int]),
    "bt_torrent_remove_web_seed": (c_int, [_H, c_char_p]),
    "bt_torrent_web_seeds": (c_int, [_H, c_uint, _P(c_void_p), _P(c_size_t)]),
    "bt_torrent_save_resume_data": (c_int, [_H, _P(c_void_p), _P(c_size_t)]),
    "bt_write_resume_file": (c_int, [c_char_p, _P(c_uint8), c_size_t]),
    # alerts
    "bt_session_pop_alerts": (c_int, [_H, _OUT_H]),
    "bt_session_wait_for_alert": (c_int, [_H, c_int]),
    "bt_alerts_count": (c_int, [_H, _P(c_size_t)]),
    "bt_alerts_get": (c_int, [_H, c_size_t, _P(AlertStruct)]),
    "bt_alerts_free": (None, [_H]),
    "bt_alert_type_name": (c_char_p, [c_int]),
    # creation
    "bt_create_torrent": (c_int, [_P(CreateParams), _P(c_void_p), _P(c_size_t)]),
    # struct versions (0.3)
    "bt_add_torrent_params_init": (c_int, [_P(AddTorrentParams), c_uint]),
    "bt_torrent_status_init": (c_int, [_P(TorrentStatusStruct), c_uint]),
    "bt_peer_info_init": (c_int, [_P(PeerInfoStruct), c_uint]),
    "bt_disk_stats_init": (c_int, [_P(DiskStatsStruct), c_uint]),
    "bt_dht_stats_init": (c_int, [_P(DhtStatsStruct), c_uint]),
    "bt_alert_init": (c_int, [_P(AlertStruct), c_uint]),
    "bt_create_params_init": (c_int, [_P(CreateParams), c_uint]),
}


def _declare() -> None:
    missing = []
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    if missing:
        raise ImportError(f"libbt: {library_path} lacks symbols: {', '.join(missing)}")


_declare()


def take_bytes(ptr: c_void_p, size: int) -> bytes:
    """Copies ``size`` bytes that libbt allocated at ``ptr``, then frees them with bt_free."""
    if not ptr.value:
        return b""
    try:
        return ctypes.string_at(ptr.value, size)
    finally:
        lib.bt_free(ptr)


def take_string(ptr: c_void_p) -> str:
    """Decodes a NUL-terminated UTF-8 string that libbt allocated, then frees it with bt_free."""
    if not ptr.value:
        return ""
    try:
        return ctypes.string_at(ptr.value).decode("utf-8", "surrogateescape")
    finally:
        lib.bt_free(ptr)
