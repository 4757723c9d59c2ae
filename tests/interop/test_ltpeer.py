"""libbt's `bt` against the real libtorrent (ltpeer.py) and a real tracker (opentracker).

Every transfer moves a six-file torrent (odd sizes, subfolders) and compares the bytes."""
import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import bt, free_port, ltpeer, make_content, same_tree

TIMEOUT = 60


def make_torrent(tmp_path: Path, maker: str, *extra) -> tuple[Path, Path, dict]:
    content = make_content(tmp_path / "seed")
    torrent = tmp_path / "t.torrent"
    argv = (bt if maker == "bt" else ltpeer)("make", "--data", content, "--out", torrent,
                                             "--piece-size", 65536, *extra)
    out = subprocess.run(argv, check=True, capture_output=True, timeout=60)
    info = json.loads(out.stdout.decode().splitlines()[-1])
    return content, torrent, info


def done_line(line):
    return "done" in line


def lt_seed(procs, torrent, save, port, *extra):
    p = procs(ltpeer("seed", "--torrent", torrent, "--save", save, "--port", port,
                     "--transport", "tcp", "--seconds", 120, *extra), "ltpeer-seed")
    p.wait_for(lambda l: "seeding" in l, 20)
    return p


def bt_seed(procs, torrent, save, port, *extra):
    p = procs(bt("seed", "--torrent", torrent, "--save", save, "--port", port, "--seconds", 120,
                 "--json", *extra), "bt-seed")
    p.wait_for(lambda l: l.get("event") == "seeding" or "up" in l, 20)
    return p


def check_done(proc, content: Path, save: Path):
    line = proc.wait_for(done_line, TIMEOUT)
    assert line["done"] is True, line
    assert proc.finish(10) == 0
    assert line["bytes"] > 0
    same_tree(content, save / content.name)


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
@pytest.mark.parametrize("maker", ["bt", "ltpeer"])
def test_bt_get_downloads_from_libtorrent_seeder(tmp_path, procs, family, maker):
    content, torrent, _ = make_torrent(tmp_path, maker)
    port = free_port()
    lt_seed(procs, torrent, content.parent, port)
    host = "127.0.0.1" if family == "ipv4" else "[::1]"
    save = tmp_path / "get"
    getter = procs(bt("get", "--torrent", torrent, "--save", save, "--peer", f"{host}:{port}",
                      "--seconds", TIMEOUT, "--json"), "bt-get")
    check_done(getter, content, save)


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_libtorrent_downloads_from_bt_seed(tmp_path, procs, family):
    content, torrent, _ = make_torrent(tmp_path, "bt")
    port = free_port()
    bt_seed(procs, torrent, content.parent, port)
    host = "127.0.0.1" if family == "ipv4" else "[::1]"
    save = tmp_path / "get"
    getter = procs(ltpeer("get", "--torrent", torrent, "--save", save, "--peer", f"{host}:{port}",
                          "--transport", "tcp", "--seconds", TIMEOUT), "ltpeer-get")
    check_done(getter, content, save)


def test_bt_get_magnet_fetches_metadata_from_libtorrent(tmp_path, procs):
    content, torrent, info = make_torrent(tmp_path, "ltpeer", "--v1only")
    port = free_port()
    lt_seed(procs, torrent, content.parent, port)
    save = tmp_path / "get"
    getter = procs(bt("get", "--magnet", info["magnet"], "--save", save, "--peer", f"127.0.0.1:{port}",
                      "--seconds", TIMEOUT, "--json"), "bt-get")
    check_done(getter, content, save)


def start_opentracker(procs, tmp_path: Path, port: int, info_hash: str):
    """A real opentracker on 127.0.0.1:port (HTTP and UDP) with info_hash whitelisted."""
    root = tmp_path / "opentracker"
    root.mkdir()
    root.chmod(0o755)  # opentracker drops to "nobody" and chroots here
    (root / "whitelist").write_text(info_hash + "\n")
    (root / "whitelist").chmod(0o644)
    tracker = procs(["opentracker", "-i", "127.0.0.1", "-p", port, "-P", port,
                     "-w", "/whitelist", "-d", root, "-u", "nobody"], "opentracker")
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return tracker
        except OSError:
            time.sleep(0.05)
    raise AssertionError("opentracker did not start")


def _info_hash(torrent: Path) -> str:
    out = subprocess.run(["/usr/bin/python3", "-c",
                          "import libtorrent as lt,sys; print(lt.torrent_info(sys.argv[1]).info_hashes().v1)",
                          str(torrent)], check=True, capture_output=True, text=True)
    return out.stdout.strip()


@pytest.mark.parametrize("scheme", ["http", "udp"])
@pytest.mark.parametrize("direction", ["lt-to-bt", "bt-to-lt"])
def test_transfer_through_opentracker(tmp_path, procs, scheme, direction):
    """No --peer anywhere: the two sides find each other only through the tracker."""
    content = make_content(tmp_path / "seed")
    tport = free_port()
    url = f"http://127.0.0.1:{tport}/announce" if scheme == "http" else f"udp://127.0.0.1:{tport}"
    torrent = tmp_path / "t.torrent"
    subprocess.run(bt("make", "--data", content, "--out", torrent, "--piece-size", 65536, "--tracker", url),
                   check=True, capture_output=True, timeout=60)
    tracker = start_opentracker(procs, tmp_path, tport, _info_hash(torrent))
    port = free_port()
    save = tmp_path / "get"
    if direction == "lt-to-bt":
        lt_seed(procs, torrent, content.parent, port)
        getter = procs(bt("get", "--torrent", torrent, "--save", save, "--seconds", TIMEOUT, "--json"), "bt-get")
    else:
        bt_seed(procs, torrent, content.parent, port)
        getter = procs(ltpeer("get", "--torrent", torrent, "--save", save, "--transport", "tcp",
                              "--seconds", TIMEOUT), "ltpeer-get")
    check_done(getter, content, save)
    assert tracker.p.poll() is None, "opentracker died"
