#!/usr/bin/env python3
"""libbt vs libtorrent, side by side in one run (absolute numbers lie on a noisy machine; ratios
don't as much).

  scripts/bench.py [--size-mib N] [--runs R] [--build DIR]

Transfers one N MiB torrent over loopback TCP: `bt seed` -> `bt get`, then ltpeer seed ->
ltpeer get (the real libtorrent), alternating R times, and prints MB/s for each and the ratio
of the medians. Also reports Go micro-benchmarks of the session for the record."""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LTPEER = REPO / "tests" / "interop" / "ltpeer.py"  # the test suite's reference peer


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def last_json(out: str) -> dict:
    for line in reversed(out.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON output:\n" + out[-2000:])


SEEDER_SETTLE = 1.5  # seconds


def wait_ready(proc, needle: str, timeout=120):
    deadline = time.time() + timeout
    buf = b""
    os.set_blocking(proc.stdout.fileno(), False)
    while time.time() < deadline:
        chunk = proc.stdout.read()
        if chunk:
            buf += chunk
            if needle.encode() in buf:
                # Keep reading what the seeder prints: a full pipe would block its main loop
                # (and skew the measurement) for the rest of the run.
                os.set_blocking(proc.stdout.fileno(), True)
                threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()
                # libtorrent adds a torrent asynchronously after ltpeer prints "seeding" and
                # closes connections until then (~0.7 s here): every pair waits the same, so
                # the clients' timings measure transfers, not who connected first.
                time.sleep(SEEDER_SETTLE)
                return
        if proc.poll() is not None:
            raise RuntimeError(f"seeder exited: {buf.decode(errors='replace')[-2000:]}")
        time.sleep(0.05)
    raise RuntimeError("seeder not ready: " + buf.decode(errors="replace")[-2000:])


def transfer(kind: str, bt: Path, torrent: Path, seed_dir: Path, work: Path, encrypted: bool = False):
    port = free_port()
    save = work / f"get-{kind}"
    shutil.rmtree(save, ignore_errors=True)
    if kind == "libbt":
        seed = [str(bt), "seed", "--torrent", str(torrent), "--save", str(seed_dir), "--port", str(port),
                "--seconds", "600", "--json"]
        get = [str(bt), "get", "--torrent", str(torrent), "--save", str(save), "--peer", f"127.0.0.1:{port}",
               "--seconds", "600", "--json"]
        ready = '"seeding"'
        if encrypted:  # the same policy as ltpeer --encryption forced (MSE handshake required;
            # the stream method negotiated as libtorrent does by default)
            seed, get = seed + ["--encryption", "forced"], get + ["--encryption", "forced"]
    else:
        lt = ["/usr/bin/python3", str(LTPEER)]
        seed = lt + ["seed", "--torrent", str(torrent), "--save", str(seed_dir), "--port", str(port),
                     "--transport", "tcp", "--seconds", "600"]
        get = lt + ["get", "--torrent", str(torrent), "--save", str(save), "--peer", f"127.0.0.1:{port}",
                    "--transport", "tcp", "--seconds", "600"]
        ready = '"seeding"'
        if encrypted:
            seed, get = seed + ["--encryption", "forced"], get + ["--encryption", "forced"]
    seeder = subprocess.Popen(seed, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        wait_ready(seeder, ready)
        t0 = time.monotonic()
        out = subprocess.run(get, capture_output=True, text=True, timeout=900)
        wall = time.monotonic() - t0
        done = last_json(out.stdout)
        if not done.get("done"):
            raise RuntimeError(f"{kind} get did not finish: {out.stdout[-1000:]} {out.stderr[-1000:]}")
        # The client's own figure (add -> complete) and the whole process, start to exit.
        return float(done["MBps"]), done["bytes"] / 1e6 / wall
    finally:
        seeder.terminate()
        seeder.wait(timeout=30)
        shutil.rmtree(save, ignore_errors=True)


def magnet_via_dht(kind: str, bt: Path, work: Path, boot: int, torrent_bt: Path, magnet: str, seed_dir: Path,
                   run: int) -> float:
    """Seconds from adding a magnet link (no trackers, no peers) to having its one 16 KiB piece,
    with the seeder found through a DHT bootstrapped from one libtorrent node."""
    save = work / f"dht-get-{kind}"
    shutil.rmtree(save, ignore_errors=True)
    lt = ["/usr/bin/python3", str(LTPEER)]
    if kind == "libbt":
        # libbt on fresh loopback IPs each run: libtorrent blocks a source IP for minutes once it
        # sends more than a few DHT packets a second, and every libbt node here is "one host".
        seed = [str(bt), "seed", "--torrent", str(torrent_bt), "--save", str(seed_dir), "--seconds", "120", "--json",
                "--set", f"listen_interfaces=127.0.1.{run + 1}:{free_port()}", "--set", "enable_dht=true",
                "--set", f"dht_bootstrap_nodes=127.0.0.1:{boot}"]
        get = [str(bt), "get", "--magnet", magnet, "--save", str(save), "--seconds", "120", "--json",
               "--set", f"listen_interfaces=127.0.2.{run + 1}:{free_port()}", "--set", "enable_dht=true",
               "--set", f"dht_bootstrap_nodes=127.0.0.1:{boot}"]
    else:
        seed = lt + ["seed", "--torrent", str(torrent_bt), "--save", str(seed_dir), "--port", str(free_port()),
                     "--dht", "--dht-bootstrap", f"127.0.0.1:{boot}", "--transport", "tcp", "--seconds", "120"]
        get = lt + ["get", "--magnet", magnet, "--save", str(save), "--port", str(free_port()), "--dht",
                    "--dht-bootstrap", f"127.0.0.1:{boot}", "--transport", "tcp", "--seconds", "120"]
    seeder = subprocess.Popen(seed, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        wait_ready(seeder, '"seeding"')
        out = subprocess.run(get, capture_output=True, text=True, timeout=180)
        done = last_json(out.stdout)
        if not done.get("done"):
            raise RuntimeError(f"{kind} magnet get did not finish: {out.stdout[-800:]}")
        return float(done["seconds"])
    finally:
        seeder.terminate()
        seeder.wait(timeout=30)


def dht_bench(bt: Path, work: Path, runs: int):
    data = work / "dht-seed" / "tiny"
    data.mkdir(parents=True)
    (data / "one-piece.bin").write_bytes(os.urandom(16384))
    torrent = work / "tiny.torrent"
    made = subprocess.run([str(bt), "make", "--data", str(data), "--out", str(torrent), "--json"],
                          check=True, capture_output=True, text=True)
    magnet = last_json(made.stdout)["magnet"]
    res = {"libbt": [], "libtorrent": []}
    for run in range(runs):
        for kind in ("libbt", "libtorrent"):
            # A fresh libtorrent bootstrap node each time, so no run inherits another's state.
            boot = free_port()
            node = subprocess.Popen(["/usr/bin/python3", str(LTPEER), "dht", "--port", str(boot), "--seconds", "300"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                time.sleep(1)
                secs = magnet_via_dht(kind, bt, work, boot, torrent, magnet, work / "dht-seed", run)
            finally:
                node.terminate()
                node.wait(timeout=30)
            res[kind].append(secs)
            print(f"bench: dht run {run + 1}/{runs} {kind:10s} magnet to first piece {secs:6.2f} s", flush=True)
    a, b = statistics.median(res["libbt"]), statistics.median(res["libtorrent"])
    print(json.dumps({"bench": "magnet_via_dht_first_piece_s", "libbt": res["libbt"],
                      "libtorrent": res["libtorrent"], "speedup": round(b / a, 2) if a else None}))
    print(f"bench: magnet through the DHT to the first piece: libbt {a:.2f} s vs libtorrent {b:.2f} s")
    subprocess.run(["go", "test", "./dht/", "-run", "^$", "-bench", "Lookup500", "-benchtime", "200x"],
                   cwd=REPO, check=False)


def webseed_transfer(kind: str, bt: Path, torrent: Path, work: Path) -> float:
    """Download from the nginx web seed alone (no peers)."""
    save = work / f"ws-get-{kind}"
    shutil.rmtree(save, ignore_errors=True)
    if kind == "libbt":
        get = [str(bt), "get", "--torrent", str(torrent), "--save", str(save), "--seconds", "600", "--json"]
    else:
        get = ["/usr/bin/python3", str(LTPEER), "get", "--torrent", str(torrent), "--save", str(save),
               "--port", str(free_port()), "--transport", "tcp", "--seconds", "600"]
    try:
        out = subprocess.run(get, capture_output=True, text=True, timeout=900)
        done = last_json(out.stdout)
        if not done.get("done"):
            raise RuntimeError(f"{kind} web seed get did not finish: {out.stdout[-800:]}")
        return float(done["MBps"])
    finally:
        shutil.rmtree(save, ignore_errors=True)


def start_nginx(root: Path, work: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(f"""daemon off; master_process off; worker_processes 1; pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 64; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {work}/nginx-tmp; proxy_temp_path {work}/nginx-tmp;
  fastcgi_temp_path {work}/nginx-tmp; uwsgi_temp_path {work}/nginx-tmp; scgi_temp_path {work}/nginx-tmp;
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
    (work / "nginx-tmp").mkdir(exist_ok=True)
    p = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start")


def ratio_line(name: str, res: dict, unit: str = "MB/s"):
    a, b = statistics.median(res["libbt"]), statistics.median(res["libtorrent"])
    print(json.dumps({"bench": name, "libbt": res["libbt"], "libtorrent": res["libtorrent"], "ratio": round(a / b, 3)}))
    print(f"bench: {name}: libbt {a:.1f} {unit} vs libtorrent {b:.1f} {unit}: ratio {a / b:.2f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--only", choices=("transfer", "dht"), default=None)
    args = ap.parse_args()
    bt = Path(args.build) / "bin" / "bt"
    if not bt.exists():
        sys.exit(f"bench: {bt} missing: run make")
    with tempfile.TemporaryDirectory(prefix="libbt-bench-") as tmp:
        work = Path(tmp)
        if args.only == "dht":
            dht_bench(bt, work, args.runs)
            return
        data = work / "seed" / "payload"
        data.mkdir(parents=True)
        print(f"bench: writing {args.size_mib} MiB of random data", flush=True)
        with open(data / "payload.bin", "wb") as f:
            chunk = os.urandom(1 << 20)
            for i in range(args.size_mib):
                f.write(chunk[i % 997:] + chunk[:i % 997])  # distinct pieces, cheap to make
        # A second small file: libtorrent's web seed treats a one-file directory torrent as a
        # single-file one (it asks for /payload) and would never fetch a byte.
        (data / "readme.txt").write_bytes(b"libbt bench payload\n")
        torrent = work / "payload.torrent"
        subprocess.run([str(bt), "make", "--data", str(data), "--out", str(torrent), "--piece-size",
                        str(1 << 20), "--json"], check=True, capture_output=True)
        results = {"libbt": [], "libtorrent": []}
        walls = {"libbt": [], "libtorrent": []}
        for run in range(args.runs):
            for kind in ("libbt", "libtorrent"):
                mbps, wall = transfer(kind, bt, torrent, work / "seed", work)
                results[kind].append(mbps)
                walls[kind].append(round(wall, 1))
                print(f"bench: run {run + 1}/{args.runs} {kind:10s} {mbps:8.1f} MB/s "
                      f"({wall:.1f} MB/s counting process start and exit)", flush=True)
        a = statistics.median(results["libbt"])
        b = statistics.median(results["libtorrent"])
        wa, wb = statistics.median(walls["libbt"]), statistics.median(walls["libtorrent"])
        print(json.dumps({"bench": "loopback_tcp_1peer", "size_mib": args.size_mib,
                          "libbt_MBps": results["libbt"], "libtorrent_MBps": results["libtorrent"],
                          "ratio": round(a / b, 3), "wall_ratio": round(wa / wb, 3)}))
        print(f"bench: libbt {a:.1f} MB/s vs libtorrent {b:.1f} MB/s: ratio {a / b:.2f} "
              f"(whole process: {wa:.1f} vs {wb:.1f}, ratio {wa / wb:.2f})")
        if args.only is None:
            enc = {"libbt": [], "libtorrent": []}
            for run in range(args.runs):
                for kind in ("libbt", "libtorrent"):
                    mbps, _ = transfer(kind, bt, torrent, work / "seed", work, encrypted=True)
                    enc[kind].append(mbps)
                    print(f"bench: run {run + 1}/{args.runs} {kind:10s} {mbps:8.1f} MB/s (MSE forced)", flush=True)
            ratio_line("loopback_tcp_1peer_mse_forced", enc)

            ws_torrent = work / "payload-webseed.torrent"
            nginx, port = start_nginx(work / "seed", work)
            try:
                subprocess.run([str(bt), "make", "--data", str(data), "--out", str(ws_torrent), "--piece-size",
                                str(1 << 20), "--webseed", f"http://127.0.0.1:{port}/", "--json"],
                               check=True, capture_output=True)
                ws = {"libbt": [], "libtorrent": []}
                for run in range(args.runs):
                    for kind in ("libbt", "libtorrent"):
                        mbps = webseed_transfer(kind, bt, ws_torrent, work)
                        ws[kind].append(mbps)
                        print(f"bench: run {run + 1}/{args.runs} {kind:10s} {mbps:8.1f} MB/s (nginx web seed only)", flush=True)
                ratio_line("webseed_nginx_only", ws)
            finally:
                nginx.terminate()
                nginx.wait(timeout=30)
            dht_bench(bt, work, args.runs)


if __name__ == "__main__":
    main()
