#!/usr/bin/env bash
# Install, build, run every test (node's test runner). Extra arguments go to node --test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check-layers.sh   # the layers of DESIGN.md §1 (fails on a cycle or an upward import)
shopt -s nullglob
tests=(dist/test/*.test.js)
if [ ${#tests[@]} -eq 0 ]; then
  echo "test: no compiled tests found in dist/test/" >&2
  exit 1
fi
node --test --test-reporter=spec "$@" "${tests[@]}"
