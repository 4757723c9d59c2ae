"""Hostile and odd .torrent files against `bt get`, with the real libtorrent loading the same
files for comparison (issue 9).

- /dev/zero as a torrent, and a 26.6 MB torrent of 1,000,000 files: refused fast by a named
  load limit (max_buffer_size, max_decode_tokens), with bt's peak RSS measured and bounded.
- one file 300,000 directories deep (a 0.9 MB torrent): refused by max_directory_depth; with
  that limit raised, loaded in linear time, and bt answers SIGTERM at once.
- torrents libtorrent loads that libbt refused before (or, for control characters and
  over-long names, loaded but wrote under other names or failed to write) (unsorted keys, a trailing byte, paths
  with "..", empty or absolute elements, backslashes, control characters, over-long names, two
  files with one path, a file that is another's directory, a symlink without a length): each
  one loads in both, and a torrent with all of them is downloaded from libtorrent with every
  file at the path libtorrent gives it, nothing outside the save directory.
"""
import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BT, SYSTEM_PYTHON, bt, free_port, ltpeer

MB = 1024 * 1024


def benc(x) -> bytes:
    """Bencodes x. A dict is written in its own key order (so a test can write unsorted
    keys); use sorted_dict for canonical order."""
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode("utf-8", "surrogateescape")
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(benc(i) for i in x) + b"e"
    if isinstance(x, dict):
        return b"d" + b"".join(benc(k) + benc(v) for k, v in x.items()) + b"e"
    raise TypeError(type(x))


def sorted_dict(d: dict) -> dict:
    return {k: d[k] for k in sorted(d, key=lambda k: k.encode())}


class Run:
    def __init__(self, rc, stdout, stderr, maxrss_kb, seconds):
        self.rc, self.stdout, self.stderr, self.maxrss_kb, self.seconds = rc, stdout, stderr, maxrss_kb, seconds


# Starts the program from a small Python of its own, not from pytest: a child's ru_maxrss
# includes the memory of the process it was forked from, and pytest holds hundreds of MB here.
LAUNCHER = """
import json, os, sys, time
timeout, out, err, argv = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
start = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
    os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    os.execv(argv[0], argv)
killed = False
while True:
    p, status, usage = os.wait4(pid, os.WNOHANG)
    if p:
        break
    if time.monotonic() - start > timeout and not killed:
        os.kill(pid, 9)
        killed = True
    time.sleep(0.01)
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
                  "seconds": time.monotonic() - start, "killed": killed}))
"""


def run_measured(argv, timeout, cwd) -> Run:
    """Runs argv to its end and returns its exit code, output, peak RSS (wait4's ru_maxrss,
    in KiB) and wall time; a process still running after timeout is killed and fails the test."""
    out, err = Path(cwd) / "out.log", Path(cwd) / "err.log"
    res = subprocess.run([SYSTEM_PYTHON, "-c", LAUNCHER, str(timeout), out, err, *map(str, argv)],
                         check=True, capture_output=True, timeout=timeout + 60)
    r = json.loads(res.stdout)
    if r["killed"]:
        pytest.fail(f"{argv[:3]} still running after {timeout}s")
    return Run(r["rc"], out.read_text(errors="replace"), err.read_text(errors="replace"), r["maxrss_kb"], r["seconds"])


def lt_load(path: Path) -> dict:
    """Loads a .torrent with libtorrent 2.0 (default load_torrent_limits): its files, or why not."""
    code = (
        "import json, sys, time, libtorrent as lt\n"
        "t = time.monotonic()\n"
        "try:\n"
        "    ti = lt.torrent_info(sys.argv[1])\n"
        "except Exception as e:\n"
        "    print(json.dumps({'error': str(e), 'seconds': time.monotonic() - t})); sys.exit()\n"
        "fs = ti.files()\n"
        "print(json.dumps({'seconds': time.monotonic() - t, 'name': ti.name(), 'info_hash': str(ti.info_hash()),\n"
        "    'files': [{'path': fs.file_path(i), 'size': fs.file_size(i), 'flags': int(fs.file_flags(i))}\n"
        "              for i in range(fs.num_files())]}))\n")
    out = subprocess.run([SYSTEM_PYTHON, "-c", code, str(path)], check=True, capture_output=True, timeout=120)
    return json.loads(out.stdout)


def bt_get(torrent, save, *extra):
    return bt("get", "--torrent", torrent, "--save", save, "--port", free_port(), "--json", *extra)


def deep_torrent(tmp_path: Path, depth: int = 300_000) -> Path:
    info = sorted_dict({"name": "deep", "piece length": 16384, "pieces": b"\0" * 20,
                        "files": [sorted_dict({"length": 1, "path": ["a"] * depth + ["f"]})]})
    p = tmp_path / "deep.torrent"
    p.write_bytes(benc({"info": info}))
    return p


def many_files_torrent(tmp_path: Path, n: int) -> Path:
    body = b"".join(b"d6:lengthi1e4:pathl%d:%s.binee" % (len(str(i)) + 4, str(i).encode()) for i in range(n))
    pieces = (n + 16383) // 16384
    data = (b"d4:infod5:filesl" + body + b"e4:name4:many12:piece lengthi16384e6:pieces%d:" % (20 * pieces)
            + b"\0" * (20 * pieces) + b"ee")
    p = tmp_path / "many.torrent"
    p.write_bytes(data)
    return p


def test_dev_zero_is_refused_fast_by_max_buffer_size(tmp_path):
    r = run_measured(bt_get("/dev/zero", tmp_path / "save", "--seconds", 30), 60, tmp_path)
    assert r.rc == 2, (r.rc, r.stderr)
    assert "max_buffer_size exceeded: 10000001 > 10000000" in r.stderr, r.stderr
    # Reads at most 10 MB + 1 byte: the whole process stays small and is done at once.
    assert r.maxrss_kb < 100 * 1024, f"peak RSS {r.maxrss_kb} KiB"
    assert r.seconds < 20, r.seconds
    print(f"/dev/zero refused by max_buffer_size: peak RSS {r.maxrss_kb // 1024} MiB, {r.seconds:.2f} s")


def test_a_million_files_are_refused_with_bounded_memory(tmp_path):
    torrent = many_files_torrent(tmp_path, 1_000_000)
    assert torrent.stat().st_size > 26_000_000
    lt = lt_load(torrent)
    assert "error" in lt, "libtorrent refuses it too (max_buffer_size)"

    r = run_measured(bt_get(torrent, tmp_path / "save", "--seconds", 30), 120, tmp_path)
    assert r.rc == 2 and "max_buffer_size exceeded" in r.stderr, (r.rc, r.stderr)
    assert r.maxrss_kb < 100 * 1024, f"peak RSS {r.maxrss_kb} KiB (stat refuses it unread)"

    # With the file size limit raised, the token count refuses it while scanning, before any
    # file is decoded: the peak is the 26.6 MB file, not the 702 MiB libbt took before.
    r = run_measured(bt_get(torrent, tmp_path / "save", "--seconds", 30, "--set", "max_buffer_size=100000000"),
                     120, tmp_path)
    assert r.rc == 2 and "max_decode_tokens exceeded: 3000001 > 3000000" in r.stderr, (r.rc, r.stderr)
    assert r.maxrss_kb < 150 * 1024, f"peak RSS {r.maxrss_kb} KiB"
    print(f"1,000,000 files refused by max_decode_tokens: peak RSS {r.maxrss_kb // 1024} MiB, {r.seconds:.2f} s")


def test_deep_path_is_refused_by_max_directory_depth(tmp_path):
    torrent = deep_torrent(tmp_path)
    assert torrent.stat().st_size < 1_000_000
    lt = lt_load(torrent)
    # libtorrent 2.0.8 loads it (2.0.12+ refuses it by its max_directory_depth of 100, as libbt).
    assert lt.get("files") and lt["files"][0]["path"].count("/") == 300_001, lt.get("error")
    r = run_measured(bt_get(torrent, tmp_path / "save", "--seconds", 30), 60, tmp_path)
    assert r.rc == 2, (r.rc, r.stderr)
    assert "max_directory_depth exceeded: 300001 > 100" in r.stderr, r.stderr
    assert r.seconds < 20, r.seconds
    print(f"deep path: libtorrent loads it in {lt['seconds']:.2f} s, bt refuses it in {r.seconds:.2f} s")


def test_deep_path_with_the_limit_raised_loads_and_bt_answers_sigterm(tmp_path, procs):
    torrent = deep_torrent(tmp_path)
    save = tmp_path / "save"
    start = time.monotonic()
    p = procs(bt_get(torrent, save, "--seconds", 300, "--set", "max_directory_depth=1000000"), "bt-deep")
    # Loaded, storage opened (every path check over the 300,000 levels) and checked: it is
    # waiting for peers it does not have.
    p.wait_for(lambda l: l.get("state") == "downloading", 120)
    loaded = time.monotonic() - start
    p.p.send_signal(signal.SIGTERM)
    t = time.monotonic()
    p.finish(15)
    print(f"deep path with max_directory_depth raised: downloading after {loaded:.2f} s, "
          f"exited {time.monotonic() - t:.2f} s after SIGTERM")
    # Nothing was created outside the save directory.
    assert {x.name for x in tmp_path.iterdir()} <= {"deep.torrent", "save", "bt-deep.log"}


# Each shape libtorrent loads and libbt refused before; (info dict, raw bytes transform).
CONTENT = b"x" * 1000


def case_info(files, name="t"):
    total = sum(f.get("length", 0) for f in files)
    pieces = max(1, (total + 16383) // 16384)
    return sorted_dict({"name": name, "piece length": 16384, "pieces": b"\0" * 20 * pieces,
                        "files": [sorted_dict(f) for f in files]})


def f(length, *path, **kw):
    return {"length": length, "path": list(path), **kw}


LIBERAL_CASES = {
    "unsorted keys": lambda: b"d4:info" + benc({"piece length": 16384, "name": "x", "pieces": b"\0" * 20,
                                                 "length": 5}) + b"8:announce4:httpe",
    "trailing byte": lambda: benc({"info": sorted_dict({"length": 5, "name": "x", "piece length": 16384,
                                                        "pieces": b"\0" * 20})}) + b"\n",
    "dot-dot elements": lambda: benc({"info": case_info([f(1, "..", "..", "etc", "passwd"), f(1, "a", "..", "b")])}),
    "empty and dot elements": lambda: benc({"info": case_info([f(1, "a", "", "b"), f(1, ".", "c")])}),
    "absolute path and backslashes": lambda: benc({"info": case_info([f(1, "/etc/passwd"), f(1, "..\\..\\win.ini")])}),
    "control characters": lambda: benc({"info": case_info([f(1, "a\x01b\x1fc")])}),
    "over-long name": lambda: benc({"info": case_info([f(1, "x" * 300 + ".mkv")])}),
    "duplicate paths": lambda: benc({"info": case_info([f(1, "dup.txt"), f(1, "dup.txt"), f(1, "DUP.txt")])}),
    "file that is a directory": lambda: benc({"info": case_info([f(1, "a"), f(1, "a", "b")])}),
    "symlink without length": lambda: benc({"info": case_info([
        f(1, "a"), {"attr": "l", "path": ["link"], "symlink path": ["a"]}])}),
}


@pytest.mark.parametrize("case", sorted(LIBERAL_CASES))
def test_torrents_libtorrent_loads_are_loaded(tmp_path, case):
    torrent = tmp_path / "case.torrent"
    torrent.write_bytes(LIBERAL_CASES[case]())
    lt = lt_load(torrent)
    assert "files" in lt, f"libtorrent refuses it: {lt.get('error')}"
    r = run_measured(bt_get(torrent, tmp_path / "save", "--seconds", 1), 60, tmp_path)
    # Added, then ran out of time without peers (exit 1); a refused add is exit 2.
    assert r.rc == 1, (r.rc, r.stderr)
    assert "cannot add" not in r.stderr


def test_hostile_paths_are_downloaded_from_libtorrent_at_libtorrent_paths(tmp_path, procs):
    contents = [bytes([65 + i]) * (5000 + 777 * i) for i in range(10)]
    paths = [["..", "..", "escape.txt"], ["/etc", "passwd"], ["..\\..\\win.ini"], ["a", "", ".", "b.txt"],
             ["dup.txt"], ["DUP.txt"], ["dir"], ["dir", "inner.txt"], ["ctl\x01\x1f.txt"], ["x" * 300 + ".mkv"]]
    stream = b"".join(contents)
    pieces = b"".join(hashlib.sha1(stream[o:o + 16384]).digest() for o in range(0, len(stream), 16384))
    files = [sorted_dict({"length": len(c), "path": p}) for c, p in zip(contents, paths)]
    files.append({"attr": "l", "path": ["link"], "symlink path": ["..", "..", "etc"]})
    # Unsorted keys inside and outside the info dict, and a trailing byte.
    info = {"piece length": 16384, "name": "hostile", "pieces": pieces, "files": files}
    torrent = tmp_path / "hostile.torrent"
    torrent.write_bytes(benc({"info": info, "announce": "http://127.0.0.1:1/"}) + b"\n")

    lt = lt_load(torrent)
    assert "files" in lt, lt
    regular = [(x["path"], c) for x, c in zip(lt["files"], contents)]
    seed = tmp_path / "seed"
    for path, c in regular:
        (seed / path).parent.mkdir(parents=True, exist_ok=True)
        (seed / path).write_bytes(c)
    port = free_port()
    procs(ltpeer("seed", "--torrent", torrent, "--save", seed, "--port", port, "--transport", "tcp",
                 "--seconds", 120), "ltpeer-seed").wait_for(lambda l: "seeding" in l, 30)

    outer = tmp_path / "outer"
    save = outer / "a" / "b"
    g = procs(bt_get(torrent, save, "--peer", f"127.0.0.1:{port}", "--seconds", 60), "bt-get")
    line = g.wait_for(lambda l: "done" in l, 60)
    assert line["done"] is True, line
    assert g.finish(10) == 0
    for path, c in regular:
        assert (save / path).read_bytes() == c, path
    written = sorted(str(p.relative_to(outer)) for p in outer.rglob("*") if p.is_file())
    assert written == sorted(str(Path("a/b") / path) for path, _ in regular), written
    assert not (save / "hostile" / "link").exists(), "libbt creates no symlinks"
