#!/usr/bin/env bash
# Benchmarks (the lead fills in). For now: Go micro-benchmarks of every package, once each.
#   scripts/bench.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run='^$' -bench=. -benchtime=1x ./...
