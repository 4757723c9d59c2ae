#!/usr/bin/python3
"""Drives libtorrent's queueing for core/queue's differential test.

Reads a JSON scenario on stdin: {"downloads": n, "seeds": m, "manual": [indices of downloads
that are not auto-managed and stay paused], "settings": {...}, "phases": [{"settings": {...},
"moves": [["top"|"bottom"|"up"|"down", download index], ...]}, ...]}. Runs a session on
loopback with no peers (nothing transfers), and after each phase has settled prints one JSON
line: the torrents in add order (downloads, then seeds) with libtorrent's queue position,
state, paused and auto_managed flags.
"""
import json, os, sys, tempfile, time
import libtorrent as lt

sc = json.load(sys.stdin)
d = tempfile.mkdtemp(prefix='ltqueue')
src, empty = os.path.join(d, 'src'), os.path.join(d, 'empty')
os.makedirs(src)
os.makedirs(empty)


def make(name):
    p = os.path.join(src, name)
    with open(p, 'wb') as f:
        f.write(os.urandom(32 * 1024))
    fs = lt.file_storage()
    lt.add_files(fs, p)
    ct = lt.create_torrent(fs, 16384)
    lt.set_piece_hashes(ct, src)
    return lt.torrent_info(ct.generate())


base = {'listen_interfaces': '127.0.0.1:0', 'enable_dht': False, 'enable_lsd': False,
        'enable_upnp': False, 'enable_natpmp': False, 'dont_count_slow_torrents': False,
        'auto_manage_interval': 1, 'active_checking': 100, 'alert_mask': 0}
base.update(sc.get('settings', {}))
ses = lt.session(base)
handles = []
for i in range(sc['downloads'] + sc['seeds']):
    p = lt.add_torrent_params()
    p.ti = make('t%d' % i)
    is_seed = i >= sc['downloads']
    p.save_path = src if is_seed else empty
    manual = not is_seed and i in sc.get('manual', [])
    p.flags = lt.torrent_flags.paused | (0 if manual else lt.torrent_flags.auto_managed)
    handles.append(ses.add_torrent(p))

# every torrent out of its checks
deadline = time.time() + 30
while time.time() < deadline:
    states = [h.status().state for h in handles]
    if all(s in (lt.torrent_status.downloading, lt.torrent_status.seeding) for s in states):
        break
    time.sleep(0.1)


def report():
    out = []
    for h in handles:
        st = h.status()
        out.append({'pos': int(h.queue_position()), 'state': str(st.state), 'paused': st.paused,
                    'auto_managed': st.auto_managed, 'error': bool(st.errc.value())})
    return out


for phase in sc['phases']:
    if phase.get('settings'):
        ses.apply_settings(phase['settings'])
    for op, i in phase.get('moves', []):
        getattr(handles[i], 'queue_position_' + op)()
    # settle: passes run every second; wait until two looks 1.2 s apart agree
    prev = None
    for _ in range(20):
        time.sleep(1.2)
        cur = report()
        if cur == prev:
            break
        prev = cur
    print(json.dumps(cur), flush=True)
