"""Typed alerts.

``Session.pop_alerts()`` copies every field of every alert in a batch into these frozen dataclasses
and frees the batch before returning, so an alert never dangles (unlike libtorrent's binding,
where alerts die at the next pop). ``error`` fields are BT_E_* codes (0 = none); the text is in
``message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

from ._types import AlertCategory, AlertType, TorrentState

if TYPE_CHECKING:
    from ._lib import AlertStruct
    from .torrent import Torrent

__all__ = [
    "Alert",
    "TorrentAddedAlert",
    "TorrentRemovedAlert",
    "StateChangedAlert",
    "TorrentFinishedAlert",
    "TorrentPausedAlert",
    "TorrentResumedAlert",
    "TorrentCheckedAlert",
    "TorrentErrorAlert",
    "FileErrorAlert",
    "PieceFinishedAlert",
    "HashFailedAlert",
    "TrackerAnnounceAlert",
    "TrackerReplyAlert",
    "TrackerErrorAlert",
    "TrackerWarningAlert",
    "PeerConnectedAlert",
    "PeerDisconnectedAlert",
    "PeerErrorAlert",
    "ListenSucceededAlert",
    "ListenFailedAlert",
    "MetadataReceivedAlert",
    "MetadataFailedAlert",
    "AlertsDroppedAlert",
    "PerformanceAlert",
    "WebSeedErrorAlert",
    "DhtReplyAlert",
    "FastresumeRejectedAlert",
    "TorrentSanitizedAlert",
    "PeerBannedAlert",
    "SessionErrorAlert",
    "BlockTimeoutAlert",
    "AddTorrentFailedAlert",
]


@dataclass(frozen=True)
class Alert:
    """Fields every alert has. ``time`` is unix seconds; ``torrent`` is None when the alert is not
    about a torrent or the torrent is gone; ``error`` is a BT_E_* code (0 = none), its text
    ``message``."""

    type: AlertType
    category: AlertCategory
    time: float
    torrent: Optional["Torrent"] = field(repr=False, compare=False)
    info_hash: str
    message: str
    error: int  # BT_E_* code, 0 if none

    @property
    def name(self) -> str:
        """libbt's name for the type, e.g. ``"torrent_added"``."""
        return str(self.type)


@dataclass(frozen=True)
class TorrentAddedAlert(Alert):
    pass


@dataclass(frozen=True)
class TorrentRemovedAlert(Alert):
    pass


@dataclass(frozen=True)
class StateChangedAlert(Alert):
    state: TorrentState
    prev_state: TorrentState


@dataclass(frozen=True)
class TorrentFinishedAlert(Alert):
    pass


@dataclass(frozen=True)
class TorrentPausedAlert(Alert):
    pass


@dataclass(frozen=True)
class TorrentResumedAlert(Alert):
    pass


@dataclass(frozen=True)
class TorrentCheckedAlert(Alert):
    pass


@dataclass(frozen=True)
class TorrentErrorAlert(Alert):
    pass


@dataclass(frozen=True)
class FileErrorAlert(Alert):
    path: str
    operation: str  # "open", "read", "write", ...


@dataclass(frozen=True)
class PieceFinishedAlert(Alert):
    piece: int


@dataclass(frozen=True)
class HashFailedAlert(Alert):
    piece: int


@dataclass(frozen=True)
class TrackerAnnounceAlert(Alert):
    url: str
    event: str


@dataclass(frozen=True)
class TrackerReplyAlert(Alert):
    url: str
    num_peers: int


@dataclass(frozen=True)
class TrackerErrorAlert(Alert):
    url: str


@dataclass(frozen=True)
class TrackerWarningAlert(Alert):
    url: str


@dataclass(frozen=True)
class PeerConnectedAlert(Alert):
    endpoint: str


@dataclass(frozen=True)
class PeerDisconnectedAlert(Alert):
    endpoint: str

    @property
    def reason(self) -> str:
        return self.message


@dataclass(frozen=True)
class PeerErrorAlert(Alert):
    endpoint: str


@dataclass(frozen=True)
class ListenSucceededAlert(Alert):
    endpoint: str


@dataclass(frozen=True)
class ListenFailedAlert(Alert):
    endpoint: str


@dataclass(frozen=True)
class MetadataReceivedAlert(Alert):
    pass


@dataclass(frozen=True)
class MetadataFailedAlert(Alert):
    endpoint: str


@dataclass(frozen=True)
class AlertsDroppedAlert(Alert):
    count: int


@dataclass(frozen=True)
class PerformanceAlert(Alert):
    pass


@dataclass(frozen=True)
class WebSeedErrorAlert(Alert):
    """A web seed failed and is backed off or banned; the download goes on from others."""

    url: str


@dataclass(frozen=True)
class DhtReplyAlert(Alert):
    """A DHT announce for the torrent found ``num_peers`` peers."""

    num_peers: int


@dataclass(frozen=True)
class FastresumeRejectedAlert(Alert):
    """The resume data was not used (``message`` says why); every piece is checked instead."""


@dataclass(frozen=True)
class TorrentSanitizedAlert(Alert):
    """Loading the torrent changed it (paths renamed, unsorted keys, ...); ``message`` says
    what."""


@dataclass(frozen=True)
class PeerBannedAlert(Alert):
    """The peer at ``endpoint`` sent data that failed the hash check; its IP is refused from
    now on. ``message`` says why."""

    endpoint: str


@dataclass(frozen=True)
class SessionErrorAlert(Alert):
    """A session-wide failure (e.g. a recovered panic outside any torrent); the session goes
    on."""


@dataclass(frozen=True)
class BlockTimeoutAlert(Alert):
    """A block of ``piece`` requested from ``endpoint`` did not arrive in time and is asked for
    again."""

    endpoint: str
    piece: int


@dataclass(frozen=True)
class AddTorrentFailedAlert(Alert):
    """A torrent could not be added (a limit, a parse error); ``info_hash`` when known."""


def _s(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "surrogateescape") if raw else ""


# Per type: the subclass and how to read its own fields from the C struct.
_Extra = Callable[["AlertStruct"], "tuple[object, ...]"]
_CLASSES: dict[int, tuple[type[Alert], _Extra]] = {
    AlertType.TORRENT_ADDED: (TorrentAddedAlert, lambda a: ()),
    AlertType.TORRENT_REMOVED: (TorrentRemovedAlert, lambda a: ()),
    AlertType.STATE_CHANGED: (
        StateChangedAlert,
        lambda a: (TorrentState(a.state), TorrentState(a.prev_state)),
    ),
    AlertType.TORRENT_FINISHED: (TorrentFinishedAlert, lambda a: ()),
    AlertType.TORRENT_PAUSED: (TorrentPausedAlert, lambda a: ()),
    AlertType.TORRENT_RESUMED: (TorrentResumedAlert, lambda a: ()),
    AlertType.TORRENT_CHECKED: (TorrentCheckedAlert, lambda a: ()),
    AlertType.TORRENT_ERROR: (TorrentErrorAlert, lambda a: ()),
    AlertType.FILE_ERROR: (FileErrorAlert, lambda a: (_s(a.path), _s(a.operation))),
    AlertType.PIECE_FINISHED: (PieceFinishedAlert, lambda a: (a.piece,)),
    AlertType.HASH_FAILED: (HashFailedAlert, lambda a: (a.piece,)),
    AlertType.TRACKER_ANNOUNCE: (TrackerAnnounceAlert, lambda a: (_s(a.url), _s(a.operation))),
    AlertType.TRACKER_REPLY: (TrackerReplyAlert, lambda a: (_s(a.url), a.count)),
    AlertType.TRACKER_ERROR: (TrackerErrorAlert, lambda a: (_s(a.url),)),
    AlertType.TRACKER_WARNING: (TrackerWarningAlert, lambda a: (_s(a.url),)),
    AlertType.PEER_CONNECTED: (PeerConnectedAlert, lambda a: (_s(a.endpoint),)),
    AlertType.PEER_DISCONNECTED: (PeerDisconnectedAlert, lambda a: (_s(a.endpoint),)),
    AlertType.PEER_ERROR: (PeerErrorAlert, lambda a: (_s(a.endpoint),)),
    AlertType.LISTEN_SUCCEEDED: (ListenSucceededAlert, lambda a: (_s(a.endpoint),)),
    AlertType.LISTEN_FAILED: (ListenFailedAlert, lambda a: (_s(a.endpoint),)),
    AlertType.METADATA_RECEIVED: (MetadataReceivedAlert, lambda a: ()),
    AlertType.METADATA_FAILED: (MetadataFailedAlert, lambda a: (_s(a.endpoint),)),
    AlertType.ALERTS_DROPPED: (AlertsDroppedAlert, lambda a: (a.count,)),
    AlertType.PERFORMANCE: (PerformanceAlert, lambda a: ()),
    AlertType.WEB_SEED_ERROR: (WebSeedErrorAlert, lambda a: (_s(a.url),)),
    AlertType.DHT_REPLY: (DhtReplyAlert, lambda a: (a.count,)),
    AlertType.FASTRESUME_REJECTED: (FastresumeRejectedAlert, lambda a: ()),
    AlertType.TORRENT_SANITIZED: (TorrentSanitizedAlert, lambda a: ()),
    AlertType.PEER_BANNED: (PeerBannedAlert, lambda a: (_s(a.endpoint),)),
    AlertType.SESSION_ERROR: (SessionErrorAlert, lambda a: ()),
    AlertType.BLOCK_TIMEOUT: (BlockTimeoutAlert, lambda a: (_s(a.endpoint), a.piece)),
    AlertType.ADD_TORRENT_FAILED: (AddTorrentFailedAlert, lambda a: ()),
}


def from_struct(a: "AlertStruct", torrent: Optional["Torrent"]) -> Alert:
    """Copies one bt_alert (valid only until its batch is freed) into a Python object."""
    base = (
        AlertType(a.type),
        AlertCategory(a.category),
        a.timestamp_us / 1e6,
        torrent,
        _s(a.info_hash),
        _s(a.message),
        a.error,
    )
    cls, extra = _CLASSES.get(a.type, (Alert, lambda _a: ()))
    alert: Alert = cls(*base, *extra(a))
    return alert
