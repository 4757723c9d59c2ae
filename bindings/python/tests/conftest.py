"""Shared fixtures. Finds libbt.so in the repo's build dir when LIBBT_LIBRARY is unset, and
imports the package from this source tree (pyproject sets pythonpath = ["."])."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

PKG_ROOT = Path(__file__).resolve().parent.parent  # bindings/python
REPO = PKG_ROOT.parent.parent
BUILD_DIR = Path(os.environ.get("LIBBT_BUILD_DIR") or REPO / "build")
BUILD_LIB = BUILD_DIR / "lib" / "libbt.so.0"

if not os.environ.get("LIBBT_LIBRARY") and BUILD_LIB.exists():
    os.environ["LIBBT_LIBRARY"] = str(BUILD_LIB)
if str(PKG_ROOT) not in sys.path:
    sys.path.insert(0, str(PKG_ROOT))

import libbt  # noqa: E402

LOOPBACK = "127.0.0.1:0"


def have_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture
def make_session() -> Iterator[Callable[..., libbt.Session]]:
    """Sessions listening on loopback only; all closed at teardown."""
    made: list[libbt.Session] = []

    def make(**kw: object) -> libbt.Session:
        kw.setdefault("listen_interfaces", LOOPBACK)
        s = libbt.Session(**kw)  # type: ignore[arg-type]
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def session(make_session: Callable[..., libbt.Session]) -> libbt.Session:
    return make_session()


def write_tree(root: Path, sizes: dict[str, int], seed: int = 1) -> dict[str, bytes]:
    """Writes files of pseudo-random bytes under root; returns relative path -> content."""
    import random

    rnd = random.Random(seed)
    out = {}
    for rel, size in sizes.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        data = rnd.randbytes(size)
        p.write_bytes(data)
        out[rel] = data
    return out


@pytest.fixture
def data_dir(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A small multi-file torrent payload: tmp/seed/payload/{a.bin,sub/b.bin,sub/c.txt}."""
    root = tmp_path / "seed" / "payload"
    files = write_tree(root, {"a.bin": 300_000, "sub/b.bin": 150_001, "sub/c.txt": 17})
    return root, files
