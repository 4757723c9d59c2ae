#!/usr/bin/env bash
# Installs what the test suites need on a fresh Debian machine (run as root). Idempotent and
# quick when everything is present: apt-get runs only if a package is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# abigail-tools: abidw/abidiff for the abi suite (scripts/test-abi.sh); g++: its C++ header check
apt_pkgs=(python3-libtorrent opentracker nginx-light valgrind pkg-config iproute2 abigail-tools g++)
missing=()
for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
for tool in cmake go gcc node npm python3; do
    command -v "$tool" >/dev/null || echo "deps: warning: $tool not found on PATH (not installed by this script)"
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "deps: missing ${missing[*]}; run 'make deps' as root"
        exit 1
    fi
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

if ! python3 -c 'import pytest' 2>/dev/null; then
    python3 -m pip install --quiet pytest
fi

# Node dependencies only: the addon links build/lib/libbt.so, so it is built by the node test
# (scripts/test-node.sh), after the library.
if [ -f bindings/node/package.json ] && node -e "process.exit(Object.keys(require('./bindings/node/package.json').dependencies || {}).length ? 0 : 1)" \
        && [ ! -d bindings/node/node_modules ]; then
    npm --prefix bindings/node install --ignore-scripts --no-audit --no-fund
fi
echo "deps: ok"
