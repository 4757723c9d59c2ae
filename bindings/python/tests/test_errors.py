from __future__ import annotations

from pathlib import Path

import pytest

import libbt


def test_garbage_torrent_bytes_raise_parse_error_with_message(session, tmp_path: Path) -> None:
    with pytest.raises(libbt.ParseError) as ei:
        session.add_torrent(b"this is not bencode", save_path=tmp_path)
    assert ei.value.code == -3
    assert isinstance(ei.value, ValueError)
    assert len(str(ei.value)) > 5


def test_torrent_without_info_raises_parse_error(session, tmp_path: Path) -> None:
    with pytest.raises(libbt.ParseError):
        session.add_torrent(b"d8:announce3:foo4:infoi3ee", save_path=tmp_path)


def test_bad_magnet_raises_parse_error(session, tmp_path: Path) -> None:
    with pytest.raises(libbt.ParseError):
        session.add_torrent(magnet="magnet:?dn=nohash", save_path=tmp_path)


def test_missing_torrent_file_is_an_error(session, tmp_path: Path) -> None:
    with pytest.raises(libbt.Error) as ei:
        session.add_torrent(tmp_path / "absent.torrent", save_path=tmp_path)
    assert isinstance(ei.value, (libbt.NotFound, libbt.DiskError))


def test_add_torrent_argument_checks(session, tmp_path: Path) -> None:
    with pytest.raises(libbt.InvalidArgument):
        session.add_torrent(save_path=tmp_path)
    with pytest.raises(libbt.InvalidArgument):
        session.add_torrent(b"x", magnet="magnet:?", save_path=tmp_path)
    with pytest.raises(libbt.InvalidArgument):
        session.add_torrent(b"x")
    with pytest.raises(libbt.InvalidArgument):
        session.add_torrent(12, save_path=tmp_path)  # type: ignore[arg-type]


def _added(session: libbt.Session, data_dir) -> libbt.Torrent:
    root, _ = data_dir
    return session.add_torrent(libbt.create_torrent(root), save_path=root.parent, paused=True)


def test_removed_torrent_is_stale(session, data_dir) -> None:
    t = _added(session, data_dir)
    ih = t.info_hash
    session.remove_torrent(t)
    for call in (t.status, t.pause, t.resume, lambda: t.name, lambda: t.magnet, t.files):
        with pytest.raises(libbt.BadHandle) as ei:
            call()
        assert ei.value.code == -2 and str(ei.value)
    assert session.find_torrent(ih) is None
    assert session.torrents() == []
    with pytest.raises(libbt.BadHandle):
        session.remove_torrent(t)
    assert "handle" in repr(t)  # repr never raises


def test_closed_session_raises_bad_handle(make_session, data_dir) -> None:
    s = make_session()
    t = _added(s, data_dir)
    s.close()
    s.close()  # idempotent
    assert s.closed
    with pytest.raises(libbt.BadHandle):
        s.torrents()
    with pytest.raises(libbt.BadHandle):
        s.listen_port
    with pytest.raises(libbt.BadHandle):
        s.pop_alerts()
    with pytest.raises(libbt.BadHandle):
        s.wait_for_alert(0.01)
    # The torrent's handle went stale with its session: libbt itself reports it.
    with pytest.raises(libbt.BadHandle):
        t.status()
    assert "closed" in repr(s)


def test_context_manager_closes(data_dir) -> None:
    with libbt.Session(listen_interfaces="127.0.0.1:0") as s:
        t = _added(s, data_dir)
    assert s.closed
    with pytest.raises(libbt.BadHandle):
        t.pause()


def test_duplicate_torrent_raises_already_exists(session, data_dir) -> None:
    t = _added(session, data_dir)
    with pytest.raises(libbt.AlreadyExists) as ei:
        _added(session, data_dir)
    assert ei.value.code == -5 and t.info_hash in str(ei.value)


def test_bad_peer_endpoint_raises_invalid_argument(session, data_dir) -> None:
    t = _added(session, data_dir)
    for bad in ("nonsense", "1.2.3.4", "::1:6881", "1.2.3.4:99999"):
        with pytest.raises(libbt.InvalidArgument):
            t.connect_peer(bad)
    with pytest.raises(libbt.InvalidArgument):
        t.connect_peer("1.2.3.4:0")
    with pytest.raises(libbt.InvalidArgument):
        t.connect_peer(("example.org", 80))


def test_bad_file_priority_is_rejected(session, data_dir) -> None:
    t = _added(session, data_dir)
    with pytest.raises(libbt.InvalidArgument, match="99"):
        t.set_file_priority(99, 4)
    with pytest.raises(libbt.InvalidArgument, match="8"):
        t.set_file_priority(0, 8)
    with pytest.raises(libbt.NotFound):
        lib_file(t, 99)


def lib_file(t: libbt.Torrent, index: int) -> None:
    """bt_torrent_file on an index past the end (files() never asks for one)."""
    from ctypes import byref, c_int64, c_void_p

    from libbt._errors import check
    from libbt._lib import lib

    check(lib.bt_torrent_file(t.handle, index, byref(c_void_p()), byref(c_int64())))


def test_torrent_of_another_session_is_not_found(make_session, data_dir) -> None:
    a, b = make_session(), make_session()
    t = _added(a, data_dir)
    with pytest.raises(libbt.NotFound):
        b.remove_torrent(t)


def test_find_torrent_with_bad_hash(session) -> None:
    with pytest.raises(libbt.InvalidArgument):
        session.find_torrent("xyz")
    assert session.find_torrent("0" * 40) is None


def test_error_classes_carry_codes() -> None:
    assert issubclass(libbt.DiskError, OSError)
    assert issubclass(libbt.NotFound, LookupError)
    e = libbt.DiskError("disk full")
    assert e.code == -6 and str(e) == "disk full"
    assert str(libbt.UnknownSetting("x is unknown")) == "x is unknown"


def test_version_and_limit_errors_map_from_their_codes() -> None:
    from libbt._errors import make_error

    v = make_error(-13, "bt_torrent_status: struct bt_torrent_status version 9 is unknown")
    assert type(v) is libbt.VersionError and v.code == -13 and "version 9" in str(v)
    lim = make_error(-14, "max_pieces exceeded: 11 > 10")
    assert type(lim) is libbt.LimitError and isinstance(lim, ValueError)
    assert libbt.strerror(-13) != libbt.strerror(-999)  # libbt knows both codes
    assert libbt.strerror(-14) == "a limit was exceeded"
