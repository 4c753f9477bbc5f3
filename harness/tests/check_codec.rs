//! The codec suite of `crmauth check`: every codec invariant of PROTOCOL section 3 is a case
//! and holds, and a planted wrong fault reader (feature `mutants`) is caught.

#[cfg(feature = "mutants")]
use crmauth::check::codec::fault_cases;
use crmauth::check::{cases, Selection, Settings, Status, Suite};
#[cfg(feature = "mutants")]
use crmauth::codec::fault::mutants;
use std::path::PathBuf;
use std::sync::Arc;

const IDS: [&str; 9] = [
    "TOKEN-ROUNDTRIP",
    "TOKEN-DECODE-AGREES",
    "TOKEN-ROUNDTRIP-DISCOVERY",
    "TOKEN-ROUNDTRIP-SERVICE",
    "TOKEN-ROUNDTRIP-COOKIE",
    "FAULT-EXPIRED",
    "FAULT-NO-FALSE-POSITIVE",
    "FAULT-SEED-AGREES",
    "DECODE-TOTAL",
];

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

fn settings() -> Settings {
    Settings { cases: 64, seed: 0x5EED }
}

fn codec(pipeline: Option<Arc<crmauth::pipeline::Pipeline>>) -> Selection {
    Selection { suite: Some(Suite::Codec), case: None, server: None, pipeline }
}

#[test]
fn every_codec_invariant_is_a_case_and_holds() {
    let all = cases(&codec(None), &corpus());
    assert!(all.iter().all(|c| c.suite == Suite::Codec));
    for id in IDS {
        let case = all.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no case {id}"));
        assert_eq!(case.run(&settings()).status, Status::Pass, "{id}");
    }
    for dir in ["envelopes", "discovery", "faults", "cookies", "rps"] {
        let prefix = format!("VEC-{dir}-");
        assert!(all.iter().any(|c| c.id.starts_with(&prefix)), "no {prefix} vectors");
    }
}

#[test]
fn a_users_pipeline_does_not_drop_the_codec_suite() {
    let text = std::fs::read_to_string(corpus().join("pipelines/ifd.crmauthentication.xml"));
    let p = Arc::new(crmauth::pipeline::xml::parse(&text.unwrap()).unwrap());
    let ids: Vec<String> = cases(&codec(Some(p)), &corpus()).into_iter().map(|c| c.id).collect();
    for id in IDS {
        assert!(ids.iter().any(|i| i == id), "{id} missing: {ids:?}");
    }
    assert!(ids.iter().all(|i| !i.starts_with("PIPE-")));
}

#[cfg(feature = "mutants")]
fn failing(reader: crmauth::check::codec::FaultReader) -> Vec<(String, Status)> {
    fault_cases(reader)
        .into_iter()
        .map(|c| (c.id.clone(), c.run(&settings()).status))
        .filter(|(_, s)| *s != Status::Pass)
        .collect()
}

#[cfg(feature = "mutants")]
#[test]
fn a_reader_that_also_reads_description_is_caught() {
    let failures = failing(mutants::reads_description);
    let Some((_, Status::Fail { counterexample: Some(c), .. })) =
        failures.iter().find(|(id, _)| id == "FAULT-NO-FALSE-POSITIVE")
    else {
        panic!("not caught by FAULT-NO-FALSE-POSITIVE: {failures:?}")
    };
    // Shrunk to the simplest decoy: the plain code in the description, no code element.
    assert!(c.contains("<description>The ticket 8004A101 is") && !c.contains("<code"), "{c}");
    assert!(failures.iter().all(|(id, _)| id != "FAULT-EXPIRED"), "{failures:?}");
}

#[cfg(feature = "mutants")]
#[test]
fn a_case_sensitive_reader_is_caught() {
    let failures = failing(mutants::upper_case_only);
    assert!(failures.iter().any(|(id, _)| id == "FAULT-EXPIRED"), "{failures:?}");
}
