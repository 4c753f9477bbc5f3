//! The evaluation-order properties of `check::properties` (PIPE-*) hold on the real engine,
//! and the pipelines they generate exercise the step filter. That each planted fault of the
//! step loop is caught by the property of the invariant it breaks is `tests/planted/engine.rs`.

use crate::support::{failing_evaluation as failing, EVALUATION};
use crmauth::check::properties::compiled_engine;
use crmauth::pipeline::CompiledPipeline;

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
    let mut runner = test_runner(&EVALUATION);
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
