#!/usr/bin/env bash
# make bench: libbt beside libtorrent in the same run (ratios, since absolute times lie on a
# noisy machine): loopback transfer, MSE/RC4 transfer, nginx web seed, magnet through the DHT,
# then the disk layer (syscalls per piece, throughput both ways, peak RSS, recheck speed), then
# the Go micro-benchmarks of the hot paths, once each.
#   scripts/bench.sh [BUILD_DIR]
#   env: BENCH_SIZE_MIB (1024), BENCH_RUNS (3), BENCH_RSS_MIB (4096)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
python3 "$root/scripts/bench.py" --build "$build" --size-mib "${BENCH_SIZE_MIB:-1024}" --runs "${BENCH_RUNS:-3}"
python3 "$root/scripts/bench_disk.py" --build "$build" --size-mib "${BENCH_SIZE_MIB:-1024}" \
    --rss-size-mib "${BENCH_RSS_MIB:-4096}"
cd "$root"
go test -run='^$' -bench=. -benchtime=1x ./core/... ./disk/... ./dht/...
