//! Every pipeline invariant of PROTOCOL section 3 as a named test, at a modest case count
//! (`crmauth check --cases N` runs them at any count).

use crmauth::check::properties::run_by_id;
use crmauth::check::{Settings, Status};

fn holds(id: &str) {
    let settings = Settings { cases: 128, seed: 0x5EED };
    match run_by_id(id, &settings) {
        Some(Status::Pass) => {}
        Some(other) => panic!("{id}: {other:?}"),
        None => panic!("no property {id}"),
    }
}

#[test]
fn pipe_first_success() {
    holds("PIPE-FIRST-SUCCESS");
}

#[test]
fn pipe_short_circuit() {
    holds("PIPE-SHORT-CIRCUIT");
}

#[test]
fn pipe_provider_gated() {
    holds("PIPE-PROVIDER-GATED");
}

#[test]
fn pipe_fail_closed() {
    holds("PIPE-FAIL-CLOSED");
}

#[test]
fn pipe_fail_closed_config() {
    holds("PIPE-FAIL-CLOSED-CONFIG");
}

#[test]
fn pipe_deterministic() {
    holds("PIPE-DETERMINISTIC");
}

#[test]
fn pipe_roundtrip() {
    holds("PIPE-ROUNDTRIP");
}

#[test]
fn pipe_oracle() {
    holds("PIPE-ORACLE");
}

#[test]
fn decode_total_pipeline_reader() {
    holds("DECODE-TOTAL-PIPELINE");
}
