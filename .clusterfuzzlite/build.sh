#!/bin/bash -eu
# ClusterFuzzLite build: every cargo-fuzz target, with its seed corpus and the dictionary.
# base-builder-rust supplies a nightly toolchain and $SANITIZER; cargo fuzz adds the flags.
cd "$SRC/crmauth"
cargo fuzz build -O --debug-assertions
OUT_BIN="${CARGO_TARGET_DIR:-fuzz/target}/x86_64-unknown-linux-gnu/release"
for target in $(cargo fuzz list); do
    cp "$OUT_BIN/$target" "$OUT/"
    cp fuzz/dicts/xml.dict "$OUT/$target.dict"
    if [ -d "corpus/fuzz/$target" ] && [ -n "$(ls -A "corpus/fuzz/$target")" ]; then
        (cd "corpus/fuzz/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    fi
    # Hangs count as failures (DECODE-TOTAL), as in fuzz/smoke.sh.
    printf '[libfuzzer]\ntimeout = 5\n' > "$OUT/$target.options"
done
