#!/usr/bin/env bash
# The ABI compatibility suite (ctest `abi`; docs/ABI.md says what each part proves):
#  1. programs built against the previous release's header (tests/abi/0.2.0/libbt.h) and
#     linked as 0.2 programs were (unversioned references, SONAME libbt.so.0) run against the
#     library just built, under ASan+UBSan: a real loopback transfer that reads every struct;
#     the same program built against the current header runs too;
#  2. the library's frozen copy of the 0.2 layouts (capi/layouts02.h) matches the 0.2 header
#     field for field;
#  3. exports and symbol versions (scripts/check-exports.sh);
#  4. abidiff against the checked-in ABI of the previous release (symbols: nothing removed)
#     and of this release (symbols and types: nothing removed or changed, except fields
#     appended to versioned structs: tests/abi/check_abidiff.py);
#  5. every Go alert type in libbt.h, Python and Node (capi/header_test.go);
#  6. the header compiles as C11, C++11 and C++20 with the init macros, warning-free.
#   scripts/test-abi.sh BUILD_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
lib="$build/lib"
out="$build/tests/abi"
prev="0.2.0"
prevdir="$root/tests/abi/$prev"
current="$(sed -n 's/^#define LIBBT_VERSION "\(.*\)"$/\1/p' "$root/include/libbt.h")"
rm -rf "$out"
mkdir -p "$out/stub"
status=0
fail() { echo "--- FAIL: $*"; status=1; }
section() { echo "=== $*"; }

for tool in abidiff abidw readelf nm; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not found: run 'make deps' (abigail-tools, binutils)"; exit 1; }
done

section "0.2 programs against libbt $current"
# A stand-in for the 0.2.0 library to link against: its function names, unversioned (0.2.0
# exported them through an anonymous version node), SONAME libbt.so.0. At run time the real
# library is found through LD_LIBRARY_PATH, as it would be after an upgrade.
${CC:-cc} -E -P -x c "$prevdir/libbt.h" | grep -oE '\bbt_[a-z0-9_]+[[:space:]]*\(' | tr -d ' (' | sort -u |
    sed 's/.*/void &(void) {}/' > "$out/stub/stub.c"
echo '{ global: bt_*; local: *; };' > "$out/stub/stub.map"
${CC:-cc} -shared -fPIC -o "$out/stub/libbt.so" -Wl,-soname,libbt.so.0 \
    -Wl,--version-script="$out/stub/stub.map" "$out/stub/stub.c"
san=(-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined)
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror "${san[@]}" -I"$prevdir" "$root/tests/abi/transfer.c" \
    -o "$out/transfer-$prev" -L"$out/stub" -lbt -pthread
if readelf -V "$out/transfer-$prev" | grep -q 'File: libbt.so'; then
    fail "the $prev program records symbol versions of libbt: it is not linked as a $prev program was"
fi
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror "${san[@]}" -I"$root/include" "$root/tests/abi/transfer.c" \
    -o "$out/transfer-$current" -L"$lib" -lbt -Wl,-rpath,"$lib" -pthread
readelf -V "$out/transfer-$current" | grep -q "Name: LIBBT_" ||
    fail "the $current program records no LIBBT_ symbol versions"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
for v in "$prev" "$current"; do
    scratch="$(mktemp -d "${TMPDIR:-/tmp}/libbt-abi-XXXXXX")"
    if LD_LIBRARY_PATH="$lib" "$out/transfer-$v" "$scratch"; then
        echo "--- ok: transfer built against libbt.h $v"
    else
        fail "transfer built against libbt.h $v"
    fi
    rm -rf "$scratch"
done

section "capi/layouts02.h == the $prev header's layouts"
${CC:-cc} -std=c11 -Wall -Wextra -Werror -DFROM_HEADER -I"$prevdir" "$root/tests/abi/layouts02.c" -o "$out/layouts-header"
${CC:-cc} -std=c11 -Wall -Wextra -Werror -I"$root/capi" -I"$root/include" "$root/tests/abi/layouts02.c" -o "$out/layouts-capi"
"$out/layouts-header" > "$out/layouts-header.txt"
"$out/layouts-capi" > "$out/layouts-capi.txt"
if diff -u "$out/layouts-header.txt" "$out/layouts-capi.txt"; then
    echo "--- ok: $(grep -c ' size ' "$out/layouts-header.txt") structs, $(wc -l < "$out/layouts-header.txt") sizes and offsets agree"
else
    fail "capi/layouts02.h differs from tests/abi/$prev/libbt.h"
fi

section "exports"
bash "$root/scripts/check-exports.sh" "$lib/libbt.so" || status=1

# abidiff --leaf-changes-only lists each changed type once; tests/abi/check_abidiff.py accepts
# only added functions and versioned structs grown at their end. abidiff's exit status is a bit
# set: 1 error, 2 usage, 4 ABI change, 8 incompatible change.
abicheck() { # reference
    local ref="$1" report="$out/abidiff-$(basename "$(dirname "$1")").txt" rc=0
    abidiff --leaf-changes-only "$ref" "$lib/libbt.so" > "$report" || rc=$?
    if (( rc & 3 )); then fail "abidiff could not compare with $ref (exit $rc)"; cat "$report"; return; fi
    if (( rc & 8 )) || ! python3 "$root/tests/abi/check_abidiff.py" < "$report"; then
        fail "abidiff against $ref"; cat "$report"; return
    fi
    echo "--- ok: abidiff against $ref: $(grep '^Removed/Changed/Added functions summary' "$report" || echo "no change")"
}
section "abidiff"
abicheck "$prevdir/libbt.abi"
# Every release since 0.3 (whose abidw output abidiff compares types with): only additions since.
for ref in "$root"/tests/abi/*/libbt.abi; do
    [ "$ref" != "$prevdir/libbt.abi" ] && abicheck "$ref"
done

section "alert types in libbt.h, Python and Node"
(cd "$root" && go test -count=1 -run 'AlertEnum|AlertType|HeaderVersion' ./capi/) || fail "alert types differ from session.AlertType"

section "the header in C11, C++11, C++20"
printf '%s\n' '#include "libbt.h"' \
    'int main(void) { bt_add_torrent_params p = BT_ADD_TORRENT_PARAMS_INIT; bt_peer_info peers[2] = {BT_PEER_INFO_INIT};' \
    '  struct bt_torrent_status s = BT_TORRENT_STATUS_INIT; return (int)(p.version + peers[0].version + s.version) - 3; }' \
    > "$out/header.c"
cp "$out/header.c" "$out/header.cc"
${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic -I"$root/include" -c "$out/header.c" -o "$out/header-c.o" || fail "C11"
for std in c++11 c++20; do # g++ -Wextra warns of members left zero by any aggregate initializer
    ${CXX:-c++} -std="$std" -Wall -Wextra -Wno-missing-field-initializers -Werror -pedantic \
        -I"$root/include" -c "$out/header.cc" -o "$out/header-$std.o" || fail "$std"
done
[ "$status" = 0 ] && echo "abi: all passed"
exit "$status"
