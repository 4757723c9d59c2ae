"""Value types: enums mirroring libbt.h, torrent status, files and the piece bitfield."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterator

__all__ = [
    "TorrentState",
    "AlertType",
    "AlertCategory",
    "TorrentStatus",
    "File",
    "Pieces",
    "SettingType",
    "PeerSource",
    "PeerFlags",
    "PeerInfo",
    "WebSeedType",
    "WebSeed",
    "DiskStats",
    "DhtStats",
]


class _OpenEnum(enum.IntEnum):
    """An enum of libbt.h numbers that keeps numbers it does not know (a newer libbt may send
    them) as UNKNOWN_<n> members, and prints as libbt's lower-case name."""

    @classmethod
    def _missing_(cls, value: object):
        if isinstance(value, int):
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None

    def __str__(self) -> str:
        return self.name.lower()


class TorrentState(_OpenEnum):
    """bt_torrent_state."""

    CHECKING_FILES = 1
    DOWNLOADING_METADATA = 2
    DOWNLOADING = 3
    FINISHED = 4
    SEEDING = 5
    ERROR = 6


class AlertType(_OpenEnum):
    """bt_alert_type. ``str(t)`` is libbt's bt_alert_type_name, e.g. ``"state_changed"``."""

    TORRENT_ADDED = 1
    TORRENT_REMOVED = 2
    STATE_CHANGED = 3
    TORRENT_FINISHED = 4
    TORRENT_PAUSED = 5
    TORRENT_RESUMED = 6
    TORRENT_CHECKED = 7
    TORRENT_ERROR = 8
    FILE_ERROR = 9
    PIECE_FINISHED = 10
    HASH_FAILED = 11
    TRACKER_ANNOUNCE = 12
    TRACKER_REPLY = 13
    TRACKER_ERROR = 14
    TRACKER_WARNING = 15
    PEER_CONNECTED = 16
    PEER_DISCONNECTED = 17
    PEER_ERROR = 18
    LISTEN_SUCCEEDED = 19
    LISTEN_FAILED = 20
    METADATA_RECEIVED = 21
    METADATA_FAILED = 22
    ALERTS_DROPPED = 23
    PERFORMANCE = 24
    WEB_SEED_ERROR = 25
    DHT_REPLY = 26
    FASTRESUME_REJECTED = 27
    TORRENT_SANITIZED = 28
    PEER_BANNED = 29
    SESSION_ERROR = 30
    BLOCK_TIMEOUT = 31
    ADD_TORRENT_FAILED = 32


class AlertCategory(enum.IntFlag):
    """bt_alert_category bits, for the ``alert_mask`` setting."""

    ERROR = 0x1
    STATUS = 0x2
    PEER = 0x4
    TRACKER = 0x8
    STORAGE = 0x10
    PROGRESS = 0x20
    PERFORMANCE = 0x40
    DHT = 0x80
    ALL = 0x7FFFFFFF

    @classmethod
    def default(cls) -> "AlertCategory":
        """libbt's default mask: ERROR | STATUS | TRACKER | STORAGE."""
        return cls.ERROR | cls.STATUS | cls.TRACKER | cls.STORAGE


@dataclass(frozen=True)
class TorrentStatus:
    """A snapshot of bt_torrent_status."""

    state: TorrentState
    paused: bool
    has_metadata: bool
    error: int  # BT_E_* when state is ERROR, else 0
    progress: float  # 0..1 of the wanted bytes; while checking files, of the check
    total_size: int
    total_wanted: int
    total_wanted_done: int
    total_done: int
    total_download: int
    total_upload: int
    download_rate: int
    upload_rate: int
    num_peers: int
    num_seeds: int
    num_pieces: int
    pieces_done: int
    piece_length: int
    info_hash: str
    super_seeding: bool = False  # BEP 16 is switched on (it acts once the torrent seeds)

    @property
    def is_finished(self) -> bool:
        """True when every wanted piece is done (FINISHED or SEEDING)."""
        return self.state in (TorrentState.FINISHED, TorrentState.SEEDING)


@dataclass(frozen=True)
class File:
    """A file of a torrent: its index, path relative to the save path ('/'-separated, starting
    with the torrent's name for multi-file torrents) and size in bytes."""

    index: int
    path: str
    size: int


class Pieces:
    """The piece bitfield (wire order: piece 0 is the high bit of byte 0).

    ``pieces[i]`` is True when piece i is verified; ``len()`` is the number of pieces;
    ``bytes(pieces)`` the raw bitfield.
    """

    __slots__ = ("_data", "_n")

    def __init__(self, data: bytes, num_pieces: int) -> None:
        self._data = bytes(data)
        self._n = max(0, min(num_pieces, len(self._data) * 8))

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> bool:
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("piece index out of range")
        return bool(self._data[i >> 3] & (0x80 >> (i & 7)))

    def __iter__(self) -> Iterator[bool]:
        return (self[i] for i in range(self._n))

    def __bytes__(self) -> bytes:
        return self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pieces):
            return self._n == other._n and self._data == other._data
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._n, self._data))

    def count(self) -> int:
        """Number of verified pieces."""
        return sum(1 for have in self if have)

    def all(self) -> bool:
        return self.count() == self._n

    def missing(self) -> list[int]:
        """Indices of the pieces not yet verified."""
        return [i for i, have in enumerate(self) if not have]

    def __repr__(self) -> str:
        return f"<Pieces {self.count()}/{self._n}>"


class SettingType(enum.IntEnum):
    """bt_setting_kind: the type of a setting's value."""

    INT = 1
    BOOL = 2
    STR = 3


class PeerSource(_OpenEnum):
    """bt_peer_source: how a peer was learned of."""

    UNKNOWN = 0
    TRACKER = 1
    DHT = 2
    PEX = 3
    LSD = 4
    USER = 5
    INCOMING = 6
    WEB_SEED = 7


class PeerFlags(enum.IntFlag):
    """bt_peer_info.flags (BT_PEER_*)."""

    INCOMING = 0x1
    SEED = 0x2
    ENCRYPTED = 0x4
    CHOKED = 0x8  # we choke it
    INTERESTED = 0x10  # we are interested in it
    REMOTE_CHOKED = 0x20  # it chokes us
    REMOTE_INTERESTED = 0x40  # it is interested in us
    SNUBBED = 0x80


@dataclass(frozen=True)
class PeerInfo:
    """One connected peer (bt_peer_info)."""

    endpoint: str  # "1.2.3.4:6881" or "[::1]:6881"
    client: str  # from its extended handshake, "" if unknown
    source: PeerSource
    flags: PeerFlags
    progress: float  # 0..1 of the pieces it has
    download_rate: int  # payload bytes/s from it
    upload_rate: int  # payload bytes/s to it
    total_download: int  # payload bytes from it on this connection
    total_upload: int

    @property
    def incoming(self) -> bool:
        return PeerFlags.INCOMING in self.flags

    @property
    def seed(self) -> bool:
        return PeerFlags.SEED in self.flags

    @property
    def encrypted(self) -> bool:
        return PeerFlags.ENCRYPTED in self.flags


class WebSeedType(_OpenEnum):
    """bt_web_seed_type."""

    URL = 1  # BEP 19, GetRight-style (url-list)
    HTTP = 2  # BEP 17, Hoffman-style (httpseeds)


@dataclass(frozen=True)
class WebSeed:
    """One web seed of a torrent (bt_web_seed_info)."""

    url: str
    type: WebSeedType
    requests: int  # in flight
    total_download: int  # payload bytes received from it
    download_rate: int
    failures: int  # since its last success
    banned: bool  # sent too many pieces that failed the hash check
    retry_in: float  # seconds until it is tried again (0 unless backed off)
    error: str  # its latest failure, "" after a success


@dataclass(frozen=True)
class DiskStats:
    """The session's disk counters (bt_disk_stats). Counters only grow; the gauges (from
    ``write_blocks`` on) are current values."""

    read_hits: int
    read_misses: int
    read_syscalls: int
    write_syscalls: int
    read_bytes: int
    write_bytes: int
    pieces_flushed: int
    pieces_failed: int
    hash_read_backs: int
    read_back_blocks: int
    write_throughs: int
    flushes_complete: int
    flushes_budget: int
    flushes_close: int
    write_blocks: int
    read_blocks: int
    cache_blocks: int
    queued_write_bytes: int
    mapped_bytes: int
    locked_bytes: int
    lock_failed: bool


@dataclass(frozen=True)
class DhtStats:
    """The session's DHT node (bt_dht_stats)."""

    node_id: str
    nodes4: int
    nodes6: int
    good4: int
    good6: int
    lookups_in_flight: int
    queries_in_flight: int
    packets_in: int
    packets_out: int
    bytes_in: int
    bytes_out: int
    malformed: int
    dropped: int
    rate_limited: int
    trimmed: int
    queries_in: int
    responses_in: int
    timeouts: int
    info_hashes: int
    peers: int
    items: int

    @property
    def nodes(self) -> int:
        return self.nodes4 + self.nodes6
