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

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
for src in "$root"/tests/capi/*.c; do
    name="$(basename "$src" .c)"
    ${CC:-cc} -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer \
        -fsanitize=address,undefined -fno-sanitize-recover=undefined \
        -I"$root/include" "$src" -o "$out/$name" \
        -L"$lib" -lbt -Wl,-rpath,"$lib" -pthread
    scratch="$(mktemp -d "${TMPDIR:-/tmp}/libbt-capi-$name-XXXXXX")"
    echo "=== $name"
    if "$out/$name" "$scratch"; then
        echo "--- ok: $name"
    else
        echo "--- FAIL: $name"
        status=1
    fi
    rm -rf "$scratch"
done
exit "$status"
