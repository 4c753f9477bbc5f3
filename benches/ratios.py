#!/usr/bin/env python3
"""Prints the ratio tables of benches/README.md from criterion's last run.

    cargo bench -p crmauth-benches -- --warm-up-time 1 --measurement-time 3
    python3 benches/ratios.py [CRITERION_DIR]

CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion (or target/criterion). Each ratio
compares two benchmarks of the same run: engine / hand-written (target <= 1.3x), the walk
`compile` chooses / the better walk (target <= 1.3x), engine / reference, decode / bare
scan (token <= 2x, streaming fault reader <= 3x); and the mock / bare axum handler
(requests/s >= 0.5x) from `$CARGO_TARGET_DIR/crmauth-load/mock.json` (the `mock` bench).
"""
import json
import os
import re
import sys
from pathlib import Path


def estimates(root: Path):
    """{(group, function, parameter): mean point estimate in ns} of the last run."""
    out = {}
    for f in root.glob("*/*/*/new/estimates.json"):
        group, function, param = f.parts[-5], f.parts[-4], f.parts[-3]
        out[(group, function, param)] = json.loads(f.read_text())["mean"]["point_estimate"]
    for f in root.glob("*/*/new/estimates.json"):
        group, function = f.parts[-4], f.parts[-3]
        out.setdefault((group, function, ""), json.loads(f.read_text())["mean"]["point_estimate"])
    return out


def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.1f} ns"


def table(est, group, num, den, label):
    params = sorted({p for (g, f, p) in est if g == group and f == num}, key=lambda p: (len(p), p))
    rows = []
    for p in params:
        a, b = est.get((group, num, p)), est.get((group, den, p))
        if a is None or b is None:
            continue
        rows.append(f"| {group}/{p} | {fmt(a)} | {fmt(b)} | {label(a, b)} |")
    if rows:
        print(f"| case | {num} | {den} | ratio |")
        print("|---|---|---|---|")
        print("\n".join(rows))
        print()


def filter_from_steps():
    """`Walk::FILTER_FROM_STEPS` (harness/src/pipeline/engine.rs): the filter from this many
    steps, read from the source so the table follows the engine."""
    src = (Path(__file__).resolve().parent.parent / "harness/src/pipeline/engine.rs").read_text()
    m = re.search(r"const FILTER_FROM_STEPS: usize = (\d+);", src)
    if m is None:
        sys.exit("ratios.py: Walk::FILTER_FROM_STEPS not found in harness/src/pipeline/engine.rs")
    return int(m.group(1))


FILTER_FROM_STEPS = filter_from_steps()


def chosen_walk(est, group):
    """The walk `compile` chooses against the better of the two, for each size measured."""
    sizes = sorted({int(p) for (g, f, p) in est if g == group and f == "engine-steps"})
    rows = []
    for n in sizes:
        steps, filt = est.get((group, "engine-steps", str(n))), est.get((group, "engine-filter", str(n)))
        if steps is None or filt is None:
            continue
        chosen = filt if n >= FILTER_FROM_STEPS else steps
        best = min(steps, filt)
        which = "filter" if n >= FILTER_FROM_STEPS else "steps"
        rows.append(f"| {group}/{n} | {fmt(steps)} | {fmt(filt)} | {which} | {chosen / best:.2f}x |")
    if rows:
        print("| case | step walk | filter | compile chooses | chosen / best |")
        print("|---|---|---|---|---|")
        print("\n".join(rows))
        print()


def mock(path: Path):
    if not path.exists():
        return
    m = json.loads(path.read_text())
    print("| round | side | requests/s | p50 | p99 | RSS before -> after (KiB) |")
    print("|---|---|---|---|---|---|")
    for i, r in enumerate(m["rounds"], 1):
        rep = r["report"]
        print(f"| {i} | {r['side']} | {rep['requests_per_second']:.0f} | {rep['p50_ms']:.2f} ms | "
              f"{rep['p99_ms']:.2f} ms | {rep['server_rss_kib_before']} -> {rep['server_rss_kib_after']} |")
    print(f"\nmock / bare requests/s: {m['mock_over_bare_rps']:.2f}x "
          f"({m['requests_per_round']} requests a round, {m['concurrency']} connections)\n")


def main():
    target = os.environ.get("CARGO_TARGET_DIR", str(Path(__file__).resolve().parent.parent / "target"))
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(target) / "criterion"
    est = estimates(root)
    if not est:
        sys.exit(f"no criterion results under {root}")
    floor = lambda a, b: f"{a / b:.2f}× the hand-written"
    table(est, "standard", "engine", "handwritten", floor)
    table(est, "standard", "engine-filter", "handwritten", floor)
    for g in ("scaling", "crossover"):
        chosen_walk(est, g)
    speedup = lambda a, b: f"{b / a:.1f}× faster"
    for num in ("engine", "engine-filter"):
        table(est, "standard", num, "reference", speedup)
    share = lambda a, b: f"{a / b:.0%} of the reference; ceiling {b / a:.1f}×"
    table(est, "standard", "providers", "reference", share)
    for g in ("scaling", "first_step"):
        for num in ("engine-steps", "engine-filter"):
            table(est, g, num, "reference", speedup)
    slower = lambda a, b: f"{a / b:.1f}× the scan"
    table(est, "token", "decode", "scan", slower)
    table(est, "fault", "read_fault", "scan", slower)
    table(est, "fault", "stream", "scan", slower)
    table(est, "fault", "seed", "scan", slower)
    mock(root.parent / "crmauth-load" / "mock.json")
    other = sorted(k for k in est if k[0] in ("compile", "encode"))
    if other:
        print("| benchmark | time |")
        print("|---|---|")
        for k in other:
            print(f"| {'/'.join(x for x in k if x)} | {fmt(est[k])} |")


if __name__ == "__main__":
    main()
