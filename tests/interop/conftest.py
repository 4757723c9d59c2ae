"""Fixtures for interop tests: the real libtorrent (via ltpeer.py beside this file, the suite's own
reference peer), opentracker and libbt's own `bt` client, all on loopback."""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BT = REPO / "build" / "bin" / "bt"
LTPEER = Path(__file__).resolve().parent / "ltpeer.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def _have_libtorrent() -> bool:
    try:
        subprocess.run([SYSTEM_PYTHON, "-c", "import libtorrent"], check=True, capture_output=True)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def pytest_collection_modifyitems(config, items):
    missing = []
    if not BT.exists():
        missing.append(f"{BT} (run make)")
    if not LTPEER.exists():
        missing.append(str(LTPEER))
    if not _have_libtorrent():
        missing.append("python3-libtorrent (make deps)")
    if missing:
        # Interop is part of the contract: a missing piece is a failure, not a skip.
        raise pytest.UsageError("interop tests need: " + ", ".join(missing))


def free_port() -> int:
    """A port free on both 127.0.0.1 and ::1 (TCP and UDP), for programs that take --port."""
    for _ in range(100):
        port = random.randint(20000, 60000)
        ok = True
        for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(fam, typ)
                try:
                    s.bind((addr, port))
                except OSError:
                    ok = False
                finally:
                    s.close()
        if ok:
            return port
    raise RuntimeError("no free port")


class Proc:
    """A child process printing JSON lines, read by a helper thread-free poll loop."""

    def __init__(self, argv, name, log_dir):
        self.name = name
        self.log = open(log_dir / f"{name}.log", "w+b")
        self.p = subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE, stderr=self.log, cwd=log_dir)
        self.lines = []
        os.set_blocking(self.p.stdout.fileno(), False)
        self._buf = b""

    def poll_lines(self):
        try:
            chunk = self.p.stdout.read()
        except (BlockingIOError, ValueError):
            chunk = None
        if chunk:
            self._buf += chunk
            *complete, self._buf = self._buf.split(b"\n")
            for raw in complete:
                raw = raw.strip()
                if not raw:
                    continue
                try:
                    self.lines.append(json.loads(raw))
                except json.JSONDecodeError:
                    self.lines.append({"raw": raw.decode(errors="replace")})
        return self.lines

    def wait_for(self, pred, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.poll_lines():
                if pred(line):
                    return line
            if self.p.poll() is not None:
                self.poll_lines()
                for line in self.lines:
                    if pred(line):
                        return line
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: condition not met; exit={self.p.poll()} "
                             f"last lines={self.lines[-5:]} stderr={self.stderr()[-2000:]}")

    def finish(self, timeout):
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"{self.name} did not finish in {timeout}s; last lines={self.poll_lines()[-5:]} "
                                 f"stderr={self.stderr()[-2000:]}")
        self.poll_lines()
        return self.p.returncode

    def stderr(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()


@pytest.fixture
def procs(tmp_path):
    started = []

    def start(argv, name):
        p = Proc(argv, name, tmp_path)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def bt(*args):
    return [str(BT), *map(str, args)]


def ltpeer(*args):
    return [SYSTEM_PYTHON, str(LTPEER), *map(str, args)]


def make_content(root: Path) -> Path:
    """Six files, sizes not multiples of any piece size, one in a subfolder (and one deeper)."""
    rnd = random.Random(7)
    d = root / "content"
    sizes = {"alpha.bin": 1_000_003, "beta.txt": 77_777, "sub/gamma.bin": 2_500_001,
             "sub/delta.bin": 12_345, "epsilon.dat": 333_333, "sub/deeper/zeta.bin": 654_321}
    for name, size in sizes.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(rnd.randbytes(size))
    return d


def same_tree(a: Path, b: Path):
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files, "no files compared"
    for rel in files:
        assert (b / rel).is_file(), f"missing {rel}"
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), f"{rel} differs"
