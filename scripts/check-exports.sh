#!/usr/bin/env bash
# Checks that libbt.so exports exactly the functions declared in include/libbt.h: every
# declared bt_* function is defined, and nothing else (no Go runtime symbols) is exported.
#   scripts/check-exports.sh LIB [HEADER]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lib="$1"
header="${2:-$root/include/libbt.h}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u > "$tmp/exported"
# Preprocess to drop comments, then take every identifier followed by '(' (declarations only:
# the header has no function bodies; function-pointer typedefs have ')' before the '(').
${CC:-cc} -E -P -x c "$header" | grep -oE '\bbt_[a-z0-9_]+[[:space:]]*\(' | tr -d ' (' | sort -u > "$tmp/declared"

status=0
if grep -v '^bt_' "$tmp/exported" > "$tmp/foreign"; then
    echo "FAIL: $lib exports non-bt_ symbols:"; cat "$tmp/foreign"; status=1
fi
if ! diff -u "$tmp/declared" "$tmp/exported" > "$tmp/diff"; then
    echo "FAIL: exported symbols differ from libbt.h declarations (- declared only, + exported only):"
    cat "$tmp/diff"; status=1
fi
if ! readelf -d "$lib" | grep -q 'SONAME.*libbt\.so\.[0-9]'; then
    echo "FAIL: $lib has no libbt.so.N SONAME"; status=1
fi
n="$(wc -l < "$tmp/declared")"
if [ "$status" = 0 ]; then
    echo "exports: $n bt_* functions declared and exported, nothing else; SONAME ok"
fi
exit "$status"
