"""Torrent: a handle to one torrent in a Session."""

from __future__ import annotations

import ctypes
import os
import ipaddress
from ctypes import byref, c_int, c_int64, c_size_t, c_uint8, c_void_p
from typing import TYPE_CHECKING, Union

from ._errors import BufferTooSmall, InvalidArgument, check
from ._lib import PeerInfoStruct, TorrentStatusStruct, WebSeedInfoStruct, lib, take_bytes, take_string
from ._types import (
    File,
    PeerFlags,
    PeerInfo,
    PeerSource,
    Pieces,
    TorrentState,
    TorrentStatus,
    WebSeed,
    WebSeedType,
)

if TYPE_CHECKING:
    from .session import Session

__all__ = ["Torrent", "Endpoint", "format_endpoint"]

Endpoint = Union[str, "tuple[str, int]"]


def format_endpoint(endpoint: Endpoint) -> str:
    """``"1.2.3.4:6881"`` / ``"[::1]:6881"`` as is; ``("::1", 6881)`` -> ``"[::1]:6881"``."""
    if isinstance(endpoint, str):
        return endpoint
    if isinstance(endpoint, tuple) and len(endpoint) >= 2:
        host, port = endpoint[0], endpoint[1]
        if not isinstance(host, str) or isinstance(port, bool) or not isinstance(port, int):
            raise InvalidArgument(f"endpoint {endpoint!r}: want (host: str, port: int)")
        try:
            is_v6 = ipaddress.ip_address(host.strip("[]")).version == 6
        except ValueError:
            raise InvalidArgument(f"endpoint {endpoint!r}: host must be an IP address") from None
        return f"[{host.strip('[]')}]:{port}" if is_v6 else f"{host}:{port}"
    raise InvalidArgument(f"endpoint {endpoint!r}: want 'host:port' or (host, port)")


def _cstr(value: str, what: str) -> bytes:
    b = value.encode("utf-8")
    if b"\0" in b:
        raise InvalidArgument(f"{what} contains a NUL character")
    return b


def _status(s: TorrentStatusStruct) -> TorrentStatus:
    return TorrentStatus(
        state=TorrentState(s.state),
        paused=bool(s.paused),
        has_metadata=bool(s.has_metadata),
        error=s.error,
        progress=s.progress,
        total_size=s.total_size,
        total_wanted=s.total_wanted,
        total_wanted_done=s.total_wanted_done,
        total_done=s.total_done,
        total_download=s.total_download,
        total_upload=s.total_upload,
        download_rate=s.download_rate,
        upload_rate=s.upload_rate,
        num_peers=s.num_peers,
        num_seeds=s.num_seeds,
        num_pieces=s.num_pieces,
        pieces_done=s.pieces_done,
        piece_length=s.piece_length,
        info_hash=s.info_hash.decode("ascii", "replace"),
        super_seeding=bool(s.super_seeding),
    )


class Torrent:
    """A torrent in a :class:`Session`. Equal and hashed by libbt handle.

    It becomes stale when removed or when its session closes: every call then raises
    :class:`BadHandle`. Obtain it from ``Session.add_torrent``, ``torrents()`` or
    ``find_torrent``; do not construct it directly.
    """

    __slots__ = ("_handle", "_session", "_info_hash", "__weakref__")

    def __init__(self, session: "Session", handle: int) -> None:
        self._session = session
        self._handle = handle
        self._info_hash: str | None = None

    # ---- identity ----

    @property
    def handle(self) -> int:
        """libbt's handle id (unique, never reused)."""
        return self._handle

    @property
    def session(self) -> "Session":
        return self._session

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Torrent):
            return self._handle == other._handle
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("libbt.Torrent", self._handle))

    def __repr__(self) -> str:
        try:
            name, ih = self.name, self.info_hash
        except Exception:
            name, ih = "?", self._info_hash or "?"
        return f"<libbt.Torrent {name!r} {ih} handle={self._handle}>"

    # ---- reading ----

    def status(self) -> TorrentStatus:
        """A snapshot of the torrent's state, progress, rates and counts."""
        s = TorrentStatusStruct()
        check(lib.bt_torrent_status(self._handle, byref(s)))
        st = _status(s)
        self._info_hash = st.info_hash
        return st

    @property
    def info_hash(self) -> str:
        """The v1 info hash, 40 lower-case hex characters."""
        if self._info_hash is None:
            self.status()
        assert self._info_hash is not None
        return self._info_hash

    @property
    def name(self) -> str:
        """The name from the metadata, or the magnet's ``dn`` before metadata arrives."""
        out = c_void_p()
        check(lib.bt_torrent_name(self._handle, byref(out)))
        return take_string(out)

    @property
    def error(self) -> str:
        """The current error message ("" if none)."""
        out = c_void_p()
        check(lib.bt_torrent_error(self._handle, byref(out)))
        return take_string(out)

    @property
    def magnet(self) -> str:
        """A magnet link for the torrent."""
        out = c_void_p()
        check(lib.bt_torrent_magnet(self._handle, byref(out)))
        return take_string(out)

    def pieces(self) -> Pieces:
        """The verified-piece bitfield (empty without metadata)."""
        num_pieces = self.status().num_pieces
        cap = (num_pieces + 7) // 8
        for _ in range(4):  # the size can change if metadata arrives between calls
            buf = (c_uint8 * max(cap, 1))()
            size = c_size_t(0)
            try:
                check(lib.bt_torrent_pieces(self._handle, buf, cap, byref(size)))
            except BufferTooSmall:
                cap = size.value
                num_pieces = self.status().num_pieces
                continue
            n = size.value
            return Pieces(ctypes.string_at(buf, n), num_pieces if num_pieces else n * 8)
        raise BufferTooSmall("libbt: the piece bitfield kept changing size")

    def num_files(self) -> int:
        out = c_int(0)
        check(lib.bt_torrent_num_files(self._handle, byref(out)))
        return out.value

    def files(self) -> list[File]:
        """The files of the torrent; :class:`StateError` before metadata arrives."""
        out = []
        for i in range(self.num_files()):
            path = c_void_p()
            size = c_int64(0)
            check(lib.bt_torrent_file(self._handle, i, byref(path), byref(size)))
            out.append(File(i, take_string(path), size.value))
        return out

    # ---- control ----

    def pause(self) -> None:
        check(lib.bt_torrent_pause(self._handle))

    def resume(self) -> None:
        check(lib.bt_torrent_resume(self._handle))

    def force_recheck(self) -> None:
        """Re-verifies every piece on disk."""
        check(lib.bt_torrent_force_recheck(self._handle))

    def connect_peer(self, endpoint: Endpoint) -> None:
        """Connects to a peer: ``"1.2.3.4:6881"``, ``"[::1]:6881"`` or ``("::1", 6881)``."""
        check(lib.bt_torrent_connect_peer(self._handle, _cstr(format_endpoint(endpoint), "endpoint")))

    def set_file_priority(self, index: int, priority: int) -> None:
        """Priority 0 (skip) to 7 for file ``index``."""
        check(lib.bt_torrent_set_file_priority(self._handle, _int32(index), _int32(priority)))

    def move_storage(self, save_path: str | os.PathLike[str]) -> None:
        """Moves the files to a new save directory (cached data is written first). Blocks."""
        check(lib.bt_torrent_move_storage(self._handle, _cstr(os.fspath(save_path), "save_path")))

    def rename_file(self, index: int, path: str) -> None:
        """Gives file ``index`` a new '/'-separated path inside the save directory."""
        check(lib.bt_torrent_rename_file(self._handle, _int32(index), _cstr(path, "path")))

    def set_sequential(self, sequential: bool) -> None:
        """Download pieces in order (for streaming) or rarest first."""
        check(lib.bt_torrent_set_sequential(self._handle, 1 if sequential else 0))

    def set_super_seeding(self, on: bool) -> None:
        """BEP 16 super seeding: reveal pieces one at a time to each peer. It applies to peers
        connecting after the change, and only while the torrent is a seed."""
        check(lib.bt_torrent_set_super_seeding(self._handle, 1 if on else 0))

    # ---- queueing (libtorrent's auto_managed and queue_position_*) ----

    @property
    def auto_managed(self) -> bool:
        """Whether the session's queue starts and pauses this torrent (active_downloads,
        active_seeds, active_checking, active_limit). Setting it to False leaves the torrent
        paused or running as it is."""
        out = c_int()
        check(lib.bt_torrent_auto_managed(self._handle, byref(out)))
        return out.value != 0

    @auto_managed.setter
    def auto_managed(self, on: bool) -> None:
        check(lib.bt_torrent_set_auto_managed(self._handle, 1 if on else 0))

    @property
    def queue_position(self) -> int:
        """Place in the download queue, 0 first; -1 when finished or seeding."""
        out = c_int()
        check(lib.bt_torrent_queue_position(self._handle, byref(out)))
        return out.value

    def queue_position_set(self, position: int) -> None:
        """Moves the torrent to ``position``; a place past the end means the last."""
        if position < 0:
            raise ValueError(f"queue position {position} is negative")
        check(lib.bt_torrent_queue_position_set(self._handle, min(position, 2**31 - 1)))

    def queue_position_up(self) -> None:
        check(lib.bt_torrent_queue_position_up(self._handle))

    def queue_position_down(self) -> None:
        check(lib.bt_torrent_queue_position_down(self._handle))

    def queue_position_top(self) -> None:
        check(lib.bt_torrent_queue_position_top(self._handle))

    def queue_position_bottom(self) -> None:
        check(lib.bt_torrent_queue_position_bottom(self._handle))

    # ---- peers ----

    def peers(self) -> list[PeerInfo]:
        """The connected peers: address, client, source, rates, totals and flags."""
        cap = 32
        for _ in range(8):  # peers may connect between the two calls
            arr = (PeerInfoStruct * cap)()
            arr[0].version = PeerInfoStruct.VERSION  # the first element's version: the array's layout
            count = c_size_t(0)
            check(lib.bt_torrent_peers(self._handle, arr, cap, byref(count)))
            if count.value <= cap:
                return [_peer(arr[i]) for i in range(count.value)]
            cap = count.value + 16
        raise BufferTooSmall("libbt: the peer list kept growing")

    # ---- web seeds ----

    def add_web_seed(self, url: str, type: WebSeedType = WebSeedType.URL) -> None:
        """Adds an http(s) web seed: ``WebSeedType.URL`` (BEP 19, GetRight-style, the default) or
        ``WebSeedType.HTTP`` (BEP 17, Hoffman-style). Adding one again clears its back-off."""
        check(lib.bt_torrent_add_web_seed(self._handle, _cstr(url, "url"), _int32(int(type))))

    def remove_web_seed(self, url: str) -> None:
        """Stops and forgets the web seed with this URL (:class:`InvalidArgument` if none)."""
        check(lib.bt_torrent_remove_web_seed(self._handle, _cstr(url, "url")))

    def web_seeds(self) -> list[WebSeed]:
        """The torrent's web seeds, from its metadata and added ones."""
        out = c_void_p()
        count = c_size_t(0)
        check(lib.bt_torrent_web_seeds(self._handle, WebSeedInfoStruct.VERSION, byref(out), byref(count)))
        if not out.value:
            return []
        try:
            arr = ctypes.cast(out, ctypes.POINTER(WebSeedInfoStruct))
            return [_web_seed(arr[i]) for i in range(count.value)]
        finally:
            lib.bt_free(out)

    # ---- fast resume ----

    def save_resume_data(self) -> bytes:
        """The torrent's fast-resume data (bencoded). Pass it to ``Session.add_torrent(...,
        resume_data=...)`` to skip the full recheck; store it with :func:`write_resume_file`.
        :class:`StateError` without metadata or while the files are being checked."""
        out = c_void_p()
        size = c_size_t(0)
        check(lib.bt_torrent_save_resume_data(self._handle, byref(out), byref(size)))
        return take_bytes(out, size.value)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _peer(p: PeerInfoStruct) -> PeerInfo:
    return PeerInfo(
        endpoint=_text(p.endpoint),
        client=_text(p.client),
        source=PeerSource(p.source),
        flags=PeerFlags(p.flags),
        progress=p.progress,
        download_rate=p.download_rate,
        upload_rate=p.upload_rate,
        total_download=p.total_download,
        total_upload=p.total_upload,
    )


def _web_seed(w: WebSeedInfoStruct) -> WebSeed:
    return WebSeed(
        url=_text(w.url or b""),
        type=WebSeedType(w.type),
        requests=w.requests,
        total_download=w.total_download,
        download_rate=w.download_rate,
        failures=w.failures,
        banned=bool(w.banned),
        retry_in=w.retry_in_ms / 1000.0,
        error=_text(w.error or b""),
    )


def _int32(v: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise InvalidArgument(f"want an int, got {type(v).__name__}")
    if not -(2**31) <= v < 2**31:
        raise InvalidArgument(f"{v} is out of range")
    return v
