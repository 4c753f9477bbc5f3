//! Each planted fault in the engine's step loop (feature `mutants`) makes the property of
//! the invariant it breaks fail, with a shrunk counterexample, and no other evaluation-order
//! property: the strict checker (`check::invariants`) names each direction of each
//! invariant by its own ID.

use crate::support::failing_evaluation as failing;
use crmauth::check::properties::EngineFactory;
use crmauth::check::Status;
use crmauth::pipeline::CompiledPipeline;

use crmauth::pipeline::engine::Mutation;
use std::sync::Arc;

fn mutated(m: Mutation) -> EngineFactory {
    Arc::new(move |p| CompiledPipeline::compile_mutated(p, m))
}

/// `m` is caught by exactly `ids` among the evaluation properties (PIPE-ORACLE, which
/// compares whole traces, catches every fault of the step loop too).
fn assert_caught_by_exactly(m: Mutation, ids: &[&str]) -> Vec<(String, Status)> {
    let failures = failing(mutated(m));
    let mut got: Vec<&str> = failures.iter().map(|(i, _)| i.as_str()).collect();
    got.sort_unstable();
    let mut want: Vec<&str> = ids.iter().copied().chain(["PIPE-ORACLE"]).collect();
    want.sort_unstable();
    assert_eq!(got, want, "{m:?}: {failures:?}");
    for (id, status) in &failures {
        let Status::Fail { counterexample: Some(c), .. } = status else { panic!("{status:?}") };
        assert!(c.contains("<pipeline"), "{id}: the counterexample shows the pipeline: {c}");
    }
    failures
}

#[test]

fn provider_after_false_predicate_is_caught_by_pipe_provider_gated() {
    assert_caught_by_exactly(Mutation::ProviderAfterFalsePredicate, &["PIPE-PROVIDER-GATED"]);
}

#[test]

fn continue_after_handled_is_caught_by_pipe_first_success() {
    assert_caught_by_exactly(Mutation::ContinueAfterHandled, &["PIPE-FIRST-SUCCESS"]);
}

/// A pure short-circuit fault (the rest of the predicates evaluated after a false one, the
/// provider still gated): PIPE-SHORT-CIRCUIT alone of the order properties catches it.
#[test]

fn no_short_circuit_is_caught_by_pipe_short_circuit_alone() {
    let failures = assert_caught_by_exactly(Mutation::NoShortCircuit, &["PIPE-SHORT-CIRCUIT"]);
    let (_, Status::Fail { counterexample: Some(c), .. }) =
        failures.iter().find(|(i, _)| i == "PIPE-SHORT-CIRCUIT").unwrap()
    else {
        panic!()
    };
    // One step of two predicates, the first false, is all it takes.
    assert_eq!(c.matches("<step>").count(), 1, "not shrunk: {c}");
    assert_eq!(c.matches("<predicate ").count(), 2, "not shrunk: {c}");
}

#[test]

fn fail_open_is_caught_by_pipe_fail_closed() {
    assert_caught_by_exactly(Mutation::FailOpen, &["PIPE-FAIL-CLOSED"]);
}

/// A skipped step (the converse of PIPE-FIRST-SUCCESS: every step up to the deciding one
/// is evaluated) was visible only to PIPE-ORACLE before the checker was made strict.
#[test]

fn a_skipped_step_is_caught_by_pipe_first_success() {
    assert_caught_by_exactly(Mutation::SkipStepAfterDecline, &["PIPE-FIRST-SUCCESS"]);
}

#[test]

fn counterexamples_shrink_to_small_pipelines() {
    let failures = failing(mutated(Mutation::ContinueAfterHandled));
    let (_, Status::Fail { counterexample: Some(c), .. }) =
        failures.iter().find(|(i, _)| i == "PIPE-FIRST-SUCCESS").unwrap()
    else {
        panic!()
    };
    // Two handling steps are all it takes.
    assert!(c.matches("<step>").count() <= 3, "not shrunk: {c}");
}
