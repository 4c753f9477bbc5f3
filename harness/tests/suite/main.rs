//! The integration tests of `crmauth`, one module a subject, in one test binary (one link
//! instead of thirty). Tests of planted faults (feature `mutants`) are in `tests/planted/`,
//! a second binary that only `cargo test --features mutants --test planted` builds.

#[path = "../support/mod.rs"]
mod support;

mod check_cli;
mod check_codec;
mod check_reach;
mod cli;
mod client_conformance;
mod client_state_machine;
mod client_wiremock;
mod codec_cli;
mod codec_expect;
mod codec_fault;
mod codec_props;
mod codec_vectors;
mod codec_wsdl_env;
mod codec_wsdl_forms;
mod codec_wsdl_gaps;
mod deployment;
mod evaluation_properties;
mod fault_stream;
mod fuzz_regressions;
mod layers;
mod lint;
mod mutants_kill;
mod no_alloc;
mod pipeline_eval;
mod pipeline_xml;
mod properties;
mod scenarios;
mod serve_cli;
mod server_e2e;
mod server_strategies;
mod snapshots_codec;
mod snapshots_pipeline;
mod spec_statements;
