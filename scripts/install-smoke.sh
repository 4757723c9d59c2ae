#!/usr/bin/env bash
# Installs the build into a DESTDIR staging tree and builds tests/capi/install-smoke/smoke.c
# against it twice, with pkg-config and with find_package(libbt), then runs both.
#   scripts/install-smoke.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
stage="$build/install-smoke"
rm -rf "$stage"
mkdir -p "$stage"

DESTDIR="$stage/root" cmake --install "$build" >/dev/null
prefix="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")"
libdir="$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")"
sp="$stage/root$prefix"
fail() { echo "FAIL: $*"; exit 1; }

version="$(sed -n 's/^#define LIBBT_VERSION "\(.*\)"$/\1/p' "$root/include/libbt.h")"
major="${version%%.*}"
[ -f "$sp/$libdir/libbt.so.$version" ] || fail "libbt.so.$version not installed"
[ "$(readlink "$sp/$libdir/libbt.so.$major")" = "libbt.so.$version" ] || fail "libbt.so.$major link"
[ "$(readlink "$sp/$libdir/libbt.so")" = "libbt.so.$major" ] || fail "libbt.so link"
[ -f "$sp/include/libbt.h" ] || fail "libbt.h not installed"
[ -f "$sp/$libdir/pkgconfig/libbt.pc" ] || fail "libbt.pc not installed"
[ -f "$sp/$libdir/cmake/libbt/libbtConfig.cmake" ] || fail "libbtConfig.cmake not installed"
if find "$stage/root" -name '*cgo*' | grep -q .; then fail "the cgo header was installed"; fi

# pkg-config: libbt.pc finds its prefix from its own location, so the staged copy just works.
cflags="$(PKG_CONFIG_PATH="$sp/$libdir/pkgconfig" pkg-config --cflags libbt)"
libs="$(PKG_CONFIG_PATH="$sp/$libdir/pkgconfig" pkg-config --libs libbt)"
[ "$(PKG_CONFIG_PATH="$sp/$libdir/pkgconfig" pkg-config --modversion libbt)" = "$version" ] || fail "pkg-config version"
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -Wall -Wextra -Werror $cflags "$root/tests/capi/install-smoke/smoke.c" $libs -o "$stage/smoke-pkgconfig"
readelf -d "$stage/smoke-pkgconfig" | grep -q "NEEDED.*libbt.so.$major" || fail "smoke does not need libbt.so.$major"
LD_LIBRARY_PATH="$sp/$libdir" "$stage/smoke-pkgconfig"

# find_package(libbt) from a separate CMake project.
cmake -S "$root/tests/capi/install-smoke" -B "$stage/cmake-build" -DCMAKE_PREFIX_PATH="$sp" >/dev/null
cmake --build "$stage/cmake-build" >/dev/null
LD_LIBRARY_PATH="$sp/$libdir" "$stage/cmake-build/smoke"
echo "install-smoke: 2 passed, 0 failed"
