#!/usr/bin/env bash
# pytest over tests/interop (real libtorrent via /usr/bin/python3, opentracker, build/bin/bt).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export LIBBT_LIBRARY="${LIBBT_LIBRARY:-$root/build/lib/libbt.so.0}"
cd "$root"
exec python3 -m pytest -q -p no:cacheprovider tests/interop
