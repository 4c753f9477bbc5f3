#!/usr/bin/env python3
"""Prints the ratio tables of benches/README.md from criterion's last run.

    cargo bench -p crmauth-benches -- --warm-up-time 1 --measurement-time 3
    python3 benches/ratios.py [CRITERION_DIR]

CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion (or target/criterion). Each ratio
compares two benchmarks of the same run: engine / reference, decode / bare scan.
"""
import json
import os
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


def main():
    target = os.environ.get("CARGO_TARGET_DIR", str(Path(__file__).resolve().parent.parent / "target"))
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(target) / "criterion"
    est = estimates(root)
    if not est:
        sys.exit(f"no criterion results under {root}")
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
    table(est, "fault", "seed", "scan", slower)
    other = sorted(k for k in est if k[0] in ("compile", "encode"))
    if other:
        print("| benchmark | time |")
        print("|---|---|")
        for k in other:
            print(f"| {'/'.join(x for x in k if x)} | {fmt(est[k])} |")


if __name__ == "__main__":
    main()
