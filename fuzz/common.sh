# Shared by smoke.sh and overnight.sh: paths, the run command, and log parsing.
# Sourced, not run. Needs: cargo-fuzz (`cargo install cargo-fuzz --locked`), stable Rust.

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$FUZZ_DIR/.." && pwd)"
SEEDS="$ROOT/corpus/fuzz"
DICT="$FUZZ_DIR/dicts/xml.dict"
# -s none: no sanitizer, so no nightly flags (see fuzz/README.md for ASan).
SANITIZER="${SANITIZER:-none}"

targets() {
    (cd "$FUZZ_DIR" && cargo fuzz list)
}

build_all() {
    (cd "$FUZZ_DIR" && cargo fuzz build -s "$SANITIZER")
}

# run_target TARGET WORKDIR LOG -- libFuzzer flags...
# Fuzzes with WORKDIR as the writable corpus and the seed corpus read-only.
run_target() {
    local t="$1" work="$2" log="$3"
    shift 4
    mkdir -p "$work" "$FUZZ_DIR/artifacts/$t"
    local seeds=()
    [ -d "$SEEDS/$t" ] && seeds=("$SEEDS/$t")
    (cd "$FUZZ_DIR" && cargo fuzz run -s "$SANITIZER" "$t" "$work" "${seeds[@]}" -- \
        -dict="$DICT" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 "$@") >"$log" 2>&1
}

# summarize TARGET LOG SECONDS: one Markdown table row from a libFuzzer log.
summarize() {
    local t="$1" log="$2" secs="$3"
    python3 - "$t" "$log" "$secs" <<'PY'
import re, sys
t, log, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
text = open(log, errors="replace").read()
stats = [l for l in text.splitlines() if " cov: " in l]
last = stats[-1] if stats else ""
def num(pat, s):
    m = re.search(pat, s)
    return m.group(1) if m else "?"
cov, ft = num(r"cov: (\d+)", last), num(r"ft: (\d+)", last)
m = re.search(r"stat::number_of_executed_units:\s*(\d+)", text) or re.search(r"Done (\d+) runs", text)
runs = int(m.group(1)) if m else None
m = re.search(r"stat::average_exec_per_sec:\s*(\d+)", text)
eps = m.group(1) if m else (str(int(runs / secs)) if runs and secs else num(r"exec/s:? (\d+)", last))
crashed = bool(re.search(r"(deadly signal|panicked at|==\d+== ERROR|Test unit written to .*(crash|timeout|oom|leak)-|SUMMARY: libFuzzer)", text))
print(f"| {t} | {eps} | {cov} | {ft} | {runs if runs is not None else '?'} | {'CRASH' if crashed else 'ok'} |")
PY
}
