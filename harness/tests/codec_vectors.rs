//! Replays the golden vectors in `corpus/{envelopes,faults,cookies,discovery}`: every input
//! file `NAME.EXT` has `NAME.expected.json`, the CLI's `decode` JSON (with `--reveal`), or
//! `{"error": DecodeError}` when the input must be rejected. See corpus/README-codecs.md.
//! `CRMAUTH_BLESS=1` rewrites the expected files (review the diff before committing).

use crmauth::cli::codec as cli_codec;

use std::path::PathBuf;

use cli_codec::{decode_bytes, CliError, DecodeKind};
use serde_json::{json, Value};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn replay(dir: &str, kind: DecodeKind) -> usize {
    let bless = std::env::var_os("CRMAUTH_BLESS").is_some();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(corpus().join(dir))
        .expect("corpus directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.to_string_lossy().ends_with(".expected.json"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no vectors in {dir}");
    for input in &inputs {
        let bytes = std::fs::read(input).expect("readable vector");
        let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let got = match decode_bytes(kind, &name, &bytes, true) {
            Ok(v) => v,
            Err(CliError::Input { error, .. }) => json!({ "error": error }),
            Err(e) => panic!("{name}: {e}"),
        };
        let expected_path = input.with_extension("expected.json");
        if bless {
            let text = serde_json::to_string_pretty(&got).expect("json") + "\n";
            std::fs::write(&expected_path, text).expect("write expected");
            continue;
        }
        let expected: Value = serde_json::from_slice(
            &std::fs::read(&expected_path)
                .unwrap_or_else(|_| panic!("missing {}", expected_path.display())),
        )
        .expect("expected file is JSON");
        assert_eq!(got, expected, "vector {dir}/{name}");
    }
    inputs.len()
}

#[test]
fn envelope_vectors() {
    assert!(replay("envelopes", DecodeKind::Envelope) >= 4);
}

#[test]
fn fault_vectors() {
    assert!(replay("faults", DecodeKind::Fault) >= 8);
}

#[test]
fn cookie_vectors() {
    assert!(replay("cookies", DecodeKind::Cookie) >= 3);
}

#[test]
fn discovery_vectors() {
    assert!(replay("discovery", DecodeKind::Discovery) >= 6);
}
