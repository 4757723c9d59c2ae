#!/usr/bin/env bash
# Builds libbt.so from capi/ with `go build -buildmode=c-shared`.
#   scripts/build-lib.sh BUILD_DIR VERSION
# Produces BUILD_DIR/lib/libbt.so.VERSION (SONAME libbt.so.MAJOR, only bt_* exported) with the
# symlinks libbt.so.MAJOR and libbt.so, and moves cgo's generated header to
# BUILD_DIR/libbt-cgo-export.h (a build artefact, never installed: include/libbt.h is the API).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(mkdir -p "$1" && cd "$1" && pwd)"
version="$2"
major="${version%%.*}"
real="libbt.so.${version}"
soname="libbt.so.${major}"

mkdir -p "$build/lib"
cd "$root"
# go's build cache hashes the files of the package directory, not include/libbt.h (reached through
# -I): without this a header-only change (a reordered field) would link stale objects. The
# header's hash in CGO_CFLAGS makes it part of the cache key.
header_sum="$(sha256sum include/libbt.h | cut -c1-16)"
export CGO_CFLAGS="${CGO_CFLAGS:-$(go env CGO_CFLAGS)} -DLIBBT_HEADER_SUM=${header_sum}"
CGO_ENABLED=1 go build -trimpath -buildmode=c-shared \
    -ldflags "-extldflags \"-Wl,-soname,${soname} -Wl,--version-script=${root}/capi/libbt.map -Wl,-z,now\"" \
    -o "$build/lib/$real" ./capi
# go names the header after the output minus its last extension: libbt.so.0.1.h for libbt.so.0.1.0.
mv -f "$build/lib/${real%.*}.h" "$build/libbt-cgo-export.h"
ln -sfn "$real" "$build/lib/$soname"
ln -sfn "$soname" "$build/lib/libbt.so"
