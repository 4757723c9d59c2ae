"""µTorrent peer exchange (ut_pex) between libbt and the real libtorrent."""
import time
from pathlib import Path

from conftest import SYSTEM_PYTHON, bt, free_port, ltpeer, make_content, same_tree
from test_ltpeer import TIMEOUT, bt_seed, check_done, lt_seed, make_torrent

LTSLOW = Path(__file__).with_name("ltslow.py")


def test_bt_learns_a_libtorrent_peer_through_pex(tmp_path, procs):
    """bt knows only L; L (libtorrent, mid-download) tells it about S; bt connects to S."""
    content, torrent, _ = make_torrent(tmp_path, "bt")
    ps, pl = free_port(), free_port()
    seeder = lt_seed(procs, torrent, content.parent, ps)
    slow = procs([SYSTEM_PYTHON, LTSLOW, "--torrent", torrent, "--save", tmp_path / "slow", "--port", pl,
                  "--peer", f"127.0.0.1:{ps}", "--limit", 100_000, "--seconds", TIMEOUT], "lt-slow")
    slow.wait_for(lambda l: l.get("peers", 0) >= 1, 20)
    save = tmp_path / "get"
    getter = procs(bt("get", "--torrent", torrent, "--save", save, "--peer", f"127.0.0.1:{pl}",
                      "--seconds", TIMEOUT, "--json", "--verbose"), "bt-get")
    check_done(getter, content, save)
    # Learned: bt reached for S's listen address, which only L's PEX could have given it (S may
    # also have dialled bt first, having heard of it from L: then bt's dial is a duplicate).
    peer_lines = [l for l in getter.lines if l.get("alert") in ("peer_connected", "peer_disconnected")]
    assert any(f":{ps}" in l.get("msg", "") for l in peer_lines), peer_lines
    # Downloaded from it: L is throttled to 100 kB/s, so most bytes came from S.
    seeder.wait_for(lambda l: l.get("total_up", 0) > 0, 10)
    time.sleep(1.2)
    total_up = max(l.get("total_up", 0) for l in seeder.poll_lines())
    done = [l for l in getter.lines if "done" in l][-1]
    assert total_up >= done["bytes"] * 0.5, (total_up, done)


def test_libtorrent_learns_a_peer_from_bt_through_pex(tmp_path, procs):
    """libtorrent X knows only bt Y (mid-download, throttled); Y tells it about Z; X finishes
    long before Y could have served it alone."""
    content, torrent, _ = make_torrent(tmp_path, "bt")
    pz, py = free_port(), free_port()
    # Z is a libbt seed: two libtorrent peers introduced to each other at the same moment
    # sometimes both drop the pair of connections (their duplicate-peer rule), which would make
    # this test about libtorrent rather than about what libbt told it.
    bt_seed(procs, torrent, content.parent, pz)
    y = procs(bt("get", "--torrent", torrent, "--save", tmp_path / "y", "--port", py, "--peer", f"127.0.0.1:{pz}",
                 "--set", "download_rate_limit=100000", "--seconds", TIMEOUT, "--json"), "bt-slow")
    y.wait_for(lambda l: l.get("peers", 0) >= 1, 20)
    save = tmp_path / "x"
    x = procs(ltpeer("get", "--torrent", torrent, "--save", save, "--peer", f"127.0.0.1:{py}",
                     "--transport", "tcp", "--seconds", TIMEOUT), "ltpeer-get")
    check_done(x, content, save)
    progress = [l["progress"] for l in y.poll_lines() if "progress" in l]
    assert progress and progress[-1] < 0.9, f"bt was not the only source: it had {progress[-1:]}"
