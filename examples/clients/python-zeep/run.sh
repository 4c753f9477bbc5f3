#!/usr/bin/env bash
# Run crmauth's client conformance suite against the zeep client in this folder:
#   bash examples/clients/python-zeep/run.sh [WSDL_DIR]
# It makes a virtual environment under this folder (.venv, gitignored) with the pinned
# requirements, then runs `crmauth check --client …` once with the WSDLs the mock serves
# (`…asmx?wsdl`) and, when WSDL_DIR is given, once more with CrmDiscoveryService.wsdl and
# CrmService.wsdl from WSDL_DIR. Exit 0 only when every case passed in every run.
# Without python3 it skips (exit 0), except under CI=true, where it fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"

wsdl_dir=""
if [ $# -ge 1 ]; then
  if [ ! -f "$1/CrmService.wsdl" ] || [ ! -f "$1/CrmDiscoveryService.wsdl" ]; then
    echo "run.sh: $1 has no CrmService.wsdl and CrmDiscoveryService.wsdl" >&2
    exit 2
  fi
  wsdl_dir="$(cd "$1" && pwd)"
fi

source "$root/interop/python-env.sh"
python_env run.sh "$here/.venv" "$here/requirements.txt" || exit 1

cd "$root"
# CRMAUTH_BIN names a crmauth binary to use (.ci/run passes the one its tests built);
# without it, the workspace's debug build.
bin="${CRMAUTH_BIN:-}"
if [ -z "$bin" ]; then
  cargo build -q -p crmauth
  bin="${CARGO_TARGET_DIR:-$root/target}/debug/crmauth"
fi
client="$(printf '%q %q' "$PYTHON" "$here/client.py")"

status=0
echo "== zeep client, WSDLs from the mock (?wsdl)"
"$bin" check --client "$client" || status=1
if [ -n "$wsdl_dir" ]; then
  echo "== zeep client, WSDLs from $wsdl_dir"
  "$bin" check --client "$client $(printf '%q' "$wsdl_dir")" || status=1
fi
exit "$status"
