"""Fast resume files: writing them atomically, reading them back."""

from __future__ import annotations

import os
from ctypes import c_uint8
from typing import Optional, Union

from ._errors import InvalidArgument, check
from ._lib import lib

__all__ = ["write_resume_file", "read_resume_file"]

PathLike = Union[str, "os.PathLike[str]"]


def write_resume_file(path: PathLike, data: Union[bytes, bytearray, memoryview]) -> None:
    """Writes resume data (from ``Torrent.save_resume_data()``) to ``path`` atomically: a
    temporary file in the same directory, fsync, rename, fsync of the directory. A crash leaves
    the old file or the new one, never a torn one."""
    p = os.fsencode(path)
    if b"\0" in p:
        raise InvalidArgument("path contains a NUL character")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidArgument("libbt: resume data must be bytes")
    b = bytes(data)
    buf = (c_uint8 * max(len(b), 1)).from_buffer_copy(b.ljust(1, b"\0"))
    check(lib.bt_write_resume_file(p, buf, len(b)))


def read_resume_file(path: PathLike) -> Optional[bytes]:
    """The resume data in ``path``, or None if there is no such file."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
