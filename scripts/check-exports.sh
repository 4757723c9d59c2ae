#!/usr/bin/env bash
# Checks libbt.so's dynamic symbols against the headers and the version script (docs/ABI.md):
#  - only bt_* functions are exported (plus the version-node names the linker adds);
#  - the default (@@) version of each is exactly the set of functions declared in libbt.h;
#  - every function of the previous release's header (tests/abi/0.2.0/libbt.h, exported
#    unversioned by 0.2.0) is exported at version LIBBT_0.2, as the default or as a converting
#    old version, so that 0.2 programs' unversioned references find it;
#  - a function that is not in the previous release has its default in a newer node;
#  - the SONAME is libbt.so.<major of LIBBT_VERSION>.
#   scripts/check-exports.sh LIB [HEADER [PREVIOUS_HEADER]]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lib="$1"
header="${2:-$root/include/libbt.h}"
previous="${3:-$root/tests/abi/0.2.0/libbt.h}"
base_node="LIBBT_0.2" # the node that holds the previous release's ABI
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Preprocess to drop comments, then take every identifier followed by '(' (declarations only:
# the header has no function bodies; function-pointer typedefs have ')' before the '(').
declared() { ${CC:-cc} -E -P -x c "$1" | grep -oE '\bbt_[a-z0-9_]+[[:space:]]*\(' | tr -d ' (' | sort -u; }
declared "$header" > "$tmp/declared"
declared "$previous" > "$tmp/previous"

# "name@@NODE" (default), "name@NODE" (old version) or "NODE" (a version definition, type A).
nm -D --defined-only "$lib" | awk '{print $2, $NF}' > "$tmp/nm"
awk '$1 != "A" {print $2}' "$tmp/nm" | sort -u > "$tmp/exported"
awk '$1 == "A" {print $2}' "$tmp/nm" | sort -u > "$tmp/nodes"
grep '@@' "$tmp/exported" | sed 's/@@.*//' | sort -u > "$tmp/defaults" || true

status=0
fail() { echo "FAIL: $*"; status=1; }

if grep -v '^bt_' "$tmp/exported" > "$tmp/foreign"; then
    fail "$lib exports non-bt_ symbols:"; cat "$tmp/foreign"
fi
if grep -v '^LIBBT_[0-9]\+\.[0-9]\+$' "$tmp/nodes" > "$tmp/badnodes"; then
    fail "$lib defines version nodes not named LIBBT_x.y:"; cat "$tmp/badnodes"
fi
if grep -v '@' "$tmp/exported" > "$tmp/unversioned"; then
    fail "$lib exports unversioned symbols (every export needs a node in capi/libbt.map):"
    cat "$tmp/unversioned"
fi
if ! diff -u "$tmp/declared" "$tmp/defaults" > "$tmp/diff"; then
    fail "default-version exports differ from libbt.h declarations (- declared only, + exported only):"
    cat "$tmp/diff"
fi
while read -r f; do
    if ! grep -qxE "$f@@?$base_node" "$tmp/exported"; then
        fail "$f (in the previous release's header) is not exported at $base_node: 0.2 programs would not find it"
    fi
done < "$tmp/previous"
while read -r f; do
    if ! grep -qx "$f" "$tmp/previous" && grep -qx "$f@@$base_node" "$tmp/exported"; then
        fail "$f is new since the previous release but its default version is $base_node: put it in the newest node"
    fi
done < "$tmp/declared"
major="$(sed -n 's/^#define LIBBT_VERSION_MAJOR \([0-9]*\)$/\1/p' "$header")"
soname="$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
if [ "$soname" != "libbt.so.$major" ]; then
    fail "$lib has SONAME '$soname', want libbt.so.$major"
fi
if [ "$status" = 0 ]; then
    echo "exports: $(wc -l < "$tmp/declared") bt_* functions of libbt.h at their default versions" \
         "($(tr '\n' ' ' < "$tmp/nodes")), the $(wc -l < "$tmp/previous") of the previous release at" \
         "$base_node, nothing else; SONAME $soname"
fi
exit "$status"
