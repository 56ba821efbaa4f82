#!/usr/bin/env bash
# The layer check (DESIGN.md §1, rules in .dependency-cruiser.cjs): no import cycles between files
# of src/ (type-only imports aside), no import from a lower layer to a higher one, front ends never
# reach into a backend. Cruises the TypeScript sources with tsconfig.json, so it needs no build and
# no network: dependency-cruiser comes from node_modules. Exits 1 on any violation, listing each
# with its rule, and also when it could not parse the sources (a check that saw nothing must not
# pass). Extra arguments go to dependency-cruiser (e.g. `--output-type dot`).
set -euo pipefail
cd "$(dirname "$0")/.."

cruiser=node_modules/dependency-cruiser/bin/dependency-cruise.mjs
if [ ! -f "$cruiser" ] || [ ! -d node_modules/@typescript/typescript6 ]; then
  echo "check-layers: dependency-cruiser is not installed; run: bash scripts/setup.sh" >&2
  exit 1
fi

# dependency-cruiser parses TypeScript through TypeScript 6's API (see the hook's header).
cruise() { node --import ./scripts/check-layers-typescript.mjs "$cruiser" --config .dependency-cruiser.cjs "$@"; }

if [ $# -gt 0 ]; then
  cruise "$@" src
  exit
fi

sources=$(find src -name '*.ts' | wc -l)
status=0
report=$(cruise --output-type err-long src 2>&1) || status=$?
printf '%s\n' "$report"
cruised=$(printf '%s\n' "$report" | sed -n 's/.*[( ]\([0-9][0-9]*\) modules, [0-9][0-9]* dependencies cruised.*/\1/p' | tail -n 1)
if [ -z "$cruised" ] || [ "$cruised" -lt "$sources" ]; then
  echo "check-layers: cruised ${cruised:-no} modules for $sources TypeScript files in src/: the sources were not parsed" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "check-layers: the layers of DESIGN.md §1 are broken (rules and picture: .dependency-cruiser.cjs, docs/architecture.md)" >&2
  exit 1
fi
echo "check-layers: $sources files in src/, no cycle, no upward import"
