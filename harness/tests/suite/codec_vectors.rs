//! Replays the golden vectors in `corpus/vectors/{envelopes,faults,cookies,discovery,rps}` through
//! the `check` cases `VEC-<dir>-<name>`: every input `NAME.EXT` has `NAME.expected.json`,
//! the `decode` JSON (with `--reveal`), or `{"error": DecodeError}` when the input must be
//! rejected. See corpus/vectors/README.md.
//! `CRMAUTH_BLESS=1` rewrites the expected files (review the diff before committing).

use crate::support::corpus;
use crmauth::check::codec::{expected_path, vector_cases, vector_inputs, vector_json, VECTOR_DIRS};
use crmauth::check::{Settings, Status};

fn bless(dir: &str) {
    let d = VECTOR_DIRS.iter().find(|d| d.dir == dir).expect("a vector directory");
    for input in vector_inputs(&corpus().join("vectors").join(dir)).expect("corpus directory") {
        let got = vector_json(d.kind, &std::fs::read(&input).expect("readable vector"), true);
        let text = serde_json::to_string_pretty(&sorted(got)).expect("json") + "\n";
        std::fs::write(expected_path(&input), text).expect("write expected");
    }
}

/// `v` with object keys in sorted order, as the expected files are written.
fn sorted(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut entries: Vec<_> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Runs the vector cases of `dir`; returns how many there are.
fn replay(dir: &str) -> usize {
    if std::env::var_os("CRMAUTH_BLESS").is_some() {
        // Blessing records what the code does; CI only ever compares.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CRMAUTH_BLESS is refused when CI=true: expectations are reviewed, not recorded by CI"
        );
        bless(dir);
    }
    let prefix = format!("VEC-{dir}-");
    let cases: Vec<_> =
        vector_cases(&corpus()).into_iter().filter(|c| c.id.starts_with(&prefix)).collect();
    for case in &cases {
        let status = case.run(&Settings::default()).status;
        assert_eq!(status, Status::Pass, "{}", case.id);
    }
    cases.len()
}

#[test]
fn envelope_vectors() {
    assert!(replay("envelopes") >= 4);
}

#[test]
fn fault_vectors() {
    assert!(replay("faults") >= 8);
}

#[test]
fn cookie_vectors() {
    assert!(replay("cookies") >= 3);
}

#[test]
fn discovery_vectors() {
    assert!(replay("discovery") >= 6);
}

#[test]
fn rps_vectors() {
    assert!(replay("rps") >= 6);
}

#[test]
fn a_changed_expectation_fails_and_names_the_field() {
    let dir = std::env::temp_dir().join(format!("crmauth-vec-{}", std::process::id()));
    let faults = dir.join("vectors/faults");
    std::fs::create_dir_all(&faults).unwrap();
    let src = corpus().join("vectors/faults/expired_canonical_soap11.xml");
    std::fs::copy(&src, faults.join("f.xml")).unwrap();
    let mut expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(expected_path(&src)).unwrap()).unwrap();
    expected["expired_ticket"] = false.into();
    std::fs::write(faults.join("f.expected.json"), expected.to_string()).unwrap();
    let case = vector_cases(&dir).into_iter().find(|c| c.id == "VEC-faults-f").unwrap();
    match case.run(&Settings::default()).status {
        Status::Fail { message, .. } => {
            assert!(message.contains("at /expired_ticket"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    std::fs::remove_file(faults.join("f.expected.json")).unwrap();
    let case = vector_cases(&dir).into_iter().find(|c| c.id == "VEC-faults-f").unwrap();
    assert!(matches!(case.run(&Settings::default()).status, Status::Error { .. }));
    // The other vector directories are missing: one erroring case each.
    assert!(vector_cases(&dir).iter().any(|c| c.id == "VEC-envelopes"));
    let _ = std::fs::remove_dir_all(&dir);
}
