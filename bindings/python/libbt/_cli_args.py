"""The ``bt`` command line, parsed exactly as examples/c/bt/args.c does: options before or after
the command, ``--name value`` or ``--name=value``, each checked against the commands it applies
to. Every usage error is one ``bt: ...`` line and exit status 2."""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

__all__ = ["Args", "UsageError", "parse_args", "USAGE", "parse_endpoint"]

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

USAGE = """\
usage:
  bt make --data PATH --out FILE [--piece-size BYTES] [--tracker URL]...
          [--webseed URL]... [--private] [--comment TEXT]
  bt seed --torrent FILE [--torrent FILE]... --save DIR [--port P] [--seconds S]
          [--peer HOST:PORT]...   (each torrent seeded from DIR)
  bt get  (--torrent FILE | --magnet URI) --save DIR [--peer HOST:PORT]...
          [--port P] [--seconds S] [--webseed URL]...
  seed and get also take: [--resume FILE] [--encryption forced|enabled|disabled]
          [--dht [--dht-bootstrap HOST:PORT]...]; seed takes [--super-seed]
  bt dht  [--port P] [--dht-bootstrap HOST:PORT]... [--announce HEX] [--seconds S]
  bt --version
  bt help
common options:
  --json            one JSON object per line (the default when stdout is not a terminal)
  --set NAME=VALUE  any libbt setting, e.g. --set connections_limit=50 (repeatable)
  --quiet           no progress output, only results and errors
  --verbose         print every alert, peer alerts included
HOST:PORT is 1.2.3.4:6881 or [::1]:6881. --port listens on 127.0.0.1 and [::1]
(default: any free port). Exit status: 0 done, 1 failed or out of time, 2 bad input.
"""

COMMANDS = ("make", "seed", "get", "version", "help", "dht")
_ALL = frozenset(COMMANDS)
_MAKE, _SEED, _GET = frozenset({"make"}), frozenset({"seed"}), frozenset({"get"})
_DHT = frozenset({"dht"})
ENCRYPTION = {"forced": 0, "enabled": 1, "disabled": 2}  # out/in_enc_policy values


@dataclass(frozen=True)
class _Opt:
    name: str
    takes_value: bool
    repeatable: bool
    commands: frozenset[str]


_OPTIONS = {
    o.name: o
    for o in (
        _Opt("json", False, True, _ALL),
        _Opt("quiet", False, True, _ALL),
        _Opt("verbose", False, True, _ALL),
        _Opt("set", True, True, _ALL),
        _Opt("help", False, True, _ALL),
        _Opt("version", False, True, _ALL),
        _Opt("data", True, False, _MAKE),
        _Opt("out", True, False, _MAKE),
        _Opt("piece-size", True, False, _MAKE),
        _Opt("tracker", True, True, _MAKE),
        _Opt("webseed", True, True, _MAKE | _GET),
        _Opt("private", False, False, _MAKE),
        _Opt("comment", True, False, _MAKE),
        _Opt("torrent", True, True, _SEED | _GET),
        _Opt("magnet", True, False, _GET),
        _Opt("save", True, False, _SEED | _GET),
        _Opt("port", True, False, _SEED | _GET | _DHT),
        _Opt("seconds", True, False, _SEED | _GET | _DHT),
        _Opt("peer", True, True, _SEED | _GET),
        _Opt("resume", True, False, _SEED | _GET),
        _Opt("encryption", True, False, _SEED | _GET),
        _Opt("super-seed", False, False, _SEED),
        _Opt("dht", False, False, _SEED | _GET),
        _Opt("dht-bootstrap", True, True, _SEED | _GET | _DHT),
        _Opt("announce", True, False, _DHT),
    )
}


class UsageError(Exception):
    """Bad arguments or input: printed as one ``bt: <message>`` line, exit status 2."""


@dataclass
class Args:
    command: str = ""
    json: bool = False
    quiet: bool = False
    verbose: bool = False
    sets: list[str] = field(default_factory=list)
    trackers: list[str] = field(default_factory=list)
    webseeds: list[str] = field(default_factory=list)
    peers: list[str] = field(default_factory=list)
    data: Optional[str] = None
    out: Optional[str] = None
    comment: Optional[str] = None
    torrent: Optional[str] = None  # the first --torrent
    torrents: list[str] = field(default_factory=list)  # every --torrent (seed takes several)
    magnet: Optional[str] = None
    save: Optional[str] = None
    piece_size: int = 0  # 0 = automatic
    private: bool = False
    port: int = -1  # -1: any free port
    seconds: float = -1.0  # < 0: no limit
    dht_bootstrap: list[str] = field(default_factory=list)
    resume: Optional[str] = None
    encryption: int = -1  # -1 unset, else out/in_enc_policy 0 forced, 1 enabled, 2 disabled
    super_seed: bool = False
    dht: bool = False
    announce: Optional[str] = None


def parse_int64(s: str) -> Optional[int]:
    if not re.fullmatch(r"[+-]?[0-9]+", s):
        return None
    v = int(s)
    return v if -(2**63) <= v < 2**63 else None


def parse_size(s: str) -> Optional[int]:
    """Bytes with an optional K/M/G suffix (powers of 1024), e.g. 262144, 256K, 1MiB."""
    m = re.fullmatch(r"([0-9]+)(?:([kKmMgG])[iI]?[bB]?)?", s)
    if not m:
        return None
    v = int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[(m.group(2) or "").lower()]
    return v if v < 2**63 else None


def parse_seconds(s: str) -> Optional[float]:
    if not re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", s):
        return None
    v = float(s)
    return v if math.isfinite(v) and v >= 0 else None


def parse_port(s: str) -> Optional[int]:
    if not s[:1].isdigit():
        return None
    v = parse_int64(s)
    return v if v is not None and v <= 65535 else None


def parse_endpoint(s: str) -> bool:
    """True for ``1.2.3.4:P`` or ``[v6]:P`` with P in 1..65535."""
    if s.startswith("["):
        close = s.find("]")
        if close < 0 or s[close + 1 : close + 2] != ":":
            return False
        host, port, version = s[1:close], s[close + 2 :], 6
    else:
        host, sep, port = s.rpartition(":")
        if not sep:
            return False
        version = 4
    try:
        ok = ipaddress.ip_address(host).version == version and "%" not in host
    except ValueError:
        return False
    p = parse_port(port)
    return ok and p is not None and p != 0


def _take_value(a: Args, name: str, v: str) -> None:
    if v == "" and name != "comment":
        raise UsageError(f"--{name} needs a non-empty value")
    if name == "set":
        if "=" not in v or v.startswith("="):
            raise UsageError(f"--set takes NAME=VALUE, not '{v}'")
        a.sets.append(v)
    elif name == "tracker":
        a.trackers.append(v)
    elif name == "webseed":
        a.webseeds.append(v)
    elif name == "dht-bootstrap":
        if not parse_endpoint(v):
            raise UsageError(f"--dht-bootstrap '{v}' is not HOST:PORT (1.2.3.4:6881 or [::1]:6881)")
        a.dht_bootstrap.append(v)
    elif name == "encryption":
        if v not in ENCRYPTION:
            raise UsageError(f"--encryption '{v}': want forced, enabled or disabled")
        a.encryption = ENCRYPTION[v]
    elif name == "announce":
        if not re.fullmatch(r"[0-9a-fA-F]{40}", v):
            raise UsageError(f"--announce '{v}' is not an info-hash (40 hex digits)")
        a.announce = v
    elif name == "peer":
        if not parse_endpoint(v):
            raise UsageError(f"--peer '{v}' is not HOST:PORT (1.2.3.4:6881 or [::1]:6881)")
        a.peers.append(v)
    elif name == "piece-size":
        n = parse_size(v)
        if n is None or n <= 0:
            raise UsageError(f"--piece-size '{v}' is not a size in bytes (e.g. 262144 or 256K)")
        a.piece_size = n
    elif name == "port":
        p = parse_port(v)
        if p is None:
            raise UsageError(f"--port '{v}' is not a port number (0-65535)")
        a.port = p
    elif name == "torrent":
        if a.torrent is None:
            a.torrent = v
        a.torrents.append(v)
    elif name == "seconds":
        s = parse_seconds(v)
        if s is None:
            raise UsageError(f"--seconds '{v}' is not a number of seconds")
        a.seconds = s
    else:  # data, out, comment, magnet, save
        setattr(a, name, v)


def parse_args(argv: Sequence[str]) -> Args:
    """Parses argv (without the program name); raises UsageError."""
    a = Args()
    first_seen: dict[str, str] = {}
    want_help = want_version = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "-h":
            want_help = True
            continue
        if not arg.startswith("--") or arg == "--":
            if a.command:
                raise UsageError(f"unexpected argument '{arg}' (try 'bt help')")
            if arg not in COMMANDS:
                raise UsageError(f"unknown command '{arg}' (try 'bt help')")
            a.command = arg
            continue
        name, eq, inline = arg[2:].partition("=")
        o = _OPTIONS.get(name)
        if o is None:
            raise UsageError(f"unknown option '{arg}' (try 'bt help')")
        if o.name in first_seen and not o.repeatable:
            raise UsageError(f"--{o.name} given twice")
        first_seen.setdefault(o.name, arg)
        if not o.takes_value:
            if eq:
                raise UsageError(f"--{o.name} takes no value")
            if o.name in ("json", "quiet", "verbose", "private", "dht"):
                setattr(a, o.name, True)
            elif o.name == "super-seed":
                a.super_seed = True
            elif o.name == "help":
                want_help = True
            else:
                want_version = True
            continue
        if eq:
            value = inline
        elif i < len(argv):
            value = argv[i]
            i += 1
        else:
            raise UsageError(f"--{o.name} needs a value")
        _take_value(a, o.name, value)

    if want_help:
        a.command = "help"
        return a
    if want_version:
        a.command = "version"
        return a
    if not a.command:
        raise UsageError("no command given (try 'bt help')")
    for name, o in _OPTIONS.items():  # in table order, as args.c reports
        if name in first_seen and a.command not in o.commands:
            raise UsageError(f"option '{first_seen[name]}' does not apply to 'bt {a.command}'")
    _check_required(a)
    return a


def _check_required(a: Args) -> None:
    cmd = a.command
    if cmd == "make":
        if a.data is None:
            raise UsageError(f"{cmd}: --data PATH is required")
        if a.out is None:
            raise UsageError(f"{cmd}: --out FILE is required")
    elif cmd == "seed":
        if a.torrent is None:
            raise UsageError(f"{cmd}: --torrent FILE is required")
        if a.save is None:
            raise UsageError(f"{cmd}: --save DIR is required")
        if len(a.torrents) > 1 and a.resume is not None:
            raise UsageError(f"{cmd}: --resume takes a single --torrent")
    elif cmd == "get":
        if len(a.torrents) > 1:
            raise UsageError("--torrent given twice")
        if (a.torrent is None) == (a.magnet is None):
            raise UsageError(f"{cmd}: give exactly one of --torrent FILE and --magnet URI")
        if a.save is None:
            raise UsageError(f"{cmd}: --save DIR is required")
    if cmd in ("seed", "get") and a.dht_bootstrap and not a.dht:
        raise UsageError(f"{cmd}: --dht-bootstrap needs --dht")
