"""libbt: a BitTorrent engine, through ctypes.

    import libbt
    with libbt.Session(listen_interfaces="127.0.0.1:0") as s:
        t = s.add_torrent("file.torrent", save_path="downloads")
        while not t.status().is_finished:
            s.wait_for_alert(1.0)
            for alert in s.pop_alerts():
                print(alert)

The engine is Go, loaded from the bundled libbt.so (or $LIBBT_LIBRARY, or the repo's build/lib).
Every call is thread-safe and releases the GIL while in libbt.

Spawn, not fork: after ``fork()`` the Go runtime is dead in the child, so a forked child that
touches libbt hangs. With multiprocessing use ``multiprocessing.set_start_method("spawn")`` (or
"forkserver" started before libbt is imported), never the default "fork" on Linux.
"""

from __future__ import annotations

from ._errors import (
    AlreadyExists,
    BadHandle,
    BufferTooSmall,
    DiskError,
    Error,
    InternalError,
    InvalidArgument,
    LimitError,
    NetworkError,
    NotFound,
    ParseError,
    SettingTypeError,
    StateError,
    Timeout,
    UnknownSetting,
    VersionError,
)
from ._lib import lib as _cdll
from ._lib import library_path
from ._types import (
    AlertCategory,
    AlertType,
    DhtStats,
    DiskStats,
    File,
    PeerFlags,
    PeerInfo,
    PeerSource,
    Pieces,
    SettingType,
    TorrentState,
    TorrentStatus,
    WebSeed,
    WebSeedType,
)
from . import alerts
from .alerts import (
    Alert,
    AlertsDroppedAlert,
    FileErrorAlert,
    HashFailedAlert,
    ListenFailedAlert,
    ListenSucceededAlert,
    MetadataFailedAlert,
    MetadataReceivedAlert,
    PeerConnectedAlert,
    PeerDisconnectedAlert,
    PeerErrorAlert,
    PerformanceAlert,
    PieceFinishedAlert,
    StateChangedAlert,
    TorrentAddedAlert,
    TorrentCheckedAlert,
    TorrentErrorAlert,
    TorrentFinishedAlert,
    TorrentPausedAlert,
    TorrentRemovedAlert,
    TorrentResumedAlert,
    TrackerAnnounceAlert,
    TrackerErrorAlert,
    TrackerReplyAlert,
    TrackerWarningAlert,
    WebSeedErrorAlert,
    DhtReplyAlert,
    FastresumeRejectedAlert,
    TorrentSanitizedAlert,
    PeerBannedAlert,
    SessionErrorAlert,
    BlockTimeoutAlert,
    AddTorrentFailedAlert,
)
from .create import create_torrent, info_hash_of
from .resume import read_resume_file, write_resume_file
from .session import Session, setting_type
from .torrent import Torrent

__version__ = "0.4.0"
#: The runtime version of the loaded libbt.so, e.g. "0.4.0".
version: str = (_cdll.bt_version() or b"").decode("ascii", "replace")
#: MAJOR*10000 + MINOR*100 + PATCH of the loaded libbt.so.
version_number: int = _cdll.bt_version_number()


def strerror(code: int) -> str:
    """libbt's static description of a BT_E_* code."""
    return (_cdll.bt_strerror(code) or b"").decode("utf-8", "replace")


__all__ = [
    "__version__",
    "version",
    "version_number",
    "library_path",
    "strerror",
    "Session",
    "Torrent",
    "TorrentStatus",
    "TorrentState",
    "File",
    "Pieces",
    "AlertType",
    "AlertCategory",
    "create_torrent",
    "info_hash_of",
    "setting_type",
    "SettingType",
    "DiskStats",
    "DhtStats",
    "PeerInfo",
    "PeerSource",
    "PeerFlags",
    "WebSeed",
    "WebSeedType",
    "write_resume_file",
    "read_resume_file",
    "Error",
    "InvalidArgument",
    "BadHandle",
    "ParseError",
    "NotFound",
    "AlreadyExists",
    "DiskError",
    "UnknownSetting",
    "SettingTypeError",
    "StateError",
    "Timeout",
    "BufferTooSmall",
    "NetworkError",
    "VersionError",
    "LimitError",
    "InternalError",
]
__all__ += alerts.__all__  # every alert class
