#!/usr/bin/python3
"""A libtorrent DHT node for dht/ interop tests (BEP 44 and BEP 51).

ltdht.py --port P --bootstrap HOST:PORT, then commands on stdin, one a line:
  put_imm HEX            bencoded value -> {"put_imm": TARGET} then {"put_done": N}
  get_imm TARGET         -> {"item": HEX} (bencoded value)
  get_mut PUBHEX SALTHEX -> {"mut": HEX, "seq": N}
  put_mut SKHEX PKHEX DATAHEX SALTHEX  store the string DATA signed by
                         libtorrent (SK: its 64-byte expanded secret key) -> {"put_done": N}
  sample HOST:PORT TARGET -> {"samples": [HEX...], "num": N}
Binds loopback only. Prints one JSON object per line.
"""
import argparse
import json
import sys
import threading
import time

import libtorrent as lt


def say(**kw):
    print(json.dumps(kw), flush=True)


def encode(alert):
    """The item's bencoded value as hex. The 2.0.8 binding hands the item
    over as {"key": ..., "value": ...} and cannot convert dict values; then
    libtorrent's own rendering is returned as "text:..." instead."""
    try:
        it = alert.item
        if isinstance(it, dict) and "value" in it:
            it = it["value"]
        return lt.bencode(it).hex()
    except RuntimeError:
        msg = alert.message()
        return "text:" + msg[msg.find("["):]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:%d" % args.port,
        "enable_dht": True, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_ip_notifier": False, "dht_bootstrap_nodes": args.bootstrap,
        "dht_restrict_routing_ips": False, "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False, "dht_prefer_verified_node_ids": False,
        "dht_enforce_node_id": False,
        # Every libbt node in the test shares 127.0.0.1: libtorrent's
        # default of 5 packets/s per IP would ban them all for 5 minutes.
        "dht_block_ratelimit": 100000,
        "dht_upload_rate_limit": 10000000,
        "alert_mask": lt.alert.category_t.all_categories,
    })
    cmds = []
    lock = threading.Lock()

    def reader():
        for line in sys.stdin:
            with lock:
                cmds.append(line.split())

    threading.Thread(target=reader, daemon=True).start()
    say(ready=True)
    start = time.time()
    while time.time() - start < args.seconds:
        with lock:
            todo, cmds[:] = list(cmds), []
        for c in todo:
            if c[0] == "put_imm":
                h = ses.dht_put_immutable_item(lt.bdecode(bytes.fromhex(c[1])))
                say(put_imm=str(h))
            elif c[0] == "get_imm":
                ses.dht_get_immutable_item(lt.sha1_hash(bytes.fromhex(c[1])))
            elif c[0] == "get_mut":
                ses.dht_get_mutable_item(bytes.fromhex(c[1]), bytes.fromhex(c[2]))
            elif c[0] == "put_mut":
                sk, pk, data, salt = (bytes.fromhex(x) for x in c[1:5])
                ses.dht_put_mutable_item(sk, pk, data, salt)
            elif c[0] == "sample":
                host, _, port = c[1].rpartition(":")
                ses.dht_sample_infohashes((host, int(port)), lt.sha1_hash(bytes.fromhex(c[2])))
        for a in ses.pop_alerts():
            if isinstance(a, lt.dht_put_alert):
                say(put_done=a.num_success)
            elif isinstance(a, lt.dht_immutable_item_alert):
                say(item=encode(a))
            elif isinstance(a, lt.dht_mutable_item_alert):
                say(mut=encode(a), seq=a.seq, authoritative=a.authoritative)
            elif args.verbose and isinstance(a, (lt.dht_log_alert, lt.dht_pkt_alert)):
                print(a.message(), file=sys.stderr, flush=True)
            elif isinstance(a, lt.dht_sample_infohashes_alert):
                say(samples=[str(x) for x in a.samples], num=a.num_infohashes)
        time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
