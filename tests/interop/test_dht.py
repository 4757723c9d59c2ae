"""Trackerless magnet downloads through one Mainline DHT shared by libbt and libtorrent.

libtorrent's DHT blocks an IP that sends it more than a few packets a second, and every node
here is on loopback: libbt therefore runs on 127.0.0.2 and the libtorrent nodes on 127.0.0.1."""
import json
import subprocess

from conftest import bt, free_port, ltpeer, make_content, same_tree
from test_ltpeer import TIMEOUT, check_done


def dht_settings(port: int, bootstrap: int) -> list:
    return ["--set", f"listen_interfaces=127.0.0.2:{port}", "--set", "enable_dht=true",
            "--set", f"dht_bootstrap_nodes=127.0.0.1:{bootstrap}"]


def magnet_of(tmp_path, maker, content, torrent):
    argv = (bt if maker == "bt" else ltpeer)("make", "--data", content, "--out", torrent, "--piece-size", 65536,
                                             *(["--v1only"] if maker == "ltpeer" else ["--json"]))
    out = subprocess.run(argv, check=True, capture_output=True, timeout=60)
    return json.loads(out.stdout.decode().splitlines()[-1])["magnet"]


def test_bt_magnet_finds_libtorrent_seeder_through_dht(tmp_path, procs):
    content = make_content(tmp_path / "seed")
    torrent = tmp_path / "t.torrent"
    magnet = magnet_of(tmp_path, "ltpeer", content, torrent)
    assert "tr=" not in magnet and "x.pe=" not in magnet
    boot, seed_port = free_port(), free_port()
    node = procs(ltpeer("dht", "--port", boot, "--seconds", TIMEOUT + 30), "ltpeer-dht")
    node.wait_for(lambda l: "dht_nodes" in l, 10)
    procs(ltpeer("seed", "--torrent", torrent, "--save", content.parent, "--port", seed_port, "--dht",
                 "--dht-bootstrap", f"127.0.0.1:{boot}", "--transport", "tcp", "--seconds", TIMEOUT + 30),
          "ltpeer-seed").wait_for(lambda l: "seeding" in l, 20)
    save = tmp_path / "get"
    getter = procs(bt("get", "--magnet", magnet, "--save", save, "--seconds", TIMEOUT, "--json",
                      *dht_settings(free_port(), boot)), "bt-get")
    check_done(getter, content, save)


def test_libtorrent_magnet_finds_bt_seeder_through_dht(tmp_path, procs):
    content = make_content(tmp_path / "seed")
    torrent = tmp_path / "t.torrent"
    magnet = magnet_of(tmp_path, "bt", content, torrent)
    boot = free_port()
    node = procs(ltpeer("dht", "--port", boot, "--seconds", TIMEOUT + 30), "ltpeer-dht")
    node.wait_for(lambda l: "dht_nodes" in l, 10)
    seeder = procs(bt("seed", "--torrent", torrent, "--save", content.parent, "--seconds", TIMEOUT + 30,
                      "--json", *dht_settings(free_port(), boot)), "bt-seed")
    seeder.wait_for(lambda l: l.get("event") == "seeding", 20)
    save = tmp_path / "get"
    getter = procs(ltpeer("get", "--magnet", magnet, "--save", save, "--port", free_port(), "--dht",
                          "--dht-bootstrap", f"127.0.0.1:{boot}", "--transport", "tcp", "--seconds", TIMEOUT),
                   "ltpeer-get")
    check_done(getter, content, save)
    # The libtorrent bootstrap node saw the libbt node join the DHT.
    assert max(l.get("dht_nodes", 0) for l in node.poll_lines()) >= 1
