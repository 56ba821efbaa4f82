#!/usr/bin/env bash
# Locates libtorch and writes native/libtorch.json for the addon's build. Sourced by setup.sh.
#
# Order: LIBTORCH=/path (a libtorch folder or a PyTorch installation's torch/ folder) wins;
# otherwise PyTorch's own wheel in the project's Python environment .venv/ (installed here with
# pip when missing); only where pip cannot get it, Debian's libtorch-dev, which works but is
# several times slower (reference BLAS, no oneDNN).
# DSI_TORCH_SPEC overrides the pip requirement; DSI_TORCH_INDEX_URL names the index PyTorch comes
# from (https://download.pytorch.org/whl/cu128 for a CUDA build, say). A wheel from another index
# than the installed one's is installed over it once; .venv/.dsi-torch-index records which.

TORCH_SPEC="${DSI_TORCH_SPEC:-torch==2.13.0}"
TORCH_INDEX="${DSI_TORCH_INDEX_URL:-}"
VENV=.venv
INDEX_MARK="$VENV/.dsi-torch-index"

libtorch_fail() {
  cat >&2 <<MSG
setup: libtorch was not found.
  Either let setup install PyTorch into .venv:   python3 -m venv .venv && .venv/bin/pip install '$TORCH_SPEC'
  or point at an existing libtorch:              LIBTORCH=/path/to/libtorch bash scripts/setup.sh
  or, as a slow last resort (Debian):            apt-get install libtorch-dev
MSG
  exit 1
}

venv_torch_dir() {
  [ -x "$VENV/bin/python" ] || return 1
  "$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.util, os
spec = importlib.util.find_spec("torch")
if spec is None or spec.origin is None: raise SystemExit(1)
d = os.path.dirname(spec.origin)
if not os.path.exists(os.path.join(d, "lib", "libtorch.so")): raise SystemExit(1)
print(d)
PY
}

install_venv_torch() {
  if [ ! -x "$VENV/bin/python" ]; then
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing python3-venv" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$VENV"
        python3 -m venv "$VENV" >/dev/null 2>&1 || return 1
      else
        return 1
      fi
    fi
  fi
  local from=() reinstall=()
  [ -n "$TORCH_INDEX" ] && from=(--index-url "$TORCH_INDEX")
  [ "${1:-}" = reinstall ] && reinstall=(--force-reinstall)
  echo "setup: installing PyTorch ($TORCH_SPEC${TORCH_INDEX:+ from $TORCH_INDEX}) into $VENV for its libtorch (once; a few hundred MB)" >&2
  "$VENV/bin/python" -m pip install --disable-pip-version-check --retries 1 --timeout 60 -q \
    "${reinstall[@]}" "${from[@]}" "$TORCH_SPEC" >&2 || return 1
  "$VENV/bin/python" -m pip install --disable-pip-version-check --retries 1 --timeout 60 -q safetensors numpy >&2 || return 1
  printf '%s\n' "$TORCH_INDEX" > "$INDEX_MARK"
}

# True when DSI_TORCH_INDEX_URL asks for another build than the one installed.
venv_torch_from_other_index() {
  [ -n "$TORCH_INDEX" ] || return 1
  [ "$(cat "$INDEX_MARK" 2>/dev/null)" != "$TORCH_INDEX" ]
}

debian_torch() {
  local arch
  arch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
  [ -f "/usr/lib/$arch/libtorch.so" ] && [ -d /usr/include/torch/csrc/api/include ] && echo "/usr/lib/$arch"
}

write_libtorch_json() {
  local dir=$1 libdir=$2 kind=$3 std=$4
  shift 4
  local includes=("$@") cuda=false abi=1
  { [ -f "$libdir/libtorch_cuda.so" ] || [ -f "$libdir/libtorch_cuda.dylib" ]; } && cuda=true
  # The symbols are read whole first: `nm | grep -q` under pipefail fails at random when grep
  # stops reading early and nm dies of SIGPIPE, which read as the old ABI.
  local symbols
  symbols=$(nm -D --defined-only "$libdir/libc10.so" 2>/dev/null || true)
  if grep -q '_ZN3c105ErrorC.*NSt7__cxx11' <<<"$symbols"; then abi=1
  elif grep -q '_ZN3c105ErrorC' <<<"$symbols"; then abi=0; fi
  local inc_json
  inc_json=$(printf '"%s",' "${includes[@]}")
  local json
  json=$(printf '{"dir":"%s","libDir":"%s","kind":"%s","cuda":%s,"cxx11Abi":%s,"cxxStandard":"%s","includeDirs":[%s]}\n' \
    "$dir" "$libdir" "$kind" "$cuda" "$([ $abi = 1 ] && echo true || echo false)" "$std" "${inc_json%,}")
  if [ ! -f native/libtorch.json ] || [ "$(cat native/libtorch.json)" != "$json" ]; then
    echo "$json" > native/libtorch.json
  fi
}

locate_libtorch() {
  local dir
  if [ -n "${LIBTORCH:-}" ]; then
    dir=$(cd "$LIBTORCH" 2>/dev/null && pwd) || { echo "setup: LIBTORCH=$LIBTORCH is not a folder" >&2; exit 1; }
    if [ ! -f "$dir/lib/libtorch.so" ] || [ ! -d "$dir/include/torch/csrc/api/include" ]; then
      echo "setup: LIBTORCH=$dir has no lib/libtorch.so and include/torch/csrc/api/include" >&2
      exit 1
    fi
    write_libtorch_json "$dir" "$dir/lib" LIBTORCH c++20 "$dir/include" "$dir/include/torch/csrc/api/include"
    return
  fi
  if venv_torch_dir >/dev/null && venv_torch_from_other_index; then
    install_venv_torch reinstall || { echo "setup: installing PyTorch from $TORCH_INDEX failed" >&2; exit 1; }
  fi
  dir=$(venv_torch_dir) || { install_venv_torch && dir=$(venv_torch_dir); } || dir=""
  if [ -n "$dir" ]; then
    write_libtorch_json "$dir" "$dir/lib" pip c++20 "$dir/include" "$dir/include/torch/csrc/api/include"
    return
  fi
  local libdir
  libdir=$(debian_torch) || libdir=""
  if [ -z "$libdir" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: pip could not install PyTorch; trying Debian's libtorch-dev" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtorch-dev >/dev/null 2>&1 || true
    libdir=$(debian_torch) || libdir=""
  fi
  [ -n "$libdir" ] || libtorch_fail
  echo "setup: WARNING: using Debian's libtorch-dev; it trains several times slower than PyTorch's own build" >&2
  write_libtorch_json /usr "$libdir" debian c++17 /usr/include/torch/csrc/api/include
}

build_addon() {
  local gyp=node_modules/node-gyp/bin/node-gyp.js nodedir_args=()
  local prefix
  prefix=$(dirname "$(dirname "$(command -v node)")")
  [ -f "$prefix/include/node/node_api.h" ] && nodedir_args=(--nodedir="$prefix")
  if [ ! -f native/build/Makefile ] || [ native/libtorch.json -nt native/build/Makefile ] \
     || [ native/binding.gyp -nt native/build/Makefile ] || [ native/libtorch-config.cjs -nt native/build/Makefile ]; then
    echo "setup: configuring the libtorch addon" >&2
    (cd native && node "../$gyp" configure "${nodedir_args[@]}" --loglevel=warn >&2)
  fi
  if ! (cd native && node "../$gyp" build -j "$(nproc 2>/dev/null || echo 2)" --loglevel=warn > build/build.log 2>&1); then
    cat native/build/build.log >&2
    echo "setup: building the libtorch addon failed (log above, also in native/build/build.log)" >&2
    exit 1
  fi
}
