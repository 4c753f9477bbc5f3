//! `check` catches a deliberately broken engine: each planted fault in the step loop
//! (feature `mutants`) makes the property of the invariant it breaks fail, with a shrunk
//! counterexample, and no other evaluation-order property: the strict checker
//! (`check::invariants`) names each direction of each invariant by its own ID.

use crmauth::check::properties::{compiled_engine, evaluation_cases, EngineFactory};
use crmauth::check::{Settings, Status};
use crmauth::pipeline::CompiledPipeline;

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

#[test]
fn the_real_engine_passes_every_evaluation_property() {
    assert_eq!(failing(compiled_engine()), vec![]);
}

/// The generated pipelines reach the step filter often: PIPE-ORACLE and PIPE-DETERMINISTIC
/// then compare its untraced walk too.
#[test]
fn generated_pipelines_often_take_the_step_filter() {
    use crmauth::check::runner::test_runner;
    use crmauth::generate::arb_pipeline;
    use crmauth::pipeline::Walk;
    use proptest::strategy::{Strategy as _, ValueTree};
    let mut runner = test_runner(&settings());
    let pipelines = arb_pipeline();
    let n = 1000;
    let filtered = (0..n)
        .filter(|_| {
            let p = pipelines.new_tree(&mut runner).unwrap().current();
            CompiledPipeline::compile(&p).walk() == Walk::Filter
        })
        .count();
    assert!(filtered * 3 >= n, "{filtered} of {n} generated pipelines take the step filter");
}
