#!/usr/bin/env bash
# go vet over every package, and gofmt -l over every Go file: both must print nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./...
unformatted="$(find . -name '*.go' -not -path './build*' -not -path '*/node_modules/*' \
    -not -path '*/testdata/*' -not -path './.git/*' -print0 | xargs -0 -r gofmt -l)"
if [ -n "$unformatted" ]; then
    echo "gofmt -l: these files need gofmt -w:"
    echo "$unformatted"
    exit 1
fi
echo "go vet: ok; gofmt: ok"
