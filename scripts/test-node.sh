#!/usr/bin/env bash
# Builds the Node addon (npm install runs node-gyp offline against /usr's headers) and runs its
# tests: `npm test` if package.json has a test script, else `node --test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export LIBBT_LIBRARY="${LIBBT_LIBRARY:-$root/build/lib/libbt.so.0}"
cd "$root/bindings/node"
has_script() { node -e "process.exit(require('./package.json').scripts?.['$1'] ? 0 : 1)"; }
npm install --nodedir=/usr --no-audit --no-fund
if has_script build; then
    npm run build --nodedir=/usr
fi
if has_script test; then
    exec npm test
fi
exec node --test
