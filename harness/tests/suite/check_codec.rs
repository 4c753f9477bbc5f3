//! The codec suite of `crmauth check`: every codec invariant of PROTOCOL section 3 is a case
//! and holds (a planted wrong fault reader is caught: `tests/planted/fault_readers.rs`).

use crate::support::{corpus, CODEC};
use crmauth::check::{cases, Selection, Status, Suite};
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

fn codec(pipeline: Option<Arc<crmauth::pipeline::Pipeline>>) -> Selection {
    Selection { suite: Some(Suite::Codec), case: None, server: None, pipeline }
}

#[test]
fn every_codec_invariant_is_a_case_and_holds() {
    let all = cases(&codec(None), &corpus());
    assert!(all.iter().all(|c| c.suite == Suite::Codec));
    for id in IDS {
        let case = all.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no case {id}"));
        assert_eq!(case.run(&CODEC).status, Status::Pass, "{id}");
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
