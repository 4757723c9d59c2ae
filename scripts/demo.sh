#!/usr/bin/env bash
# make demo: the main job on a loopback swarm. One `bt seed` and three `bt get` peers share a
# multi-file torrent over 127.0.0.1 and [::1]; the downloaders also trade pieces with each
# other. Then the bytes are compared.
#   scripts/demo.sh [BUILD_DIR]          env: DEMO_MIB (size of the big file, default 64)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
bt="$build/bin/bt"
[ -x "$bt" ] || { echo "demo: $bt is not built: run make" >&2; exit 1; }

w="$(mktemp -d "${TMPDIR:-/tmp}/libbt-demo-XXXXXX")"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$w"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

echo "== making content: a ${DEMO_MIB:-64} MiB file and a few small ones in subfolders"
mkdir -p "$w/seed/demo/docs/notes"
head -c $(( ${DEMO_MIB:-64} * 1048576 + 12345 )) /dev/urandom > "$w/seed/demo/video.bin"
head -c 777777 /dev/urandom > "$w/seed/demo/docs/manual.pdf"
head -c 4321 /dev/urandom > "$w/seed/demo/docs/notes/todo.txt"
echo "hello from libbt" > "$w/seed/demo/README.txt"

echo "== bt make"
"$bt" make --data "$w/seed/demo" --out "$w/demo.torrent" --piece-size 262144 --comment "libbt demo"

echo "== bt seed on 127.0.0.1 and [::1]"
seed_port=$(free_port)
"$bt" seed --torrent "$w/demo.torrent" --save "$w/seed" --port "$seed_port" --seconds 300 --json \
    > "$w/seed.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q '"seeding"' "$w/seed.log" 2>/dev/null && break; sleep 0.1; done
grep -q '"seeding"' "$w/seed.log" || { echo "demo: the seeder did not start:"; cat "$w/seed.log"; exit 1; }

echo "== three bt get peers: one over IPv6, all also connected to each other"
ports=($(free_port) $(free_port) $(free_port))
for i in 0 1 2; do
    seedaddr="127.0.0.1:$seed_port"
    [ "$i" = 1 ] && seedaddr="[::1]:$seed_port"
    others=()
    for j in 0 1 2; do [ "$j" != "$i" ] && others+=(--peer "127.0.0.1:${ports[$j]}"); done
    "$bt" get --torrent "$w/demo.torrent" --save "$w/get$i" --port "${ports[$i]}" \
        --peer "$seedaddr" "${others[@]}" --seconds 120 --json > "$w/get$i.log" 2>&1 &
    pids+=($!)
done

# A progress line per second from the three downloaders.
while :; do
    line=""
    running=0
    for i in 0 1 2; do
        p=$( (grep -o '"progress":[0-9.]*' "$w/get$i.log" 2>/dev/null || true) | tail -1 | cut -d: -f2)
        grep -q '"done"' "$w/get$i.log" 2>/dev/null || running=1
        line+=$(printf "  peer%d %5.1f%%" "$i" "$(awk -v p="${p:-0}" 'BEGIN{print p*100}')")
    done
    printf "\r%s" "$line"
    [ "$running" = 0 ] && break
    sleep 1
done
echo

status=0
for i in 0 1 2; do
    done_line=$( (grep '"done"' "$w/get$i.log" || true) | tail -1)
    echo "peer$i: $done_line"
    case "$done_line" in *'"done":true'*) ;; *) status=1 ;; esac
    for f in video.bin docs/manual.pdf docs/notes/todo.txt README.txt; do
        cmp -s "$w/seed/demo/$f" "$w/get$i/demo/$f" || { echo "peer$i: $f differs"; status=1; }
    done
done
up=$( (grep -o '"uploaded":[0-9]*' "$w/seed.log" || true) | tail -1 | cut -d: -f2)
echo "seeder uploaded ${up:-?} bytes; the rest came from the downloaders trading with each other"
[ "$status" = 0 ] && echo "== demo ok: every peer has identical bytes" || echo "== demo FAILED"
exit "$status"
