"""Issue 9's slow-reader attack on `bt seed`, end to end: peers that request every block of a
large torrent and never read their sockets. Before the send-buffer watermark the seeder read
the whole torrent into memory for each of them (8 readers of 256 MiB: +505 MiB RSS); libtorrent
2.0.8 grew by 7 MiB. Now a peer's payload waits on disk until its send buffer drains
(send_buffer_watermark, 500 KiB) and its whole send buffer is bounded (+512 KiB of other
messages), so the growth is a few MiB per reader whatever the torrent's size."""
import json
import os
import socket
import struct
import subprocess
import time
from pathlib import Path

from conftest import bt, free_port

READERS = 8
SIZE = 256 << 20
PIECE = 1 << 20
BLOCK = 16 << 10
# 8 x (500 KiB payload + 512 KiB other messages), doubled for Go's slice growth and garbage
# awaiting collection, plus the runtime's own slack. Before the fix: 505 MiB.
MAX_GROWTH_MIB = 64


def rss_mib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS")


def recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        assert chunk, "seeder closed the connection"
        buf += chunk
    return buf


def slow_reader(port: int, info_hash: bytes, n: int) -> socket.socket:
    """Handshake, say interested, wait for the unchoke, request every block, then never read."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    reserved = bytes([0, 0, 0, 0, 0, 0x10, 0, 0x04])  # extension protocol, fast extension
    s.sendall(b"\x13BitTorrent protocol" + reserved + info_hash + b"-SLOW00-%012d" % n)
    recv_exact(s, 68)
    s.sendall(struct.pack(">IB", 1, 2))  # interested
    while True:
        length = struct.unpack(">I", recv_exact(s, 4))[0]
        body = recv_exact(s, length) if length else b""
        if body[:1] == b"\x01":  # unchoke
            break
    requests = b"".join(struct.pack(">IBIII", 13, 6, i // (PIECE // BLOCK), (i % (PIECE // BLOCK)) * BLOCK, BLOCK)
                        for i in range(SIZE // BLOCK))
    s.sendall(requests)
    return s


def test_slow_readers_do_not_grow_bt_seed(tmp_path, procs):
    content = tmp_path / "seed" / "content"
    content.mkdir(parents=True)
    chunk = os.urandom(1 << 20)
    with open(content / "big", "wb") as f:
        for i in range(SIZE >> 20):
            f.write(chunk[i:] + chunk[:i])  # distinct pieces
    torrent = tmp_path / "t.torrent"
    made = subprocess.run(bt("make", "--data", content, "--out", torrent, "--piece-size", PIECE, "--json"),
                          check=True, capture_output=True, timeout=120)
    info_hash = bytes.fromhex(json.loads(made.stdout.decode().splitlines()[-1])["info_hash"])

    port = free_port()
    # A 1 MiB disk cache, so its pages (bounded by cache_size anyway) are not what is measured.
    seeder = procs(bt("seed", "--torrent", torrent, "--save", content.parent, "--port", port,
                      "--seconds", 120, "--json", "--set", "cache_size=64"), "bt-seed")
    seeder.wait_for(lambda l: l.get("event") == "seeding" or "up" in l, 30)
    time.sleep(1)
    base = rss_mib(seeder.p.pid)

    readers = [slow_reader(port, info_hash, n) for n in range(READERS)]
    peak = base
    for _ in range(20):  # the old code had read everything within a couple of seconds
        time.sleep(0.25)
        peak = max(peak, rss_mib(seeder.p.pid))
    grown = peak - base
    print(f"bt seed RSS {base} MiB -> {peak} MiB (+{grown} MiB) with {READERS} slow readers of {SIZE >> 20} MiB")
    assert grown < MAX_GROWTH_MIB, f"bt seed grew by {grown} MiB"
    assert seeder.p.poll() is None, "the seeder is still up"
    for s in readers:
        s.close()
