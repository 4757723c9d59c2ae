# Every test suite, one ctest test each. Suites of directories other engineers own are
# registered by convention when the directory exists; `make test` re-runs configure, so a
# directory that lands later is picked up without editing this file.
#
#   go-unit        go test -race ./...                       (all Go packages)
#   go-vet         go vet ./... and gofmt -l                 (must print nothing)
#   go-fuzz        scripts/fuzz.sh: every func FuzzXxx, FUZZTIME each (default 10s)
#   capi-misuse    scripts/check-exports.sh (only bt_* exported, exactly the functions of
#                  libbt.h, SONAME set), then tests/capi/*.c under ASan+UBSan
#   capi-panic     a C host survives panics inside libbt: tests/capi-panic/panic.c against a
#                  library built with -tags libbt_panic_hooks (scripts/capi-panic.sh)
#   install-smoke  make install DESTDIR=..., then build a C program with pkg-config and with
#                  find_package(libbt) against the staged tree and run both
#   examples-bt    examples/c/test_bt.sh against bin/bt       (if both exist)
#   python         pytest bindings/python/tests              (if it exists)
#   node           npm install + test in bindings/node       (if package.json exists)
#   interop        pytest tests/interop                      (if it exists)
#   abi            scripts/test-abi.sh: programs built against the previous release's header
#                  (tests/abi/0.2.0) run against this library under ASan, the 0.2 layouts,
#                  exports and symbol versions, abidiff against the checked-in ABI of 0.2.0
#                  and of this release, alert types in every language, the header in C and C++
#   bench-scale-smoke  scripts/bench_scale.py --smoke: the scale benchmark of make bench at 200
#                  paused and 20 seeding torrents (2 peers each), libbt and libtorrent through
#                  their Python bindings; asserts counts only (added, paused, seeding, peers)
set(_src "${CMAKE_CURRENT_SOURCE_DIR}")
set(_scripts "${_src}/scripts")
# What every test sees: where the library is, for the bindings and the C programs.
set(_env
    "LIBBT_LIBRARY=${LIBBT_SONAME_LINK}"
    "LIBBT_BUILD_DIR=${CMAKE_BINARY_DIR}"
    "LD_LIBRARY_PATH=${LIBBT_LIB_DIR}")

function(libbt_test name timeout)
    add_test(NAME ${name} COMMAND ${ARGN})
    set_tests_properties(${name} PROPERTIES TIMEOUT ${timeout} ENVIRONMENT "${_env}"
                         WORKING_DIRECTORY "${_src}")
endfunction()

libbt_test(go-unit 1200 "${GO_EXECUTABLE}" test -race -count=1 ./...)
libbt_test(go-vet 600 bash "${_scripts}/go-vet.sh")
libbt_test(go-fuzz 1200 bash "${_scripts}/fuzz.sh")
libbt_test(capi-misuse 300 bash "${_scripts}/capi-misuse.sh" "${CMAKE_BINARY_DIR}")
libbt_test(capi-panic 600 bash "${_scripts}/capi-panic.sh" "${CMAKE_BINARY_DIR}")
libbt_test(install-smoke 300 bash "${_scripts}/install-smoke.sh" "${CMAKE_BINARY_DIR}")

if(EXISTS "${_src}/examples/c/test_bt.sh" AND TARGET bt)
    libbt_test(examples-bt 600 bash "${_src}/examples/c/test_bt.sh" "${CMAKE_BINARY_DIR}/bin/bt")
endif()
if(IS_DIRECTORY "${_src}/bindings/python/tests")
    libbt_test(python 900 bash "${_scripts}/test-python.sh")
endif()
if(EXISTS "${_src}/bindings/node/package.json")
    libbt_test(node 900 bash "${_scripts}/test-node.sh")
endif()
if(IS_DIRECTORY "${_src}/tests/abi")
    libbt_test(abi 600 bash "${_scripts}/test-abi.sh" "${CMAKE_BINARY_DIR}")
endif()
libbt_test(bench-scale-smoke 600 python3 "${_scripts}/bench_scale.py" --smoke --build "${CMAKE_BINARY_DIR}")
if(IS_DIRECTORY "${_src}/tests/interop")
    libbt_test(interop 1200 bash "${_scripts}/test-interop.sh")
endif()
