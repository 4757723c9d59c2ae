#!/usr/bin/env bash
# A panic inside libbt does not end the host process: builds a second copy of the library with
# -tags libbt_panic_hooks (the only build where LIBBT_TEST_PANIC makes the engine panic, see
# core/session/panichooks.go; the shipped library has no such hook), builds
# tests/capi-panic/panic.c against it and runs it with a torrent goroutine and a session-wide
# goroutine set to panic. It must run to the end and find the errors reported.
#   scripts/capi-panic.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(mkdir -p "$1" && cd "$1" && pwd)"
version="$(sed -n 's/^#define LIBBT_VERSION "\(.*\)"$/\1/p' "$root/include/libbt.h")"
GOFLAGS="${GOFLAGS:+$GOFLAGS }-tags=libbt_panic_hooks" bash "$root/scripts/build-lib.sh" "$build/panic-hooks" "$version"
lib="$build/panic-hooks/lib"
out="$build/tests/capi-panic"
mkdir -p "$out"
${CC:-cc} -std=gnu11 -g -O1 -Wall -Wextra -Werror -I"$root/include" "$root/tests/capi-panic/panic.c" \
    -o "$out/panic" -L"$lib" -lbt -Wl,-rpath,"$lib" -pthread
scratch="$(mktemp -d "${TMPDIR:-/tmp}/libbt-capi-panic-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
# LD_LIBRARY_PATH (set by ctest to the shipped library) would win over the rpath.
LD_LIBRARY_PATH="$lib" LIBBT_TEST_PANIC=torrent_tick,dht_bootstrap "$out/panic" "$scratch"
