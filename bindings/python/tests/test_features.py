"""The 0.2 additions: setting types, disk stats, peer info, super seeding, web seeds, fast resume."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

import libbt
from conftest import write_tree
from test_transfer import pump

ALL = libbt.AlertCategory.ALL


def test_setting_type_names_each_type() -> None:
    assert libbt.setting_type("connections_limit") is libbt.SettingType.INT
    assert libbt.setting_type("enable_lsd") is libbt.SettingType.BOOL
    assert libbt.setting_type("listen_interfaces") is libbt.SettingType.STR
    with pytest.raises(libbt.UnknownSetting):
        libbt.setting_type("no_such_setting")
    with pytest.raises(libbt.InvalidArgument):
        libbt.setting_type("nul\0name")


def test_get_setting_returns_the_type_libbt_reports(session: libbt.Session) -> None:
    assert session.get_setting("enable_lsd") is False
    assert session.get_setting("enable_incoming_tcp") is True
    assert type(session.get_setting("connections_limit")) is int
    assert type(session.get_setting("user_agent")) is str
    with pytest.raises(libbt.UnknownSetting):
        session.get_setting("no_such_setting")


def test_disk_stats_count_a_transfer(make_session, tmp_path: Path) -> None:
    root = tmp_path / "a" / "payload"
    files = write_tree(root, {"x.bin": 1_000_000})
    data = libbt.create_torrent(root, piece_size=65536)
    a, b = make_session(alert_mask=ALL), make_session(alert_mask=ALL)
    before = b.disk_stats()
    assert isinstance(before, libbt.DiskStats)
    assert before.write_syscalls == 0 and before.pieces_flushed == 0
    assert before.lock_failed in (True, False)
    seen: dict[int, list[libbt.Alert]] = {}
    ta = a.add_torrent(data, save_path=root.parent)
    pump([a], seen, lambda: ta.status().state == libbt.TorrentState.SEEDING, 20)
    tb = b.add_torrent(data, save_path=tmp_path / "b")
    tb.connect_peer(("127.0.0.1", a.listen_port))
    pump([a, b], seen, lambda: tb.status().is_finished, 60)
    after = b.disk_stats()
    assert after.write_syscalls > 0 and after.write_bytes >= len(files["x.bin"])
    assert after.pieces_flushed == 16 and after.pieces_failed == 0
    sa = a.disk_stats()
    assert sa.read_syscalls > 0 and sa.read_hits + sa.read_misses > 0
    b.close()
    with pytest.raises(libbt.BadHandle):
        b.disk_stats()


def test_peers_show_address_source_and_flags(make_session, tmp_path: Path) -> None:
    root = tmp_path / "a" / "payload"
    write_tree(root, {"x.bin": 2_000_000})
    data = libbt.create_torrent(root, piece_size=65536)
    a = make_session(alert_mask=ALL)
    b = make_session(alert_mask=ALL, download_rate_limit=200_000)  # slow: peers stay to be seen
    seen: dict[int, list[libbt.Alert]] = {}
    ta = a.add_torrent(data, save_path=root.parent)
    pump([a], seen, lambda: ta.status().state == libbt.TorrentState.SEEDING, 20)
    tb = b.add_torrent(data, save_path=tmp_path / "b")
    assert tb.peers() == []
    tb.connect_peer(("127.0.0.1", a.listen_port))
    pump([a, b], seen, lambda: tb.status().total_download > 100_000 and len(ta.peers()) == 1, 30)

    (p,) = tb.peers()
    assert isinstance(p, libbt.PeerInfo)
    assert p.endpoint == f"127.0.0.1:{a.listen_port}"
    assert p.source is libbt.PeerSource.USER and not p.incoming
    assert p.seed and p.progress == 1.0
    assert libbt.PeerFlags.INTERESTED in p.flags
    assert p.total_download > 0 and p.total_upload == 0
    assert p.client.startswith("libbt")

    (q,) = ta.peers()
    assert q.source is libbt.PeerSource.INCOMING and q.incoming and not q.seed
    assert q.endpoint.startswith("127.0.0.1:") and q.total_upload > 0
    assert libbt.PeerFlags.REMOTE_INTERESTED in q.flags
    assert str(q.source) == "incoming"
    b.remove_torrent(tb)
    with pytest.raises(libbt.BadHandle):
        tb.peers()


def test_super_seeding_is_a_torrent_setting(session: libbt.Session, tmp_path: Path) -> None:
    root = tmp_path / "payload"
    write_tree(root, {"x": 50_000})
    data = libbt.create_torrent(root, piece_size=16384)
    t = session.add_torrent(data, save_path=tmp_path, super_seeding=True)
    assert t.status().super_seeding is True
    t.set_super_seeding(False)
    assert t.status().super_seeding is False
    t.set_super_seeding(True)
    assert t.status().super_seeding is True


# ---- web seeds -----------------------------------------------------------------------------


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with single-range support (enough for BEP 19), HTTP/1.1 keep-alive."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if m:
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) else len(data) - 1
            body = data[start : end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **kw: _RangeHandler(*a, directory=str(root), **kw)  # noqa: E731
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        yield root, f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


def test_web_seeds_add_list_remove(session: libbt.Session, tmp_path: Path) -> None:
    root = tmp_path / "payload"
    write_tree(root, {"x": 50_000})
    data = libbt.create_torrent(root, piece_size=16384, web_seeds=["http://127.0.0.1:9/own/"])
    t = session.add_torrent(data, save_path=tmp_path, paused=True)
    assert [w.url for w in t.web_seeds()] == ["http://127.0.0.1:9/own/"]
    t.add_web_seed("http://127.0.0.1:9/a/")
    t.add_web_seed("http://127.0.0.1:9/seed", libbt.WebSeedType.HTTP)
    ws = {w.url: w for w in t.web_seeds()}
    assert ws["http://127.0.0.1:9/a/"].type is libbt.WebSeedType.URL
    assert ws["http://127.0.0.1:9/seed"].type is libbt.WebSeedType.HTTP
    w = ws["http://127.0.0.1:9/a/"]
    assert isinstance(w, libbt.WebSeed) and not w.banned and w.retry_in >= 0 and w.failures >= 0
    for bad in ("not a url", "ftp://127.0.0.1/x"):
        with pytest.raises(libbt.InvalidArgument):
            t.add_web_seed(bad)
    with pytest.raises(libbt.InvalidArgument):
        t.add_web_seed("http://127.0.0.1:9/", 7)  # type: ignore[arg-type]
    with pytest.raises(libbt.InvalidArgument):
        t.remove_web_seed("http://127.0.0.1:9/never-added")
    for url in list(ws):
        t.remove_web_seed(url)
    assert t.web_seeds() == []


def test_download_from_a_web_seed_added_at_run_time(make_session, tmp_path: Path, web_root) -> None:
    www, base = web_root
    files = write_tree(www / "payload", {"a.bin": 300_000, "sub/b.bin": 40_001})
    data = libbt.create_torrent(www / "payload", piece_size=32768)
    s = make_session(alert_mask=ALL)
    t = s.add_torrent(data, save_path=tmp_path / "dl")
    t.add_web_seed(base)
    seen: dict[int, list[libbt.Alert]] = {}
    pump([s], seen, lambda: t.status().is_finished, 60)
    for rel, content in files.items():
        assert (tmp_path / "dl" / "payload" / rel).read_bytes() == content
    (w,) = t.web_seeds()
    assert w.url == base and w.total_download >= sum(map(len, files.values())) and w.error == ""


def test_unreachable_web_seed_gives_a_web_seed_error_alert(make_session, tmp_path: Path) -> None:
    root = tmp_path / "payload"
    write_tree(root, {"x": 50_000})
    data = libbt.create_torrent(root, piece_size=16384)
    s = make_session(alert_mask=ALL)
    t = s.add_torrent(data, save_path=tmp_path / "empty")
    t.add_web_seed("http://127.0.0.1:1/")  # nothing listens on port 1
    seen: dict[int, list[libbt.Alert]] = {}
    pump([s], seen, lambda: any(isinstance(a, libbt.WebSeedErrorAlert) for a in seen[id(s)]), 30)
    (a,) = [a for a in seen[id(s)] if isinstance(a, libbt.WebSeedErrorAlert)][:1]
    assert a.url == "http://127.0.0.1:1/" and a.type is libbt.AlertType.WEB_SEED_ERROR
    assert a.name == "web_seed_error" and a.message and a.error != 0
    (w,) = t.web_seeds()
    assert w.failures >= 1 and w.error


# ---- fast resume -----------------------------------------------------------------------------


def test_resume_data_round_trip_skips_nothing_and_is_written_atomically(
    session: libbt.Session, tmp_path: Path
) -> None:
    root = tmp_path / "payload"
    write_tree(root, {"x": 200_000, "y/z": 3})
    data = libbt.create_torrent(root, piece_size=16384)
    t = session.add_torrent(data, save_path=tmp_path)
    seen: dict[int, list[libbt.Alert]] = {}
    pump([session], seen, lambda: t.status().state == libbt.TorrentState.SEEDING, 20)
    rd = t.save_resume_data()
    assert rd.startswith(b"d") and b"libtorrent resume file" in rd

    path = tmp_path / "t.resume"
    assert libbt.read_resume_file(path) is None
    libbt.write_resume_file(path, rd)
    assert libbt.read_resume_file(path) == rd
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    with pytest.raises(libbt.DiskError):
        libbt.write_resume_file(tmp_path / "no" / "dir" / "t.resume", rd)

    session.remove_torrent(t)
    t2 = session.add_torrent(data, save_path=tmp_path, resume_data=rd)
    pump([session], seen, lambda: t2.status().state == libbt.TorrentState.SEEDING, 20)
    assert t2.pieces().all()
    # Data that does not fit is ignored: the files are checked in full instead.
    session.remove_torrent(t2)
    t3 = session.add_torrent(data, save_path=tmp_path, resume_data=b"d3:fooi1ee")
    pump([session], seen, lambda: t3.status().state == libbt.TorrentState.SEEDING, 20)
    with pytest.raises(libbt.InvalidArgument):
        session.add_torrent(data, save_path=tmp_path / "o", resume_data="text")  # type: ignore[arg-type]


def test_resume_data_needs_metadata(session: libbt.Session, tmp_path: Path) -> None:
    t = session.add_torrent(magnet="magnet:?xt=urn:btih:" + "ab" * 20, save_path=tmp_path,
                            paused=True)
    with pytest.raises(libbt.StateError):
        t.save_resume_data()


# ---- DHT -------------------------------------------------------------------------------------


def test_dht_is_off_by_default(session: libbt.Session) -> None:
    with pytest.raises(libbt.StateError):
        session.dht_stats()
    with pytest.raises(libbt.StateError):
        session.dht_get_peers("ab" * 20, timeout=0.1)


def test_two_dht_nodes_announce_find_and_store_items(make_session) -> None:
    a = make_session(enable_dht=True)
    b = make_session(enable_dht=True, dht_bootstrap_nodes=f"127.0.0.1:{a.listen_port}")
    deadline = time.monotonic() + 10
    while b.dht_stats().nodes == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    st = b.dht_stats()
    assert isinstance(st, libbt.DhtStats) and st.nodes >= 1 and len(st.node_id) == 40

    ih = "0123456789abcdef0123456789abcdef01234567"
    b.dht_announce(ih)
    assert f"127.0.0.1:{b.listen_port}" in a.dht_get_peers(ih)

    target, stored = b.dht_put_immutable(b"5:hello")
    assert stored >= 1 and target == hashlib.sha1(b"5:hello").hexdigest()
    assert b.dht_get_immutable(target) == b"5:hello"

    pub, stored = b.dht_put_mutable(b"\x07" * 32, b"i42e", seq=3, salt=b"salt")
    assert len(pub) == 32 and stored >= 1
    assert b.dht_get_mutable(pub, salt=b"salt") == (b"i42e", 3)

    with pytest.raises(libbt.InvalidArgument):
        b.dht_put_immutable(b"not bencode")
    with pytest.raises(libbt.InvalidArgument):
        b.dht_announce("xyz")
    with pytest.raises(libbt.InvalidArgument):
        b.dht_put_mutable(b"short", b"i1e", seq=1)
    with pytest.raises(libbt.InvalidArgument):
        b.dht_get_peers(ih, timeout=-1)
    assert a.dht_stats().items >= 2


def test_move_storage_and_rename_file(session: libbt.Session, tmp_path: Path) -> None:
    root = tmp_path / "a" / "payload"
    write_tree(root, {"x.bin": 50_000, "sub/y.bin": 7_000})
    t = session.add_torrent(libbt.create_torrent(root), save_path=root.parent)
    deadline = time.monotonic() + 10
    while t.status().state != libbt.TorrentState.SEEDING and time.monotonic() < deadline:
        time.sleep(0.02)
    dest = tmp_path / "moved"
    t.move_storage(dest)
    assert (dest / "payload" / "sub" / "y.bin").stat().st_size == 7_000
    assert not (root / "x.bin").exists()
    x = next(f.index for f in t.files() if f.path.endswith("x.bin"))
    t.rename_file(x, "payload/renamed.bin")
    assert (dest / "payload" / "renamed.bin").stat().st_size == 50_000
    with pytest.raises(libbt.InvalidArgument):
        t.rename_file(x, "../escape")


def _settle(session: libbt.Session) -> dict[libbt.Torrent, libbt.TorrentStatus]:
    """Takes update batches until one is empty; returns the last status seen per torrent."""
    seen: dict[libbt.Torrent, libbt.TorrentStatus] = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        batch = session.torrent_updates()
        seen.update(batch)
        if not batch:
            return seen
        time.sleep(0.02)
    raise AssertionError("the torrents never settled")


def test_torrent_updates_name_only_what_changed(session: libbt.Session, tmp_path: Path) -> None:
    # More torrents than the binding's first buffer holds (64): it grows and loses none.
    torrents = [
        session.add_torrent(magnet="magnet:?xt=urn:btih:%040x" % (i + 1), save_path=tmp_path, paused=True)
        for i in range(100)
    ]
    first = _settle(session)
    assert set(first) == set(torrents)
    assert all(st.paused for st in first.values())
    assert first[torrents[7]].info_hash == torrents[7].info_hash
    assert session.torrent_updates() == []

    torrents[42].resume()
    deadline = time.monotonic() + 5
    batch = session.torrent_updates()
    while not batch and time.monotonic() < deadline:
        time.sleep(0.01)
        batch = session.torrent_updates()
    assert [t for t, _ in batch] == [torrents[42]]
    assert batch[0][1].paused is False


def test_queue_runs_auto_managed_downloads_in_queue_order(
    make_session: Callable[..., libbt.Session], tmp_path: Path
) -> None:
    s = make_session(active_downloads=1, active_checking=-1)
    ts = []
    for i in range(3):
        root = tmp_path / f"src{i}" / "payload"
        write_tree(root, {"x.bin": 20_000}, seed=i + 1)
        t = s.add_torrent(libbt.create_torrent(root), save_path=tmp_path / "dl", paused=True)
        assert not t.auto_managed
        t.auto_managed = True
        ts.append(t)
    assert [t.queue_position for t in ts] == [0, 1, 2]
    assert all(t.auto_managed for t in ts)

    def running() -> list[bool]:
        return [not t.status().paused for t in ts]

    def wait_running(want: list[bool]) -> None:
        deadline = time.monotonic() + 15
        while running() != want:
            assert time.monotonic() < deadline, f"running {running()}, want {want}"
            time.sleep(0.05)

    wait_running([True, False, False])  # active_downloads = 1, the front of the queue
    ts[0].queue_position_bottom()
    assert [t.queue_position for t in ts] == [2, 0, 1]
    wait_running([False, True, False])
    ts[0].queue_position_set(10**6)  # past the end: stays last
    ts[2].queue_position_top()
    assert [t.queue_position for t in ts] == [2, 1, 0]
    ts[1].queue_position_down()
    ts[1].queue_position_up()
    assert [t.queue_position for t in ts] == [2, 1, 0]
    with pytest.raises(ValueError):
        ts[0].queue_position_set(-1)
    wait_running([False, False, True])
    ts[0].auto_managed = False  # left as it is: paused
    assert not ts[0].auto_managed
