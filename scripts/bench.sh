#!/usr/bin/env bash
# make bench: libbt beside libtorrent in the same run (ratios, since absolute times lie on a
# noisy machine): loopback transfer, MSE/RC4 transfer, nginx web seed, magnet through the DHT,
# then the disk layer (syscalls per piece, throughput both ways, peak RSS, recheck speed), then
# scale (N paused torrents in one session; M seeding torrents with P peers each: bench_scale.py),
# then the Go micro-benchmarks of the hot paths, once each (BenchmarkPausedTorrentCost among
# them: goroutines, heap, wakeups per paused torrent).
#   scripts/bench.sh [BUILD_DIR]
#   env: BENCH_SIZE_MIB (1024), BENCH_RUNS (3), BENCH_RSS_MIB (4096), BENCH_PAUSED (10000),
#        BENCH_SEEDING (1000), BENCH_PEERS (5)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
python3 "$root/scripts/bench.py" --build "$build" --size-mib "${BENCH_SIZE_MIB:-1024}" --runs "${BENCH_RUNS:-3}"
python3 "$root/scripts/bench_disk.py" --build "$build" --size-mib "${BENCH_SIZE_MIB:-1024}" \
    --rss-size-mib "${BENCH_RSS_MIB:-4096}"
python3 "$root/scripts/bench_scale.py" --build "$build" --paused "${BENCH_PAUSED:-10000}" \
    --seeding "${BENCH_SEEDING:-1000}" --peers "${BENCH_PEERS:-5}"
cd "$root"
go test -run='^$' -bench=. -benchtime=1x ./core/... ./disk/... ./dht/...
