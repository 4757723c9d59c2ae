"""Issue 10's queueing against the real libtorrent: one libtorrent seeder (ltpeer.py, one session)
serves 50 torrents to one libbt session (the Python binding) whose torrents are all
auto-managed with active_downloads=5. The queue never runs more than five downloads, starts
them in queue order, and all 50 complete with the seeder's bytes."""
import random
import sys
import time
from pathlib import Path

from conftest import free_port, ltpeer, same_tree

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
import libbt  # noqa: E402  (LIBBT_LIBRARY points at build/lib, set by scripts/test-interop.sh)

N = 50
ACTIVE_DOWNLOADS = 5


def make_small(root: Path, i: int) -> Path:
    """Torrent i's content: three files of its own random bytes (about 300 KB), one in a
    subfolder."""
    rnd = random.Random(i)
    d = root / f"t{i:02d}"
    for name, size in {"a.bin": 100_003 + i, "sub/b.bin": 180_001, "c.txt": 7_777}.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(rnd.randbytes(size))
    return d


def test_libbt_queue_downloads_50_torrents_from_one_libtorrent_seeder(tmp_path, procs):
    seed_dir = tmp_path / "seed"
    torrents = []
    for i in range(N):
        content = make_small(seed_dir, i)
        data = libbt.create_torrent(content, piece_size=16384)
        path = tmp_path / f"t{i:02d}.torrent"
        path.write_bytes(data)
        torrents.append((content, path, data))
    port = free_port()
    argv = ["seed", "--port", port, "--transport", "tcp", "--seconds", 300]
    for content, path, _ in torrents:
        argv += ["--torrent", path]
    seeder = procs(ltpeer(*argv, "--save", seed_dir), "ltpeer-seed")
    seeder.wait_for(lambda l: l.get("ready") is True, 60)

    save = tmp_path / "get"
    with libbt.Session(listen_interfaces="127.0.0.1:0", active_downloads=ACTIVE_DOWNLOADS,
                       active_checking=-1, alert_mask=libbt.AlertCategory.ALL,
                       alert_queue_size=10_000) as s:
        handles = []
        for _, _, data in torrents:
            t = s.add_torrent(data, save_path=save, paused=True)
            t.connect_peer(("127.0.0.1", port))  # kept while queued, dialled when started
            handles.append(t)
        assert [t.queue_position for t in handles] == list(range(N))
        for t in handles:
            t.auto_managed = True  # queued: the queue starts them
        index = {t.info_hash: i for i, t in enumerate(handles)}
        started_order = []  # by the queue's torrent_resumed alerts
        most_running = 0
        deadline = time.monotonic() + 240
        while True:
            for a in s.pop_alerts():
                if a.type == libbt.AlertType.TORRENT_RESUMED and "auto-managed: started" in a.message:
                    started_order.append(index[a.info_hash])
            sts = [t.status() for t in handles]
            running = sum(not st.paused and st.state == libbt.TorrentState.DOWNLOADING for st in sts)
            most_running = max(most_running, running)
            done = sum(st.state == libbt.TorrentState.SEEDING for st in sts)
            if done == N:
                break
            assert time.monotonic() < deadline, f"{done} of {N} done; {running} running"
            time.sleep(0.05)
        assert 1 <= most_running <= ACTIVE_DOWNLOADS
        # Started in queue order: a pass starts the next ones in the queue, so a torrent's first
        # start never comes before those of torrents a pass's worth ahead of it.
        first = list(dict.fromkeys(started_order))
        assert sorted(first) == list(range(N))
        for k, i in enumerate(first):
            assert i < k + 2 * ACTIVE_DOWNLOADS, (k, i, first)
        assert all(t.queue_position == -1 for t in handles), "finished torrents leave the queue"
    for content, _, _ in torrents:
        same_tree(content, save / content.name)
