"""Session: settings, torrents and alerts. Thread-safe like libbt itself."""

from __future__ import annotations

import asyncio
import ctypes
import os
import threading
import time
import weakref
from ctypes import byref, c_int, c_int64, c_size_t, c_uint8, c_void_p
from typing import Any, AsyncIterator, Iterator, Mapping, Optional, Sequence, Union

from . import alerts as _alerts
from ._errors import (
    BadHandle,
    BufferTooSmall,
    Error,
    InvalidArgument,
    SettingTypeError,
    check,
)
from ._lib import AddTorrentParams, AlertStruct, DhtStatsStruct, DiskStatsStruct, TorrentStatusStruct, lib, take_bytes, take_string
from ._types import DhtStats, DiskStats, SettingType, TorrentStatus
from .torrent import Torrent, _cstr, _status

__all__ = ["Session", "SettingValue", "TorrentSource", "setting_type"]

SettingValue = Union[bool, int, str]
TorrentSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]



def setting_type(name: str) -> SettingType:
    """The type of libbt's setting ``name`` (:class:`UnknownSetting` if there is none)."""
    out = c_int(0)
    check(lib.bt_setting_type(_cstr(name, "setting name"), byref(out)))
    return SettingType(out.value)


# Longest single blocking wait inside libbt, so Ctrl-C and close() are noticed promptly.
_WAIT_SLICE = 0.2


class _Settings:
    """A bt_settings object built from a dict; free with close()."""

    def __init__(self, values: Mapping[str, SettingValue]) -> None:
        h = c_void_p()
        check(lib.bt_settings_new(byref(h)))
        self.handle = h.value
        try:
            for name, value in values.items():
                _set(lib.bt_settings_set_int, lib.bt_settings_set_bool, lib.bt_settings_set_str,
                     self.handle, name, value)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.handle:
            lib.bt_settings_free(self.handle)
            self.handle = None


def _set(set_int: Any, set_bool: Any, set_str: Any, handle: Any, name: str, value: Any) -> None:
    """Dispatches on the Python type: bool before int (bool is an int subclass)."""
    if not isinstance(name, str):
        raise SettingTypeError(f"setting names are str, got {type(name).__name__}")
    key = _cstr(name, "setting name")
    if isinstance(value, bool):
        check(set_bool(handle, key, 1 if value else 0))
    elif isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise SettingTypeError(f"setting {name}: {value} does not fit in 64 bits")
        check(set_int(handle, key, int(value)))
    elif isinstance(value, str):
        check(set_str(handle, key, _cstr(value, f"setting {name}")))
    else:
        raise SettingTypeError(
            f"setting {name}: want bool, int or str, got {type(value).__name__}"
        )


def _timeout_ms(timeout: Optional[float]) -> int:
    if timeout is None:
        return -1
    if timeout < 0:
        raise InvalidArgument("libbt: timeout must be >= 0 or None")
    return min(int(timeout * 1000), 2**31 - 1)


def _port(port: int) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidArgument(f"libbt: port {port!r}: want 0..65535")
    return port


def _bytes_arg(v: object, what: str) -> bytes:
    if not isinstance(v, (bytes, bytearray, memoryview)):
        raise InvalidArgument(f"libbt: {what} must be bytes")
    return bytes(v)


def _path_arg(p: Union[str, "os.PathLike[str]"], what: str) -> bytes:
    b = os.fsencode(p)
    if b"\0" in b:
        raise InvalidArgument(f"{what} contains a NUL character")
    return b


class Session:
    """A libbt session: listens, runs torrents, queues alerts.

    ``Session({"listen_interfaces": "127.0.0.1:0"}, alert_mask=AlertCategory.ALL)``; settings are
    a dict and/or keyword arguments (keywords win). Use it as a context manager or call
    :meth:`close` (idempotent). After close every call raises :class:`BadHandle`.
    """

    def __init__(self, settings: Optional[Mapping[str, SettingValue]] = None, **kw: SettingValue) -> None:
        self._handle: Optional[int] = None
        self._closed = False
        self._lock = threading.Lock()
        self._torrents: "weakref.WeakValueDictionary[int, Torrent]" = weakref.WeakValueDictionary()
        values = dict(settings or {})
        values.update(kw)
        s = _Settings(values)
        try:
            h = c_void_p()
            check(lib.bt_session_new(s.handle, byref(h)))
        finally:
            s.close()
        self._handle = h.value

    # ---- lifetime ----

    def close(self) -> None:
        """Stops every torrent and frees the session. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            h, self._handle = self._handle, None
        if h:
            check(lib.bt_session_free(h))

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not self._closed and self._handle:
                self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        if self._closed:
            return "<libbt.Session closed>"
        try:
            return f"<libbt.Session port={self.listen_port} torrents={len(self.torrents())}>"
        except Error:
            return "<libbt.Session>"

    def _h(self) -> int:
        h = self._handle
        if self._closed or not h:
            raise BadHandle("libbt: the session is closed")
        return h

    # ---- settings ----

    def apply_settings(self, settings: Optional[Mapping[str, SettingValue]] = None, **kw: SettingValue) -> None:
        """Changes settings of the running session (validated all together first)."""
        values = dict(settings or {})
        values.update(kw)
        s = _Settings(values)
        try:
            check(lib.bt_session_apply_settings(self._h(), s.handle))
        finally:
            s.close()

    def set_setting(self, name: str, value: SettingValue) -> None:
        """Changes one setting."""
        _set(lib.bt_session_set_int, lib.bt_session_set_bool, lib.bt_session_set_str,
             self._h(), name, value)

    def get_setting(self, name: str) -> SettingValue:
        """The current value of a setting as its type says: int, bool or str."""
        key = _cstr(name, "setting name")
        h = self._h()
        kind = setting_type(name)
        if kind == SettingType.BOOL:
            b = c_int(0)
            check(lib.bt_session_get_bool(h, key, byref(b)))
            return bool(b.value)
        if kind == SettingType.INT:
            out = c_int64(0)
            check(lib.bt_session_get_int(h, key, byref(out)))
            return out.value
        s = c_void_p()
        check(lib.bt_session_get_str(h, key, byref(s)))
        return take_string(s)

    def disk_stats(self) -> DiskStats:
        """The disk layer's counters: cache hits and misses, system calls, cache blocks, queued
        and locked bytes, flush reasons."""
        d = DiskStatsStruct()
        check(lib.bt_session_disk_stats(self._h(), byref(d)))
        return DiskStats(**{name: getattr(d, name) for name, _ in DiskStatsStruct._fields_
                            if name not in ("version", "lock_failed")}, lock_failed=bool(d.lock_failed))

    @property
    def listen_port(self) -> int:
        """The TCP port actually listened on (first listen interface)."""
        out = c_int(0)
        check(lib.bt_session_listen_port(self._h(), byref(out)))
        return out.value

    # ---- DHT (enable_dht; StateError while it is off) ----

    def dht_stats(self) -> DhtStats:
        """The DHT node's routing table, traffic and store counters."""
        d = DhtStatsStruct()
        check(lib.bt_session_dht_stats(self._h(), byref(d)))
        return DhtStats(**{name: getattr(d, name) for name, _ in DhtStatsStruct._fields_
                           if name not in ("version", "node_id")}, node_id=d.node_id.decode("ascii", "replace"))

    def dht_announce(self, info_hash: str, port: int = 0, timeout: Optional[float] = 10.0) -> None:
        """Announces that we have ``info_hash`` on ``port`` (0: the session's listen port).
        Blocks (without the GIL) for at most ``timeout`` seconds."""
        check(lib.bt_session_dht_announce(self._h(), _cstr(info_hash, "info_hash"), _port(port),
                                          _timeout_ms(timeout)))

    def dht_get_peers(self, info_hash: str, timeout: Optional[float] = 10.0) -> list[str]:
        """Peers the DHT knows for ``info_hash``: ``["1.2.3.4:6881", "[::1]:6881", ...]``."""
        out = c_void_p()
        n = c_size_t(0)
        check(lib.bt_session_dht_get_peers(self._h(), _cstr(info_hash, "info_hash"),
                                           _timeout_ms(timeout), byref(out), byref(n)))
        return [line for line in take_string(out).split("\n") if line]

    def dht_put_immutable(self, value: bytes, timeout: Optional[float] = 10.0) -> tuple[str, int]:
        """Stores a BEP 44 immutable item (``value``: one bencoded value, at most 1000 bytes).
        Returns its target (hex SHA-1 of the value) and how many nodes took it."""
        v = _bytes_arg(value, "value")
        target = ctypes.create_string_buffer(41)
        stored = c_int(0)
        check(lib.bt_session_dht_put_immutable(self._h(), v, len(v), _timeout_ms(timeout), target,
                                               byref(stored)))
        return target.value.decode("ascii"), stored.value

    def dht_get_immutable(self, target: str, timeout: Optional[float] = 10.0) -> bytes:
        """The bencoded value stored under ``target``; :class:`NotFound` if no node has it."""
        out = c_void_p()
        size = c_size_t(0)
        check(lib.bt_session_dht_get_immutable(self._h(), _cstr(target, "target"),
                                               _timeout_ms(timeout), byref(out), byref(size)))
        return take_bytes(out, size.value)

    def dht_put_mutable(self, seed: bytes, value: bytes, seq: int, salt: bytes = b"",
                        timeout: Optional[float] = 10.0) -> tuple[bytes, int]:
        """Signs ``value`` (bencoded) with the ed25519 key of the 32-byte ``seed`` and stores it
        under (public key, ``salt``) with sequence number ``seq``. Returns the public key and
        how many nodes took it."""
        sd = _bytes_arg(seed, "seed")
        if len(sd) != 32:
            raise InvalidArgument("libbt: seed must be 32 bytes")
        v, s = _bytes_arg(value, "value"), _bytes_arg(salt, "salt")
        pub = ctypes.create_string_buffer(32)
        stored = c_int(0)
        check(lib.bt_session_dht_put_mutable(self._h(), sd, s, len(s), v, len(v), int(seq),
                                             _timeout_ms(timeout), pub, byref(stored)))
        return pub.raw, stored.value

    def dht_get_mutable(self, public_key: bytes, salt: bytes = b"",
                        timeout: Optional[float] = 10.0) -> tuple[bytes, int]:
        """The newest verified item of (``public_key``, ``salt``): (value, seq)."""
        pk = _bytes_arg(public_key, "public_key")
        if len(pk) != 32:
            raise InvalidArgument("libbt: public_key must be 32 bytes")
        s = _bytes_arg(salt, "salt")
        out = c_void_p()
        size = c_size_t(0)
        seq = c_int64(0)
        check(lib.bt_session_dht_get_mutable(self._h(), pk, s, len(s), _timeout_ms(timeout),
                                             byref(out), byref(size), byref(seq)))
        return take_bytes(out, size.value), seq.value

    # ---- torrents ----

    def _torrent(self, handle: Optional[int]) -> Torrent:
        if not handle:
            raise InvalidArgument("libbt returned a NULL torrent handle")
        t = self._torrents.get(handle)
        if t is None:
            t = Torrent(self, handle)
            self._torrents[handle] = t
        return t

    def add_torrent(
        self,
        torrent: Optional[TorrentSource] = None,
        magnet: Optional[str] = None,
        save_path: Union[str, "os.PathLike[str]", None] = None,
        paused: bool = False,
        sequential: bool = False,
        file_priorities: Optional[Sequence[int]] = None,
        super_seeding: bool = False,
        resume_data: Optional[Union[bytes, bytearray, memoryview]] = None,
    ) -> Torrent:
        """Adds a torrent from a .torrent path or bytes, or a magnet link, saving under
        ``save_path``. ``file_priorities``: 0 (skip) to 7 per file, default 4.
        ``super_seeding``: BEP 16 once it seeds. ``resume_data``: from
        :meth:`Torrent.save_resume_data`; files unchanged since are not rechecked (data that
        does not fit the torrent is ignored and the files are checked in full)."""
        if (torrent is None) == (magnet is None):
            raise InvalidArgument("libbt: give exactly one of torrent= or magnet=")
        if save_path is None:
            raise InvalidArgument("libbt: save_path is required")
        p = AddTorrentParams()
        keep: list[Any] = []  # buffers that must outlive the call
        p.save_path = _path_arg(save_path, "save_path")
        if magnet is not None:
            if not isinstance(magnet, str):
                raise InvalidArgument("libbt: magnet must be a str")
            p.magnet_uri = _cstr(magnet, "magnet")
        elif isinstance(torrent, (bytes, bytearray, memoryview)):
            data = bytes(torrent)
            buf = (c_uint8 * len(data)).from_buffer_copy(data) if data else (c_uint8 * 1)()
            keep.append(buf)
            p.torrent_data = buf
            p.torrent_size = len(data)
        elif isinstance(torrent, (str, os.PathLike)):
            p.torrent_file = _path_arg(torrent, "torrent path")
        else:
            raise InvalidArgument(
                f"libbt: torrent must be a path or bytes, got {type(torrent).__name__}"
            )
        p.paused = 1 if paused else 0
        p.sequential = 1 if sequential else 0
        if file_priorities is not None:
            prios = list(file_priorities)
            for v in prios:
                if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 255:
                    raise InvalidArgument(f"libbt: file priority {v!r}: want an int 0-7")
            arr = (c_uint8 * max(len(prios), 1))(*prios)
            keep.append(arr)
            p.file_priorities = arr
            p.num_file_priorities = len(prios)
        p.super_seeding = 1 if super_seeding else 0
        if resume_data is not None:
            if not isinstance(resume_data, (bytes, bytearray, memoryview)):
                raise InvalidArgument("libbt: resume_data must be bytes")
            rd = bytes(resume_data)
            rbuf = (c_uint8 * max(len(rd), 1)).from_buffer_copy(rd.ljust(1, b"\0"))
            keep.append(rbuf)
            p.resume_data = rbuf
            p.resume_size = len(rd)
        out = c_void_p()
        check(lib.bt_session_add_torrent(self._h(), byref(p), byref(out)))
        return self._torrent(out.value)

    def remove_torrent(self, torrent: Torrent, delete_files: bool = False) -> None:
        """Removes a torrent (and its files if ``delete_files``); the Torrent becomes stale."""
        if not isinstance(torrent, Torrent):
            raise InvalidArgument("libbt: remove_torrent takes a Torrent")
        check(lib.bt_session_remove_torrent(self._h(), torrent.handle, 1 if delete_files else 0))
        self._torrents.pop(torrent.handle, None)

    def torrents(self) -> list[Torrent]:
        """Every torrent in the session."""
        h = self._h()
        cap = 16
        while True:
            arr = (c_void_p * cap)()
            count = c_size_t(0)
            check(lib.bt_session_torrents(h, arr, cap, byref(count)))
            if count.value <= cap:
                return [self._torrent(arr[i]) for i in range(count.value)]
            cap = count.value + 16

    def torrent_updates(self) -> list[tuple[Torrent, TorrentStatus]]:
        """The status of every torrent whose status changed since the previous call (the first
        call: every torrent), in the order they were added: libtorrent's post_torrent_updates as
        one call. Statuses are the snapshots torrents publish (at most a second old); paused and
        idle torrents cost nothing, so a UI with thousands of torrents polls this instead of
        each one's :meth:`Torrent.status`. One consumer per session: two split the changes."""
        h = self._h()
        cap = 64
        while True:
            handles = (c_void_p * cap)()
            statuses = (TorrentStatusStruct * cap)()
            statuses[0].version = TorrentStatusStruct.VERSION  # the array's layout
            count = c_size_t(0)
            rc = lib.bt_session_torrent_updates(h, handles, statuses, cap, byref(count))
            if rc == BufferTooSmall.code:  # nothing was taken: grow and ask again
                cap = count.value + 64
                continue
            check(rc)
            return [(self._torrent(handles[i]), _status(statuses[i])) for i in range(count.value)]

    def find_torrent(self, info_hash: str) -> Optional[Torrent]:
        """The torrent with this hex info hash, or None."""
        out = c_void_p()
        rc = lib.bt_session_find_torrent(self._h(), _cstr(info_hash, "info_hash"), byref(out))
        if rc == -4:  # BT_E_NOT_FOUND
            return None
        check(rc)
        return self._torrent(out.value)

    def __iter__(self) -> Iterator[Torrent]:
        return iter(self.torrents())

    # ---- alerts ----

    def pop_alerts(self) -> list[_alerts.Alert]:
        """Takes every queued alert. The batch is copied and freed before this returns."""
        batch = c_void_p()
        check(lib.bt_session_pop_alerts(self._h(), byref(batch)))
        try:
            n = c_size_t(0)
            check(lib.bt_alerts_count(batch, byref(n)))
            out: list[_alerts.Alert] = []
            a = AlertStruct()
            for i in range(n.value):
                check(lib.bt_alerts_get(batch, i, byref(a)))
                t = self._torrent(a.torrent) if a.torrent else None
                out.append(_alerts.from_struct(a, t))
            return out
        finally:
            lib.bt_alerts_free(batch)

    def wait_for_alert(self, timeout: Optional[float] = None) -> bool:
        """Blocks (without the GIL) until an alert is queued or ``timeout`` seconds pass
        (None = forever). Returns True if alerts are queued. The wait is done in short slices so
        Ctrl-C and close() from another thread interrupt it."""
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        while True:
            if deadline is None:
                step = _WAIT_SLICE
            else:
                step = min(_WAIT_SLICE, max(0.0, deadline - time.monotonic()))
            h = self._h()
            rc = lib.bt_session_wait_for_alert(h, int(step * 1000))
            if rc > 0:
                return True
            if rc < 0:
                if self._closed:
                    raise BadHandle("libbt: the session was closed while waiting")
                check(rc)
            if deadline is not None and time.monotonic() >= deadline:
                return False

    async def alerts(self, poll: float = 0.5) -> AsyncIterator[_alerts.Alert]:
        """``async for alert in session.alerts()``: yields alerts as they come, until the
        session is closed.

        Each wait runs in a worker thread (``asyncio.to_thread``) for at most ``poll`` seconds,
        so the event loop never blocks and no Python callback ever runs on a libbt thread.
        """
        while not self._closed:
            try:
                ready = await asyncio.to_thread(self.wait_for_alert, poll)
                if not ready:
                    continue
                batch = self.pop_alerts()
            except BadHandle:
                if self._closed:
                    return
                raise
            for alert in batch:
                yield alert
