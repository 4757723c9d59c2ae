from __future__ import annotations

import time
from pathlib import Path

import pytest

import libbt


def wait_until(session: libbt.Session, cond, timeout: float = 20.0) -> list[libbt.Alert]:
    """Pumps alerts until cond() is true; returns the alerts seen."""
    seen: list[libbt.Alert] = []
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; alerts seen: {[a.name for a in seen]}")
        if session.wait_for_alert(0.1):
            seen += session.pop_alerts()
    seen += session.pop_alerts()
    return seen


def test_create_and_add_reads_back_files_and_hash(session, data_dir) -> None:
    root, files = data_dir
    data = libbt.create_torrent(
        root,
        piece_size=32768,
        trackers=["http://127.0.0.1:1/announce", ["http://127.0.0.1:2/a", "http://127.0.0.1:3/a"]],
        web_seeds=["http://127.0.0.1:4/"],
        private=True,
        comment="a comment",
        creator="tests",
    )
    assert data.startswith(b"d") and data.endswith(b"e")
    for needle in (b"7:privatei1e", b"a comment", b"5:tests", b"announce-list", b"url-list"):
        assert needle in data
    t = session.add_torrent(data, save_path=root.parent, paused=True)
    assert t.info_hash == libbt.info_hash_of(data)
    assert t.name == "payload"
    got = {f.path: f.size for f in t.files()}
    # Paths are relative to save_path: a multi-file torrent's name comes first.
    assert got == {f"payload/{k}": len(v) for k, v in files.items()}
    st = t.status()
    assert st.paused and st.has_metadata
    assert st.piece_length == 32768
    assert st.total_size == sum(len(v) for v in files.values())
    assert st.num_pieces == -(-st.total_size // 32768)
    assert t.magnet.startswith("magnet:?") and t.info_hash in t.magnet.lower()
    assert session.find_torrent(t.info_hash) is t
    assert session.torrents() == [t]
    assert len({t, session.torrents()[0]}) == 1
    assert repr(t).startswith("<libbt.Torrent 'payload'")


def test_torrent_from_file_path_and_recheck_seeds(session, data_dir, tmp_path: Path) -> None:
    root, _ = data_dir
    tf = tmp_path / "p.torrent"
    tf.write_bytes(libbt.create_torrent(str(root), piece_size=16384))
    t = session.add_torrent(str(tf), save_path=root.parent)
    wait_until(session, lambda: t.status().state == libbt.TorrentState.SEEDING)
    pieces = t.pieces()
    assert len(pieces) == t.status().num_pieces and pieces.all() and pieces.missing() == []
    t.force_recheck()
    wait_until(session, lambda: t.status().state == libbt.TorrentState.SEEDING)
    assert t.status().progress == pytest.approx(1.0)


def test_pause_resume_and_sequential(session, data_dir) -> None:
    root, _ = data_dir
    t = session.add_torrent(libbt.create_torrent(root), save_path=root.parent, paused=True,
                            sequential=True)
    assert t.status().paused
    t.resume()
    seen = wait_until(session, lambda: not t.status().paused)
    t.pause()
    seen += wait_until(session, lambda: t.status().paused)
    deadline = time.monotonic() + 5
    while not any(isinstance(a, libbt.TorrentPausedAlert) for a in seen):
        assert time.monotonic() < deadline, [a.name for a in seen]
        session.wait_for_alert(0.1)
        seen += session.pop_alerts()
    assert any(isinstance(a, libbt.TorrentResumedAlert) and a.torrent is t for a in seen)
    t.set_sequential(False)


def test_file_priorities_zero_skips_files(session, data_dir, tmp_path: Path) -> None:
    root, files = data_dir
    data = libbt.create_torrent(root, piece_size=16384)
    empty = tmp_path / "empty"
    t = session.add_torrent(data, save_path=empty, paused=True, file_priorities=[0, 0, 0])
    st = t.status()
    assert st.total_wanted < st.total_size
    t.set_file_priority(0, 4)
    assert t.status().total_wanted >= len(files["a.bin"])


def test_single_file_torrent(session, tmp_path: Path) -> None:
    f = tmp_path / "one.bin"
    f.write_bytes(b"x" * 100_000)
    data = libbt.create_torrent(f)
    t = session.add_torrent(data, save_path=tmp_path, paused=True)
    assert t.files() == [libbt.File(0, "one.bin", 100_000)]


def test_create_torrent_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(libbt.Error) as ei:
        libbt.create_torrent(tmp_path / "absent")
    assert isinstance(ei.value, (libbt.NotFound, libbt.DiskError)) and str(ei.value)


def test_create_torrent_argument_checks(tmp_path: Path) -> None:
    with pytest.raises(libbt.InvalidArgument):
        libbt.create_torrent(tmp_path, piece_size=-1)
    with pytest.raises(libbt.InvalidArgument):
        libbt.create_torrent(tmp_path, trackers=[3])  # type: ignore[list-item]


def test_info_hash_of_rejects_garbage() -> None:
    with pytest.raises(libbt.ParseError):
        libbt.info_hash_of(b"garbage")
    with pytest.raises(libbt.ParseError):
        libbt.info_hash_of(b"d3:fooi1ee")
