#!/usr/bin/env bash
# The C ABI tests: the export check, then every tests/capi/*.c built with
# -fsanitize=address,undefined against build/lib/libbt.so and run.
#   scripts/capi-misuse.sh BUILD_DIR
#
# Why ASan and not valgrind: checked on this machine, ASan+UBSan+LSan run cleanly alongside
# the Go runtime of a c-shared library (the Go heap is mmap'd by Go, not malloc'd, so ASan
# neither instruments nor reports it; cgo's C.malloc / C.CString go through ASan's malloc and
# are leak-checked). valgrind instead reports false errors inside the Go runtime itself
# ("Conditional jump depends on uninitialised value" in runtime.adjustframe during stack
# copies, "Invalid write" in runtime.asyncPreempt) and would need a suppression file that hides
# real bugs along with them, and it is ~20x slower.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
lib="$build/lib"
out="$build/tests/capi"
mkdir -p "$out"

bash "$root/scripts/check-exports.sh" "$lib/libbt.so"

# A second copy of the library built with GOEXPERIMENT=cgocheck2 checks every pointer passed
# between Go and C (Go pointers stored in C memory and the like) at run time. It runs without
# ASan: the two together are not needed, and each run stays simple to read.
version="$(sed -n 's/^#define LIBBT_VERSION "\(.*\)"$/\1/p' "$root/include/libbt.h")"
GOEXPERIMENT=cgocheck2 bash "$root/scripts/build-lib.sh" "$build/cgocheck2" "$version"
checklib="$build/cgocheck2/lib"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
run() { # name binary
    local scratch
    scratch="$(mktemp -d "${TMPDIR:-/tmp}/libbt-capi-$1-XXXXXX")"
    echo "=== $1"
    if "$2" "$scratch"; then
        echo "--- ok: $1"
    else
        echo "--- FAIL: $1"
        status=1
    fi
    rm -rf "$scratch"
}
for src in "$root"/tests/capi/*.c; do
    name="$(basename "$src" .c)"
    ${CC:-cc} -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer \
        -fsanitize=address,undefined -fno-sanitize-recover=undefined \
        -I"$root/include" "$src" -o "$out/$name-asan" \
        -L"$lib" -lbt -Wl,-rpath,"$lib" -pthread
    ${CC:-cc} -std=gnu11 -g -O1 -Wall -Wextra -Werror \
        -I"$root/include" "$src" -o "$out/$name-cgocheck2" \
        -L"$checklib" -lbt -Wl,-rpath,"$checklib" -pthread
    run "$name (ASan+UBSan)" "$out/$name-asan"
    run "$name (GOEXPERIMENT=cgocheck2)" "$out/$name-cgocheck2"
done
exit "$status"
