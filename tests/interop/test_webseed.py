"""libbt's `bt` downloading from web seeds (BEP 19 url-list) served by a real nginx on loopback.

nginx runs in the foreground from a temporary configuration (its own pid file, logs and temp
directories), never touching the system's nginx."""
import json
import random
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import bt, free_port, make_content, same_tree

TIMEOUT = 60
NGINX = Path("/usr/sbin/nginx")


def start_nginx(procs, tmp_path: Path, root: Path, name: str = "nginx") -> str:
    """Serve root on 127.0.0.1 and return the base URL (no trailing slash)."""
    if not NGINX.exists():
        # Web seeds against a real server are part of the contract: missing nginx fails.
        pytest.fail(f"{NGINX} not found (make deps installs nginx-light)")
    conf_dir = tmp_path / name
    conf_dir.mkdir()
    port = free_port()
    conf = conf_dir / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {conf_dir}/access.log;
    client_body_temp_path {conf_dir}/body;
    proxy_temp_path {conf_dir}/proxy;
    fastcgi_temp_path {conf_dir}/fastcgi;
    uwsgi_temp_path {conf_dir}/uwsgi;
    scgi_temp_path {conf_dir}/scgi;
    default_type application/octet-stream;
    sendfile on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
""")
    proc = procs([NGINX, "-p", conf_dir, "-e", conf_dir / "error.log", "-c", conf], name)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 10
    while time.time() < deadline:
        if proc.p.poll() is not None:
            raise AssertionError(f"nginx exited: {proc.stderr()} {(conf_dir / 'error.log').read_text()}")
        try:
            urllib.request.urlopen(base + "/", timeout=1).close()
            return base
        except urllib.error.HTTPError:
            return base  # 403/404 for the directory: nginx is up
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx did not start")


def access_log(tmp_path: Path, name: str = "nginx") -> list[str]:
    log = tmp_path / name / "access.log"
    return log.read_text().splitlines() if log.exists() else []


def make_torrent(tmp_path: Path, data: Path, *webseeds: str) -> Path:
    torrent = tmp_path / "t.torrent"
    argv = bt("make", "--data", data, "--out", torrent, "--piece-size", 65536,
              *[a for u in webseeds for a in ("--webseed", u)])
    subprocess.run(argv, check=True, capture_output=True, timeout=60)
    return torrent


def get(procs, torrent: Path, save: Path, *extra):
    return procs(bt("get", "--torrent", torrent, "--save", save, "--seconds", TIMEOUT, "--json", *extra), "bt-get")


def check_done(proc):
    line = proc.wait_for(lambda l: "done" in l, TIMEOUT)
    assert line["done"] is True, line
    assert proc.finish(10) == 0
    assert line["bytes"] > 0
    return line


def test_bt_get_downloads_a_multi_file_torrent_from_nginx_alone(tmp_path, procs):
    content = make_content(tmp_path / "www")
    base = start_nginx(procs, tmp_path, tmp_path / "www")
    torrent = make_torrent(tmp_path, content, base + "/")
    save = tmp_path / "get"
    check_done(get(procs, torrent, save))
    same_tree(content, save / content.name)
    ours = [l for l in access_log(tmp_path) if "libbt/" in l]  # not the start-up probe
    assert ours and all('" 206 ' in l for l in ours), ours[-5:]


@pytest.mark.parametrize("url_form", ["directory", "file"])
def test_bt_get_downloads_a_single_file_torrent_from_nginx_alone(tmp_path, procs, url_form):
    www = tmp_path / "www"
    www.mkdir()
    data = www / "single file.bin"
    data.write_bytes(random.Random(11).randbytes(3_000_017))
    base = start_nginx(procs, tmp_path, www)
    url = base + "/" if url_form == "directory" else base + "/single%20file.bin"
    torrent = make_torrent(tmp_path, data, url)
    save = tmp_path / "get"
    check_done(get(procs, torrent, save))
    assert (save / data.name).read_bytes() == data.read_bytes()


def test_corrupt_web_seed_is_caught_and_a_peer_finishes(tmp_path, procs):
    content = make_content(tmp_path / "seed")
    # The web server holds a damaged copy: every file has bytes flipped all over.
    www = tmp_path / "www"
    shutil.copytree(content, www / content.name)
    for f in (www / content.name).rglob("*"):
        if f.is_file():
            b = bytearray(f.read_bytes())
            for i in range(0, len(b), 10_000):
                b[i] ^= 0xFF
            f.write_bytes(bytes(b))
    base = start_nginx(procs, tmp_path, www)
    torrent = make_torrent(tmp_path, content, base + "/")

    # Ordered, not timed: the getter has only the damaged web seed until it has caught it (on a
    # loaded machine an honest peer present from the start could serve every piece first); the
    # peer it was given starts then, and libbt's retries of a user-given peer find it.
    port = free_port()
    save = tmp_path / "get"
    getter = get(procs, torrent, save, "--verbose", "--peer", f"127.0.0.1:{port}")
    getter.wait_for(lambda l: l.get("alert") == "hash_failed", 60)
    procs(bt("seed", "--torrent", torrent, "--save", content.parent, "--port", port,
             "--seconds", 120, "--json"), "bt-seed")
    check_done(getter)
    same_tree(content, save / content.name)
    alerts = [l for l in getter.lines if "alert" in l]
    web_errors = [a for a in alerts if a["alert"] == "web_seed_error"]
    assert any(a["alert"] == "hash_failed" for a in alerts), alerts[-10:]
    assert web_errors and "failed the hash check" in web_errors[0]["msg"], alerts[-10:]
    assert web_errors[0]["url"] == base + "/"
