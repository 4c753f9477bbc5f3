//! The pipeline invariants of PROTOCOL section 3 as named properties.
//!
//! The engine under test comes from an [`EngineFactory`], so that tests can plant faults
//! (feature `mutants`) and show each is caught. The evaluation-order invariants are checked
//! on an instrumented run (an observer the engine calls at the very point it evaluates a
//! predicate or runs a provider) by the one strict checker of [`super::invariants`], which
//! the fuzz targets share.

use super::invariants::{self, Event, Invariant, Recorder};
use super::runner::check_property;
use super::{Case, Settings, Status, Suite};
use crate::generate::pipeline::arb_broken_pipeline_text;
use crate::generate::request::arb_case_for;
use crate::generate::{
    arb_environment, arb_pipeline, arb_pipeline_text, arb_request, PipelineCase,
};
use crate::pipeline::outcome::Trace;
use crate::pipeline::request::{Scope, Strategy as Deployment};
use crate::pipeline::{reference, xml, CompiledPipeline, Outcome, Pipeline, Walk};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use std::sync::Arc;

/// Builds the engine under test from a pipeline.
pub type EngineFactory = Arc<dyn Fn(&Pipeline) -> CompiledPipeline + Send + Sync>;

/// The real compiled engine.
pub fn compiled_engine() -> EngineFactory {
    Arc::new(CompiledPipeline::compile)
}

/// The inputs of a property: a fixed pipeline (a user's) or generated ones.
/// A user's pipeline gets requests drawn from its own configuration (`arb_case_for`).
fn cases(pipeline: Option<Arc<Pipeline>>) -> BoxedStrategy<PipelineCase> {
    match pipeline {
        Some(p) => arb_case_for(Some(&p)),
        None => (arb_pipeline(), arb_request(), arb_environment())
            .prop_map(|(pipeline, request, env)| PipelineCase { pipeline, request, env })
            .boxed(),
    }
}

/// Evaluates `case` on `compiled` with a [`Recorder`] attached, and hands the outcome and
/// the recorded evaluations to `f`.
fn observed<R>(
    compiled: &CompiledPipeline,
    case: &PipelineCase,
    f: impl FnOnce(&Outcome<'_>, &[Event]) -> R,
) -> R {
    let request = case.request.clone().prepare();
    let org = Scope::of(Deployment::OnPremise, &request);
    let mut recorder = Recorder::default();
    let outcome = compiled.evaluate_observed(&request, &case.env, org, &mut recorder);
    f(&outcome, &recorder.0)
}

/// One evaluation-order invariant of [`invariants`] on the engine under test.
fn order_property(engine: &EngineFactory, case: &PipelineCase, check: Invariant) -> TestResult {
    let compiled = engine(&case.pipeline);
    observed(&compiled, case, |outcome, events| {
        check(&case.pipeline, outcome, events).map_err(|v| {
            TestCaseError::fail(format!("{v}\nevaluations: {events:?}\noutcome: {outcome:?}"))
        })
    })
}

/// PIPE-ORACLE: the engine agrees with the reference interpreter, outcome and trace, and
/// its untraced evaluation on the outcome, on either walk.
fn oracle(engine: &EngineFactory, case: &PipelineCase) -> Result<(), TestCaseError> {
    let compiled = engine(&case.pipeline);
    let request = case.request.clone().prepare();
    let org = Scope::of(Deployment::OnPremise, &request);
    let (expected, expected_trace) = reference::interpret(&case.pipeline, &request, &case.env, org);
    let mut trace = Trace::default();
    let got = compiled.evaluate_observed(&request, &case.env, org, &mut trace);
    prop_assert_eq!(got, expected, "engine and reference disagree on the outcome");
    prop_assert_eq!(trace, expected_trace, "engine and reference disagree on the trace");
    let untraced = compiled.evaluate(&request, &case.env, org);
    prop_assert_eq!(&untraced, &expected, "the untraced engine and the reference disagree");
    let filtered = CompiledPipeline::compile_walk(&case.pipeline, Walk::Filter);
    let untraced = filtered.evaluate(&request, &case.env, org);
    prop_assert_eq!(untraced, expected, "the engine's step filter and the reference disagree");
    Ok(())
}

/// What one evaluation of a case gave: the observed outcome and evaluations, and the
/// untraced outcome (on the walk `compile` chose: the step filter from
/// [`Walk::FILTER_FROM_STEPS`] steps on).
fn evaluation(compiled: &CompiledPipeline, case: &PipelineCase) -> (String, Vec<Event>, String) {
    let request = case.request.clone().prepare();
    let org = Scope::of(Deployment::OnPremise, &request);
    let untraced = format!("{:?}", compiled.evaluate(&request, &case.env, org));
    observed(compiled, case, |o, e| (format!("{o:?}"), e.to_vec(), untraced))
}

/// PIPE-DETERMINISTIC: a case evaluated again on the same compiled pipeline after another
/// request, and on a fresh compile from fresh copies, gives the same outcome and the same
/// evaluations, traced and untraced.
fn deterministic(engine: &EngineFactory, case: &PipelineCase, other: &PipelineCase) -> TestResult {
    let compiled = engine(&case.pipeline);
    let first = evaluation(&compiled, case);
    evaluation(&compiled, other);
    prop_assert_eq!(&evaluation(&compiled, case), &first, "again, after another request");
    // Several fresh compiles: state a compile draws on (a hasher's seed, a clock) shows
    // as a difference between compiles.
    for _ in 0..FRESH_COMPILES {
        let fresh = case.clone();
        let again = evaluation(&engine(&fresh.pipeline), &fresh);
        prop_assert_eq!(&again, &first, "on a fresh compile");
    }
    Ok(())
}

/// How many fresh compiles PIPE-DETERMINISTIC compares with the first.
const FRESH_COMPILES: usize = 4;

type TestResult = Result<(), TestCaseError>;

/// How an evaluation property runs on a case.
#[derive(Clone, Copy)]
enum Property {
    Order(Invariant),
    Deterministic,
    Oracle,
}

/// The evaluation properties, on generated pipelines or on a user's pipeline.
pub fn evaluation_cases(engine: EngineFactory, pipeline: Option<Arc<Pipeline>>) -> Vec<Case> {
    let props: [(&str, &str, Property); 6] = [
        (
            "PIPE-FIRST-SUCCESS",
            "steps run in order, none skipped, up to the first handling provider and none after",
            Property::Order(invariants::first_success),
        ),
        (
            "PIPE-SHORT-CIRCUIT",
            "a step evaluates its predicates up to the first false one, and no further",
            Property::Order(invariants::short_circuit),
        ),
        (
            "PIPE-PROVIDER-GATED",
            "a provider runs exactly when every predicate of its step was true",
            Property::Order(invariants::provider_gated),
        ),
        (
            "PIPE-FAIL-CLOSED",
            "no handling step gives denied",
            Property::Order(invariants::fail_closed),
        ),
        (
            "PIPE-DETERMINISTIC",
            "the same pipeline, request and environment give the same outcome",
            Property::Deterministic,
        ),
        ("PIPE-ORACLE", "the engine agrees with the reference interpreter", Property::Oracle),
    ];
    props
        .into_iter()
        .map(|(id, title, property)| {
            let engine = engine.clone();
            let pipeline = pipeline.clone();
            Case::new(id, "1.2", Suite::Pipeline, title, move |settings: &Settings| {
                let cases = cases(pipeline.clone());
                match property {
                    Property::Order(check) => check_property(settings, cases, |case| {
                        order_property(&engine, &case, check)
                    }),
                    Property::Oracle => {
                        check_property(settings, cases, |case| oracle(&engine, &case))
                    }
                    Property::Deterministic => {
                        let other = (arb_request(), arb_environment());
                        check_property(settings, (cases, other), |(case, (request, env))| {
                            let other =
                                PipelineCase { pipeline: case.pipeline.clone(), request, env };
                            deterministic(&engine, &case, &other)
                        })
                    }
                }
            })
        })
        .collect()
}

/// The reader properties: round trip, fail-closed configuration, totality.
pub fn reader_cases() -> Vec<Case> {
    vec![
        Case::new(
            "PIPE-ROUNDTRIP",
            "1.1",
            Suite::Pipeline,
            "parse(print(p)) = p; printing is canonical",
            |s: &Settings| {
                check_property(s, arb_pipeline(), |p| {
                    let printed = xml::print(&p);
                    let parsed = xml::parse(&printed)
                        .map_err(|e| TestCaseError::fail(format!("reprint rejected: {e}")))?;
                    prop_assert_eq!(&parsed, &p);
                    prop_assert_eq!(xml::print(&parsed), printed);
                    Ok(())
                })
            },
        ),
        Case::new(
            "PIPE-FAIL-CLOSED-CONFIG",
            "1.1",
            Suite::Pipeline,
            "unknown types and malformed configuration are errors",
            |s: &Settings| {
                check_property(s, arb_broken_pipeline_text(), |(breakage, text)| {
                    prop_assert!(xml::parse(&text).is_err(), "{breakage:?} was accepted:\n{text}");
                    Ok(())
                })
            },
        ),
        Case::new(
            "DECODE-TOTAL-PIPELINE",
            "1.1",
            Suite::Pipeline,
            "the pipeline reader never panics; it accepts or names an error",
            |s: &Settings| {
                check_property(s, arb_pipeline_text(), |text| {
                    if let Err(e) = xml::parse(&text) {
                        prop_assert!(e.line >= 1 && e.column >= 1, "error without a place: {e}");
                    }
                    Ok(())
                })
            },
        ),
    ]
}

/// Runs one property case by ID on the real engine (for tests and `--case`).
pub fn run_by_id(id: &str, settings: &Settings) -> Option<Status> {
    evaluation_cases(compiled_engine(), None)
        .into_iter()
        .chain(reader_cases())
        .chain(super::deployment::deployment_cases())
        .find(|c| c.id == id)
        .map(|c| c.run(settings).status)
}
