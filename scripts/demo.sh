#!/usr/bin/env bash
# The main job: install, build, then ingest the shipped examples into demo.db and print what the
# store holds. Safe to run twice (the demo store is recreated).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node bin/dsi.js demo --out "${DSI_DEMO_DB:-demo.db}"
