#!/usr/bin/env python3
"""Scale: libbt beside libtorrent 2.0.8 with thousands of torrents in one session, both through
their Python bindings, in the same run (issue 10).

  scripts/bench_scale.py [--paused N] [--seeding M] [--peers P] [--idle-seconds S]
                         [--cpu-seconds S] [--build DIR] [--smoke]

  --seeding 0 runs the paused part alone.

  paused:  N paused torrents (16 MiB each, 1 MiB pieces; .torrent bytes made in memory, no
           files) added to one session: the add time, memory per torrent (RSS delta / N, after
           the idle window) and the session's CPU while idle for S seconds.
  seeding: M torrents seeded from disk (hard links to one file, so M torrents cost one file of
           data) with P peers each: P libtorrent sessions in one process (rate limited, so
           every seeder serves the same load) each download all M over loopback. Once the
           seeder counts M x P connections and --settle-seconds pass, its CPU over S seconds
           and the bytes it served.
  --smoke: 200 paused and 20 seeding torrents with 2 peers, 1-second windows; asserts the
           counts only (torrents added, paused, seeding, peers connected, bytes served), never
           a time: `make test` runs it (ctest bench-scale-smoke).

Every engine runs in a process of its own (RSS and CPU are the process's): libbt under this
Python with bindings/python on the path, libtorrent under /usr/bin/python3 (Debian's
python3-libtorrent). Settings are the same on both sides where both have them: loopback only,
no DHT/LSD/UPnP/NAT-PMP, connections_limit 2 x M x P + 500 (libtorrent admits about 2/3 of
its limit: 1,343 peers at 2,000), unchoke_slots_limit -1 (everyone unchoked: the comparison is
CPU per connection, not choking policy), torrents not auto-managed. The peers are counted by
the seeder before the window opens. Ratios are libbt / libtorrent (below 1: libbt uses less);
the seeding ratio is also given per peer and per byte served, since the engines do not serve
the same peers at the same rate.
"""
import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LT_PYTHON = "/usr/bin/python3"
MiB = 1 << 20


# ---- shared helpers (workers and driver) --------------------------------------------------


def bencode(x) -> bytes:
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, (bytes, bytearray)):
        return b"%d:%s" % (len(x), bytes(x))
    if isinstance(x, str):
        return bencode(x.encode())
    if isinstance(x, list):
        return b"l" + b"".join(bencode(v) for v in x) + b"e"
    if isinstance(x, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in x.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(type(x))


def paused_torrents(n: int, size: int = 16 * MiB, piece: int = MiB) -> list:
    """n distinct single-file .torrent blobs; the piece hashes are made up (paused torrents
    never read their files)."""
    out = []
    pieces = size // piece
    for i in range(n):
        seed = hashlib.sha1(b"bench-scale-%d" % i).digest()
        hashes = b"".join(hashlib.sha1(seed + bytes([k & 0xFF, k >> 8])).digest() for k in range(pieces))
        out.append(bencode({"info": {"name": "t%05d.bin" % i, "length": size, "piece length": piece,
                                     "pieces": hashes}}))
    return out


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def say(**kw) -> None:
    print(json.dumps(kw), flush=True)


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---- engines: the same few calls on libbt and on libtorrent -------------------------------


class LibbtEngine:
    name = "libbt"

    def __init__(self, listen: str, connections: int) -> None:
        import libbt

        self.lt = libbt
        self.s = libbt.Session({"listen_interfaces": listen, "connections_limit": connections,
                                "unchoke_slots_limit": -1,
                                "alert_mask": int(libbt.AlertCategory.ERROR)})
        self.torrents = []

    def add(self, data: bytes, save: str, paused: bool) -> None:
        self.torrents.append(self.s.add_torrent(data, save_path=save, paused=paused))

    def count(self) -> int:
        return len(self.s.torrents())

    def statuses(self) -> list:
        """(paused, seeding, peers, uploaded) per torrent."""
        out = []
        for t in self.torrents:
            st = t.status()
            out.append((st.paused, st.state == self.lt.TorrentState.SEEDING, st.num_peers,
                        st.total_upload))
        return out

    def pop_alerts(self) -> None:
        self.s.pop_alerts()

    def port(self) -> int:
        return self.s.listen_port

    def close(self) -> None:
        self.s.close()


class LibtorrentEngine:
    name = "libtorrent"

    def __init__(self, listen: str, connections: int) -> None:
        import libtorrent as lt

        self.lt = lt
        self.s = lt.session({
            "listen_interfaces": listen, "enable_dht": False, "enable_lsd": False,
            "enable_upnp": False, "enable_natpmp": False, "enable_ip_notifier": False,
            "connections_limit": connections, "unchoke_slots_limit": -1,
            "allow_multiple_connections_per_ip": True, "listen_queue_size": 2000,
            "alert_mask": lt.alert.category_t.error_notification,
        })
        self.torrents = []

    def add(self, data: bytes, save: str, paused: bool) -> None:
        lt = self.lt
        p = lt.add_torrent_params()
        p.ti = lt.torrent_info(lt.bdecode(data))
        p.save_path = save
        p.flags &= ~lt.torrent_flags.auto_managed
        if paused:
            p.flags |= lt.torrent_flags.paused
        else:
            p.flags &= ~lt.torrent_flags.paused
        self.torrents.append(self.s.add_torrent(p))

    def count(self) -> int:
        return len(self.s.get_torrents())

    def statuses(self) -> list:
        out = []
        for h in self.torrents:
            st = h.status()
            out.append((bool(st.flags & self.lt.torrent_flags.paused), st.is_seeding, st.num_peers,
                        st.total_payload_upload))
        return out

    def pop_alerts(self) -> None:
        self.s.pop_alerts()

    def port(self) -> int:
        return self.s.listen_port()

    def close(self) -> None:
        del self.s


def engine(name: str, listen: str, connections: int):
    return (LibbtEngine if name == "libbt" else LibtorrentEngine)(listen, connections)


def idle(e, seconds: float) -> float:
    """Sleeps `seconds`, popping alerts once a second as an application would; returns the
    process CPU seconds used meanwhile."""
    c0 = cpu_seconds()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
        e.pop_alerts()
    return cpu_seconds() - c0


# ---- workers ------------------------------------------------------------------------------


def worker_paused(a) -> int:
    blobs = paused_torrents(a.n)
    save = tempfile.mkdtemp(prefix="bench-scale-paused-")
    try:
        e = engine(a.engine, "127.0.0.1:0", 200)
        time.sleep(0.5)  # the session's own start-up is not the torrents' cost
        e.pop_alerts()
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        for b in blobs:
            e.add(b, save, paused=True)
        add_s = time.perf_counter() - t0
        rss_added = rss_bytes()
        idle_cpu = idle(e, a.idle)
        rss1 = rss_bytes()
        sts = e.statuses()
        say(engine=e.name, torrents=e.count(), paused=sum(1 for s in sts if s[0]),
            add_s=round(add_s, 4), rss_delta_added=rss_added - rss0, rss_delta=rss1 - rss0,
            kib_per_torrent=round((rss1 - rss0) / a.n / 1024, 2),
            idle_cpu_pct=round(100 * idle_cpu / a.idle, 3), idle_seconds=a.idle)
        e.close()
    finally:
        shutil.rmtree(save, ignore_errors=True)
    return 0


def worker_seed(a) -> int:
    """Seeds every .torrent in --dir from --save; prints {"ready":..} when all seed, then on
    "measure\\n" from stdin the CPU over --seconds."""
    raise_fd_limit()
    files = sorted(Path(a.dir).glob("*.torrent"))
    e = engine(a.engine, "127.0.0.1:%d" % a.port, a.connections)
    for f in files:
        e.add(f.read_bytes(), a.save, paused=False)
    deadline = time.monotonic() + 600
    while True:
        sts = e.statuses()
        seeding = sum(1 for s in sts if s[1])
        if seeding == len(files) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
        e.pop_alerts()
    say(ready=True, engine=e.name, torrents=e.count(), seeding=seeding, port=e.port())
    for line in sys.stdin:
        e.pop_alerts()
        if line.strip() == "count":
            sts = e.statuses()
            say(count=True, peers=sum(s[2] for s in sts),
                with_peers=sum(1 for s in sts if s[2] >= a.want_peers))
            continue
        if line.strip() != "measure":
            continue
        before = e.statuses()
        cpu = idle(e, a.seconds)
        after = e.statuses()
        say(engine=e.name, torrents=e.count(), seeding=sum(1 for s in after if s[1]),
            peers=sum(s[2] for s in after), peers_before=sum(s[2] for s in before),
            with_peers=sum(1 for s in after if s[2] >= a.want_peers),
            uploaded=sum(s[3] for s in after) - sum(s[3] for s in before),
            uploaded_total=sum(s[3] for s in after),
            cpu_s=round(cpu, 4), cpu_pct=round(100 * cpu / a.seconds, 3), seconds=a.seconds)
        break
    e.close()
    return 0


def worker_peers(a) -> int:
    """--sessions libtorrent sessions, each downloading every .torrent in --dir from the
    seeder at --seeder over TCP (--rate bytes/s per session, split evenly over the torrents);
    prints the connected count now and then."""
    import libtorrent as lt

    raise_fd_limit()
    files = sorted(Path(a.dir).glob("*.torrent"))
    infos = [lt.torrent_info(lt.bdecode(f.read_bytes())) for f in files]
    sessions, handles = [], []
    for k in range(a.sessions):
        s = lt.session({
            "listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
            "enable_upnp": False, "enable_natpmp": False, "enable_ip_notifier": False,
            "connections_limit": len(files) + 100, "connection_speed": 1000,
            "enable_outgoing_utp": False, "enable_incoming_utp": False, "alert_mask": 0,
        }, 0)  # no default plugins: no ut_pex between the peers
        save = os.path.join(a.save, "p%d" % k)
        for ti in infos:
            p = lt.add_torrent_params()
            p.ti = ti
            p.save_path = save
            p.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
            h = s.add_torrent(p)
            # a limit per torrent: the session's would not apply to loopback (local) peers
            h.set_download_limit(max(a.rate // len(infos), 1))
            h.connect_peer(("127.0.0.1", a.seeder))
            handles.append(h)
        sessions.append(s)
    last = 0.0
    redial = time.monotonic()
    while True:
        time.sleep(0.5)
        for s in sessions:
            s.pop_alerts()
        now = time.monotonic()
        if now - last >= 1:
            last = now
            connected = 0
            for h in handles:
                if h.status().num_peers > 0:
                    connected += 1
                elif now - redial >= 3:
                    h.connect_peer(("127.0.0.1", a.seeder))
            if now - redial >= 3:
                redial = now
            say(connected=connected, want=len(handles))


# ---- driver -------------------------------------------------------------------------------


def libbt_env(build: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "bindings" / "python") + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("LIBBT_LIBRARY", str(build / "lib" / "libbt.so"))
    return env


def worker_cmd(engine_name: str, *args: str) -> list:
    py = sys.executable if engine_name == "libbt" else LT_PYTHON
    return [py, str(Path(__file__).resolve()), *args]


def run_paused(engine_name: str, n: int, idle_s: float, env: dict) -> dict:
    r = subprocess.run(worker_cmd(engine_name, "worker-paused", "--engine", engine_name, "--n", str(n),
                                  "--idle", str(idle_s)),
                       env=env, capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise RuntimeError(f"{engine_name} paused worker failed:\n{r.stdout}\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def make_seed_data(work: Path, m: int, size: int, piece: int) -> tuple:
    """One file of `size` random bytes, hard-linked as m single-file torrents' data."""
    data = work / "data"
    tdir = work / "torrents"
    data.mkdir()
    tdir.mkdir()
    base = work / "base.bin"
    payload = os.urandom(size)
    base.write_bytes(payload)
    hashes = b"".join(hashlib.sha1(payload[i:i + piece]).digest() for i in range(0, size, piece))
    for i in range(m):
        name = "s%05d.bin" % i
        os.link(base, data / name)
        (tdir / ("s%05d.torrent" % i)).write_bytes(
            bencode({"info": {"name": name, "length": size, "piece length": piece, "pieces": hashes}}))
    return data, tdir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lines:
    """A child's stdout, read by a thread into a list of JSON objects."""

    def __init__(self, proc) -> None:
        self.proc = proc
        self.items = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                with self.cv:
                    self.items.append(json.loads(line))
                    self.cv.notify_all()

    def wait(self, pred, timeout: float, what: str, since: int = 0) -> dict:
        """The newest line from index `since` on that satisfies pred."""
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                for it in reversed(self.items[since:]):
                    if pred(it):
                        return it
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    err = self.proc.stderr.read() if self.proc.poll() is not None else ""
                    raise RuntimeError(f"{what}: timed out; last lines {self.items[-3:]} {err[-2000:]}")
                self.cv.wait(min(left, 0.5))


def run_seeding(engine_name: str, m: int, peers: int, cpu_s: float, rate: int, settle: float,
                work: Path, tdir: Path, data: Path, env: dict) -> dict:
    port = free_port()
    seeder = subprocess.Popen(
        worker_cmd(engine_name, "worker-seed", "--engine", engine_name, "--dir", str(tdir), "--save",
                   str(data), "--port", str(port), "--connections", str(2 * m * peers + 500),
                   "--seconds", str(cpu_s), "--want-peers", str(peers)),
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    psave = work / ("peers-" + engine_name)
    peer_proc = None
    try:
        sl = Lines(seeder)
        ready = sl.wait(lambda x: x.get("ready"), 600, f"{engine_name} seeder ready")
        peer_proc = subprocess.Popen(
            [LT_PYTHON, str(Path(__file__).resolve()), "worker-peers", "--dir", str(tdir), "--save",
             str(psave), "--seeder", str(port), "--sessions", str(peers), "--rate", str(rate)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        pl = Lines(peer_proc)
        t0 = time.monotonic()
        want = m * peers
        # The peers count a connection as soon as they dial: the seeder's own count decides.
        deadline = t0 + 120 + want / 10
        while True:
            seeder.stdin.write("count\n")
            seeder.stdin.flush()
            n = len(sl.items)
            c = sl.wait(lambda x: x.get("count"), 600, f"{engine_name} count", since=n)
            if c["with_peers"] >= m or time.monotonic() > deadline:
                break
            time.sleep(2)
        connect_s = time.monotonic() - t0
        got = pl.wait(lambda x: "connected" in x, 60, f"peers of the {engine_name} seeder")
        # Let the transfer settle: a seeder first fills the socket buffers of every connection
        # (about 64 KiB each here), which rate-limited peers take a while to drain.
        time.sleep(settle)
        seeder.stdin.write("measure\n")
        seeder.stdin.flush()
        res = sl.wait(lambda x: "cpu_pct" in x, cpu_s + 600, f"{engine_name} measurement")
        res.update(ready_torrents=ready["torrents"], ready_seeding=ready["seeding"],
                   peers_connected=got["connected"], connect_s=round(connect_s, 2),
                   seeder_saw=c["peers"])
        return res
    finally:
        for p in (peer_proc, seeder):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(psave, ignore_errors=True)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "inf" if a else "1.00"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    wp = sub.add_parser("worker-paused")
    wp.add_argument("--engine", required=True)
    wp.add_argument("--n", type=int, required=True)
    wp.add_argument("--idle", type=float, required=True)
    ws = sub.add_parser("worker-seed")
    ws.add_argument("--engine", required=True)
    ws.add_argument("--dir", required=True)
    ws.add_argument("--save", required=True)
    ws.add_argument("--port", type=int, required=True)
    ws.add_argument("--connections", type=int, required=True)
    ws.add_argument("--seconds", type=float, required=True)
    ws.add_argument("--want-peers", type=int, required=True)
    wq = sub.add_parser("worker-peers")
    wq.add_argument("--dir", required=True)
    wq.add_argument("--save", required=True)
    wq.add_argument("--seeder", type=int, required=True)
    wq.add_argument("--sessions", type=int, required=True)
    wq.add_argument("--rate", type=int, required=True)
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--paused", type=int, default=10000)
    ap.add_argument("--idle-seconds", type=float, default=10)
    ap.add_argument("--seeding", type=int, default=1000)
    ap.add_argument("--peers", type=int, default=5)
    ap.add_argument("--cpu-seconds", type=float, default=20)
    ap.add_argument("--settle-seconds", type=float, default=45,
                    help="from all peers connected to the seeding window")
    ap.add_argument("--peer-rate", type=int, default=2_000_000,
                    help="download rate limit of each peer session, bytes/s, split over its torrents "
                         "(default 2 MB/s, 2 KB/s a torrent: no peer finishes one within the run)")
    ap.add_argument("--engines", default="libbt,libtorrent", help="which to run (ratios need both)")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.cmd == "worker-paused":
        return worker_paused(a)
    if a.cmd == "worker-seed":
        return worker_seed(a)
    if a.cmd == "worker-peers":
        return worker_peers(a)

    if a.smoke:
        a.paused, a.idle_seconds, a.seeding, a.peers, a.cpu_seconds = 200, 1, 20, 2, 1
        a.settle_seconds = 2
        a.peer_rate = 40_000  # 1 KB/s per torrent: no peer finishes within the run
    if subprocess.run([LT_PYTHON, "-c", "import libtorrent"], capture_output=True).returncode != 0:
        sys.exit(f"bench-scale: {LT_PYTHON} cannot import libtorrent (apt-get install python3-libtorrent)")
    env = libbt_env(Path(a.build))
    tag = "bench-scale" + (" (smoke)" if a.smoke else "")
    failures = []

    def check(cond: bool, what: str) -> None:
        """Counts are the smoke test's assertions; the full run reports what it got."""
        if not cond:
            if a.smoke:
                failures.append(what)
            print(f"{tag}: {'FAIL' if a.smoke else 'note:'} {what}", flush=True)

    engines = a.engines.split(",")

    # (a) paused torrents
    res = {}
    for name in engines:
        r = run_paused(name, a.paused, a.idle_seconds, env)
        res[name] = r
        print(f"{tag}: {name:10s} {a.paused} paused torrents: add {r['add_s']:.3f} s, "
              f"{r['kib_per_torrent']:.1f} KiB per torrent (RSS delta {r['rss_delta'] / MiB:.1f} MiB; "
              f"{r['rss_delta_added'] / MiB:.1f} MiB right after adding), idle CPU "
              f"{r['idle_cpu_pct']:.2f} % of a core over {a.idle_seconds:g} s", flush=True)
        check(r["torrents"] == a.paused and r["paused"] == a.paused,
              f"{name}: {r['torrents']} torrents, {r['paused']} paused, want {a.paused}")
    b, l = res.get("libbt"), res.get("libtorrent")
    if b and l:
        print(f"{tag}: paused ratios libbt/libtorrent: add time {ratio(b['add_s'], l['add_s'])}, "
              f"memory per torrent {ratio(b['kib_per_torrent'], l['kib_per_torrent'])}, "
              f"idle CPU {ratio(b['idle_cpu_pct'], l['idle_cpu_pct'])}", flush=True)

    # (b) seeding torrents with peers (--seeding 0: the paused part alone)
    if a.seeding > 0:
        work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
        try:
            size, piece = (256 * 1024, 16 * 1024) if a.smoke else (2 * MiB, 256 * 1024)
            data, tdir = make_seed_data(work, a.seeding, size, piece)
            sres = {}
            for name in engines:
                r = run_seeding(name, a.seeding, a.peers, a.cpu_seconds, a.peer_rate, a.settle_seconds,
                                work, tdir, data, env)
                sres[name] = r
                up = r["uploaded"] / r["seconds"] / 1e6
                print(f"{tag}: {name:10s} {a.seeding} seeding torrents, {r['peers']} peers "
                      f"({r['with_peers']} torrents with {a.peers}+; {r['seeder_saw']} peers "
                      f"{r['connect_s']} s after the peers started): "
                      f"CPU {r['cpu_pct']:.2f} % of a core, serving {up:.2f} MB/s "
                      f"({100 * r['cpu_s'] / max(r['uploaded'] / 1e6, 1e-9):.3f} CPU-% s per MB)", flush=True)
                check(r["ready_torrents"] == a.seeding and r["ready_seeding"] == a.seeding,
                      f"{name}: {r['ready_seeding']} of {r['ready_torrents']} torrents seeding, want {a.seeding}")
                check(r["peers_connected"] >= a.seeding * a.peers,
                      f"{name}: the peers saw {r['peers_connected']} connected torrents, want {a.seeding * a.peers}")
                check(r["peers"] >= a.seeding * a.peers and r["with_peers"] == a.seeding,
                      f"{name}: the seeder counts {r['peers']} peers, {r['with_peers']} torrents with "
                      f"{a.peers}+, want {a.seeding * a.peers} and {a.seeding}")
                check(r["uploaded_total"] > 0, f"{name}: served no bytes")
            b, l = sres.get("libbt"), sres.get("libtorrent")
            if b and l:
                print(f"{tag}: seeding ratio libbt/libtorrent: session CPU per second "
                      f"{ratio(b['cpu_pct'], l['cpu_pct'])}, per peer connected "
                      f"{ratio(b['cpu_pct'] / max(b['peers'], 1), l['cpu_pct'] / max(l['peers'], 1))}, per byte "
                      f"served {ratio(b['cpu_s'] / max(b['uploaded'], 1), l['cpu_s'] / max(l['uploaded'], 1))}",
                      flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{tag}: {len(failures)} failed", flush=True)
        return 1
    print(f"{tag}: all counts as expected", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
