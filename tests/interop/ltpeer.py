#!/usr/bin/python3
"""Reference peer built on the real libtorrent (Debian package python3-libtorrent).

Use it to check that libbt talks BitTorrent the way the rest of the world does. It belongs to
libbt's test suite (tests/interop, dht/interop_test.go, scripts/bench*.py find it here, by a
path relative to the repository) and is maintained with it.
Every sub-command binds to loopback only and prints one JSON object per line.

  ltpeer.py make  --data PATH --out X.torrent [--piece-size N] [--tracker URL]
                  [--webseed URL] [--v1only|--v2only] [--private]
  ltpeer.py seed  --torrent X.torrent [--torrent Y.torrent ...] --save DIR [--port P] [--transport tcp|utp|both]
                  [--dht] [--dht-bootstrap HOST:PORT] [--seconds S] [--encryption forced|enabled|disabled]
                  [--seed-mode] [--upload-limit BYTES_PER_S]
                  prints {"ready": true} once its files are checked and it seeds (every torrent,
                  each from DIR, when several are given)
  ltpeer.py get   (--torrent X.torrent | --magnet URI) --save DIR [--peer HOST:PORT ...]
                  [--port P] [--transport ...] [--dht] [--dht-bootstrap HOST:PORT] [--seconds S]
  ltpeer.py dht   --port P [--dht-bootstrap HOST:PORT] [--announce INFOHASH] [--seconds S]

Install once: apt-get install -y python3-libtorrent ; run with /usr/bin/python3.
"""
import argparse
import json
import os
import sys
import time

try:
    import libtorrent as lt
except ImportError:
    sys.exit("ltpeer: python3-libtorrent is missing: apt-get install -y python3-libtorrent, "
             "and run this script with /usr/bin/python3")


def say(**kw):
    kw.setdefault("t", round(time.time(), 3))
    print(json.dumps(kw), flush=True)


def session(args, port):
    iface = "127.0.0.1:%d,[::1]:%d" % (port, port)
    s = {
        "listen_interfaces": iface,
        "enable_dht": bool(getattr(args, "dht", False)),
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "dht_bootstrap_nodes": getattr(args, "dht_bootstrap", "") or "",
        # the categories a client shows; --verbose asks for all (block-level alerts cost libtorrent CPU)
        "alert_mask": (lt.alert.category_t.all_categories if getattr(args, "verbose", False) else
                       lt.alert.category_t.error_notification | lt.alert.category_t.status_notification |
                       lt.alert.category_t.storage_notification | lt.alert.category_t.tracker_notification),
        "allow_multiple_connections_per_ip": True,
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False,
        "dht_prefer_verified_node_ids": False,
        "dht_enforce_node_id": False,
        "enable_outgoing_utp": args.transport in ("utp", "both"),
        "enable_incoming_utp": args.transport in ("utp", "both"),
        "enable_outgoing_tcp": args.transport in ("tcp", "both"),
        "enable_incoming_tcp": args.transport in ("tcp", "both"),
        "user_agent": "ltpeer/" + lt.__version__,
    }
    enc = getattr(args, "encryption", "enabled")
    pol = {"forced": lt.enc_policy.forced, "enabled": lt.enc_policy.enabled,
           "disabled": lt.enc_policy.disabled}[enc]
    s["out_enc_policy"] = pol
    s["in_enc_policy"] = pol
    if getattr(args, "upload_limit", 0):
        s["upload_rate_limit"] = args.upload_limit
    ses = lt.session(s)
    if getattr(args, "upload_limit", 0):
        # libtorrent exempts local peers from rate limits: put every address in the global class
        f = lt.ip_filter()
        f.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
        f.add_rule("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 << lt.session.global_peer_class_id)
        ses.set_peer_class_filter(f)
    return ses


def drain(ses, verbose):
    for a in ses.pop_alerts():
        if verbose or isinstance(a, (lt.torrent_error_alert, lt.listen_failed_alert,
                                     lt.hash_failed_alert, lt.file_error_alert,
                                     lt.metadata_received_alert, lt.torrent_finished_alert)):
            say(alert=a.what(), msg=a.message())


def cmd_make(args):
    fs = lt.file_storage()
    lt.add_files(fs, os.path.abspath(args.data))
    flags = 0
    if args.v1only:
        flags |= lt.create_torrent.v1_only
    if args.v2only:
        flags |= lt.create_torrent.v2_only
    ct = lt.create_torrent(fs, args.piece_size, flags=flags)
    for url in args.tracker or []:
        ct.add_tracker(url)
    for url in args.webseed or []:
        ct.add_url_seed(url)
    ct.set_priv(args.private)
    ct.set_creator("ltpeer")
    lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(args.data)))
    data = lt.bencode(ct.generate())
    with open(args.out, "wb") as f:
        f.write(data)
    ti = lt.torrent_info(args.out)
    say(made=args.out, pieces=ti.num_pieces(), piece_size=ti.piece_length(),
        size=ti.total_size(), infohash=str(ti.info_hashes().v1) if ti.info_hashes().has_v1() else "",
        magnet=lt.make_magnet_uri(ti))


def add(ses, args, seed):
    p = lt.add_torrent_params()
    if getattr(args, "torrent", None):
        p.ti = lt.torrent_info(args.torrent)
    else:
        p = lt.parse_magnet_uri(args.magnet)
    p.save_path = args.save
    if seed and getattr(args, "seed_mode", False):
        p.flags |= lt.torrent_flags.seed_mode  # trust the files: hash each piece on first upload
    h = ses.add_torrent(p)
    for peer in getattr(args, "peer", None) or []:
        host, _, port = peer.rpartition(":")
        h.connect_peer((host.strip("[]"), int(port)))
    return h


def run_loop(ses, h, args, until_done):
    start = time.time()
    last = 0
    ready = False
    while time.time() - start < args.seconds:
        time.sleep(0.05)
        drain(ses, args.verbose)
        st = h.status()
        now = time.time()
        if not until_done and not ready and st.is_seeding:
            ready = True
            say(ready=True, state=str(st.state))  # files checked: seeding from here on
        if now - last >= 1:
            if getattr(args, "dht", False) and int(now - start) % 5 == 0:
                h.force_dht_announce()  # loopback swarms are young: announce often
            last = now
            say(state=str(st.state), progress=round(st.progress, 4), down=st.download_rate,
                up=st.upload_rate, peers=st.num_peers, total_down=st.total_payload_download,
                total_up=st.total_payload_upload)
        if until_done and st.is_seeding:
            secs = now - start
            size = st.total_wanted
            say(done=True, seconds=round(secs, 3), bytes=size,
                MBps=round(size / secs / 1e6, 2) if secs > 0 else None)
            return 0
    if until_done:
        say(done=False, seconds=args.seconds)
        return 1
    return 0


def cmd_seed(args):
    ses = session(args, args.port)
    torrents = args.torrent or [None]  # None: --magnet
    if len(torrents) > 1:
        return seed_many(ses, torrents, args)
    args.torrent = torrents[0]
    h = add(ses, args, seed=True)
    say(seeding=args.torrent, port=args.port)
    return run_loop(ses, h, args, until_done=False)


def seed_many(ses, torrents, args):
    """Seeds several torrents from --save in one session; ready once every one seeds. Torrents
    are auto-managed by default in libtorrent: the queue's limits make room for all of them."""
    n = len(torrents)
    ses.apply_settings({"active_seeds": n, "active_limit": n + 10, "active_checking": 8})
    handles = []
    for t in torrents:
        args.torrent = t
        handles.append(add(ses, args, seed=True))
    say(seeding=len(handles), port=args.port)
    start = time.time()
    last = 0
    ready = False
    while time.time() - start < args.seconds:
        time.sleep(0.05)
        drain(ses, args.verbose)
        sts = [h.status() for h in handles]
        if not ready and all(st.is_seeding for st in sts):
            ready = True
            say(ready=True, torrents=len(sts))
        now = time.time()
        if now - last >= 1:
            last = now
            say(seeds=sum(st.is_seeding for st in sts), up=sum(st.upload_rate for st in sts),
                peers=sum(st.num_peers for st in sts), total_up=sum(st.total_payload_upload for st in sts))
    return 0


def cmd_get(args):
    ses = session(args, args.port)
    h = add(ses, args, seed=False)
    return run_loop(ses, h, args, until_done=True)


def cmd_dht(args):
    args.dht = True
    ses = session(args, args.port)
    start = time.time()
    while time.time() - start < args.seconds:
        time.sleep(0.5)
        if args.announce:
            ses.dht_announce(lt.sha1_hash(bytes.fromhex(args.announce)), args.port, 0)
        drain(ses, args.verbose)
        st = ses.status()
        say(dht_nodes=st.dht_nodes)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--data", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--piece-size", type=int, default=0)
    m.add_argument("--tracker", action="append")
    m.add_argument("--webseed", action="append")
    m.add_argument("--v1only", action="store_true")
    m.add_argument("--v2only", action="store_true")
    m.add_argument("--private", action="store_true")
    for name in ("seed", "get", "dht"):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int, default=0)
        p.add_argument("--transport", choices=("tcp", "utp", "both"), default="both")
        p.add_argument("--dht", action="store_true")
        p.add_argument("--dht-bootstrap", default="")
        p.add_argument("--seconds", type=float, default=120)
        p.add_argument("--encryption", choices=("forced", "enabled", "disabled"), default="enabled")
        p.add_argument("--verbose", action="store_true")
        p.add_argument("--upload-limit", type=int, default=0, help="bytes per second, 0 = none")
        if name == "seed":
            p.add_argument("--seed-mode", action="store_true",
                           help="skip the start-up check (libtorrent's seed_mode); by default files are checked first")
        if name == "seed":
            p.add_argument("--torrent", action="append")
        elif name == "get":
            p.add_argument("--torrent")
        if name != "dht":
            p.add_argument("--magnet")
            p.add_argument("--save", required=True)
            p.add_argument("--peer", action="append")
        else:
            p.add_argument("--announce")
    args = ap.parse_args()
    return {"make": cmd_make, "seed": cmd_seed, "get": cmd_get, "dht": cmd_dht}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
