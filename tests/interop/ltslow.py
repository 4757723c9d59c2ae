#!/usr/bin/python3
"""A libtorrent downloader with a download rate limit, for tests that need a real libtorrent
peer to stay mid-download (ltpeer.py has no rate limit). Loopback only; prints JSON lines.

  ltslow.py --torrent T --save DIR --port P --peer HOST:PORT --limit BYTES_PER_S --seconds S
"""
import argparse
import json
import sys
import time

import libtorrent as lt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--torrent", required=True)
    ap.add_argument("--save", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--peer", action="append", default=[])
    ap.add_argument("--limit", type=int, required=True)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:%d,[::1]:%d" % (args.port, args.port),
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_ip_notifier": False, "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "download_rate_limit": args.limit,
    })
    # libtorrent exempts local peers from rate limits through its "local" peer class; every
    # peer here is local, so the limit goes on that class.
    local = ses.get_peer_class(ses.local_peer_class_id)
    local["download_limit"] = args.limit
    ses.set_peer_class(ses.local_peer_class_id, local)
    p = lt.add_torrent_params()
    p.ti = lt.torrent_info(args.torrent)
    p.save_path = args.save
    h = ses.add_torrent(p)
    for peer in args.peer:
        host, _, port = peer.rpartition(":")
        h.connect_peer((host.strip("[]"), int(port)))
    start = time.time()
    while time.time() - start < args.seconds:
        time.sleep(0.25)
        st = h.status()
        print(json.dumps({"progress": round(st.progress, 4), "peers": st.num_peers,
                          "total_down": st.total_payload_download}), flush=True)
        if st.is_seeding:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
