"""Output of the ``bt`` command: the same JSON lines and terminal text as examples/c/bt/output.c
(keys in the same order, numbers with the same decimals)."""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from typing import Optional, TextIO

from ._types import AlertCategory, AlertType, TorrentState, TorrentStatus
from .alerts import Alert

__all__ = ["Output", "SeedTotals", "JsonLine", "state_name", "format_bytes", "format_duration", "error", "warn",
           "terminal_text"]

_STATE_NAMES = {
    TorrentState.CHECKING_FILES: "checking",
    TorrentState.DOWNLOADING_METADATA: "metadata",
    TorrentState.DOWNLOADING: "downloading",
    TorrentState.FINISHED: "finished",
    TorrentState.SEEDING: "seeding",
    TorrentState.ERROR: "error",
}


def state_name(state: int) -> str:
    for member, name in _STATE_NAMES.items():
        if member == state:
            return name
    return "unknown"


# What a terminal acts on or that reorders what it shows: C0 controls and DEL, C1 controls
# (U+009B is a one-character CSI), bidirectional marks, embeddings, overrides and isolates, and
# the lone surrogates that stand for bytes that were not UTF-8 (surrogateescape).
_TERMINAL_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape_char(m: "re.Match[str]") -> str:
    c = m.group()
    o = ord(c)
    if c in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[c]
    if o < 0x20 or o == 0x7F:
        return f"\\x{o:02x}"
    if 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8
        return f"\\x{o - 0xDC00:02x}"
    return f"\\u{o:04x}"


def terminal_text(s: Optional[str]) -> str:
    """Text from the network or a torrent (tracker messages, names, comments, client names, file
    names, errors holding them) made safe for a terminal: everything a terminal would act on is
    shown as a visible escape (``\\x1b``, ``\\u009b``, ``\\u202e``), so such text cannot retitle
    the window, clear the screen or fake output. JSON output is escaped by the JSON rules instead
    and stays exact."""
    return _TERMINAL_CONTROL.sub(_escape_char, s or "")


def _message_line(prefix: str, msg: str) -> str:
    """One line whatever the message holds: line breaks and tabs become spaces, other control
    characters visible escapes."""
    cleaned = terminal_text(msg.replace("\n", " ").replace("\r", " ").replace("\t", " ")).rstrip(" ")
    return prefix + cleaned + "\n"


def error(msg: str) -> None:
    """``bt: <msg>`` on stderr."""
    sys.stdout.flush()
    sys.stderr.write(_message_line("bt: ", msg))
    sys.stderr.flush()


def warn(msg: str) -> None:
    sys.stdout.flush()
    sys.stderr.write(_message_line("bt: warning: ", msg))
    sys.stderr.flush()


def format_bytes(n: float) -> str:
    """"12.3 MiB" (powers of 1024)."""
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    if not n >= 0:
        n = 0
    u = 0
    while n >= 1024 and u + 1 < len(units):
        n /= 1024
        u += 1
    return f"{n:.0f} {units[u]}" if u == 0 else f"{n:.1f} {units[u]}"


def format_duration(seconds: float) -> str:
    """"1:02:03" / "2:03" / "--"."""
    if not math.isfinite(seconds) or seconds < 0 or seconds > 100.0 * 86400:
        return "--"
    s = int(seconds + 0.5)
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


class JsonLine:
    """Builds one JSON object with keys in insertion order; numbers formatted like the C client."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def _key(self, key: str) -> str:
        return json.dumps(key, ensure_ascii=False) + ":"

    def string(self, key: str, value: Optional[str]) -> "JsonLine":
        v = (value or "").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        # json.dumps leaves DEL, C1 controls and bidirectional overrides raw: \u-escape them
        # too (the same string once parsed, inert if the JSON lands on a terminal).
        text = _TERMINAL_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(v, ensure_ascii=False))
        self._parts.append(self._key(key) + text)
        return self

    def integer(self, key: str, value: int) -> "JsonLine":
        self._parts.append(self._key(key) + str(int(value)))
        return self

    def fixed(self, key: str, value: float, decimals: int) -> "JsonLine":
        text = f"{value:.{decimals}f}" if math.isfinite(value) else "null"
        self._parts.append(self._key(key) + text)
        return self

    def boolean(self, key: str, value: bool) -> "JsonLine":
        self._parts.append(self._key(key) + ("true" if value else "false"))
        return self

    def text(self) -> str:
        return "{" + ",".join(self._parts) + "}\n"


def _status_fields(j: JsonLine, st: TorrentStatus) -> JsonLine:
    return (
        j.fixed("progress", st.progress, 4)
        .integer("down", st.download_rate)
        .integer("up", st.upload_rate)
        .integer("peers", st.num_peers)
        .integer("seeds", st.num_seeds)
        .string("state", state_name(st.state))
        .integer("downloaded", st.total_download)
        .integer("uploaded", st.total_upload)
        .integer("wanted", st.total_wanted)
        .integer("wanted_done", st.total_wanted_done)
    )


_BAR_WIDTH = 20

_ALWAYS = {
    AlertType.TORRENT_ERROR,
    AlertType.FILE_ERROR,
    AlertType.TRACKER_ERROR,
    AlertType.LISTEN_FAILED,
    AlertType.METADATA_FAILED,
    AlertType.HASH_FAILED,
    AlertType.ALERTS_DROPPED,
}
_UNLESS_QUIET = {
    AlertType.TRACKER_REPLY,
    AlertType.TRACKER_WARNING,
    AlertType.TORRENT_FINISHED,
    AlertType.TORRENT_CHECKED,
    AlertType.METADATA_RECEIVED,
    AlertType.PERFORMANCE,
    AlertType.DHT_REPLY,
}


@dataclass
class SeedTotals:
    """What several torrents add up to: rates, peers and byte counts summed, progress of the
    wanted bytes, the state of the least advanced torrent."""

    torrents: int
    seeding: int
    checking: int
    errors: int
    sum: TorrentStatus


class Output:
    """JSON lines (``--json`` or stdout not a terminal) or text with a progress bar."""

    def __init__(self, json_mode: bool, quiet: bool, verbose: bool,
                 stream: Optional[TextIO] = None) -> None:
        self.stream = stream or sys.stdout
        self.json = json_mode
        self.quiet = quiet
        self.verbose = verbose
        self.multi = False  # several torrents (bt seed): alert lines name their info_hash
        self._bar = False

    def write(self, s: str) -> None:
        self.stream.write(s)
        self.stream.flush()

    def line(self, j: JsonLine) -> None:
        self.write(j.text())

    def clear_bar(self) -> None:
        if self._bar:
            self.write("\r\033[K")
            self._bar = False

    def end_bar(self) -> None:
        if self._bar:
            self.write("\n")
            self._bar = False

    def listening(self, port: int) -> None:
        if self.json:
            self.line(JsonLine().string("event", "listening").integer("port", port))
        elif not self.quiet:
            self.write(f"listening on port {port}\n")

    def progress(self, st: TorrentStatus) -> None:
        if self.quiet:
            return
        if self.json:
            self.line(_status_fields(JsonLine(), st))
            return
        if st.state == TorrentState.DOWNLOADING_METADATA:
            text = f"\rfetching metadata  {st.num_peers} peers\033[K"
        elif st.state == TorrentState.CHECKING_FILES:
            text = f"\rchecking files {st.progress * 100:5.1f}%\033[K"
        else:
            p = min(max(st.progress, 0.0), 1.0)
            filled = int(p * _BAR_WIDTH)
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            left = st.total_wanted - st.total_wanted_done
            eta = format_duration(left / st.download_rate if st.download_rate > 0 else math.nan)
            text = (
                f"\r{p * 100:5.1f}% [{bar}] {format_bytes(st.download_rate)}/s down  "
                f"{format_bytes(st.upload_rate)}/s up  {st.num_peers} peers  ETA {eta}\033[K"
            )
        self.write(text)
        self._bar = True

    def seeding(self, st: TorrentStatus) -> None:
        if self.quiet:
            return
        if self.json:
            self.line(_status_fields(JsonLine().string("event", "seeding"), st))
            return
        self.write(
            f"\r{state_name(st.state)} {st.progress * 100:5.1f}%  up {format_bytes(st.upload_rate)}/s"
            f"  {st.num_peers} peers  uploaded {format_bytes(st.total_upload)}\033[K"
        )
        self._bar = True

    def seed_totals(self, event: str, t: "SeedTotals") -> None:
        """The aggregate line of several torrents: {"event":E,"torrents":N,<the status keys>,
        "seeding":N,"checking":N,"errors":N}, or a status line."""
        if self.quiet:
            return
        if self.json:
            self.line(_status_fields(JsonLine().string("event", event).integer("torrents", t.torrents),
                                     t.sum)
                      .integer("seeding", t.seeding).integer("checking", t.checking)
                      .integer("errors", t.errors))
            return
        self.write(
            f"\r{t.torrents} torrents: {t.seeding} seeding, {t.checking} checking, {t.errors} failed"
            f"  {t.sum.progress * 100:5.1f}%  up {format_bytes(t.sum.upload_rate)}/s"
            f"  {t.sum.num_peers} peers  uploaded {format_bytes(t.sum.total_upload)}\033[K"
        )
        self._bar = True

    def seed_torrent(self, index: int, st: TorrentStatus) -> None:
        """One torrent of several (--verbose): {"event":"torrent","torrent":I,"info_hash":H,...}."""
        if not self.json or self.quiet:
            return
        self.line(_status_fields(JsonLine().string("event", "torrent").integer("torrent", index)
                                 .string("info_hash", st.info_hash), st))

    def _worth_printing(self, a: Alert) -> bool:
        if self.verbose:
            return True
        if a.type == AlertType.WEB_SEED_ERROR:  # a peer alert too, but about a --webseed
            return True
        if a.category & AlertCategory.PEER:
            return False
        if a.type in _ALWAYS:
            return True
        if a.type in _UNLESS_QUIET:
            return not self.quiet
        return bool(a.category & AlertCategory.ERROR)

    def alert(self, a: Alert) -> None:
        if not self._worth_printing(a):
            return
        if self.json:
            j = JsonLine().string("alert", a.name).string("msg", a.message)
            if a.error != 0:
                j.integer("error", a.error)
            piece = getattr(a, "piece", -1)
            if a.type in (AlertType.HASH_FAILED, AlertType.PIECE_FINISHED) and piece >= 0:
                j.integer("piece", piece)
            if a.type in (AlertType.TRACKER_REPLY, AlertType.DHT_REPLY):
                j.integer("count", getattr(a, "num_peers", 0))
            elif a.type == AlertType.ALERTS_DROPPED:
                j.integer("count", getattr(a, "count", 0))
            for key in ("url", "endpoint", "path"):
                v = getattr(a, key, "")
                if v:
                    j.string(key, v)
            if self.multi and a.info_hash:
                j.string("info_hash", a.info_hash)
            self.line(j)
            return
        self.clear_bar()
        self.write(f"[{a.name}] {terminal_text(a.message)}\n")  # names, tracker replies: not ours
