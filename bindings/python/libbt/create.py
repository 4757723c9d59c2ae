"""create_torrent: hash files into .torrent bytes, and info_hash_of to read one back."""

from __future__ import annotations

import hashlib
import os
from ctypes import byref, c_char_p, c_int, c_size_t, c_void_p
from typing import Optional, Sequence, Union

from ._errors import InvalidArgument, ParseError, check
from ._lib import CreateParams, lib, take_bytes

__all__ = ["create_torrent", "info_hash_of"]

Trackers = Sequence[Union[str, Sequence[str]]]


def _enc(s: str, what: str) -> bytes:
    if not isinstance(s, str):
        raise InvalidArgument(f"{what} must be a str, got {type(s).__name__}")
    b = s.encode("utf-8")
    if b"\0" in b:
        raise InvalidArgument(f"{what} contains a NUL character")
    return b


def create_torrent(
    path: Union[str, "os.PathLike[str]"],
    piece_size: int = 0,
    trackers: Optional[Trackers] = None,
    web_seeds: Optional[Sequence[str]] = None,
    private: bool = False,
    comment: Optional[str] = None,
    creator: Optional[str] = None,
) -> bytes:
    """Hashes a file or directory and returns .torrent bytes.

    ``trackers`` is a list of URLs (one tier each) or of tiers (lists of URLs), mixed freely;
    ``piece_size`` 0 picks one automatically.
    """
    urls: list[bytes] = []
    tiers: list[int] = []
    tiered = False
    for tier, entry in enumerate(trackers or ()):
        if isinstance(entry, str):
            urls.append(_enc(entry, "tracker"))
            tiers.append(tier)
        elif isinstance(entry, (list, tuple)):
            tiered = True
            for url in entry:
                urls.append(_enc(url, "tracker"))
                tiers.append(tier)
        else:
            raise InvalidArgument(f"tracker {entry!r}: want a URL or a list of URLs (a tier)")
    seeds = [_enc(u, "web seed") for u in (web_seeds or ())]
    if isinstance(piece_size, bool) or not isinstance(piece_size, int) or piece_size < 0:
        raise InvalidArgument(f"piece_size {piece_size!r}: want an int >= 0")

    p = CreateParams()
    p.path = os.fsencode(path)
    if b"\0" in p.path:
        raise InvalidArgument("path contains a NUL character")
    p.piece_size = piece_size
    url_arr = (c_char_p * max(len(urls), 1))(*urls)
    tier_arr = (c_int * max(len(tiers), 1))(*tiers)
    seed_arr = (c_char_p * max(len(seeds), 1))(*seeds)
    if urls:
        p.trackers = url_arr
        p.num_trackers = len(urls)
        if tiered:
            p.tracker_tiers = tier_arr
    if seeds:
        p.web_seeds = seed_arr
        p.num_web_seeds = len(seeds)
    p.is_private = 1 if private else 0
    p.comment = _enc(comment, "comment") if comment is not None else None
    p.creator = _enc(creator, "creator") if creator is not None else None

    out = c_void_p()
    size = c_size_t(0)
    check(lib.bt_create_torrent(byref(p), byref(out), byref(size)))
    return take_bytes(out, size.value)


def _bdecode_end(data: bytes, i: int) -> int:
    """Index just past the bencoded value starting at ``i`` (a tiny validating skipper)."""
    c = data[i : i + 1]
    if c == b"i":
        j = data.index(b"e", i)
        int(data[i + 1 : j])
        return j + 1
    if c in (b"l", b"d"):
        i += 1
        while data[i : i + 1] != b"e":
            if i >= len(data):
                raise ValueError("unterminated list or dict")
            i = _bdecode_end(data, i)
        return i + 1
    if c.isdigit():
        j = data.index(b":", i)
        n = int(data[i:j])
        if n < 0 or j + 1 + n > len(data):
            raise ValueError("string runs past the end")
        return j + 1 + n
    raise ValueError(f"unexpected byte {c!r} at {i}")


def info_hash_of(torrent: bytes) -> str:
    """The v1 info hash (hex SHA-1 of the bencoded info dict) of .torrent bytes."""
    try:
        if torrent[:1] != b"d":
            raise ValueError("not a dict")
        i = 1
        while torrent[i : i + 1] != b"e":
            if i >= len(torrent):
                raise ValueError("unterminated dict")
            key_end = _bdecode_end(torrent, i)
            key = torrent[torrent.index(b":", i) + 1 : key_end]
            val_end = _bdecode_end(torrent, key_end)
            if key == b"info":
                return hashlib.sha1(torrent[key_end:val_end]).hexdigest()
            i = val_end
    except (ValueError, IndexError, RecursionError) as e:
        raise ParseError(f"libbt: not a .torrent: {e}") from None
    raise ParseError("libbt: not a .torrent: no info dict")
