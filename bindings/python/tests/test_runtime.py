"""Alerts under pressure, error alerts, memory ownership, the GIL, threads and spawn."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

import libbt
from conftest import write_tree


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_unwritable_save_path_gives_file_and_torrent_error_alerts(make_session, data_dir,
                                                                  tmp_path: Path) -> None:
    root, _ = data_dir
    save = tmp_path / "blocked"
    save.mkdir()
    (save / "payload").write_text("a file where the torrent's directory should be")
    s = make_session()
    t = s.add_torrent(libbt.create_torrent(root), save_path=save)
    seen: list[libbt.Alert] = []
    deadline = time.monotonic() + 10
    while t.status().state != libbt.TorrentState.ERROR and time.monotonic() < deadline:
        s.wait_for_alert(0.1)
        seen += s.pop_alerts()
    seen += s.pop_alerts()
    st = t.status()
    assert st.state == libbt.TorrentState.ERROR and st.error == libbt.DiskError.code
    assert t.error
    fe = [a for a in seen if isinstance(a, libbt.FileErrorAlert)]
    assert fe and fe[0].error == libbt.DiskError.code and fe[0].operation
    assert fe[0].path.endswith("a.bin") or "payload" in fe[0].path
    assert fe[0].category & libbt.AlertCategory.ERROR
    assert any(isinstance(a, libbt.TorrentErrorAlert) and a.torrent is t for a in seen)


def test_full_alert_queue_reports_dropped_alerts(make_session, tmp_path: Path) -> None:
    root = tmp_path / "a" / "payload"
    write_tree(root, {"f": 1_000_000})
    data = libbt.create_torrent(root, piece_size=16384)  # 62 piece_finished alerts
    a = make_session()
    b = make_session(alert_mask=libbt.AlertCategory.ALL, alert_queue_size=4)
    ta = a.add_torrent(data, save_path=root.parent)
    deadline = time.monotonic() + 10
    while ta.status().state != libbt.TorrentState.SEEDING and time.monotonic() < deadline:
        a.wait_for_alert(0.1)
    tb = b.add_torrent(data, save_path=tmp_path / "b")
    tb.connect_peer(("127.0.0.1", a.listen_port))
    while not tb.status().is_finished and time.monotonic() < deadline + 20:
        time.sleep(0.05)  # do not pop: let the queue overflow
    alerts = b.pop_alerts()
    dropped = [x for x in alerts if isinstance(x, libbt.AlertsDroppedAlert)]
    assert dropped and dropped[0].count > 0, [x.name for x in alerts]
    assert len(alerts) <= 4 + 1 + 4  # bounded (libbt may give high-priority alerts more room)


def test_owned_strings_are_freed(session, data_dir) -> None:
    root, _ = data_dir
    t = session.add_torrent(libbt.create_torrent(root), save_path=root.parent, paused=True)
    for _ in range(2000):  # warm up allocators and the Go heap
        t.magnet
    before = _rss_kib()
    n = 100_000
    for _ in range(n):
        t.magnet  # ~100 bytes each, malloc'd by libbt, freed with bt_free
        t.name
    grown = _rss_kib() - before
    # A leak would be >= n * (2 strings) * ~64 bytes ~= 12 MiB.
    assert grown < 6 * 1024, f"RSS grew {grown} KiB"


def test_wait_for_alert_releases_the_gil(session) -> None:
    session.pop_alerts()
    done = threading.Event()

    def waiter() -> None:
        session.wait_for_alert(0.6)
        done.set()

    th = threading.Thread(target=waiter)
    th.start()
    time.sleep(0.05)
    count = 0
    t_end = time.monotonic() + 0.4
    while time.monotonic() < t_end:
        count += 1
    th.join()
    assert done.is_set()
    assert count > 50_000  # the main thread ran while the other waited inside libbt


def test_calls_from_many_threads(make_session, data_dir) -> None:
    root, _ = data_dir
    s = make_session(alert_mask=libbt.AlertCategory.ALL)
    t = s.add_torrent(libbt.create_torrent(root), save_path=root.parent)
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            for _ in range(300):
                t.status()
                t.pieces()
                s.torrents()
                s.pop_alerts()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors


def _child_session_port() -> int:
    import libbt as child_libbt

    with child_libbt.Session(listen_interfaces="127.0.0.1:0") as s:
        return s.listen_port


def test_spawned_child_can_use_libbt(session) -> None:
    # Spawn, not fork: the parent has a live Go runtime (this session).
    assert session.listen_port > 0
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        port = pool.apply(_child_session_port)
    assert 0 < port < 65536
    assert os.environ.get("LIBBT_LIBRARY") or libbt.library_path
