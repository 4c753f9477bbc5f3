#!/usr/bin/env bash
# Builds every fuzz target and runs each for N seconds (default 10) from its seed corpus.
# Exits non-zero when a target crashes, hangs (-timeout=5) or fails to build.
#   fuzz/smoke.sh [seconds]
set -uo pipefail
source "$(dirname "$0")/common.sh"
SECS="${1:-10}"
case "$SECS" in ''|*[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2;; esac

build_all || { echo "smoke: build failed" >&2; exit 1; }
# Targets run side by side, SMOKE_JOBS at a time (default: one per core); libFuzzer runs
# one process on one core, so each still gets a core's worth of its seconds.
JOBS="${SMOKE_JOBS:-$(nproc 2>/dev/null || echo 1)}"
case "$JOBS" in ''|*[!0-9]*|0) echo "smoke: SMOKE_JOBS must be a positive number" >&2; exit 2;; esac
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
all=$(targets)
for t in $all; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    (
        run_target "$t" "$WORK/corpus-$t" "$WORK/$t.log" -- -max_total_time="$SECS"
        echo $? >"$WORK/$t.rc"
    ) &
done
wait
echo "| target | exec/s | cov | ft | runs | result |"
echo "|---|---|---|---|---|---|"
failed=0
for t in $all; do
    log="$WORK/$t.log"
    rc=$(cat "$WORK/$t.rc" 2>/dev/null || echo "no exit status")
    summarize "$t" "$log" "$SECS"
    if [ "$rc" != 0 ]; then
        failed=1
        echo "smoke: $t exited $rc; log tail:" >&2
        tail -40 "$log" >&2
    fi
done
exit "$failed"
