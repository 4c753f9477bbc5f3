#!/usr/bin/env bash
# Builds every fuzz target and runs each for N seconds (default 10) from its seed corpus.
# Exits non-zero when a target crashes, hangs (-timeout=5) or fails to build.
#   fuzz/smoke.sh [seconds]
set -uo pipefail
source "$(dirname "$0")/common.sh"
SECS="${1:-10}"
case "$SECS" in ''|*[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2;; esac

build_all || { echo "smoke: build failed" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "| target | exec/s | cov | ft | runs | result |"
echo "|---|---|---|---|---|---|"
failed=0
for t in $(targets); do
    log="$WORK/$t.log"
    run_target "$t" "$WORK/corpus-$t" "$log" -- -max_total_time="$SECS"
    rc=$?
    summarize "$t" "$log" "$SECS"
    if [ "$rc" -ne 0 ]; then
        failed=1
        echo "smoke: $t exited $rc; log tail:" >&2
        tail -40 "$log" >&2
    fi
done
exit "$failed"
