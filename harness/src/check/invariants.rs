//! The evaluation-order invariants of PROTOCOL 1.2 (section 3: PIPE-SHORT-CIRCUIT,
//! PIPE-PROVIDER-GATED, PIPE-FIRST-SUCCESS, PIPE-FAIL-CLOSED), checked once, strictly and in
//! both directions, on what an evaluator reported while it evaluated.
//!
//! Engine-neutral: the functions take a pipeline, the outcome and the recorded [`Event`]s,
//! whoever produced them (the compiled engine, the reference interpreter, a planted fault).
//! `crmauth check` (`check::properties`), the proptest tests and the fuzz targets all call
//! these; nothing here depends on proptest. Each returns the first [`Violation`] found,
//! named by its invariant ID.

use crate::pipeline::outcome::{Observer, Verdict};
use crate::pipeline::{Outcome, Pipeline, PredicateKind, ProviderKind};
use std::fmt;

/// One evaluation, as an evaluator reported it while doing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A predicate was evaluated.
    Predicate {
        /// Index (0-based) of the step.
        step: usize,
        /// Index (0-based) of the predicate within the step.
        index: usize,
        /// The predicate's class.
        kind: PredicateKind,
        /// What it evaluated to.
        result: bool,
    },
    /// A step's provider ran.
    Provider {
        /// Index (0-based) of the step.
        step: usize,
        /// The provider's class.
        kind: ProviderKind,
        /// What it returned.
        verdict: Verdict,
    },
}

impl Event {
    /// The step the evaluation belongs to.
    pub fn step(&self) -> usize {
        match self {
            Event::Predicate { step, .. } | Event::Provider { step, .. } => *step,
        }
    }
}

/// An [`Observer`] that records every evaluation, in order.
#[derive(Debug, Default, Clone)]
pub struct Recorder(pub Vec<Event>);

impl Observer for Recorder {
    fn predicate(&mut self, step: usize, index: usize, kind: PredicateKind, result: bool) {
        self.0.push(Event::Predicate { step, index, kind, result });
    }
    fn provider(&mut self, step: usize, kind: ProviderKind, verdict: Verdict) {
        self.0.push(Event::Provider { step, kind, verdict });
    }
}

/// A broken invariant: its PROTOCOL section 3 ID and what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The invariant ID, e.g. `PIPE-SHORT-CIRCUIT`.
    pub id: &'static str,
    /// What was evaluated (or not) that breaks it.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.message)
    }
}

impl std::error::Error for Violation {}

/// The signature every check here has.
pub type Invariant = fn(&Pipeline, &Outcome<'_>, &[Event]) -> Result<(), Violation>;

/// The evaluation-order invariants, by ID, in the order [`check_evaluation`] runs them.
pub const EVALUATION_ORDER: [(&str, Invariant); 4] = [
    ("PIPE-SHORT-CIRCUIT", short_circuit),
    ("PIPE-PROVIDER-GATED", provider_gated),
    ("PIPE-FIRST-SUCCESS", first_success),
    ("PIPE-FAIL-CLOSED", fail_closed),
];

/// All four evaluation-order invariants; the first violation found.
pub fn check_evaluation(
    pipeline: &Pipeline,
    outcome: &Outcome<'_>,
    events: &[Event],
) -> Result<(), Violation> {
    EVALUATION_ORDER.iter().try_for_each(|(_, check)| check(pipeline, outcome, events))
}

fn violation(id: &'static str, message: String) -> Result<(), Violation> {
    Err(Violation { id, message })
}

/// The events of one step, as they were reported (consecutive events of the same step).
struct StepRun<'e> {
    step: usize,
    events: &'e [Event],
}

impl StepRun<'_> {
    fn predicates(&self) -> impl Iterator<Item = (usize, usize, PredicateKind, bool)> + '_ {
        self.events.iter().enumerate().filter_map(|(at, e)| match *e {
            Event::Predicate { index, kind, result, .. } => Some((at, index, kind, result)),
            Event::Provider { .. } => None,
        })
    }

    fn providers(&self) -> impl Iterator<Item = (usize, ProviderKind, Verdict)> + '_ {
        self.events.iter().enumerate().filter_map(|(at, e)| match *e {
            Event::Provider { kind, verdict, .. } => Some((at, kind, verdict)),
            Event::Predicate { .. } => None,
        })
    }

    /// The first provider's verdict, if a provider ran.
    fn verdict(&self) -> Option<Verdict> {
        self.providers().next().map(|(_, _, v)| v)
    }
}

/// Splits the events into runs of consecutive events of one step.
fn runs(events: &[Event]) -> Vec<StepRun<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=events.len() {
        if i == events.len() || events[i].step() != events[start].step() {
            if start < i {
                out.push(StepRun { step: events[start].step(), events: &events[start..i] });
            }
            start = i;
        }
    }
    out
}

/// The index of the first run whose provider stopped the pipeline.
fn deciding(runs: &[StepRun<'_>]) -> Option<usize> {
    runs.iter().position(|r| r.verdict().is_some_and(|v| v != Verdict::NotHandled))
}

/// PIPE-SHORT-CIRCUIT: in every step the predicates evaluated are exactly the short-circuit
/// prefix: predicates 0, 1, … in order, each of the configured kind, up to and including
/// the first false one — nothing after a false predicate, and no stop before one.
pub fn short_circuit(
    pipeline: &Pipeline,
    _: &Outcome<'_>,
    events: &[Event],
) -> Result<(), Violation> {
    const ID: &str = "PIPE-SHORT-CIRCUIT";
    for run in runs(events) {
        let s = run.step;
        let Some(step) = pipeline.steps.get(s) else {
            return violation(ID, format!("an evaluation of step {s}, which does not exist"));
        };
        let mut expected = 0;
        let mut seen_false: Option<usize> = None;
        for (_, index, kind, result) in run.predicates() {
            if let Some(f) = seen_false {
                return violation(
                    ID,
                    format!("step {s}: predicate {index} evaluated after predicate {f} was false"),
                );
            }
            if index != expected {
                return violation(
                    ID,
                    format!("step {s}: predicate {index} evaluated where {expected} was next"),
                );
            }
            let configured = step.predicates.get(index).map(|p| p.kind());
            if configured != Some(kind) {
                return violation(
                    ID,
                    format!("step {s}: predicate {index} reported as {kind:?}, is {configured:?}"),
                );
            }
            if !result {
                seen_false = Some(index);
            }
            expected += 1;
        }
        if seen_false.is_none() && expected < step.predicates.len() {
            return violation(
                ID,
                format!(
                    "step {s}: evaluation stopped after {expected} true of {} predicates",
                    step.predicates.len()
                ),
            );
        }
    }
    Ok(())
}

/// PIPE-PROVIDER-GATED, both ways: a provider runs (once, the step's own, after its
/// predicates) only when every predicate of its step was evaluated and true; and when every
/// predicate of a step was evaluated and true (or it has none), its provider ran.
pub fn provider_gated(
    pipeline: &Pipeline,
    _: &Outcome<'_>,
    events: &[Event],
) -> Result<(), Violation> {
    const ID: &str = "PIPE-PROVIDER-GATED";
    for run in runs(events) {
        let s = run.step;
        let Some(step) = pipeline.steps.get(s) else {
            return violation(ID, format!("an evaluation of step {s}, which does not exist"));
        };
        let trues = run.predicates().filter(|p| p.3).count();
        let falses = run.predicates().filter(|p| !p.3).count();
        let all_true = falses == 0 && trues == step.predicates.len();
        let mut providers = run.providers();
        match providers.next() {
            Some((at, kind, _)) => {
                if kind != step.provider.kind() {
                    return violation(
                        ID,
                        format!(
                            "step {s}: provider reported as {kind:?}, is {:?}",
                            step.provider.kind()
                        ),
                    );
                }
                if !all_true {
                    return violation(
                        ID,
                        format!(
                            "step {s}: the provider ran after {trues} true and {falses} false of \
                             {} predicates",
                            step.predicates.len()
                        ),
                    );
                }
                if run.predicates().any(|p| p.0 > at) {
                    return violation(ID, format!("step {s}: a predicate after the provider"));
                }
                if providers.next().is_some() {
                    return violation(ID, format!("step {s}: the provider ran twice"));
                }
            }
            None if all_true => {
                return violation(
                    ID,
                    format!(
                        "step {s}: all {} predicates were true but the provider did not run",
                        step.predicates.len()
                    ),
                )
            }
            None => {}
        }
    }
    Ok(())
}

/// PIPE-FIRST-SUCCESS, both ways: steps are evaluated in order from step 0, each once and
/// none skipped, up to the first whose provider stops the pipeline and nothing after it
/// (every step when none stops); the outcome is that step's, as its provider decided.
pub fn first_success(
    pipeline: &Pipeline,
    outcome: &Outcome<'_>,
    events: &[Event],
) -> Result<(), Violation> {
    const ID: &str = "PIPE-FIRST-SUCCESS";
    let runs = runs(events);
    for (i, run) in runs.iter().enumerate() {
        if run.step != i {
            let what = if run.step < i { "again or out of order" } else { "with a step skipped" };
            return violation(
                ID,
                format!("step {} evaluated {what} (expected step {i})", run.step),
            );
        }
    }
    match deciding(&runs) {
        Some(d) => {
            if let Some(after) = runs.get(d + 1) {
                return violation(
                    ID,
                    format!(
                        "step {d} stopped the pipeline, then step {} was evaluated",
                        after.step
                    ),
                );
            }
            let verdict = runs[d].verdict();
            let agrees = match (verdict, outcome) {
                (
                    Some(Verdict::Handled),
                    Outcome::Authenticated { step, .. } | Outcome::Redirect { step, .. },
                ) => *step == d,
                (Some(Verdict::Failed(code)), Outcome::Denied { step, error, .. }) => {
                    *step == Some(d) && *error == Some(code)
                }
                _ => false,
            };
            if !agrees {
                return violation(
                    ID,
                    format!("step {d} decided {verdict:?}, but the outcome is {outcome:?}"),
                );
            }
        }
        None if runs.len() < pipeline.steps.len() => {
            return violation(
                ID,
                format!(
                    "no step stopped the pipeline, yet only {} of {} steps were evaluated",
                    runs.len(),
                    pipeline.steps.len()
                ),
            );
        }
        None => {}
    }
    Ok(())
}

/// PIPE-FAIL-CLOSED (evaluation): when no provider stopped the pipeline, the outcome is a
/// denial by no step.
pub fn fail_closed(_: &Pipeline, outcome: &Outcome<'_>, events: &[Event]) -> Result<(), Violation> {
    if deciding(&runs(events)).is_none() && *outcome != Outcome::NOT_HANDLED {
        return violation(
            "PIPE-FAIL-CLOSED",
            format!("no step handled the request, yet the outcome is {outcome:?}"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Predicate, Provider, Step};

    fn pipeline() -> Pipeline {
        let step = |predicates: Vec<Predicate>, provider| Step { predicates, provider };
        Pipeline {
            steps: vec![
                step(vec![Predicate::CookieExist, Predicate::Always], Provider::Reject),
                step(vec![], Provider::Reject),
                step(vec![Predicate::Always], Provider::PassThrough),
            ],
        }
    }

    fn p(step: usize, index: usize, kind: PredicateKind, result: bool) -> Event {
        Event::Predicate { step, index, kind, result }
    }

    fn v(step: usize, kind: ProviderKind, verdict: Verdict) -> Event {
        Event::Provider { step, kind, verdict }
    }

    const AUTH: Outcome<'static> = Outcome::Authenticated {
        step: 2,
        provider: ProviderKind::PassThrough,
        identity: crate::pipeline::Identity { user: None, organization: None, caller: None },
    };

    fn correct() -> Vec<Event> {
        use PredicateKind::*;
        vec![
            p(0, 0, CookieExist, false),
            v(1, ProviderKind::Reject, Verdict::NotHandled),
            p(2, 0, Always, true),
            v(2, ProviderKind::PassThrough, Verdict::Handled),
        ]
    }

    fn failing(events: &[Event], outcome: &Outcome<'_>) -> Vec<&'static str> {
        EVALUATION_ORDER
            .iter()
            .filter(|(_, check)| check(&pipeline(), outcome, events).is_err())
            .map(|(id, _)| *id)
            .collect()
    }

    #[test]
    fn a_correct_evaluation_passes() {
        assert_eq!(check_evaluation(&pipeline(), &AUTH, &correct()), Ok(()));
    }

    #[test]
    fn each_direction_is_named_by_its_invariant() {
        use PredicateKind::*;
        // A predicate after a false one, provider still gated: only short-circuit.
        let mut e = correct();
        e.insert(1, p(0, 1, Always, true));
        assert_eq!(failing(&e, &AUTH), ["PIPE-SHORT-CIRCUIT"]);
        // The provider after a false predicate: only provider-gated.
        let mut e = correct();
        e.insert(1, v(0, ProviderKind::Reject, Verdict::NotHandled));
        assert_eq!(failing(&e, &AUTH), ["PIPE-PROVIDER-GATED"]);
        // Every predicate true but the provider did not run: provider-gated, converse.
        let e = correct()[..3].to_vec();
        assert_eq!(failing(&e, &Outcome::NOT_HANDLED), ["PIPE-PROVIDER-GATED"]);
        // A step skipped altogether (step 1, or step 0): first-success, converse.
        for skipped in [1, 0] {
            let mut e = correct();
            e.remove(skipped);
            assert_eq!(failing(&e, &AUTH), ["PIPE-FIRST-SUCCESS"], "step {skipped}");
        }
        // Nothing stopped, not every step evaluated, and an outcome anyway.
        let e = correct()[..2].to_vec();
        assert_eq!(failing(&e, &AUTH), ["PIPE-FIRST-SUCCESS", "PIPE-FAIL-CLOSED"]);
        assert_eq!(failing(&e, &Outcome::NOT_HANDLED), ["PIPE-FIRST-SUCCESS"]);
    }

    #[test]
    fn events_of_steps_that_do_not_exist_are_violations_not_panics() {
        let e = [v(7, ProviderKind::Reject, Verdict::NotHandled)];
        let r = check_evaluation(&pipeline(), &Outcome::NOT_HANDLED, &e);
        assert_eq!(r.map_err(|v| v.id), Err("PIPE-SHORT-CIRCUIT"));
    }
}
