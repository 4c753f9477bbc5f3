#!/usr/bin/env bash
# Long fuzzing run: every target in turn, sharing HOURS (default 8) equally, then corpus
# minimization (cargo fuzz cmin) and a summary in fuzz/reports/overnight-<stamp>.md.
#   fuzz/overnight.sh [hours]            sequential, one core
#   FORK=2 fuzz/overnight.sh [hours]     libFuzzer -fork=2 per target, crashes don't stop it
# The working corpora are fuzz/corpus/<target>/ (kept between runs, not committed); the
# seeds in corpus/fuzz/<target>/ are read-only. Crashes land in fuzz/artifacts/<target>/.
# Bounded: each target gets its share of the time and is killed 5 minutes past it.
set -uo pipefail
source "$(dirname "$0")/common.sh"
HOURS="${1:-8}"
FORK="${FORK:-0}"
TOTAL=$(python3 -c "import sys; print(max(60, int(float(sys.argv[1]) * 3600)))" "$HOURS") || {
    echo "usage: $0 [hours]" >&2; exit 2; }

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REPORTS="$FUZZ_DIR/reports"
mkdir -p "$REPORTS"
SUMMARY="$REPORTS/overnight-$STAMP.md"
LOGS="$REPORTS/overnight-$STAMP"
mkdir -p "$LOGS"
DEADLINE=$(( $(date +%s) + TOTAL ))

build_all > "$LOGS/build.log" 2>&1 || { echo "overnight: build failed, see $LOGS/build.log" >&2; exit 1; }
mapfile -t TS < <(targets)
# What the build left, shared by the targets; cmin gets a tenth, so the whole run stays
# within HOURS (each target gets at least 5 s when the build ate the budget).
LEFT=$(( DEADLINE - $(date +%s) ))
RUN=$(( LEFT * 9 / 10 / ${#TS[@]} ))
[ "$RUN" -lt 5 ] && RUN=5
DEADLINE=$(( $(date +%s) + RUN * ${#TS[@]} + LEFT / 10 ))
{
    echo "# Overnight fuzzing $STAMP"
    echo
    echo "$HOURS h over ${#TS[@]} targets: ${RUN} s fuzzing each, fork=${FORK}, sanitizer=${SANITIZER}, $(nproc) cores."
    echo
    echo "| target | exec/s | cov | ft | runs | result |"
    echo "|---|---|---|---|---|---|"
} > "$SUMMARY"

crashes=0
for t in "${TS[@]}"; do
    now=$(date +%s)
    left=$(( DEADLINE - now ))
    [ "$left" -le 2 ] && { echo "| $t | - | - | - | - | skipped: out of time |" >> "$SUMMARY"; continue; }
    secs=$(( RUN < left ? RUN : left ))
    before=$(ls "$FUZZ_DIR/artifacts/$t" 2>/dev/null | wc -l)
    flags=(-max_total_time="$secs")
    [ "$FORK" -gt 0 ] && flags+=(-fork="$FORK" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    timeout --signal=INT --kill-after=30 $(( secs + 300 )) \
        bash -c "source '$FUZZ_DIR/common.sh'; run_target '$t' '$FUZZ_DIR/corpus/$t' '$LOGS/$t.log' -- ${flags[*]}"
    summarize "$t" "$LOGS/$t.log" "$secs" >> "$SUMMARY"
    after=$(ls "$FUZZ_DIR/artifacts/$t" 2>/dev/null | wc -l)
    new=$(( after - before ))
    if [ "$new" -gt 0 ]; then
        crashes=$(( crashes + new ))
        echo "  - $t: $new new artifact(s) in fuzz/artifacts/$t/" >> "$LOGS/crashes.txt"
    fi
done

echo >> "$SUMMARY"
echo "## Corpus minimization" >> "$SUMMARY"
echo >> "$SUMMARY"
for t in "${TS[@]}"; do
    dir="$FUZZ_DIR/corpus/$t"
    [ -d "$dir" ] || continue
    n0=$(ls "$dir" | wc -l)
    left=$(( DEADLINE - $(date +%s) + 600 ))
    (cd "$FUZZ_DIR" && timeout --signal=INT "$(( left > 60 ? left : 60 ))" \
        cargo fuzz cmin -s "$SANITIZER" "$t" "$dir") > "$LOGS/cmin-$t.log" 2>&1
    rc=$?
    echo "- $t: $n0 → $(ls "$dir" | wc -l) inputs (cmin exit $rc)" >> "$SUMMARY"
done

echo >> "$SUMMARY"
echo "## Crashes: $crashes new artifact(s)" >> "$SUMMARY"
[ -f "$LOGS/crashes.txt" ] && cat "$LOGS/crashes.txt" >> "$SUMMARY"
echo "Logs: $LOGS" >> "$SUMMARY"
cat "$SUMMARY"
[ "$crashes" -eq 0 ]
