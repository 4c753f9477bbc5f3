//! The pipeline invariants of PROTOCOL section 3 as named properties.
//!
//! The engine under test comes from an [`EngineFactory`], so that tests can plant faults
//! (feature `mutants`) and show each is caught. The evaluation-order invariants are checked
//! on an instrumented run: an observer the engine calls at the very point it evaluates a
//! predicate or runs a provider, compared with the pipeline's own structure.

use super::runner::check_property;
use super::{Case, Settings, Status, Suite};
use crate::generate::pipeline::arb_broken_pipeline_text;
use crate::generate::request::arb_case_for;
use crate::generate::{
    arb_environment, arb_pipeline, arb_pipeline_text, arb_request, PipelineCase,
};
use crate::pipeline::outcome::{Observer, Trace, Verdict};
use crate::pipeline::request::{Scope, Strategy as Deployment};
use crate::pipeline::{
    reference, xml, CompiledPipeline, Outcome, Pipeline, PredicateKind, ProviderKind, Walk,
};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use std::sync::Arc;

/// Builds the engine under test from a pipeline.
pub type EngineFactory = Arc<dyn Fn(&Pipeline) -> CompiledPipeline + Send + Sync>;

/// The real compiled engine.
pub fn compiled_engine() -> EngineFactory {
    Arc::new(CompiledPipeline::compile)
}

/// One evaluation, as the engine reported it while doing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Predicate { step: usize, index: usize, kind: PredicateKind, result: bool },
    Provider { step: usize, kind: ProviderKind, verdict: Verdict },
}

#[derive(Default)]
struct Recorder(Vec<Event>);

impl Observer for Recorder {
    fn predicate(&mut self, step: usize, index: usize, kind: PredicateKind, result: bool) {
        self.0.push(Event::Predicate { step, index, kind, result });
    }
    fn provider(&mut self, step: usize, kind: ProviderKind, verdict: Verdict) {
        self.0.push(Event::Provider { step, kind, verdict });
    }
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

/// Runs the engine under test on a case with the recorder attached, and hands the outcome
/// and the recorded evaluations to `f`.
fn instrumented<R>(
    engine: &EngineFactory,
    case: &PipelineCase,
    f: impl FnOnce(&Outcome<'_>, &[Event]) -> R,
) -> R {
    let compiled = engine(&case.pipeline);
    let request = case.request.clone().prepare();
    let org = Scope::of(Deployment::OnPremise, &request);
    let mut recorder = Recorder::default();
    let outcome = compiled.evaluate_observed(&request, &case.env, org, &mut recorder);
    f(&outcome, &recorder.0)
}

fn stopping_step(events: &[Event]) -> Option<usize> {
    events.iter().find_map(|e| match e {
        Event::Provider { step, verdict, .. } if *verdict != Verdict::NotHandled => Some(*step),
        _ => None,
    })
}

/// PIPE-FIRST-SUCCESS: nothing is evaluated after the first provider that stops, and that
/// step is the outcome's.
fn first_success(engine: &EngineFactory, case: &PipelineCase) -> Result<(), TestCaseError> {
    instrumented(engine, case, |outcome, events| {
        if let Some(stop) = stopping_step(events) {
            let position = events
                .iter()
                .position(|e| matches!(e, Event::Provider { step, .. } if *step == stop))
                .unwrap_or(events.len());
            prop_assert!(
                position + 1 == events.len(),
                "{} evaluation(s) after the provider of step {stop} handled the request",
                events.len() - position - 1
            );
            prop_assert_eq!(
                outcome.step(),
                Some(stop),
                "the outcome is not the first handling step's"
            );
        }
        Ok(())
    })
}

/// PIPE-SHORT-CIRCUIT: in each step the predicates evaluated are a prefix, all true but
/// possibly the last, and nothing of the step follows a false one.
fn short_circuit(engine: &EngineFactory, case: &PipelineCase) -> Result<(), TestCaseError> {
    instrumented(engine, case, |_, events| {
        for (s, step) in case.pipeline.steps.iter().enumerate() {
            let of_step: Vec<&Event> = events
            .iter()
            .filter(|e| matches!(e, Event::Predicate { step, .. } | Event::Provider { step, .. } if *step == s))
            .collect();
            let mut seen_false = false;
            for (i, e) in of_step.iter().enumerate() {
                prop_assert!(!seen_false, "step {s}: {e:?} evaluated after a false predicate");
                if let Event::Predicate { index, kind, result, .. } = e {
                    prop_assert_eq!(*index, i, "step {}: predicates out of order", s);
                    prop_assert_eq!(
                        Some(*kind),
                        step.predicates.get(*index).map(|p| p.kind()),
                        "step {}: wrong predicate",
                        s
                    );
                    seen_false = !result;
                }
            }
        }
        Ok(())
    })
}

/// PIPE-PROVIDER-GATED: a provider runs only when every predicate of its step was
/// evaluated and true.
fn provider_gated(engine: &EngineFactory, case: &PipelineCase) -> Result<(), TestCaseError> {
    instrumented(engine, case, |_, events| {
        for e in events {
            if let Event::Provider { step: s, kind, .. } = e {
                let step = &case.pipeline.steps[*s];
                prop_assert_eq!(*kind, step.provider.kind(), "step {}: wrong provider", s);
                let true_predicates = events
                    .iter()
                    .filter(
                        |e| matches!(e, Event::Predicate { step, result: true, .. } if step == s),
                    )
                    .count();
                let false_predicates = events
                    .iter()
                    .filter(
                        |e| matches!(e, Event::Predicate { step, result: false, .. } if step == s),
                    )
                    .count();
                prop_assert!(
                false_predicates == 0 && true_predicates == step.predicates.len(),
                "step {s}: the provider ran after {true_predicates} true and {false_predicates} false of {} predicates",
                step.predicates.len()
            );
            }
        }
        Ok(())
    })
}

/// PIPE-FAIL-CLOSED (evaluation): when no provider stopped the pipeline, the outcome is
/// a denial by no step.
fn fail_closed(engine: &EngineFactory, case: &PipelineCase) -> Result<(), TestCaseError> {
    instrumented(engine, case, |outcome, events| {
        if stopping_step(events).is_none() {
            prop_assert_eq!(*outcome, Outcome::NOT_HANDLED, "no step handled the request");
        }
        Ok(())
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

/// PIPE-DETERMINISTIC: the same inputs, evaluated again from fresh copies, give the same.
fn deterministic(engine: &EngineFactory, case: &PipelineCase) -> Result<(), TestCaseError> {
    let run =
        |case: &PipelineCase| instrumented(engine, case, |o, e| (format!("{o:?}"), e.to_vec()));
    prop_assert_eq!(run(case), run(&case.clone()));
    Ok(())
}

type Property = fn(&EngineFactory, &PipelineCase) -> Result<(), TestCaseError>;

/// The evaluation properties, on generated pipelines or on a user's pipeline.
pub fn evaluation_cases(engine: EngineFactory, pipeline: Option<Arc<Pipeline>>) -> Vec<Case> {
    let props: [(&str, &str, Property); 6] = [
        (
            "PIPE-FIRST-SUCCESS",
            "no step after the first handling provider is evaluated",
            first_success,
        ),
        (
            "PIPE-SHORT-CIRCUIT",
            "no predicate after the first false one in a step is evaluated",
            short_circuit,
        ),
        (
            "PIPE-PROVIDER-GATED",
            "a provider runs only when every predicate of its step was true",
            provider_gated,
        ),
        ("PIPE-FAIL-CLOSED", "no handling step gives denied", fail_closed),
        (
            "PIPE-DETERMINISTIC",
            "the same pipeline, request and environment give the same outcome",
            deterministic,
        ),
        ("PIPE-ORACLE", "the engine agrees with the reference interpreter", oracle),
    ];
    props
        .into_iter()
        .map(|(id, title, property)| {
            let engine = engine.clone();
            let pipeline = pipeline.clone();
            Case::new(id, "1.2", Suite::Pipeline, title, move |settings: &Settings| {
                check_property(settings, cases(pipeline.clone()), |case| property(&engine, &case))
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
