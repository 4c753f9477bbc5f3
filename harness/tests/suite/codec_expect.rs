//! The hand-written expectations of the codec vectors (`corpus/vectors/*/NAME.expect.json`,
//! cases `EXPECT-<dir>-<name>`): written from PROTOCOL.md and the WSDLs, checked apart from
//! the blessed `NAME.expected.json` regression locks, so a wrong output that matches its
//! lock is still caught.

use crate::support::corpus;
use crmauth::check::codec::{expected_path, vector_cases, vector_inputs, vector_json, VECTOR_DIRS};
use crmauth::check::expect::{expect_cases, expect_path};
use crmauth::check::vectors::EmbeddedCorpus;
use crmauth::check::{cases, Selection, Settings, Status, Suite};
use crmauth::codec::view::DecodeKind;
use std::path::{Path, PathBuf};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crmauth-expect-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("vectors/faults")).unwrap();
    dir
}

fn run(corpus: &Path, id: &str) -> Status {
    let all: Vec<_> = vector_cases(corpus).into_iter().chain(expect_cases(corpus)).collect();
    let case = all.into_iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no case {id}"));
    case.run(&Settings::default()).status
}

#[test]
fn every_vector_has_a_hand_written_expectation_and_meets_it() {
    let mut n = 0;
    for d in VECTOR_DIRS {
        for input in vector_inputs(&corpus().join("vectors").join(d.dir)).unwrap() {
            assert!(expect_path(&input).is_file(), "{} has no .expect.json", input.display());
            n += 1;
        }
    }
    let all = expect_cases(&corpus());
    assert_eq!(all.len(), n);
    for case in &all {
        assert_eq!(case.run(&Settings::default()).status, Status::Pass, "{}", case.id);
    }
    // They are cases of `crmauth check --suite codec`.
    let selection =
        Selection { suite: Some(Suite::Codec), case: None, server: None, pipeline: None };
    let ids: Vec<String> = cases(&selection, &corpus()).into_iter().map(|c| c.id).collect();
    assert!(ids.iter().any(|id| id == "EXPECT-faults-decoy_other_element"), "{ids:?}");
}

#[test]
fn a_wrong_expected_value_fails_naming_the_vector_and_the_field() {
    let dir = temp("wrong");
    let faults = dir.join("vectors/faults");
    let src = corpus().join("vectors/faults/expired_lowercase.xml");
    std::fs::copy(&src, faults.join("f.xml")).unwrap();
    std::fs::copy(expected_path(&src), faults.join("f.expected.json")).unwrap();
    let mut expect: serde_json::Value =
        serde_json::from_slice(&std::fs::read(expect_path(&src)).unwrap()).unwrap();
    expect["expect"]["expired"] = false.into();
    std::fs::write(faults.join("f.expect.json"), expect.to_string()).unwrap();
    match run(&dir, "EXPECT-faults-f") {
        Status::Fail { message, .. } => {
            assert!(
                message.contains("faults/f.xml: expired: expected false, decoded true"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    // An unknown field is a failure too, never silently ignored.
    expect["expect"] = serde_json::json!({"expird": true});
    std::fs::write(faults.join("f.expect.json"), expect.to_string()).unwrap();
    match run(&dir, "EXPECT-faults-f") {
        Status::Fail { message, .. } => {
            assert!(message.contains("unknown field \"expird\""), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // A vector without an expectation cannot pass.
    std::fs::remove_file(faults.join("f.expect.json")).unwrap();
    assert!(matches!(run(&dir, "EXPECT-faults-f"), Status::Error { .. }));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_wrong_output_that_matches_its_lock_is_caught_by_the_expectation() {
    // The input changed under the vector (here: another code) and the lock was re-blessed
    // from the code's output: the lock passes, the hand-written expectation does not.
    let dir = temp("lock");
    let faults = dir.join("vectors/faults");
    let src = corpus().join("vectors/faults/expired_canonical_soap11.xml");
    let xml = std::fs::read_to_string(&src).unwrap().replace("0x8004A101", "0x8004A100");
    std::fs::write(faults.join("f.xml"), &xml).unwrap();
    let blessed = vector_json(DecodeKind::Fault, xml.as_bytes(), true);
    std::fs::write(faults.join("f.expected.json"), blessed.to_string()).unwrap();
    std::fs::copy(expect_path(&src), faults.join("f.expect.json")).unwrap();
    assert_eq!(run(&dir, "VEC-faults-f"), Status::Pass, "the lock matches what the code does");
    match run(&dir, "EXPECT-faults-f") {
        Status::Fail { message, .. } => {
            assert!(
                message.contains("code: expected \"8004A101\", decoded \"8004A100\""),
                "{message}"
            );
            assert!(message.contains("expired: expected true, decoded false"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_embedded_corpus_carries_the_expectations() {
    let embedded = EmbeddedCorpus::extract().unwrap();
    let file = embedded.path().join("vectors/cookies/bad_percent.expect.json");
    assert!(file.is_file(), "{} is not embedded", file.display());
    let all = expect_cases(embedded.path());
    assert_eq!(all.len(), expect_cases(&corpus()).len());
    assert!(all.iter().all(|c| c.run(&Settings::default()).status == Status::Pass));
}
