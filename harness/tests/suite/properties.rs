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

/// The generators reach every provider and its verdicts, so the properties above are not
/// vacuous: every provider runs and handles, and the token faults all occur.
#[test]
fn generated_cases_reach_every_provider_branch() {
    use crmauth::check::runner::test_runner;
    use crmauth::generate::arb_case;
    use crmauth::pipeline::outcome::{Trace, Verdict};
    use crmauth::pipeline::request::{Scope, Strategy};
    use crmauth::pipeline::{BuiltIn, CompiledPipeline, ProviderKind};
    use proptest::strategy::{Strategy as _, ValueTree};
    use std::collections::BTreeSet;

    let mut runner = test_runner(&Settings { cases: 1, seed: 11 });
    let strategy = arb_case();
    let (mut handled, mut errors) = (BTreeSet::new(), BTreeSet::new());
    for _ in 0..3000 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let request = case.request.clone().prepare();
        let compiled = CompiledPipeline::compile(&case.pipeline);
        let mut trace = Trace::default();
        compiled.evaluate_observed(
            &request,
            &case.env,
            Scope::of(Strategy::OnPremise, &request),
            &mut trace,
        );
        for (kind, verdict) in trace.steps.iter().filter_map(|s| s.provider) {
            match verdict {
                Verdict::Handled => {
                    handled.insert(kind.class_name());
                }
                Verdict::Failed(code) => {
                    errors.insert(format!("{code}"));
                }
                Verdict::NotHandled => {}
            }
        }
    }
    for &kind in ProviderKind::ALL {
        if kind != ProviderKind::Reject {
            assert!(handled.contains(kind.class_name()), "{kind:?} never handled: {handled:?}");
        }
    }
    for code in ["8004A100", "8004A101", "8004A102", "8004A110", "80040204"] {
        assert!(errors.contains(code), "{code} never raised: {errors:?}");
    }
}
