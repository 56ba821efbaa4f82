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
# The PostgreSQL backend's tests need a server: start a throw-away one on a loopback port unless
# DSI_TEST_POSTGRES_URL names one, and stop it however the tests end.
if [ -z "${DSI_TEST_POSTGRES_URL:-}" ]; then
  status=0
  url=$(bash scripts/postgres-test-server.sh start) || status=$?
  if [ "$status" -eq 0 ]; then
    export DSI_TEST_POSTGRES_URL="$url"
    trap 'bash scripts/postgres-test-server.sh stop "$DSI_TEST_POSTGRES_URL"' EXIT
  elif [ "$status" -eq 3 ]; then
    echo "test: PostgreSQL is not installed; its tests are skipped" >&2
  else
    echo "test: PostgreSQL is installed but its test server did not start (see above); set DSI_TEST_POSTGRES_URL to use another" >&2
    exit 1
  fi
fi
# Test files run two at a time (more on a bigger machine, at most four): many of them wait on
# child processes, a browser, Jupyter or PostgreSQL, so a second file fills the idle core.
# Each file keeps its own temporary folders, stores and ports.
cores=$(nproc 2>/dev/null || echo 2)
concurrency=${DSI_TEST_CONCURRENCY:-$(( cores < 2 ? 2 : (cores > 4 ? 4 : cores) ))}
node --test --test-reporter=spec --test-concurrency="$concurrency" "$@" "${tests[@]}"
