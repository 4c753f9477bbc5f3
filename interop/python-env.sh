#!/usr/bin/env bash
# Sourced by interop/run.sh and examples/clients/python-zeep/run.sh: the one place that
# decides what happens without python3 and makes a pinned virtual environment.
#   python_env NAME VENV_DIR REQUIREMENTS   -> sets PYTHON to the venv's interpreter
# Without python3: returns 1 after a message under CI=true (the caller fails), exits 0
# with a message otherwise (a skip a developer sees, never a silent pass in CI).

python_env() {
  local name=$1 venv=$2 requirements=$3
  if ! command -v python3 >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
      echo "$name: python3 is missing; CI cannot run it" >&2
      return 1
    fi
    echo "$name: python3 is missing; skipping (install python3 to run it; CI fails instead)" >&2
    exit 0
  fi
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  PYTHON="$venv/bin/python"
}
