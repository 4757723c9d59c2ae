#!/usr/bin/env bash
# Demo: make a small multi-file torrent with bt, seed it and download it on loopback, and
# compare the bytes. (The lead extends this into the full demo.)
#   scripts/demo.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
bt="$build/bin/bt"
[ -x "$bt" ] || { echo "demo: $bt not built (examples/c/bt missing?)"; exit 1; }

w="$(mktemp -d "${TMPDIR:-/tmp}/libbt-demo-XXXXXX")"
seed_pid=""
cleanup() { [ -n "$seed_pid" ] && kill "$seed_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$w"; }
trap cleanup EXIT

mkdir -p "$w/data/demo/sub" "$w/seed" "$w/get"
head -c 5000000 /dev/urandom > "$w/data/demo/big.bin"
head -c 123457 /dev/urandom > "$w/data/demo/sub/small.bin"
echo "hello from libbt" > "$w/data/demo/readme.txt"
cp -r "$w/data/demo" "$w/seed/"

echo "demo: bt make"
"$bt" make --data "$w/data/demo" --out "$w/demo.torrent" --piece-size 65536
echo "demo: bt seed"
"$bt" seed --torrent "$w/demo.torrent" --save "$w/seed" --json > "$w/seed.out" 2> "$w/seed.err" &
seed_pid=$!
port=""
for _ in $(seq 100); do
    port="$(head -1 "$w/seed.out" 2>/dev/null | sed -n 's/.*"port":\([0-9]*\).*/\1/p')"
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "demo: seeder did not start: $(cat "$w/seed.err")"; exit 1; }
echo "demo: bt get from 127.0.0.1:$port"
"$bt" get --torrent "$w/demo.torrent" --save "$w/get" --peer "127.0.0.1:$port" --seconds 60 | tail -1
for f in big.bin sub/small.bin readme.txt; do
    cmp "$w/data/demo/$f" "$w/get/demo/$f"
done
echo "demo: ok, the downloaded bytes match"
