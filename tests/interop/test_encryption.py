"""Protocol encryption (MSE/PE) between libbt's `bt` and the real libtorrent (ltpeer.py).

libbt's settings are libtorrent's: out_enc_policy / in_enc_policy 0 forced, 1 enabled,
2 disabled; allowed_enc_level 1 plaintext, 2 rc4, 3 both; prefer_rc4. A forced libtorrent
accepts only MSE connections, so a finished transfer proves the obfuscated handshake worked;
allowed_enc_level=2 (or prefer_rc4 on the receiving side) makes the stream RC4 as well."""
import subprocess
import time

import pytest

from conftest import bt, free_port, ltpeer, make_content, same_tree

TIMEOUT = 60


def make_torrent(tmp_path):
    content = make_content(tmp_path / "seed")
    torrent = tmp_path / "t.torrent"
    subprocess.run(bt("make", "--data", content, "--out", torrent, "--piece-size", 65536),
                   check=True, capture_output=True, timeout=60)
    return content, torrent


def settings(**kv):
    args = []
    for k, v in kv.items():
        args += ["--set", f"{k}={v}"]
    return args


def check_done(proc, content, save):
    line = proc.wait_for(lambda l: "done" in l, TIMEOUT)
    assert line["done"] is True, line
    assert proc.finish(10) == 0
    same_tree(content, save / content.name)


@pytest.mark.parametrize("bt_settings", [
    {"out_enc_policy": 1},                           # enabled: MSE first
    {"out_enc_policy": 0},                           # forced, plaintext stream allowed
    {"out_enc_policy": 0, "allowed_enc_level": 2},   # forced, RC4 stream
], ids=["enabled", "forced", "forced-rc4"])
def test_bt_downloads_from_forced_libtorrent_seed(tmp_path, procs, bt_settings):
    content, torrent = make_torrent(tmp_path)
    port = free_port()
    seed = procs(ltpeer("seed", "--torrent", torrent, "--save", content.parent, "--port", port,
                        "--transport", "tcp", "--seconds", 120, "--encryption", "forced"), "ltpeer-seed")
    seed.wait_for(lambda l: "seeding" in l, 20)
    save = tmp_path / "get"
    getter = procs(bt("get", "--torrent", torrent, "--save", save, "--peer", f"127.0.0.1:{port}",
                      "--seconds", TIMEOUT, "--json", *settings(**bt_settings)), "bt-get")
    check_done(getter, content, save)


@pytest.mark.parametrize("bt_settings", [
    {"in_enc_policy": 0},                            # libtorrent offers both: plaintext stream
    {"in_enc_policy": 0, "prefer_rc4": "true"},      # RC4 stream
    {"in_enc_policy": 0, "allowed_enc_level": 2},    # RC4 only
], ids=["forced", "forced-prefer-rc4", "forced-rc4-only"])
def test_forced_libtorrent_downloads_from_forced_bt_seed(tmp_path, procs, bt_settings):
    content, torrent = make_torrent(tmp_path)
    port = free_port()
    seed = procs(bt("seed", "--torrent", torrent, "--save", content.parent, "--port", port,
                    "--seconds", 120, "--json", *settings(**bt_settings)), "bt-seed")
    seed.wait_for(lambda l: l.get("event") == "seeding" or "up" in l, 20)
    save = tmp_path / "get"
    getter = procs(ltpeer("get", "--torrent", torrent, "--save", save, "--peer", f"127.0.0.1:{port}",
                          "--transport", "tcp", "--seconds", TIMEOUT, "--encryption", "forced"), "ltpeer-get")
    check_done(getter, content, save)


def test_plaintext_bt_is_refused_by_forced_libtorrent(tmp_path, procs):
    content, torrent = make_torrent(tmp_path)
    port = free_port()
    seed = procs(ltpeer("seed", "--torrent", torrent, "--save", content.parent, "--port", port,
                        "--transport", "tcp", "--seconds", 120, "--encryption", "forced"), "ltpeer-seed")
    seed.wait_for(lambda l: "seeding" in l, 20)
    save = tmp_path / "get"
    getter = procs(bt("get", "--torrent", torrent, "--save", save, "--peer", f"127.0.0.1:{port}",
                      "--seconds", 6, "--json", *settings(out_enc_policy=2)), "bt-get")
    line = getter.wait_for(lambda l: "done" in l, 30)
    assert line["done"] is False, line
    assert line.get("progress", 0) == 0, line
    assert getter.finish(10) != 0
    seed.poll_lines()
    assert all(l.get("total_up", 0) == 0 for l in seed.lines), seed.lines[-3:]


def test_plaintext_libtorrent_is_refused_by_forced_bt_seed(tmp_path, procs):
    content, torrent = make_torrent(tmp_path)
    port = free_port()
    seed = procs(bt("seed", "--torrent", torrent, "--save", content.parent, "--port", port,
                    "--seconds", 120, "--json", *settings(in_enc_policy=0)), "bt-seed")
    seed.wait_for(lambda l: l.get("event") == "seeding" or "up" in l, 20)
    save = tmp_path / "get"
    getter = procs(ltpeer("get", "--torrent", torrent, "--save", save, "--peer", f"127.0.0.1:{port}",
                          "--transport", "tcp", "--seconds", 6, "--encryption", "disabled"), "ltpeer-get")
    line = getter.wait_for(lambda l: "done" in l, 30)
    assert line["done"] is False, line
    getter.poll_lines()
    assert all(l.get("total_down", 0) == 0 for l in getter.lines), getter.lines[-3:]


def test_bt_falls_back_to_plaintext_with_a_plaintext_only_libtorrent(tmp_path, procs):
    # out_enc_policy enabled (the default) tries MSE first; libtorrent with encryption disabled
    # hangs up on it, and libbt retries the same peer in plaintext.
    content, torrent = make_torrent(tmp_path)
    port = free_port()
    seed = procs(ltpeer("seed", "--torrent", torrent, "--save", content.parent, "--port", port,
                        "--transport", "tcp", "--seconds", 120, "--encryption", "disabled"), "ltpeer-seed")
    seed.wait_for(lambda l: "seeding" in l, 20)
    save = tmp_path / "get"
    getter = procs(bt("get", "--torrent", torrent, "--save", save, "--peer", f"127.0.0.1:{port}",
                      "--seconds", TIMEOUT, "--json", *settings(out_enc_policy=1)), "bt-get")
    check_done(getter, content, save)
