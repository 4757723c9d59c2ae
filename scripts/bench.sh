#!/usr/bin/env bash
# make bench: libbt vs libtorrent on one loopback transfer (ratio of medians), then the Go
# micro-benchmarks of the engine's hot paths, once each.
#   scripts/bench.sh [BUILD_DIR]     env: BENCH_SIZE_MIB (1024), BENCH_RUNS (3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
python3 "$root/scripts/bench.py" --build "$build" --size-mib "${BENCH_SIZE_MIB:-1024}" --runs "${BENCH_RUNS:-3}"
cd "$root"
go test -run='^$' -bench=. -benchtime=1x ./core/... ./disk/...
