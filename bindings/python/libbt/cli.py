"""``python -m libbt``: the C ``bt`` client (examples/c/bt) on the Python API, with the same
arguments, JSON lines, text output and exit codes (0 done, 1 failed or out of time, 2 bad input).

    bt make --data PATH --out FILE [--piece-size BYTES] [--tracker URL]... [--webseed URL]...
            [--private] [--comment TEXT]
    bt seed --torrent FILE [--torrent FILE]... --save DIR [--port P] [--seconds S]
            [--peer HOST:PORT]...   (each torrent seeded from DIR)
    bt get  (--torrent FILE | --magnet URI) --save DIR [--peer HOST:PORT]... [--port P] [--seconds S]
            [--webseed URL]...
    seed and get: [--resume FILE] [--encryption forced|enabled|disabled] [--dht [--dht-bootstrap
            HOST:PORT]...]; seed: [--super-seed]
    bt dht  [--port P] [--dht-bootstrap HOST:PORT]... [--announce HEX] [--seconds S]
    common: --json --set NAME=VALUE --quiet --verbose; bt --version; bt help
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from typing import Any, Optional, Sequence

from . import __version__, version as lib_version, version_number as lib_version_number
from ._cli_args import EXIT_FAIL, EXIT_OK, EXIT_USAGE, USAGE, Args, UsageError, parse_args
from ._cli_args import parse_int64
from ._cli_output import JsonLine, Output, SeedTotals, error, format_bytes, terminal_text, warn
from ._errors import Error, InvalidArgument, SettingTypeError, StateError, UnknownSetting
from ._types import AlertCategory, AlertType, DhtStats, SettingType, TorrentState, TorrentStatus
from .create import create_torrent
from .resume import write_resume_file
from .session import Session, _Settings, setting_type
from .torrent import Torrent

__all__ = ["main"]

ALERT_MASK = (
    AlertCategory.ERROR
    | AlertCategory.STATUS
    | AlertCategory.TRACKER
    | AlertCategory.STORAGE
    | AlertCategory.PEER
    | AlertCategory.DHT
)
PEER_RETRY_SECONDS = 2.0
RESUME_SAVE_SECONDS = 10.0


class _Fail(Exception):
    """A reported failure: the message was printed already; carries the exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


# ---- signals: SIGINT and SIGTERM only set a flag ---------------------------------------------


class _Stop:
    def __init__(self) -> None:
        self.flag = threading.Event()
        self._old: dict[int, Any] = {}

    def __enter__(self) -> "_Stop":
        for s in (signal.SIGINT, signal.SIGTERM):
            self._old[s] = signal.signal(s, lambda *_: self.flag.set())
        return self

    def __exit__(self, *exc: object) -> None:
        for s, h in self._old.items():
            signal.signal(s, h)

    def requested(self) -> bool:
        return self.flag.is_set()


# ---- session set-up ---------------------------------------------------------------------------


def _bool_word(s: str) -> Optional[bool]:
    if s in ("true", "yes", "on", "1"):
        return True
    if s in ("false", "no", "off", "0"):
        return False
    return None


def _settings(a: Args, listen: str) -> dict[str, Any]:
    """listen_interfaces, alert_mask, the settings of --encryption/--dht, then every --set,
    typed like session.c's apply_set."""
    out: dict[str, Any] = {"listen_interfaces": listen, "alert_mask": int(ALERT_MASK)}
    if a.encryption >= 0:
        out["out_enc_policy"] = out["in_enc_policy"] = a.encryption
    if a.dht or a.command == "dht":
        out["enable_dht"] = True
        out["dht_bootstrap_nodes"] = ",".join(a.dht_bootstrap)
    for assignment in a.sets:
        name, _, value = assignment.partition("=")
        out[name] = _typed_setting(name, value, assignment)
    return out


def _typed_setting(name: str, value: str, assignment: str) -> Any:
    """The value in the type libbt says the setting has (setting_type), checked on a scratch
    settings object."""
    try:
        kind = setting_type(name)
        typed: Any = value
        if kind == SettingType.INT:
            typed = parse_int64(value)
            if typed is None:
                raise _BadValue(f"{name} is an integer setting, not '{value}'")
        elif kind == SettingType.BOOL:
            typed = _bool_word(value)
            if typed is None:
                raise _BadValue(f"{name} is a boolean setting (true or false), not '{value}'")
        _Settings({name: typed}).close()
        return typed
    except (_BadValue, Error) as e:
        error(f"--set {assignment}: {e}")
        raise _Fail(EXIT_USAGE) from None


class _BadValue(Exception):
    pass


def _open_session(a: Args, listen: str) -> Session:
    settings = _settings(a, listen)
    try:
        return Session(settings)
    except (InvalidArgument, SettingTypeError, UnknownSetting) as e:
        error(f"cannot start a session: {e}")
        raise _Fail(EXIT_USAGE) from None
    except Error as e:
        error(f"cannot start a session: {e}")
        raise _Fail(EXIT_FAIL) from None


def _listen_interfaces(port: int) -> str:
    p = max(port, 0)
    return f"127.0.0.1:{p},[::1]:{p}"


def _announce_port(s: Session, out: Output) -> None:
    port = 0
    for _ in range(300):  # listening may finish just after the session starts
        try:
            port = s.listen_port
        except Error:
            port = 0
        if port > 0:
            break
        time.sleep(0.01)
    if port <= 0:
        error("the session is not listening")
        raise _Fail(EXIT_FAIL)
    out.listening(port)


class _Seen:
    checked = False
    finished = False
    error = False


def _drain(s: Session, out: Output, seen: _Seen) -> None:
    for al in s.pop_alerts():
        if al.type == AlertType.TORRENT_CHECKED:
            seen.checked = True
        elif al.type == AlertType.TORRENT_FINISHED:
            seen.finished = True
        elif al.type in (AlertType.TORRENT_ERROR, AlertType.FILE_ERROR):
            seen.error = True
        out.alert(al)


def _connect_peers(t: Torrent, peers: Sequence[str], out: Output) -> None:
    for p in peers:
        try:
            t.connect_peer(p)
        except InvalidArgument as e:
            error(f"--peer {p}: {e}")
            raise _Fail(EXIT_USAGE) from None
        except Error as e:
            if out.verbose:
                out.clear_bar()
                warn(f"connecting to {p}: {e}")


def _report_torrent_error(t: Torrent, what: str) -> None:
    try:
        msg = t.error
    except Error:
        msg = ""
    error(f"{what}: {msg}" if msg else what)


class _Ticker:
    """Progress about once a second in JSON, four times a second on a terminal."""

    def __init__(self, out: Output, now: float) -> None:
        self.period = 1.0 if out.json else 0.25
        self.next = now

    def wait(self, now: float) -> float:
        return min(max(self.next - now, 0.0), 0.2)

    def due(self, now: float) -> bool:
        if now < self.next:
            return False
        self.next += self.period
        if self.next <= now:  # fell behind: do not fire a burst
            self.next = now + self.period
        return True


def _load_resume(path: Optional[str]) -> Optional[bytes]:
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None  # the first run
    except IsADirectoryError:
        error(f"--resume {path}: cannot read it")
    except OSError as e:
        error(f"--resume {path}: {e.strerror or e}")
    raise _Fail(EXIT_USAGE)


def _save_resume(t: Torrent, path: Optional[str]) -> None:
    """Saves resume data atomically; nothing to save yet (no metadata, checking) is silent."""
    if path is None:
        return
    try:
        write_resume_file(path, t.save_resume_data())
    except StateError:
        pass
    except Error as e:
        warn(f"saving resume data to {path}: {e}")


def _add(s: Session, a: Args, what: str) -> Torrent:
    resume = _load_resume(a.resume)
    try:
        if a.torrent is not None:
            t = s.add_torrent(a.torrent, save_path=a.save, super_seeding=a.super_seed,
                              resume_data=resume)
        else:
            t = s.add_torrent(magnet=a.magnet, save_path=a.save, resume_data=resume)
    except Error as e:
        error(f"cannot add {what}: {e}")
        raise _Fail(EXIT_USAGE) from None
    for url in a.webseeds if a.command == "get" else []:
        try:
            t.add_web_seed(url)
        except Error as e:
            error(f"--webseed {url}: {e}")
            raise _Fail(EXIT_USAGE) from None
    return t


def _tick(s: Session, t: Torrent, out: Output, seen: _Seen, wait: float) -> TorrentStatus:
    try:
        if wait > 0:
            s.wait_for_alert(wait)
        _drain(s, out, seen)
        return t.status()
    except Error as e:
        out.end_bar()
        error(f"lost the session: {e}")
        raise


# ---- commands ---------------------------------------------------------------------------------


def cmd_get(a: Args, out: Output) -> int:
    with _Stop() as stop, _open_session(a, _listen_interfaces(a.port)) as s:
        t = _add(s, a, a.torrent if a.torrent is not None else "the magnet link")
        start = time.monotonic()
        _announce_port(s, out)
        _connect_peers(t, a.peers, out)
        seen = _Seen()
        tk = _Ticker(out, start)
        last_dial = now = last_save = start
        finish = -1.0
        reason = "interrupted"
        st: Optional[TorrentStatus] = None
        while not stop.requested():
            try:
                st = _tick(s, t, out, seen, tk.wait(time.monotonic()))
            except Error:
                reason = "error"
                break
            now = time.monotonic()
            if st.state == TorrentState.ERROR:
                out.end_bar()
                _report_torrent_error(t, "download failed")
                reason = "error"
                break
            if st.has_metadata and st.state in (TorrentState.FINISHED, TorrentState.SEEDING):
                finish = now
                break
            if tk.due(now):
                out.progress(st)
            if a.seconds >= 0 and now - start >= a.seconds:
                reason = "timeout"
                break
            if a.peers and st.num_peers == 0 and now - last_dial >= PEER_RETRY_SECONDS:
                _connect_peers(t, a.peers, out)
                last_dial = now
            if a.resume is not None and now - last_save >= RESUME_SAVE_SECONDS:
                _save_resume(t, a.resume)
                last_save = now
        _save_resume(t, a.resume)  # on the way out, whatever the reason
        if finish >= 0 and st is not None:
            out.progress(st)  # the 100% line
        out.end_bar()
    # The session is closed before reporting "done": its files are then complete on disk.
    if finish >= 0 and st is not None:
        _print_done(out, st.total_wanted, finish - start)
        return EXIT_OK
    _print_not_done(out, reason, st.progress if st else 0.0, time.monotonic() - start)
    return EXIT_FAIL


def _print_done(out: Output, nbytes: int, seconds: float) -> None:
    mbps = nbytes / 1e6 / seconds if seconds > 0 else float("nan")
    if out.json:
        out.line(JsonLine().boolean("done", True).fixed("seconds", seconds, 3).integer("bytes", nbytes)
                 .fixed("MBps", mbps, 3))
    elif mbps == mbps:
        out.write(f"done: {format_bytes(nbytes)} in {seconds:.1f} s ({mbps:.1f} MB/s)\n")
    else:
        out.write(f"done: {format_bytes(nbytes)}, already complete\n")


def _print_not_done(out: Output, reason: str, progress: float, seconds: float) -> None:
    if out.json:
        out.line(JsonLine().boolean("done", False).string("reason", reason)
                 .fixed("progress", progress, 4).fixed("seconds", seconds, 3))
    else:
        out.write(f"not done ({reason}) after {seconds:.1f} s: {progress * 100:.1f}%\n")


def _check_over(st: TorrentStatus, seen_checked: bool, saw_checking: bool, since_add: float) -> bool:
    if st.state == TorrentState.CHECKING_FILES:
        return False
    if st.state in (TorrentState.SEEDING, TorrentState.FINISHED, TorrentState.ERROR):
        return True
    return seen_checked or saw_checking or since_add > 2.0


class _SeedItem:
    """One --torrent FILE of the command line."""

    def __init__(self, t: Torrent, file: str) -> None:
        self.t = t
        self.file = file
        self.st: Optional[TorrentStatus] = None
        self.checked = self.saw_checking = self.failed = False
        self.last_dial = 0.0


def _print_checked(out: Output, a: Args, it: _SeedItem, index: int) -> None:
    st = it.st
    assert st is not None
    complete = st.state in (TorrentState.SEEDING, TorrentState.FINISHED)
    if not complete:
        out.clear_bar()
        where = f"{a.save} for {it.file}" if out.multi else f"{a.save}"
        warn(f"the data in {where} is incomplete ({st.progress * 100:.1f}% verified); "
             "seeding what there is")
    if out.json:
        j = (JsonLine().string("event", "checked").boolean("complete", complete)
             .fixed("progress", st.progress, 4).integer("pieces", st.num_pieces)
             .integer("pieces_done", st.pieces_done))
        if out.multi:
            j.integer("torrent", index).string("info_hash", st.info_hash).string("file", it.file)
        out.line(j)
    elif not out.quiet and complete and not out.multi:
        out.clear_bar()
        out.write(f"checked: all {st.num_pieces} pieces present\n")


def _print_failed(out: Output, it: _SeedItem, index: int) -> None:
    """A torrent of several failed: one line, and the others go on."""
    try:
        msg = it.t.error
    except Error:
        msg = ""
    out.clear_bar()
    if out.json:
        out.line(JsonLine().string("event", "error").integer("torrent", index)
                 .string("info_hash", it.st.info_hash if it.st else "").string("file", it.file)
                 .string("msg", msg))
    warn(f"cannot seed {it.file}: {msg or 'error'}")


def _seed_all_at_once(a: Args, s: Session, n: int) -> None:
    """libtorrent's queueing would run only active_seeds (5) seeds at once: bt seed asks for
    all of them, unless --set says otherwise."""
    for name in ("active_seeds", "active_limit"):
        if any(x.partition("=")[0] == name for x in a.sets):
            continue
        try:
            v = s.get_setting(name)
        except Error:
            continue
        if isinstance(v, int) and 0 <= v < n:
            s.set_setting(name, n)


def _add_seeds(s: Session, a: Args) -> list[_SeedItem]:
    resume = _load_resume(a.resume)
    items = []
    for f in a.torrents:
        try:
            t = s.add_torrent(f, save_path=a.save, super_seeding=a.super_seed, resume_data=resume)
        except Error as e:
            error(f"cannot add {f}: {e}")
            raise _Fail(EXIT_USAGE) from None
        items.append(_SeedItem(t, f))
    return items


def _add_up(items: list[_SeedItem]) -> SeedTotals:
    alive = [it for it in items if not it.failed and it.st is not None]
    sts = [it.st for it in alive if it.st is not None]
    wanted = sum(st.total_wanted for st in sts)
    done = sum(st.total_wanted_done for st in sts)
    state = min((st.state for st in sts), default=TorrentState.ERROR)
    base = sts[0] if sts else None
    summed = TorrentStatus(
        state=TorrentState(state), paused=False, has_metadata=True, error=0,
        progress=done / wanted if wanted > 0 else 0.0, total_size=0, total_wanted=wanted,
        total_wanted_done=done, total_done=0,
        total_download=sum(st.total_download for st in sts),
        total_upload=sum(st.total_upload for st in sts),
        download_rate=sum(st.download_rate for st in sts),
        upload_rate=sum(st.upload_rate for st in sts),
        num_peers=sum(st.num_peers for st in sts), num_seeds=sum(st.num_seeds for st in sts),
        num_pieces=0, pieces_done=0, piece_length=0, info_hash=base.info_hash if base else "")
    return SeedTotals(
        torrents=len(items),
        seeding=sum(1 for st in sts if st.state == TorrentState.SEEDING),
        checking=sum(1 for it in items if not it.failed and not it.checked),
        errors=sum(1 for it in items if it.failed),
        sum=summed)


def cmd_seed(a: Args, out: Output) -> int:
    """Seeds every --torrent from --save. With several, each torrent's check and failure is its
    own line ({"event":"checked"|"error","torrent":I,...}), progress is one aggregate line
    ({"event":"checking"|"seeding","torrents":N,...}), and a torrent that fails does not stop
    the others (exit 1 only when every one has failed)."""
    n = len(a.torrents)
    out.multi = n > 1
    with _Stop() as stop, _open_session(a, _listen_interfaces(a.port)) as s:
        _seed_all_at_once(a, s, n)
        items = _add_seeds(s, a)
        start = time.monotonic()
        _announce_port(s, out)
        seen = _Seen()
        tk = _Ticker(out, start)
        unchecked, failed, all_checked_shown = n, 0, False
        last_poll, last_save = -1.0, start
        while not stop.requested():
            try:
                w = tk.wait(time.monotonic())
                woke = s.wait_for_alert(w) if w > 0 else False
                _drain(s, out, seen)
            except Error as e:
                out.end_bar()
                error(f"lost the session: {e}")
                return EXIT_FAIL
            now = time.monotonic()
            due = tk.due(now)
            # Statuses are one call per torrent: read them on a tick, and more often only while
            # checks are under way and something happened.
            if due or (unchecked > 0 and (woke or now - last_poll >= 0.2)):
                last_poll = now
                for i, it in enumerate(items):
                    if it.failed:
                        continue
                    try:
                        it.st = it.t.status()
                    except Error as e:
                        out.end_bar()
                        error(f"lost the session: {e}")
                        return EXIT_FAIL
                    st = it.st
                    if st.state == TorrentState.ERROR:
                        if not out.multi:
                            out.end_bar()
                            _report_torrent_error(it.t, "cannot seed")
                            return EXIT_FAIL
                        _print_failed(out, it, i)
                        it.failed = True
                        failed += 1
                        if not it.checked:
                            unchecked -= 1
                        continue
                    if st.state == TorrentState.CHECKING_FILES:
                        it.saw_checking = True
                    if not it.checked and _check_over(st, n == 1 and seen.checked,
                                                      it.saw_checking, now - start):
                        it.checked = True
                        unchecked -= 1
                        _print_checked(out, a, it, i)
                        if not out.multi:
                            tk.next = now  # the first seeding line right away
                        _connect_peers(it.t, a.peers, out)
                        it.last_dial = now
                    if (it.checked and a.peers and st.num_peers == 0
                            and now - it.last_dial >= PEER_RETRY_SECONDS):
                        _connect_peers(it.t, a.peers, out)
                        it.last_dial = now
                if failed == n:
                    out.end_bar()
                    error(f"cannot seed any of the {n} torrents")
                    return EXIT_FAIL
            if out.multi and unchecked == 0 and not all_checked_shown:
                all_checked_shown = True
                if not out.json and not out.quiet:
                    out.clear_bar()
                    out.write(f"checked: {_add_up(items).seeding} of {n} torrents complete\n")
                tk.next = now  # the first seeding line right away
                due = False
            if due:
                if out.multi:
                    out.seed_totals("checking" if unchecked > 0 else "seeding", _add_up(items))
                    if out.verbose:
                        for i, it in enumerate(items):
                            if it.st is not None:
                                out.seed_torrent(i, it.st)
                elif items[0].st is not None:
                    if items[0].checked:
                        out.seeding(items[0].st)
                    else:
                        out.progress(items[0].st)
            if a.seconds >= 0 and now - start >= a.seconds:
                break
            if (n == 1 and items[0].checked and a.resume is not None
                    and now - last_save >= RESUME_SAVE_SECONDS):
                _save_resume(items[0].t, a.resume)
                last_save = now
        uploaded = 0
        for it in items:
            if not it.failed:
                try:
                    it.st = it.t.status()
                except Error:
                    pass
            uploaded += it.st.total_upload if it.st else 0
        if n == 1:
            _save_resume(items[0].t, a.resume)
        out.end_bar()
        seconds = time.monotonic() - start
        if out.json:
            j = (JsonLine().string("event", "stopped").integer("uploaded", uploaded)
                 .fixed("seconds", seconds, 3))
            if out.multi:
                j.integer("torrents", n)
            out.line(j)
        elif not out.quiet:
            out.write(f"stopped after {seconds:.1f} s, uploaded {format_bytes(uploaded)}\n")
    return EXIT_OK


def _print_nodes(out: Output, st: DhtStats) -> None:
    if out.json:
        out.line(JsonLine().string("event", "dht").integer("nodes", st.nodes)
                 .integer("nodes4", st.nodes4).integer("nodes6", st.nodes6)
                 .integer("peers", st.peers).integer("packets_in", st.packets_in)
                 .integer("packets_out", st.packets_out))
    elif not out.quiet:
        out.write(f"dht: {st.nodes} nodes ({st.nodes4} IPv4, {st.nodes6} IPv6), "
                  f"{st.peers} peers stored\n")


def _print_announced(out: Output, ih: str, ok: bool, msg: str) -> None:
    if out.json:
        j = JsonLine().string("event", "announced").string("info_hash", ih).boolean("ok", ok)
        if not ok:
            j.string("msg", msg)
        out.line(j)
    elif not out.quiet:
        out.write(f"announced {ih}\n" if ok else f"announcing {ih} failed: {terminal_text(msg)}\n")


def cmd_dht(a: Args, out: Output) -> int:
    with _Stop() as stop, _open_session(a, _listen_interfaces(a.port)) as s:
        start = time.monotonic()
        _announce_port(s, out)
        tk = _Ticker(out, start)
        tk.period = 1.0
        announced = 0
        last_try = -1.0
        seen = _Seen()
        st: Optional[DhtStats] = None
        while not stop.requested():
            try:
                s.wait_for_alert(tk.wait(time.monotonic()))
                _drain(s, out, seen)
                st = s.dht_stats()
            except Error as e:
                error(f"lost the session: {e}")
                return EXIT_FAIL
            now = time.monotonic()
            if (a.announce is not None and announced == 0 and st.nodes > 0
                    and (last_try < 0 or now - last_try >= 2.0)):
                last_try = now
                msg = ""
                try:
                    s.dht_announce(a.announce, 0, 5.0)
                    announced = 1
                except Error as e:
                    msg = str(e)
                if announced or now - start > 10:
                    _print_announced(out, a.announce, announced == 1, msg)
                if not announced and now - start > 10:
                    announced = -1  # reported; stop trying
            if tk.due(now):
                _print_nodes(out, st)
            if a.seconds >= 0 and now - start >= a.seconds:
                break
        if out.json:
            out.line(JsonLine().string("event", "stopped").integer("nodes", st.nodes if st else 0)
                     .fixed("seconds", time.monotonic() - start, 3))
    return EXIT_OK


def cmd_make(a: Args, out: Output) -> int:
    assert a.data is not None and a.out is not None
    # A session that does not listen, opened first so that a bad --set fails before hashing.
    with _open_session(a, "") as s:
        try:
            data = create_torrent(a.data, piece_size=a.piece_size, trackers=a.trackers,
                                  web_seeds=a.webseeds, private=a.private, comment=a.comment)
        except Error as e:
            error(f"cannot make a torrent of {a.data}: {e}")
            return EXIT_USAGE
        # Describe it as libbt reads it: added paused, saving into an empty temporary directory.
        try:
            with tempfile.TemporaryDirectory(prefix="bt-make-") as tmp:
                t = s.add_torrent(data, save_path=tmp, paused=True)
                st, name, magnet, nfiles = t.status(), t.name, t.magnet, t.num_files()
                s.remove_torrent(t)
        except Error as e:
            error(f"libbt cannot read the torrent it made: {e}")
            return EXIT_FAIL
        try:
            with open(a.out, "wb") as f:
                f.write(data)
        except OSError as e:
            error(f"cannot write {a.out}: {e.strerror or e}")
            if not isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError,
                                  NotADirectoryError)):
                try:
                    os.remove(a.out)
                except OSError:
                    pass
                return EXIT_FAIL
            return EXIT_USAGE
    if out.json:
        out.line(JsonLine().string("made", a.out).string("info_hash", st.info_hash)
                 .integer("pieces", st.num_pieces).string("magnet", magnet).string("name", name)
                 .integer("files", nfiles).integer("bytes", st.total_size)
                 .integer("piece_size", st.piece_length))
    else:
        out.write(
            f'made {terminal_text(a.out)}: "{terminal_text(name)}", {nfiles} file{"" if nfiles == 1 else "s"}, '
            f"{format_bytes(st.total_size)} in {st.num_pieces} pieces of "
            f"{format_bytes(st.piece_length)}\n"
            f"info hash: {st.info_hash}\nmagnet:    {terminal_text(magnet)}\n"
        )
    return EXIT_OK


def cmd_version(a: Args, out: Output) -> int:
    if a.json:  # only when asked: scripts read "bt X (libbt Y)"
        out.line(JsonLine().string("bt", __version__).string("libbt", lib_version))
    else:
        out.write(f"bt {__version__} (libbt {lib_version})\n")
    major_minor = [int(x) for x in __version__.split(".")[:2]]
    if lib_version_number // 100 != major_minor[0] * 100 + major_minor[1]:
        warn(f"built against libbt {__version__} but running with {lib_version}")
    return EXIT_OK


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        a = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as e:
        error(str(e))
        return EXIT_USAGE
    out = Output(a.json or not sys.stdout.isatty(), a.quiet, a.verbose)
    try:
        if a.command == "help":
            out.write(USAGE)
            return EXIT_OK
        if a.command == "version":
            return cmd_version(a, out)
        if a.command == "make":
            return cmd_make(a, out)
        if a.command == "seed":
            return cmd_seed(a, out)
        if a.command == "dht":
            return cmd_dht(a, out)
        return cmd_get(a, out)
    except _Fail as f:
        out.end_bar()
        return f.code
    except Error as e:  # not expected: every libbt call above reports its own failure
        out.end_bar()
        error(str(e))
        return EXIT_FAIL
    except BrokenPipeError:
        return EXIT_FAIL
    except KeyboardInterrupt:  # make has no stop handler: Ctrl-C while hashing
        out.end_bar()
        return 130
