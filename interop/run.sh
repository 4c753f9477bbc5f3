#!/usr/bin/env bash
# Run the zeep interop suite: bash interop/run.sh WSDL_DIR  (from anywhere).
# Creates interop/.venv, installs the pinned requirements, builds crmauth, runs pytest.
# Without python3: a failure when CI=true, a skip (exit 0, with a message) otherwise.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: bash interop/run.sh WSDL_DIR" >&2
  exit 2
fi
wsdl_dir=$(cd "$1" && pwd) || { echo "interop: no such directory: $1" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

if ! command -v python3 >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "interop: python3 is missing; CI cannot run the zeep interop suite" >&2
    exit 1
  fi
  echo "interop: python3 is missing; skipping the zeep interop suite (install python3 to run it)" >&2
  exit 0
fi

venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

(cd "$root" && cargo build -q -p crmauth)
target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
export CRMAUTH_BIN="$target_dir/debug/crmauth"
export CRMAUTH_WSDL_DIR="$wsdl_dir"
export CRMAUTH_ROOT="$root"
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here"
