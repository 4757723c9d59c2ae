#!/usr/bin/env bash
# test_bt.sh — end-to-end test of bt on loopback: make a multi-file torrent, seed it from one bt
# process, download it with another (by .torrent and by magnet), compare the bytes, and check
# that bad input exits 2 with one "bt: " line on stderr. Also: --resume across a kill -9,
# --webseed from an HTTP server, --encryption forced against --super-seed, and a trackerless
# magnet download through a `bt dht` node (--dht --dht-bootstrap), one seed process serving
# four --torrent (three fetched by bt get and by libtorrent through tests/interop/ltpeer.py,
# one with its data missing), and escape sequences from the
# network (a magnet's dn, a tracker's failure reason) never reaching the terminal raw.
#
#   examples/c/test_bt.sh [path/to/bt]     (default: build/bin/bt)
set -u
BT=${1:-build/bin/bt}
BT=$(cd "$(dirname "$BT")" && pwd)/$(basename "$BT")
W=$(mktemp -d "${TMPDIR:-/tmp}/bt-test-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
failures=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; failures=$((failures + 1)); }

# -- data: nested directories, an empty file, sizes that do not align with pieces --------
mkdir -p "$W/data/album/sub" "$W/seed" "$W/get1" "$W/get2" "$W/get3"
head -c 3000001 /dev/urandom >"$W/data/album/one.bin"
head -c 70000 /dev/urandom >"$W/data/album/sub/two.bin"
head -c 1 /dev/urandom >"$W/data/album/sub/three.bin"
: >"$W/data/album/empty.txt"
printf 'hello "world"\n' >"$W/data/album/readme.txt"
cp -r "$W/data/album" "$W/seed/"

# -- make ---------------------------------------------------------------------------------
if "$BT" make --data "$W/data/album" --out "$W/a.torrent" --piece-size 32768 \
        --tracker http://127.0.0.1:9/announce --comment 'test "quoted"' --json >"$W/make.json"; then
    ok "make"
else
    bad "make exited $?"
fi
MAGNET=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["magnet"])' "$W/make.json" 2>/dev/null)
PIECES=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["pieces"])' "$W/make.json" 2>/dev/null)
[ "${PIECES:-0}" -ge 94 ] && ok "make: $PIECES pieces" || bad "make: pieces=${PIECES:-?} ($(cat "$W/make.json"))"
case "$MAGNET" in magnet:\?xt=urn:btih:*) ok "make: magnet";; *) bad "make: magnet '$MAGNET'";; esac

# -- seed ---------------------------------------------------------------------------------
"$BT" seed --torrent "$W/a.torrent" --save "$W/seed" --json >"$W/seed.out" 2>"$W/seed.err" &
SEED=$!
PIDS+=("$SEED")
for _ in $(seq 100); do grep -q '"listening"' "$W/seed.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(head -1 "$W/seed.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])' 2>/dev/null)
[ -n "$PORT" ] && ok "seed: listening on $PORT" || bad "seed: no listening line: $(cat "$W/seed.out" "$W/seed.err")"
for _ in $(seq 100); do grep -q '"checked"' "$W/seed.out" && break; sleep 0.1; done
grep -q '"checked","complete":true' "$W/seed.out" && ok "seed: data complete" || bad "seed: $(cat "$W/seed.out" "$W/seed.err")"

check_get() { # name dir json-output exit-code
    local name=$1 dir=$2 out=$3 rc=$4 f same=1
    for f in $(cd "$W/data/album" && find . -type f -size +0); do
        cmp -s "$W/data/album/$f" "$dir/album/$f" || same=0
    done
    if [ "$rc" = 0 ] && tail -1 "$out" | grep -q '"done":true' && [ $same = 1 ]; then
        ok "$name: bytes identical (cmp); $(tail -1 "$out")"
    else
        bad "$name: exit $rc, $(tail -2 "$out"), diff: $(diff -rq "$W/data/album" "$dir/album" 2>&1 | head -3)"
    fi
    # A zero-length file of the torrent must exist too (checked apart: it is a separate bug).
    [ -f "$dir/album/empty.txt" ] && ok "$name: zero-length file created" \
        || bad "$name: zero-length file album/empty.txt was not created"
}

# -- get by .torrent, IPv4 -------------------------------------------------------------------
"$BT" get --torrent "$W/a.torrent" --save "$W/get1" --peer "127.0.0.1:$PORT" --seconds 60 >"$W/get1.out" 2>"$W/get1.err"
check_get "get --torrent (IPv4)" "$W/get1" "$W/get1.out" $?
python3 - "$W/get1.out" <<'PY' && ok "get: every line is JSON with the contract keys" || bad "get: JSON lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["event"] == "listening" and lines[0]["port"] > 0
progress = [l for l in lines if "progress" in l and "done" not in l]
assert progress and all({"progress", "down", "up", "peers", "state", "downloaded", "uploaded"} <= set(l) for l in progress)
assert lines[-1]["done"] is True and lines[-1]["bytes"] == 3000001 + 70000 + 1 + 14 and lines[-1]["MBps"] > 0
PY

# -- get by magnet, IPv6 ---------------------------------------------------------------------
"$BT" get --magnet "$MAGNET" --save "$W/get2" --peer "[::1]:$PORT" --seconds 60 >"$W/get2.out" 2>"$W/get2.err"
check_get "get --magnet (IPv6)" "$W/get2" "$W/get2.out" $?

# -- the seeder connects out to a listening getter ---------------------------------------------
"$BT" get --torrent "$W/a.torrent" --save "$W/get3" --port 0 --seconds 60 >"$W/get3.out" 2>"$W/get3.err" &
GET3=$!
PIDS+=("$GET3")
for _ in $(seq 100); do grep -q '"listening"' "$W/get3.out" 2>/dev/null && break; sleep 0.1; done
GPORT=$(head -1 "$W/get3.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])' 2>/dev/null)
"$BT" seed --torrent "$W/a.torrent" --save "$W/seed" --peer "127.0.0.1:${GPORT:-1}" --seconds 60 --json >"$W/seed2.out" 2>&1 &
SEED2=$!
PIDS+=("$SEED2")
wait "$GET3"
check_get "seed --peer -> get --port" "$W/get3" "$W/get3.out" $?
kill -TERM "$SEED2" 2>/dev/null

# -- --resume: kill -9 mid-download, restart with the same file, identical bytes ----------
"$BT" get --torrent "$W/a.torrent" --save "$W/get4" --peer "127.0.0.1:$PORT" --resume "$W/get4.resume" \
    --set download_rate_limit=150000 --seconds 60 >"$W/get4a.out" 2>"$W/get4a.err" &
GET4=$!
PIDS+=("$GET4")
for _ in $(seq 250); do [ -s "$W/get4.resume" ] && break; sleep 0.1; done
sleep 0.5
{ kill -9 "$GET4" && wait "$GET4"; } 2>/dev/null # no "Killed" line from the shell
[ -s "$W/get4.resume" ] && ok "get --resume: resume data saved while downloading ($(wc -c <"$W/get4.resume") bytes)" \
    || bad "get --resume: no resume file after 25 s: $(tail -2 "$W/get4a.out" "$W/get4a.err")"
ls "$W"/.get4.resume.* >/dev/null 2>&1 && bad "get --resume: a temporary file was left" || ok "get --resume: no temporary file left"
"$BT" get --torrent "$W/a.torrent" --save "$W/get4" --peer "127.0.0.1:$PORT" --resume "$W/get4.resume" \
    --seconds 60 >"$W/get4b.out" 2>"$W/get4b.err"
check_get "get --resume after kill -9" "$W/get4" "$W/get4b.out" $?
python3 - "$W/get4b.out" <<'PY' && ok "get --resume: the restart downloaded only what was missing" || bad "get --resume: $(tail -3 "$W/get4b.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
last = [l for l in lines if "downloaded" in l][-1]
assert 0 < last["downloaded"] < 3070016 - 300000, last
PY

# -- --webseed on get: the download comes from an HTTP server with range requests -----------
cat >"$W/webserver.py" <<'PY'
import http.server, os, re, sys
class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        p = self.translate_path(self.path)
        if not os.path.isfile(p):
            self.send_error(404); return
        data = open(p, "rb").read()
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if m:
            a = int(m.group(1)); b = int(m.group(2)) if m.group(2) else len(data) - 1
            body = data[a:b + 1]; self.send_response(206)
            self.send_header("Content-Range", f"bytes {a}-{b}/{len(data)}")
        else:
            body = data; self.send_response(200)
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
os.chdir(sys.argv[1])
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
PY
python3 "$W/webserver.py" "$W/data" >"$W/web.port" &
WEB=$!
PIDS+=("$WEB")
for _ in $(seq 50); do [ -s "$W/web.port" ] && break; sleep 0.1; done
"$BT" get --torrent "$W/a.torrent" --save "$W/get5" --webseed "http://127.0.0.1:$(cat "$W/web.port")/" \
    --seconds 60 >"$W/get5.out" 2>"$W/get5.err"
check_get "get --webseed (no peers)" "$W/get5" "$W/get5.out" $?
kill "$WEB" 2>/dev/null

# -- --encryption forced, --super-seed ---------------------------------------------------------
"$BT" seed --torrent "$W/a.torrent" --save "$W/seed" --super-seed --encryption enabled --seconds 90 --json \
    >"$W/seed3.out" 2>"$W/seed3.err" &
SEED3=$!
PIDS+=("$SEED3")
for _ in $(seq 100); do grep -q '"listening"' "$W/seed3.out" 2>/dev/null && break; sleep 0.1; done
PORT3=$(head -1 "$W/seed3.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])' 2>/dev/null)
"$BT" get --torrent "$W/a.torrent" --save "$W/get6" --peer "127.0.0.1:${PORT3:-1}" --encryption forced \
    --seconds 60 >"$W/get6.out" 2>"$W/get6.err"
check_get "get --encryption forced from seed --super-seed" "$W/get6" "$W/get6.out" $?
kill -TERM "$SEED3" 2>/dev/null

# -- --dht: a trackerless magnet download, peers found through a bt dht node ----------------
"$BT" dht --seconds 90 --json >"$W/dht.out" 2>"$W/dht.err" &
DHT=$!
PIDS+=("$DHT")
for _ in $(seq 100); do grep -q '"listening"' "$W/dht.out" 2>/dev/null && break; sleep 0.1; done
DPORT=$(head -1 "$W/dht.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])' 2>/dev/null)
"$BT" seed --torrent "$W/a.torrent" --save "$W/seed" --dht --dht-bootstrap "127.0.0.1:${DPORT:-1}" \
    --seconds 90 --json >"$W/seed4.out" 2>"$W/seed4.err" &
SEED4=$!
PIDS+=("$SEED4")
"$BT" get --magnet "$MAGNET" --save "$W/get7" --dht --dht-bootstrap "127.0.0.1:${DPORT:-1}" \
    --seconds 60 >"$W/get7.out" 2>"$W/get7.err"
check_get "get --magnet --dht (trackerless)" "$W/get7" "$W/get7.out" $?
kill -TERM "$SEED4" "$DHT" 2>/dev/null
wait "$DHT" 2>/dev/null
python3 - "$W/dht.out" <<'PY' && ok "dht: JSON lines with the node count" || bad "dht: $(tail -3 "$W/dht.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["event"] == "listening" and lines[0]["port"] > 0
assert any(l.get("event") == "dht" for l in lines)
nodes = [l["nodes"] for l in lines if l.get("event") in ("dht", "stopped")]
assert max(nodes) >= 1, nodes
assert lines[-1]["event"] == "stopped"
PY

# -- seed stops on SIGTERM with exit 0 -----------------------------------------------------
kill -TERM "$SEED"
wait "$SEED"
rc=$?
[ $rc = 0 ] && ok "seed: SIGTERM -> exit 0" || bad "seed: SIGTERM -> exit $rc"
grep -q '"event":"seeding"' "$W/seed.out" && ok "seed: seeding lines" || bad "seed: no seeding lines"
UP=$(grep '"event":"stopped"' "$W/seed.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["uploaded"])' 2>/dev/null)
[ "${UP:-0}" -ge $((2 * 3070015)) ] && ok "seed: uploaded $UP bytes to two getters" || bad "seed: uploaded ${UP:-?}"

# -- one seed process, several --torrent: fetched by bt get and by libtorrent (ltpeer.py) -----
LTPEER="$(cd "$(dirname "$0")/../../tests/interop" && pwd)/ltpeer.py"
for i in 0 1 2; do
    mkdir -p "$W/multi/m$i" && head -c $((400000 + i * 150001)) /dev/urandom >"$W/multi/m$i/data.bin"
    "$BT" make --data "$W/multi/m$i" --out "$W/m$i.torrent" --piece-size 32768 --json >/dev/null \
        || bad "make m$i.torrent"
done
# and one whose data is missing: a torrent that cannot be seeded does not hold up the others
mkdir -p "$W/mx/gone" && head -c 5000 /dev/urandom >"$W/mx/gone/data.bin"
"$BT" make --data "$W/mx/gone" --out "$W/gone.torrent" --json >/dev/null || bad "make gone.torrent"
"$BT" seed --torrent "$W/m0.torrent" --torrent "$W/m1.torrent" --torrent "$W/m2.torrent" \
    --torrent "$W/gone.torrent" --save "$W/multi" --seconds 90 --json >"$W/mseed.out" 2>"$W/mseed.err" &
MSEED=$!
PIDS+=("$MSEED")
for _ in $(seq 150); do grep -q '"event":"seeding"' "$W/mseed.out" 2>/dev/null && break; sleep 0.1; done
MPORT=$(head -1 "$W/mseed.out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["port"])' 2>/dev/null)
grep -q '"event":"seeding","torrents":4' "$W/mseed.out" && ok "seed x4: one aggregate seeding line for 4 torrents" \
    || bad "seed x4: no aggregate line: $(head -c 600 "$W/mseed.out") $(cat "$W/mseed.err")"
"$BT" get --torrent "$W/m0.torrent" --save "$W/mget0" --peer "127.0.0.1:${MPORT:-1}" --seconds 60 >"$W/mget0.out" 2>&1 &
MG0=$!
"$BT" get --torrent "$W/m1.torrent" --save "$W/mget1" --peer "[::1]:${MPORT:-1}" --seconds 60 >"$W/mget1.out" 2>&1 &
MG1=$!
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import libtorrent' 2>/dev/null; then
    /usr/bin/python3 "$LTPEER" get --torrent "$W/m2.torrent" --save "$W/mlt2" --peer "127.0.0.1:${MPORT:-1}" \
        --seconds 60 >"$W/mlt2.out" 2>&1 &
    ML2=$!
    /usr/bin/python3 "$LTPEER" get --torrent "$W/m0.torrent" --save "$W/mlt0" --peer "127.0.0.1:${MPORT:-1}" \
        --seconds 60 >"$W/mlt0.out" 2>&1
    rc=$?
    wait "$ML2"
    rc2=$?
    for pair in "0 mlt0 $rc" "2 mlt2 $rc2"; do
        set -- $pair
        if [ "$3" = 0 ] && cmp -s "$W/multi/m$1/data.bin" "$W/$2/m$1/data.bin"; then
            ok "seed x4 -> libtorrent get m$1: bytes identical"
        else
            bad "seed x4 -> libtorrent get m$1: exit $3, $(tail -2 "$W/$2.out")"
        fi
    done
else
    bad "seed x4 -> libtorrent: /usr/bin/python3 with libtorrent is missing (make deps)"
fi
for i in 0 1; do
    if wait "$([ $i = 0 ] && echo $MG0 || echo $MG1)" && cmp -s "$W/multi/m$i/data.bin" "$W/mget$i/m$i/data.bin"; then
        ok "seed x4 -> bt get m$i: bytes identical"
    else
        bad "seed x4 -> bt get m$i: $(tail -2 "$W/mget$i.out")"
    fi
done
kill -TERM "$MSEED"
wait "$MSEED"
rc=$?
[ $rc = 0 ] && ok "seed x4: SIGTERM -> exit 0" || bad "seed x4: SIGTERM -> exit $rc ($(cat "$W/mseed.err"))"
python3 - "$W/mseed.out" "$W/mseed.err" <<'PY' && ok "seed x4: per-torrent checked/error events, aggregate lines, totals" || bad "seed x4: JSON lines: $(head -c 1500 "$W/mseed.out")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
checked = {l["torrent"]: l for l in lines if l.get("event") == "checked"}
assert sorted(checked) == [0, 1, 2, 3], checked
assert all(checked[i]["complete"] for i in (0, 1, 2)) and not checked[3]["complete"], checked
assert len({c["info_hash"] for c in checked.values()}) == 4
assert checked[3]["file"].endswith("gone.torrent")
assert "gone.torrent is incomplete" in open(sys.argv[2]).read()
keys = ["event", "torrents", "progress", "down", "up", "peers", "seeds", "state", "downloaded",
        "uploaded", "wanted", "wanted_done", "seeding", "checking", "errors"]
agg = [l for l in lines if l.get("event") in ("seeding", "checking")]
assert agg and all(list(l) == keys and l["torrents"] == 4 for l in agg), agg[:2]
seeding = [l for l in agg if l["event"] == "seeding"]
assert seeding and seeding[-1]["seeding"] == 3 and seeding[-1]["checking"] == 0 and seeding[-1]["errors"] == 0
assert seeding[-1]["state"] == "downloading"  # the least advanced: gone.torrent has no data
stopped = lines[-1]
assert stopped["event"] == "stopped" and stopped["torrents"] == 4
sizes = [400000 + i * 150001 for i in range(3)]
assert stopped["uploaded"] >= sizes[0] * 2 + sizes[1] + sizes[2], stopped
alerts = [l for l in lines if l.get("alert") == "torrent_checked"]
assert alerts and all(len(a.get("info_hash", "")) == 40 for a in alerts)
PY

# -- an incomplete seed warns and keeps going ------------------------------------------------
mkdir -p "$W/partial/album/sub" && cp "$W/data/album/readme.txt" "$W/partial/album/"
"$BT" seed --torrent "$W/a.torrent" --save "$W/partial" --seconds 2 --json >"$W/partial.out" 2>"$W/partial.err"
rc=$?
[ $rc = 0 ] && grep -q '^bt: warning: .*incomplete' "$W/partial.err" && ok "seed: incomplete data warns, exit 0" \
    || bad "seed partial: exit $rc: $(cat "$W/partial.err")"

# -- a download that cannot finish exits 1 with done:false -------------------------------------
"$BT" get --torrent "$W/a.torrent" --save "$W/none" --seconds 1.5 >"$W/none.out" 2>&1
rc=$?
[ $rc = 1 ] && tail -1 "$W/none.out" | grep -q '"done":false' && ok "get: --seconds ran out -> exit 1" \
    || bad "get timeout: exit $rc: $(tail -1 "$W/none.out")"

# -- terminal injection: a magnet's dn and a tracker's failure reason carry escape sequences ----
# (retitle the window, bell, clear the screen, a C1 CSI). On a terminal bt shows them as visible
# escapes; --json carries the exact strings.
python3 - "$W/evil.port" <<'PY' &
import http.server, sys
REASON = b"\x1b]0;evil-tracker\x07\x1b[2J\xc2\x9b31m"
class Tracker(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"d14:failure reason%d:%se" % (len(REASON), REASON)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), Tracker)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
PY
PIDS+=("$!")
for _ in $(seq 100); do [ -s "$W/evil.port" ] && break; sleep 0.1; done
EVIL_MAGNET=$(python3 -c 'import sys, urllib.parse as u
print("magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=" + u.quote("\x1b]0;evil-name\x07\x1b[2J")
      + "&tr=" + u.quote("http://127.0.0.1:%s/announce" % sys.argv[1]))' "$(cat "$W/evil.port" 2>/dev/null)")
python3 - "$W/evil.tty" "$BT" get --magnet "$EVIL_MAGNET" --save "$W/evil" --seconds 3 <<'PY'
import os, subprocess, sys  # run bt with stdout and stderr on a terminal, keep every byte
master, slave = os.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=slave, stdout=slave, stderr=slave)
os.close(slave)
out = bytearray()
while True:
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: the terminal's last writer is gone
        break
    if not data:
        break
    out += data
p.wait()
open(sys.argv[1], "wb").write(out)
PY
python3 - "$W/evil.tty" <<'PY' && ok "terminal: escapes in a magnet's dn and a tracker's reply are shown inert" \
    || bad "terminal: raw escapes reached the terminal: $(cat -v "$W/evil.tty" | head -c 600)"
import sys
out = open(sys.argv[1], "rb").read()
assert b"\\x1b]0;evil-name\\x07\\x1b[2J" in out, "the name is shown, escaped"
assert b"\\x1b]0;evil-tracker\\x07\\x1b[2J\\u009b31m" in out, "the failure reason is shown, escaped"
rest = out.replace(b"\x1b[K", b"")  # bt's own: erase to the end of the progress line
assert not [c for c in (b"\x1b", b"\x07", b"\x9b") if c in rest]
PY
"$BT" get --magnet "$EVIL_MAGNET" --save "$W/evil" --seconds 3 --json >"$W/evil.json" 2>"$W/evil.err"
python3 - "$W/evil.json" <<'PY' && ok "terminal: --json carries the dn and the failure reason exactly" \
    || bad "terminal: --json: $(cat -v "$W/evil.json" | grep tracker_error | head -c 600)"
import json, sys
raw = open(sys.argv[1], "rb").read()
assert not [c for c in (b"\x1b", b"\x07", b"\x9b") if c in raw], "JSON escapes them"
errors = [l["msg"] for l in map(json.loads, raw.decode().splitlines()) if l.get("alert") == "tracker_error"]
assert errors and "\x1b]0;evil-name\x07\x1b[2J" in errors[0], errors
assert "\x1b]0;evil-tracker\x07\x1b[2J\x9b31m" in errors[0], errors
PY

# -- bad input: exit 2, one "bt: " line on stderr, nothing on stdout ---------------------------
head -c 500 /dev/urandom >"$W/corrupt.torrent"
expect_usage() { # description, then the arguments
    local what=$1
    shift
    "$BT" "$@" >"$W/u.out" 2>"$W/u.err"
    local rc=$?
    if [ $rc = 2 ] && [ "$(wc -l <"$W/u.err")" = 1 ] && grep -q '^bt: ' "$W/u.err" && [ ! -s "$W/u.out" ]; then
        ok "usage: $what: $(cat "$W/u.err")"
    else
        bad "usage: $what: exit $rc, stderr: $(cat "$W/u.err") stdout: $(head -c 200 "$W/u.out")"
    fi
}
expect_usage "no command"
expect_usage "unknown command" frobnicate
expect_usage "unknown option" get --torrent "$W/a.torrent" --save "$W/x" --frob
expect_usage "missing --save" get --torrent "$W/a.torrent"
expect_usage "missing --data" make --out "$W/x.torrent"
expect_usage "unreadable torrent" get --torrent "$W/nope.torrent" --save "$W/x"
expect_usage "corrupt torrent" seed --torrent "$W/corrupt.torrent" --save "$W/x"
expect_usage "bad magnet" get --magnet "magnet:?xt=urn:btih:nothex" --save "$W/x"
expect_usage "not a magnet" get --magnet "http://example.invalid/" --save "$W/x"
expect_usage "bad HOST:PORT" get --torrent "$W/a.torrent" --save "$W/x" --peer 127.0.0.1
expect_usage "bad port" seed --torrent "$W/a.torrent" --save "$W/x" --port 99999
expect_usage "unknown setting" get --torrent "$W/a.torrent" --save "$W/x" --set no_such_setting=1
expect_usage "wrongly typed setting" get --torrent "$W/a.torrent" --save "$W/x" --set connections_limit=lots
expect_usage "bad --set syntax" get --torrent "$W/a.torrent" --save "$W/x" --set connections_limit
expect_usage "missing data" make --data "$W/does-not-exist" --out "$W/x.torrent"
expect_usage "bad piece size" make --data "$W/data/album" --out "$W/x.torrent" --piece-size 1000
expect_usage "bad --encryption" get --torrent "$W/a.torrent" --save "$W/x" --encryption sometimes
expect_usage "--super-seed on get" get --torrent "$W/a.torrent" --save "$W/x" --super-seed
expect_usage "--dht-bootstrap without --dht" get --torrent "$W/a.torrent" --save "$W/x" --dht-bootstrap 127.0.0.1:1
expect_usage "bad --dht-bootstrap" dht --dht-bootstrap nowhere
expect_usage "bad --announce" dht --announce 1234
expect_usage "bad --webseed" get --torrent "$W/a.torrent" --save "$W/x" --webseed "ftp://127.0.0.1/x"
expect_usage "two --torrent on get" get --torrent "$W/a.torrent" --torrent "$W/a.torrent" --save "$W/x"
expect_usage "--resume with two --torrent" seed --torrent "$W/a.torrent" --torrent "$W/m0.torrent" --save "$W/x" --resume "$W/r"
expect_usage "the same torrent twice" seed --torrent "$W/a.torrent" --torrent "$W/a.torrent" --save "$W/seed"
expect_usage "unreadable --resume" get --torrent "$W/a.torrent" --save "$W/x" --resume "$W"

"$BT" --version >"$W/v.out" && grep -q '^bt ' "$W/v.out" && ok "--version: $(cat "$W/v.out")" || bad "--version"

echo
[ $failures = 0 ] && echo "all passed" || echo "$failures failed"
exit $((failures > 0))
