#!/usr/bin/env bash
# Builds the Node addon (`npm run build`, node-gyp offline against /usr's headers, linking
# build/lib/libbt.so) and runs its tests: `npm test` if package.json has one, else `node --test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export LIBBT_LIBRARY="${LIBBT_LIBRARY:-$root/build/lib/libbt.so.0}"
cd "$root/bindings/node"
has_script() { node -e "process.exit(require('./package.json').scripts?.['$1'] ? 0 : 1)"; }
# Dependencies only (scripts off): the addon is built once, just below.
npm install --ignore-scripts --no-audit --no-fund
if has_script build; then
    npm run build
elif [ -f binding.gyp ]; then
    npx --no-install node-gyp rebuild --nodedir=/usr
fi
if has_script test; then
    exec npm test
fi
exec node --test
