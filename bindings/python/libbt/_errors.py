"""libbt's BT_E_* codes as Python exceptions, and the ``check`` helper every call goes through."""

from __future__ import annotations

from typing import NoReturn

from ._lib import lib

__all__ = [
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
    "check",
    "raise_error",
]

OK = 0


class Error(Exception):
    """Base of every libbt error. ``code`` is the BT_E_* value, ``str(e)`` libbt's message."""

    code: int = 0

    def __init__(self, message: str = "", code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return self.message


class InvalidArgument(Error, ValueError):
    code = -1


class BadHandle(Error):
    """A stale handle: the torrent was removed or the session closed."""

    code = -2


class ParseError(Error, ValueError):
    code = -3


class NotFound(Error, LookupError):
    code = -4


class AlreadyExists(Error):
    code = -5


class DiskError(Error, OSError):
    """BT_E_IO: a file system error (named so as not to shadow the builtin IOError)."""

    code = -6


class UnknownSetting(Error, KeyError):
    code = -7


class SettingTypeError(Error, TypeError):
    code = -8


class StateError(Error):
    code = -9


class Timeout(Error, TimeoutError):
    code = -10


class BufferTooSmall(Error):
    code = -11


class NetworkError(Error, OSError):
    code = -12


class VersionError(Error):
    """BT_E_VERSION: a struct's version is 0 or newer than the loaded libbt knows (the binding
    and the library do not match); the message names the struct and the version."""

    code = -13


class LimitError(Error, ValueError):
    """BT_E_LIMIT: input went past a limit; the message names the limit and the value, e.g.
    ``max_pieces exceeded: 2000001 > 2000000``."""

    code = -14


class InternalError(Error):
    """A bug in libbt (a recovered panic)."""

    code = -99


_BY_CODE: dict[int, type[Error]] = {
    cls.code: cls
    for cls in (
        InvalidArgument,
        BadHandle,
        ParseError,
        NotFound,
        AlreadyExists,
        DiskError,
        UnknownSetting,
        SettingTypeError,
        StateError,
        Timeout,
        BufferTooSmall,
        NetworkError,
        VersionError,
        LimitError,
        InternalError,
    )
}


def make_error(code: int, message: str | None = None) -> Error:
    """The exception for ``code``; ``message`` defaults to bt_last_error() (read it at once)."""
    if message is None:
        raw = lib.bt_last_error() or b""
        message = raw.decode("utf-8", "replace")
        if not message:
            message = (lib.bt_strerror(code) or b"").decode("utf-8", "replace")
    cls = _BY_CODE.get(code, Error)
    # One positional argument only: OSError subclasses would read two as (errno, strerror).
    exc = cls(message)
    exc.code = code
    return exc


def raise_error(code: int, message: str | None = None) -> NoReturn:
    raise make_error(code, message)


def check(rc: int) -> int:
    """Returns ``rc`` if it is not an error, else raises the matching exception."""
    if rc < 0:
        raise make_error(rc)
    return rc
