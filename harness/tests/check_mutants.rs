//! `check` catches a deliberately broken engine: each planted fault (feature `mutants`)
//! makes the property of the invariant it breaks fail, with a shrunk counterexample.

use crmauth::check::properties::{compiled_engine, evaluation_cases, EngineFactory};
use crmauth::check::{Settings, Status};
#[cfg(feature = "mutants")]
use crmauth::pipeline::engine::Mutation;
#[cfg(feature = "mutants")]
use crmauth::pipeline::CompiledPipeline;
#[cfg(feature = "mutants")]
use std::sync::Arc;

fn settings() -> Settings {
    Settings { cases: 256, seed: 7 }
}

/// The IDs of the evaluation properties that fail on `engine`.
fn failing(engine: EngineFactory) -> Vec<(String, Status)> {
    evaluation_cases(engine, None)
        .into_iter()
        .map(|c| (c.id.clone(), c.run(&settings()).status))
        .filter(|(_, s)| *s != Status::Pass)
        .collect()
}

#[cfg(feature = "mutants")]
fn mutated(m: Mutation) -> EngineFactory {
    Arc::new(move |p| CompiledPipeline::compile_mutated(p, m))
}

#[cfg(feature = "mutants")]
fn assert_caught(m: Mutation, id: &str) {
    let failures = failing(mutated(m));
    let Some((_, status)) = failures.iter().find(|(i, _)| i == id) else {
        panic!("{m:?} was not caught by {id}; failures: {failures:?}")
    };
    let Status::Fail { counterexample: Some(c), .. } = status else { panic!("{status:?}") };
    assert!(c.contains("<pipeline"), "the counterexample shows the pipeline: {c}");
    // PIPE-ORACLE catches every behavioural fault too.
    assert!(failures.iter().any(|(i, _)| i == "PIPE-ORACLE") || m == Mutation::NoShortCircuit);
}

#[test]
fn the_real_engine_passes_every_evaluation_property() {
    assert_eq!(failing(compiled_engine()), vec![]);
}

#[cfg(feature = "mutants")]
#[test]
fn provider_after_false_predicate_is_caught_by_pipe_provider_gated() {
    assert_caught(Mutation::ProviderAfterFalsePredicate, "PIPE-PROVIDER-GATED");
}

#[cfg(feature = "mutants")]
#[test]
fn continue_after_handled_is_caught_by_pipe_first_success() {
    assert_caught(Mutation::ContinueAfterHandled, "PIPE-FIRST-SUCCESS");
}

#[cfg(feature = "mutants")]
#[test]
fn no_short_circuit_is_caught_by_pipe_short_circuit() {
    assert_caught(Mutation::NoShortCircuit, "PIPE-SHORT-CIRCUIT");
}

#[cfg(feature = "mutants")]
#[test]
fn fail_open_is_caught_by_pipe_fail_closed() {
    assert_caught(Mutation::FailOpen, "PIPE-FAIL-CLOSED");
}

#[cfg(feature = "mutants")]
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
