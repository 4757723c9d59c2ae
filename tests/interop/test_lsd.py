"""Local Service Discovery (BEP 14) between two `bt` processes in two network namespaces joined
by a veth pair. Everything (interfaces, addresses, multicast) lives inside namespaces this test
creates and deletes; nothing touches the host's own interfaces."""
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest

from conftest import SYSTEM_PYTHON, bt, make_content, same_tree
from test_ltpeer import TIMEOUT, done_line

PORT_SEED, PORT_GET = 6881, 6882

# Counts LSD datagrams (IPv4 and IPv6 groups) arriving on one interface for a while (or until one
# comes from the address given third), then prints a JSON line with the count and the source
# addresses: a tcpdump-free witness of what was sent.
LISTENER = r"""
import json, socket, struct, sys, time
iface, seconds = sys.argv[1], float(sys.argv[2])
until = sys.argv[3] if len(sys.argv) > 3 else None
idx = socket.if_nametoindex(iface)
socks = []
try:  # an interface without an IPv4 address may refuse the IPv4 group
    s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s4.bind(("239.192.152.143", 6771))
    s4.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                  socket.inet_aton("239.192.152.143") + struct.pack("=ii", 0, idx))
    socks.append(s4)
except OSError:
    pass
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s6.bind(("ff15::efc0:988f", 6771))
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
              socket.inet_pton(socket.AF_INET6, "ff15::efc0:988f") + struct.pack("=I", idx))
socks.append(s6)
for s in socks:
    s.settimeout(0.05)
print(json.dumps({"ready": True}), flush=True)
seen, end = [], time.time() + seconds
while time.time() < end:
    for s in socks:
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            continue
        if data.startswith(b"BT-SEARCH"):
            seen.append(src[0])
            if src[0] == until:
                end = 0
print(json.dumps({"datagrams": len(seen), "sources": sorted(set(seen))}), flush=True)
"""

# A libtorrent peer with LSD on (ltpeer.py keeps it off), seeding or downloading one torrent.
LT_LSD = r"""
import json, sys, time
import libtorrent as lt
mode, torrent, save, listen, seconds = sys.argv[1:6]
ses = lt.session({
    "listen_interfaces": listen, "enable_lsd": True, "enable_dht": False, "enable_upnp": False,
    "enable_natpmp": False, "enable_ip_notifier": False, "enable_incoming_utp": False,
    "enable_outgoing_utp": False, "allow_multiple_connections_per_ip": True,
    "alert_mask": lt.alert.category_t.all_categories,
})
p = lt.add_torrent_params()
p.ti = lt.torrent_info(torrent)
p.save_path = save
h = ses.add_torrent(p)
start = time.time()
while time.time() - start < float(seconds):
    time.sleep(0.2)
    for a in ses.pop_alerts():
        if a.what() in ("lsd_peer", "lsd_error", "peer_connect", "listen_failed", "incoming_connection"):
            print(json.dumps({"alert": a.what(), "msg": a.message()}), flush=True)
    st = h.status()
    print(json.dumps({"progress": round(st.progress, 4), "peers": st.num_peers,
                      "seeding": st.is_seeding}), flush=True)
    if mode == "get" and st.is_seeding:
        print(json.dumps({"done": True}), flush=True)
        break
"""


@dataclass
class Link:
    ns: tuple[str, str]
    dev: tuple[str, str]
    addr: tuple[str, str]  # the address each side listens on (IPv4, or an IPv6 ULA)
    family: str

    def run(self, i, *argv):
        return ["ip", "netns", "exec", self.ns[i], *map(str, argv)]

    def host(self, i, port):
        a = self.addr[i]
        return f"[{a}]:{port}" if ":" in a else f"{a}:{port}"


def _ip(*args):
    subprocess.run(["ip", *map(str, args)], check=True, capture_output=True, timeout=20)


def _make_link(family: str):
    """Two namespaces, a veth pair between them (created inside them), lo and the veths up,
    addresses and a multicast route; deleted afterwards whatever happens."""
    tag = uuid.uuid4().hex[:6]
    ns = (f"btlsd-{os.getpid()}-{tag}-a", f"btlsd-{os.getpid()}-{tag}-b")
    dev = (f"vl{tag}a", f"vl{tag}b")  # <= 15 characters
    made = []
    try:
        try:
            _ip("netns", "add", ns[0])
        except subprocess.CalledProcessError as e:
            pytest.skip("cannot create network namespaces (needs root / CAP_SYS_ADMIN): "
                        + e.stderr.decode(errors="replace").strip())
        made.append(ns[0])
        _ip("netns", "add", ns[1])
        made.append(ns[1])
        if family == "ipv6":
            # No waiting for duplicate address detection on the fresh link: set before the veth
            # exists so that its link-local addresses are usable at once too.
            for n in ns:
                for conf in ("all", "default"):
                    _ip("netns", "exec", n, "sysctl", "-qw", f"net.ipv6.conf.{conf}.accept_dad=0")
        _ip("-n", ns[0], "link", "add", dev[0], "type", "veth", "peer", "name", dev[1], "netns", ns[1])
        b = int(tag[:2], 16)
        if family == "ipv4":
            addr = (f"10.{b}.{os.getpid() % 250}.1", f"10.{b}.{os.getpid() % 250}.2")
        else:
            addr = (f"fd00:{b:x}:{os.getpid() % 65536:x}::1", f"fd00:{b:x}:{os.getpid() % 65536:x}::2")
        for i in (0, 1):
            if family == "ipv6":
                _ip("-n", ns[i], "addr", "add", f"{addr[i]}/64", "dev", dev[i], "nodad")
            else:
                _ip("-n", ns[i], "addr", "add", f"{addr[i]}/24", "dev", dev[i])
            _ip("-n", ns[i], "link", "set", "lo", "up")
            _ip("-n", ns[i], "link", "set", dev[i], "up")
            if family == "ipv4":
                _ip("-n", ns[i], "route", "add", "239.0.0.0/8", "dev", dev[i])
        for i in (0, 1):
            _wait_usable(ns[i], dev[i], family)
        return Link(ns, dev, addr, family), made
    except BaseException:
        for n in made:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
        raise


def _wait_usable(ns, dev, family, timeout=10.0):
    """Waits until dev is up with carrier (a fresh veth is NO-CARRIER for up to a second) and,
    for IPv6, has its link-local address. libtorrent looks at the interfaces once at startup
    (enable_ip_notifier is off) and listens only on those that are up then: started too early
    it saw the veth down, listened on ::1 alone and never sent an IPv6 LSD announce."""
    deadline = time.monotonic() + timeout
    while True:
        link = json.loads(subprocess.run(["ip", "-n", ns, "-j", "link", "show", "dev", dev], check=True,
                                         capture_output=True, timeout=20).stdout)
        ready = link and link[0].get("operstate") == "UP"
        if ready and family == "ipv6":
            addrs = json.loads(subprocess.run(["ip", "-n", ns, "-6", "-j", "addr", "show", "dev", dev],
                                              check=True, capture_output=True, timeout=20).stdout)
            infos = [a for entry in addrs for a in entry.get("addr_info", [])]
            ready = any(a.get("scope") == "link" and not a.get("tentative") for a in infos)
        if ready:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{ns}: {dev} not usable after {timeout} s: {link}")
        time.sleep(0.05)


@pytest.fixture(params=["ipv4", "ipv6"])
def link(request):
    lk, made = _make_link(request.param)
    try:
        yield lk
    finally:
        for n in made:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


@pytest.fixture
def lone_ns():
    """One namespace with only lo up."""
    name = f"btlsd-{os.getpid()}-{uuid.uuid4().hex[:6]}-lo"
    try:
        _ip("netns", "add", name)
    except subprocess.CalledProcessError as e:
        pytest.skip("cannot create network namespaces (needs root / CAP_SYS_ADMIN): "
                    + e.stderr.decode(errors="replace").strip())
    try:
        _ip("-n", name, "link", "set", "lo", "up")
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def _torrent(tmp_path):
    content = make_content(tmp_path / "seed")
    torrent = tmp_path / "t.torrent"
    subprocess.run(bt("make", "--data", content, "--out", torrent, "--piece-size", 65536),
                   check=True, capture_output=True, timeout=60)
    return content, torrent


def _listen(link, i):
    any_addr = "0.0.0.0" if link.family == "ipv4" else "[::]"
    return f"listen_interfaces={any_addr}:{PORT_SEED if i == 0 else PORT_GET}"


def _seed(link, procs, torrent, save, *extra, wait=True):
    p = procs(link.run(0, *bt("seed", "--torrent", torrent, "--save", save, "--port", PORT_SEED,
                              "--set", _listen(link, 0), "--seconds", 120, "--json", *extra)), "bt-seed")
    if wait:
        p.wait_for(lambda l: l.get("event") == "seeding" or "up" in l, 20)
    return p


def _get(link, procs, torrent, save, seconds, *extra):
    return procs(link.run(1, *bt("get", "--torrent", torrent, "--save", save, "--port", PORT_GET,
                                 "--set", _listen(link, 1), "--seconds", seconds, "--json", "--verbose",
                                 *extra)), "bt-get")


def _listener(link, procs, i, seconds, until=""):
    p = procs(link.run(i, sys.executable, "-c", LISTENER, link.dev[i], seconds, *([until] if until else [])),
              f"listener{i}")
    p.wait_for(lambda l: l.get("ready"), 10)
    return p


def _heard(listener, seconds):
    assert listener.finish(seconds + 10) == 0, listener.stderr()
    last = listener.lines[-1]
    return last["datagrams"], last["sources"]


@pytest.mark.parametrize("order", ["seeder-first", "downloader-first", "together"])
def test_lsd_downloader_finds_seeder_without_any_peer_given(link, tmp_path, procs, order):
    """No --peer, no tracker: only LSD can bring the two together. Seeder first: the
    downloader's announce makes the seeder connect; downloader first: the seeder's announce makes
    the downloader connect; together: whichever heard the other before it had its torrent ready
    still connects once it has."""
    content, torrent = _torrent(tmp_path)
    witness = _listener(link, procs, 1, TIMEOUT, until=link.addr[0])
    save = tmp_path / "get"
    if order == "seeder-first":
        _seed(link, procs, torrent, content.parent, "--set", "enable_lsd=true")
        getter = _get(link, procs, torrent, save, TIMEOUT, "--set", "enable_lsd=true")
    elif order == "downloader-first":
        getter = _get(link, procs, torrent, save, TIMEOUT, "--set", "enable_lsd=true")
        getter.wait_for(lambda l: l.get("event") == "listening", 20)
        _seed(link, procs, torrent, content.parent, "--set", "enable_lsd=true")
    else:
        _seed(link, procs, torrent, content.parent, "--set", "enable_lsd=true", wait=False)
        getter = _get(link, procs, torrent, save, TIMEOUT, "--set", "enable_lsd=true")
    line = getter.wait_for(done_line, TIMEOUT)
    assert line["done"] is True, line
    assert getter.finish(10) == 0
    same_tree(content, save / content.name)
    connected = [l for l in getter.lines if l.get("alert") == "peer_connected"]
    assert any(link.addr[0] in l.get("msg", "") + l.get("endpoint", "") for l in connected), connected
    count, sources = _heard(witness, TIMEOUT)
    assert count >= 1 and link.addr[0] in sources, f"the seeder's announces were seen: {count} {sources}"


def test_lsd_starts_when_the_network_comes_up_later(link, tmp_path, procs):
    """The seeder starts while its only link is down (LSD has no interface and says so); once
    the link is up, LSD starts on it by itself and the downloader finds the seeder."""
    content, torrent = _torrent(tmp_path)
    _ip("-n", link.ns[0], "link", "set", link.dev[0], "down")
    seeder = _seed(link, procs, torrent, content.parent, "--set", "enable_lsd=true", "--verbose")
    assert any(l.get("alert") == "listen_failed" and "local service discovery" in l.get("msg", "")
               for l in seeder.lines), seeder.lines
    getter = _get(link, procs, torrent, tmp_path / "get", TIMEOUT, "--set", "enable_lsd=true")
    getter.wait_for(lambda l: l.get("event") == "listening", 20)
    _ip("-n", link.ns[0], "link", "set", link.dev[0], "up")
    if link.family == "ipv4":  # the multicast route went with the link
        _ip("-n", link.ns[0], "route", "replace", "239.0.0.0/8", "dev", link.dev[0])
    line = getter.wait_for(done_line, TIMEOUT)
    assert line["done"] is True, line
    assert getter.finish(10) == 0
    same_tree(content, tmp_path / "get" / content.name)


def test_without_enable_lsd_nothing_is_sent_and_nobody_is_found(link, tmp_path, procs):
    content, torrent = _torrent(tmp_path)
    witness = _listener(link, procs, 1, 6)
    _seed(link, procs, torrent, content.parent)
    getter = _get(link, procs, torrent, tmp_path / "get", 5)
    line = getter.wait_for(done_line, 20)
    assert line["done"] is False and line["reason"] == "timeout", line
    assert getter.finish(10) != 0
    assert not any(l.get("alert") == "peer_connected" for l in getter.lines)
    count, sources = _heard(witness, 6)
    assert count == 0, f"LSD datagrams were sent with enable_lsd off: {sources}"


def test_lsd_stays_on_loopback_when_both_listen_only_there(lone_ns, tmp_path, procs):
    """bt listens on 127.0.0.1 and [::1] by default: LSD then runs on lo only, and two clients on
    one host still find each other."""
    content, torrent = _torrent(tmp_path)
    run = lambda *argv: ["ip", "netns", "exec", lone_ns, *map(str, argv)]
    seeder = procs(run(*bt("seed", "--torrent", torrent, "--save", content.parent, "--port", PORT_SEED,
                           "--set", "enable_lsd=true", "--seconds", 120, "--json")), "bt-seed")
    seeder.wait_for(lambda l: l.get("event") == "seeding" or "up" in l, 20)
    save = tmp_path / "get"
    getter = procs(run(*bt("get", "--torrent", torrent, "--save", save, "--port", PORT_GET,
                           "--set", "enable_lsd=true", "--seconds", TIMEOUT, "--json")), "bt-get")
    line = getter.wait_for(done_line, TIMEOUT)
    assert line["done"] is True, line
    assert getter.finish(10) == 0
    same_tree(content, save / content.name)
    assert not any(l.get("alert") == "listen_failed" for l in seeder.poll_lines() + getter.lines)


def _lt(link, procs, i, mode, torrent, save, seconds):
    listen = f"0.0.0.0:{PORT_SEED if i == 0 else PORT_GET}" if link.family == "ipv4" else \
        f"[::]:{PORT_SEED if i == 0 else PORT_GET}"
    return procs(link.run(i, SYSTEM_PYTHON, "-c", LT_LSD, mode, torrent, save, listen, seconds), f"lt-{mode}")


def test_lsd_with_libtorrent_seeder(link, tmp_path, procs):
    """libtorrent (LSD on) seeds in one namespace; bt finds it by LSD alone and downloads."""
    content, torrent = _torrent(tmp_path)
    seeder = _lt(link, procs, 0, "seed", torrent, content.parent, 120)
    seeder.wait_for(lambda l: l.get("seeding"), 20)
    save = tmp_path / "get"
    getter = _get(link, procs, torrent, save, TIMEOUT, "--set", "enable_lsd=true")
    line = getter.wait_for(done_line, TIMEOUT)
    assert line["done"] is True, line
    assert getter.finish(10) == 0
    same_tree(content, save / content.name)


def test_lsd_with_libtorrent_downloader(link, tmp_path, procs):
    """bt seeds with LSD on; libtorrent (LSD on) in the other namespace announces, bt hears it and
    connects, libtorrent downloads."""
    content, torrent = _torrent(tmp_path)
    _seed(link, procs, torrent, content.parent, "--set", "enable_lsd=true")
    save = tmp_path / "get"
    getter = _lt(link, procs, 1, "get", torrent, save, TIMEOUT)
    getter.wait_for(lambda l: l.get("done"), TIMEOUT)
    assert getter.finish(10) == 0
    same_tree(content, save / content.name)
