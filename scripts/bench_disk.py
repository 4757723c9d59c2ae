#!/usr/bin/env python3
"""Disk-layer benchmarks (issue 3), each beside libtorrent in the same run where there is a
libtorrent counterpart. Uses the Python binding for libbt's counters and the `bt` client for
whole-process figures.

  scripts/bench_disk.py [--size-mib 1024] [--rss-size-mib 4096] [--build DIR]

Reports:
  * seeding to one ltpeer downloader in piece order: read syscalls per piece (counters);
  * downloading from an ltpeer seeder: write syscalls per piece (counters);
  * bt seed -> ltpeer get and ltpeer seed -> bt get throughput beside ltpeer -> ltpeer;
  * peak RSS of `bt get` for a --rss-size-mib download with a 64 MiB cache;
  * recheck of the data already on disk, GB/s and GB/s per hashing core.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "bindings" / "python"))
from bench import LTPEER, free_port, last_json, wait_ready  # noqa: E402

PIECE = 1 << 20


def make_payload(work: Path, mib: int, name: str) -> Path:
    d = work / name / "payload"
    d.mkdir(parents=True)
    chunk = os.urandom(1 << 20)
    with open(d / "payload.bin", "wb") as f:
        for i in range(mib):
            f.write(chunk[i % 997:] + chunk[:i % 997])
    (d / "readme.txt").write_bytes(b"libbt disk bench\n")
    return d


def lt(*args):
    return ["/usr/bin/python3", str(LTPEER), *map(str, args)]


def run_get(argv, timeout=1800) -> dict:
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    done = last_json(out.stdout)
    if not done.get("done"):
        raise RuntimeError(f"get did not finish: {out.stdout[-600:]} {out.stderr[-600:]}")
    return done


def seed_counters(libbt, torrent: Path, data_parent: Path, work: Path, pieces: int):
    """A libbt session seeds to an ltpeer downloader; returns (read syscalls/piece, MB/s)."""
    with libbt.Session(listen_interfaces=f"127.0.0.1:{free_port()}") as s:
        t = s.add_torrent(str(torrent), save_path=str(data_parent))
        while t.status().state != libbt.TorrentState.SEEDING:
            time.sleep(0.05)
        before = s.disk_stats()
        save = work / "lt-get"
        done = run_get(lt("get", "--torrent", torrent, "--save", save, "--peer", f"127.0.0.1:{s.listen_port}",
                          "--transport", "tcp", "--seconds", 900))
        after = s.disk_stats()
        shutil.rmtree(save, ignore_errors=True)
    return (after.read_syscalls - before.read_syscalls) / pieces, done["MBps"]


def download_counters(libbt, torrent: Path, data_parent: Path, work: Path, pieces: int):
    """A libbt session downloads from an ltpeer seeder; returns (write syscalls/piece,
    hash read-backs, MB/s)."""
    port = free_port()
    seeder = subprocess.Popen(lt("seed", "--torrent", torrent, "--save", data_parent, "--port", port,
                                 "--transport", "tcp", "--seconds", 900), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    save = work / "bt-get"
    try:
        wait_ready(seeder, '"seeding"')
        with libbt.Session(listen_interfaces="127.0.0.1:0") as s:
            before = s.disk_stats()
            t = s.add_torrent(str(torrent), save_path=str(save))
            start = time.monotonic()
            t.connect_peer(f"127.0.0.1:{port}")
            while t.status().state != libbt.TorrentState.SEEDING:
                time.sleep(0.01)
            secs = time.monotonic() - start
            after = s.disk_stats()
            size = t.status().total_size
        return ((after.write_syscalls - before.write_syscalls) / pieces,
                after.hash_read_backs - before.hash_read_backs, size / 1e6 / secs)
    finally:
        seeder.terminate()
        seeder.wait(timeout=30)
        shutil.rmtree(save, ignore_errors=True)


def pair(seed_cmd, get_cmd, ready='"seeding"') -> float:
    seeder = subprocess.Popen(seed_cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        wait_ready(seeder, ready)
        return run_get(get_cmd)["MBps"]
    finally:
        seeder.terminate()
        seeder.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--rss-size-mib", type=int, default=4096)
    ap.add_argument("--build", default=str(REPO / "build"))
    args = ap.parse_args()
    bt = Path(args.build) / "bin" / "bt"
    os.environ.setdefault("LIBBT_LIBRARY", str(Path(args.build) / "lib" / "libbt.so.0"))
    import libbt

    with tempfile.TemporaryDirectory(prefix="libbt-disk-bench-") as tmp:
        work = Path(tmp)
        data = make_payload(work, args.size_mib, "seed")
        torrent = work / "p.torrent"
        subprocess.run([str(bt), "make", "--data", str(data), "--out", str(torrent), "--piece-size", str(PIECE),
                        "--json"], check=True, capture_output=True)
        pieces = -(-(args.size_mib * PIECE + 17) // PIECE)

        # Recheck: adding the torrent over complete data checks every piece. "Already on disk":
        # the payload just written is synced first, or the kernel's writeback of it competes for
        # the two cores. Median of 3.
        os.sync()
        times = []
        for _ in range(3):
            with libbt.Session(listen_interfaces="") as s:
                start = time.monotonic()
                t = s.add_torrent(str(torrent), save_path=str(data.parent))
                while t.status().state == libbt.TorrentState.CHECKING_FILES:
                    time.sleep(0.005)
                times.append(time.monotonic() - start)
                if t.status().pieces_done != pieces:
                    raise RuntimeError(f"recheck found {t.status().pieces_done} of {pieces} pieces")
        secs = statistics.median(times)
        with libbt.Session(listen_interfaces="") as s:
            cores = min(os.cpu_count() or 1, int(s.get_setting("aio_threads")))
        gbps = args.size_mib * PIECE / 1e9 / secs
        print(f"bench-disk: recheck {args.size_mib} MiB in {secs:.2f} s: {gbps:.2f} GB/s, "
              f"{gbps / cores:.2f} GB/s per hashing core ({cores} cores)", flush=True)

        reads, seed_mbps = seed_counters(libbt, torrent, data.parent, work, pieces)
        print(f"bench-disk: seeding to libtorrent: {reads:.3f} read syscalls per piece ({seed_mbps} MB/s)", flush=True)
        writes, readbacks, get_mbps = download_counters(libbt, torrent, data.parent, work, pieces)
        print(f"bench-disk: downloading from libtorrent: {writes:.3f} write syscalls per piece, "
              f"{readbacks} hash read-backs ({get_mbps:.1f} MB/s)", flush=True)

        # Throughput, process to process, each beside ltpeer -> ltpeer.
        res = {"bt->lt": [], "lt->bt": [], "lt->lt": []}
        for _ in range(3):
            p = free_port()
            res["bt->lt"].append(pair([str(bt), "seed", "--torrent", str(torrent), "--save", str(data.parent), "--port",
                                       str(p), "--seconds", "900", "--json"],
                                      lt("get", "--torrent", torrent, "--save", work / "g1", "--peer", f"127.0.0.1:{p}",
                                         "--transport", "tcp", "--seconds", 900)))
            shutil.rmtree(work / "g1", ignore_errors=True)
            p = free_port()
            res["lt->bt"].append(pair(lt("seed", "--torrent", torrent, "--save", data.parent, "--port", p,
                                         "--transport", "tcp", "--seconds", 900),
                                      [str(bt), "get", "--torrent", str(torrent), "--save", str(work / "g2"), "--peer",
                                       f"127.0.0.1:{p}", "--seconds", "900", "--json"]))
            shutil.rmtree(work / "g2", ignore_errors=True)
            p = free_port()
            res["lt->lt"].append(pair(lt("seed", "--torrent", torrent, "--save", data.parent, "--port", p,
                                         "--transport", "tcp", "--seconds", 900),
                                      lt("get", "--torrent", torrent, "--save", work / "g3", "--peer", f"127.0.0.1:{p}",
                                         "--transport", "tcp", "--seconds", 900)))
            shutil.rmtree(work / "g3", ignore_errors=True)
        med = {k: statistics.median(v) for k, v in res.items()}
        print(json.dumps({"bench": "disk_throughput_vs_libtorrent", **res,
                          "ratio_bt_seed": round(med["bt->lt"] / med["lt->lt"], 2),
                          "ratio_bt_get": round(med["lt->bt"] / med["lt->lt"], 2)}))
        print(f"bench-disk: bt seed -> ltpeer {med['bt->lt']:.0f} MB/s, ltpeer -> bt get {med['lt->bt']:.0f} MB/s, "
              f"ltpeer -> ltpeer {med['lt->lt']:.0f} MB/s", flush=True)
        shutil.rmtree(work / "seed")

        # Peak RSS of bt get with a 64 MiB cache (cache_size is in 16 KiB blocks).
        big = make_payload(work, args.rss_size_mib, "big")
        bigt = work / "big.torrent"
        subprocess.run([str(bt), "make", "--data", str(big), "--out", str(bigt), "--piece-size", str(4 * PIECE),
                        "--json"], check=True, capture_output=True)
        p = free_port()
        seeder = subprocess.Popen(lt("seed", "--torrent", bigt, "--save", big.parent, "--port", p,
                                     "--transport", "tcp", "--seconds", 1800), stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_ready(seeder, '"seeding"')
            getter = subprocess.Popen([str(bt), "get", "--torrent", str(bigt), "--save", str(work / "g4"),
                                       "--peer", f"127.0.0.1:{p}", "--seconds", "1800", "--json",
                                       "--set", "cache_size=4096"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            peak = 0
            while getter.poll() is None:
                try:
                    for line in open(f"/proc/{getter.pid}/status"):
                        if line.startswith("VmHWM:"):
                            peak = max(peak, int(line.split()[1]) * 1024)
                except OSError:
                    pass
                time.sleep(0.2)
            out = getter.stdout.read().decode()
            done = last_json(out)
        finally:
            seeder.terminate()
            seeder.wait(timeout=30)
        limit = (64 + 96) << 20
        print(json.dumps({"bench": "rss_during_download", "size_mib": args.rss_size_mib, "peak_rss_mib": peak >> 20,
                          "limit_mib": limit >> 20, "done": done.get("done"), "MBps": done.get("MBps")}))
        print(f"bench-disk: {args.rss_size_mib} MiB download with a 64 MiB cache: peak RSS {peak >> 20} MiB "
              f"(limit {limit >> 20} MiB)", flush=True)


if __name__ == "__main__":
    main()
