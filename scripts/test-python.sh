#!/usr/bin/env bash
# pytest over bindings/python/tests against build/lib (LIBBT_LIBRARY, set by ctest).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export LIBBT_LIBRARY="${LIBBT_LIBRARY:-$root/build/lib/libbt.so.0}"
cd "$root/bindings/python"
exec python3 -m pytest -q -p no:cacheprovider tests
