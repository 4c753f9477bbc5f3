//! `crmauth check` as CI runs it: exit codes, JSON and JUnit reports, a user's pipeline.

use quick_xml::events::Event;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn crmauth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crmauth")).current_dir(root()).args(args).output().unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crmauth-check-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn pipeline_suite_passes_with_a_text_table() {
    let out = crmauth(&["check", "--suite", "pipeline", "--cases", "32"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("PIPE-ORACLE") && text.contains("1.2"), "{text}");
    assert!(text.contains("VEC-ifd-00"), "{text}");
    assert!(text.contains(" 0 failed, 0 errors"), "{text}");
}

#[test]
fn codec_suite_passes() {
    let out = crmauth(&["check", "--suite", "codec", "--cases", "16"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for id in
        ["TOKEN-ROUNDTRIP ", "FAULT-NO-FALSE-POSITIVE", "DECODE-TOTAL", "VEC-rps-invalid_ticket"]
    {
        assert!(text.contains(id), "{id}: {text}");
    }
    assert!(!text.contains("PIPE-"), "{text}");
}

#[test]
fn json_and_junit_reports_agree() {
    let out = crmauth(&["check", "--suite", "pipeline", "--cases", "16", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() > 40);
    assert_eq!(v["summary"]["passed"].as_u64(), Some(cases.len() as u64));
    for c in cases {
        assert!(c["id"].is_string() && c["section"].is_string() && c["result"] == "pass", "{c}");
    }

    let file = temp_dir("junit").join("report.xml");
    let out = crmauth(&[
        "check",
        "--suite",
        "pipeline",
        "--cases",
        "16",
        "--format",
        "junit",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let (suites, testcases, failures) = junit_counts(&file);
    assert_eq!(suites, 1);
    assert_eq!(testcases, cases.len());
    assert_eq!(failures, 0);
}

/// Counts `<testsuite>`, `<testcase>` and `<failure>` elements (the document must be
/// well-formed XML).
fn junit_counts(path: &Path) -> (usize, usize, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuite" => suites += 1,
                b"testcase" => cases += 1,
                b"failure" => failures += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    (suites, cases, failures)
}

#[test]
fn a_wrong_vector_fails_with_exit_1_in_every_format() {
    let corpus = temp_dir("corpus");
    std::fs::create_dir_all(corpus.join("vectors/scenarios")).unwrap();
    let pipelines = root().join("corpus/pipelines");
    let table = serde_json::json!({
        "strategy": "OnPremise",
        "pipeline": pipelines.join("onpremise.crmauthentication.xml"),
        "env": root().join("corpus/vectors/scenarios/env.json"),
        "scenarios": [{
            "name": "an unauthenticated web request claimed to pass",
            "request": {"method": "GET", "path": "/Contoso/main.aspx", "client_address": "10.0.0.1"},
            "expect": {"kind": "authenticated"}
        }]
    });
    std::fs::write(corpus.join("vectors/scenarios/wrong.json"), table.to_string()).unwrap();
    let c = corpus.to_str().unwrap();
    let out = crmauth(&["check", "--suite", "pipeline", "--corpus", c, "--case", "VEC-wrong-00"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("VEC-wrong-00 FAILED")
            && text.contains("expected \"authenticated\", got \"denied\""),
        "{text}"
    );

    let file = corpus.join("r.xml");
    let out = crmauth(&[
        "check",
        "--corpus",
        c,
        "--case",
        "VEC-wrong-00",
        "--format",
        "junit",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(junit_counts(&file), (1, 1, 1));
}

#[test]
fn a_users_pipeline_is_checked() {
    let out = crmauth(&[
        "check",
        "--pipeline",
        "corpus/pipelines/ifd.crmauthentication.xml",
        "--cases",
        "32",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cases = v["cases"].as_array().unwrap();
    let ids = |suite: &str| -> Vec<&str> {
        cases.iter().filter(|c| c["suite"] == suite).map(|c| c["id"].as_str().unwrap()).collect()
    };
    let pipeline = ids("pipeline");
    for id in ["PIPE-ROUNDTRIP", "PIPE-ORACLE", "PIPE-FIRST-SUCCESS", "PIPE-FAIL-CLOSED"] {
        assert!(pipeline.contains(&id), "{pipeline:?}");
    }
    // The user's pipeline replaces the built-in scenario vectors; the codec suite still runs.
    assert!(!pipeline.iter().any(|i| i.starts_with("VEC-")));
    assert!(ids("codec").contains(&"TOKEN-ROUNDTRIP"));
}

#[test]
fn bad_input_exits_2() {
    let bad = temp_dir("bad").join("p.xml");
    std::fs::write(&bad, "<pipeline>\n<step><provider type=\"X\"/></step></pipeline>").unwrap();
    let out = crmauth(&["check", "--pipeline", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("p.xml: line 2, column 7"));
    assert_eq!(crmauth(&["check", "--case", "NO-SUCH-CASE"]).status.code(), Some(2));
    assert_eq!(crmauth(&["check", "--cases", "0"]).status.code(), Some(2));
    assert_eq!(crmauth(&["check", "--format", "yaml"]).status.code(), Some(2));
}
