#!/usr/bin/env bash
# Run the zeep interop suite: bash interop/run.sh WSDL_DIR  (from anywhere).
# Creates interop/.venv, installs the pinned requirements, builds crmauth (unless
# CRMAUTH_BIN names a binary), runs pytest.
# Without python3: a failure when CI=true, a skip (exit 0, with a message) otherwise.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: bash interop/run.sh WSDL_DIR" >&2
  exit 2
fi
wsdl_dir=$(cd "$1" && pwd) || { echo "interop: no such directory: $1" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

source "$here/python-env.sh"
python_env interop "$here/.venv" "$here/requirements.txt" || exit 1

# CRMAUTH_BIN names a crmauth binary to test (.ci/run passes the one its tests built);
# without it, the workspace's debug build.
if [ -z "${CRMAUTH_BIN:-}" ]; then
  (cd "$root" && cargo build -q -p crmauth)
  target_dir=${CARGO_TARGET_DIR:-$root/target}
  case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
  CRMAUTH_BIN="$target_dir/debug/crmauth"
fi
export CRMAUTH_BIN
export CRMAUTH_WSDL_DIR="$wsdl_dir"
export CRMAUTH_ROOT="$root"
cd "$here"
exec "$PYTHON" -m pytest -q -p no:cacheprovider "$here"
