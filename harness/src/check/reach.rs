//! `PIPE-REACH`: how many of the generated requests reached each step's provider of a
//! user's pipeline (`crmauth check --pipeline FILE`), so that a run whose requests never
//! get past a step's predicates does not pass vacuously.
//!
//! The requests and environments are drawn from the pipeline's own configuration
//! ([`crate::generate::request::arb_request_for`], [`arb_environment_for`]) with the same
//! seed and case count as the properties. Each is evaluated twice, both times through the
//! engine's observer (what it records is what was evaluated, PROTOCOL 1.2):
//! - on the pipeline itself: the steps whose provider ran are *reached*;
//! - on an opaque copy whose every provider is `Reject` (it never handles, PROTOCOL 1.4):
//!   every step whose predicates are all true runs its provider, so the steps that
//!   *accept* the request are known, and which earlier step took it when it was not reached.
//!
//! A step never reached is a warning (not a failure: coverage, not an invariant), with the
//! reason the static analysis of PROTOCOL 1.7 gives (`crmauth lint`'s `unreachable-step`
//! and `contradictory-predicates` rules) when it knows one. The analysis is also checked
//! against what was observed: a step it calls unreachable (or contradictory) that a
//! generated request reached (or satisfied) fails the case (LINT-EXACT).

use super::runner::test_runner;
use super::{Case, Ran, Settings, Status, Suite};
use crate::generate::request::{arb_environment_for, arb_request_for};
use crate::pipeline::analysis::{self, Lint};
use crate::pipeline::outcome::{Observer, Verdict};
use crate::pipeline::request::{Scope, Strategy as Deployment};
use crate::pipeline::{
    BuiltIn, CompiledPipeline, Pipeline, PredicateKind, Provider, ProviderKind, Step,
};
use proptest::strategy::{Strategy, ValueTree};
use serde::Serialize;
use std::fmt::Write as _;
use std::sync::Arc;

/// The case ID.
pub const ID: &str = "PIPE-REACH";

/// What the generated requests did to one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReach {
    /// Index (0-based) of the step in the pipeline.
    pub step: usize,
    /// The provider's class name, e.g. `WindowsAuthenticationProvider`.
    pub provider: &'static str,
    /// Requests whose evaluation ran this step's provider.
    pub reached: u32,
    /// Requests that satisfied every predicate of the step (reached or not).
    pub accepted: u32,
    /// Never reached: why (the static analysis's reason when it has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// Per-step reach of one run: `requests` generated requests, one entry per step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// How many requests were generated and evaluated.
    pub requests: u32,
    /// One entry per step of the pipeline, in order.
    pub steps: Vec<StepReach>,
}

impl Reach {
    /// The warnings, one per step never reached, each naming the step.
    pub fn warnings(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter_map(|s| {
                s.warning
                    .as_ref()
                    .map(|w| format!("step {} ({}) never reached: {w}", s.step, s.provider))
            })
            .collect()
    }

    /// A table: step, provider, requests that reached it and that its predicates accepted.
    pub fn table(&self) -> String {
        let width = self.steps.iter().map(|s| s.provider.len()).max().unwrap_or(8).max(8);
        let mut out = format!(
            "requests reaching each step's provider (of {} generated):\n{:>6}  {:<width$}  {:>8}  {:>8}\n",
            self.requests, "step", "provider", "reached", "accepted"
        );
        for s in &self.steps {
            let _ = writeln!(
                out,
                "{:>6}  {:<width$}  {:>8}  {:>8}",
                s.step, s.provider, s.reached, s.accepted
            );
        }
        out
    }
}

/// Counts, per step, the providers that ran.
struct Counter {
    ran: Vec<bool>,
}

impl Observer for Counter {
    fn predicate(&mut self, _: usize, _: usize, _: PredicateKind, _: bool) {}
    fn provider(&mut self, step: usize, _: ProviderKind, _: Verdict) {
        if let Some(r) = self.ran.get_mut(step) {
            *r = true;
        }
    }
}

/// The pipeline with every provider replaced by `Reject`, which never handles: evaluating
/// it runs the provider of every step whose predicates all hold.
fn opaque(pipeline: &Pipeline) -> Pipeline {
    Pipeline {
        steps: pipeline
            .steps
            .iter()
            .map(|s| Step { predicates: s.predicates.clone(), provider: Provider::Reject })
            .collect(),
    }
}

/// Evaluates `settings.cases` requests drawn from `pipeline`'s configuration (seeded by
/// `settings.seed`) and counts, per step, those that reached its provider and those its
/// predicates accepted; a step never reached gets a warning with the reason `lint` gives.
/// `Err` when a counted fact contradicts the static analysis (LINT-EXACT).
pub fn measure(pipeline: &Pipeline, settings: &Settings) -> Result<Reach, (Reach, String)> {
    let n = pipeline.steps.len();
    let engine = CompiledPipeline::compile(pipeline);
    let opaque_pipeline = opaque(pipeline);
    let opaque_engine = CompiledPipeline::compile(&opaque_pipeline);
    let strategy = (arb_request_for(pipeline), arb_environment_for(pipeline));
    let mut runner = test_runner(settings);
    let mut reached = vec![0u32; n];
    let mut accepted = vec![0u32; n];
    // For a step that accepted a request it did not reach: which step decided it, how often.
    let mut taken: Vec<Vec<(Option<usize>, u32)>> = vec![Vec::new(); n];
    let mut requests = 0u32;
    for _ in 0..settings.cases {
        let Ok(tree) = strategy.new_tree(&mut runner) else { break };
        let (request, env) = tree.current();
        let request = request.prepare();
        let scope = Scope::of(Deployment::OnPremise, &request);
        let mut real = Counter { ran: vec![false; n] };
        let outcome = engine.evaluate_observed(&request, &env, scope, &mut real);
        let mut accepts = Counter { ran: vec![false; n] };
        opaque_engine.evaluate_observed(&request, &env, scope, &mut accepts);
        requests += 1;
        for s in 0..n {
            reached[s] += u32::from(real.ran[s]);
            accepted[s] += u32::from(accepts.ran[s]);
            if accepts.ran[s] && !real.ran[s] {
                let by = outcome.step();
                match taken[s].iter_mut().find(|(b, _)| *b == by) {
                    Some((_, count)) => *count += 1,
                    None => taken[s].push((by, 1)),
                }
            }
        }
    }
    let lint = analysis::lint(pipeline);
    let mut problems = Vec::new();
    if let Ok(l) = &lint {
        for (s, r) in l.steps.iter().enumerate() {
            if !r.reachable && reached[s] > 0 {
                problems.push(format!(
                    "LINT-EXACT: the static analysis calls step {s} unreachable, but {} \
                     generated request(s) reached its provider",
                    reached[s]
                ));
            }
            if !r.satisfiable && accepted[s] > 0 {
                problems.push(format!(
                    "LINT-EXACT: the static analysis says the predicates of step {s} contradict, \
                     but {} generated request(s) satisfied them all",
                    accepted[s]
                ));
            }
        }
    }
    let steps = (0..n)
        .map(|s| StepReach {
            step: s,
            provider: pipeline.steps[s].provider.kind().class_name(),
            reached: reached[s],
            accepted: accepted[s],
            warning: (reached[s] == 0).then(|| why(s, &lint, requests, accepted[s], &taken[s])),
        })
        .collect();
    let reach = Reach { requests, steps };
    if problems.is_empty() {
        Ok(reach)
    } else {
        Err((reach, problems.join("\n")))
    }
}

/// Why step `s` was never reached: the static analysis's reason, or what the generated
/// requests did when the analysis says it is reachable.
fn why(
    s: usize,
    lint: &Result<Lint, analysis::AnalysisError>,
    requests: u32,
    accepted: u32,
    taken: &[(Option<usize>, u32)],
) -> String {
    let observed = if accepted == 0 {
        format!("none of the {requests} generated requests satisfied all its predicates")
    } else {
        let mut by: Vec<&(Option<usize>, u32)> = taken.iter().collect();
        by.sort_by_key(|(step, count)| (std::cmp::Reverse(*count), *step));
        let list: Vec<String> = by
            .iter()
            .map(|(step, count)| match step {
                Some(h) => format!("step {h} decided {count}"),
                None => format!("{count} undecided"),
            })
            .collect();
        format!(
            "{accepted} generated request(s) satisfied its predicates, but an earlier step \
             decided them first ({})",
            list.join(", ")
        )
    };
    match lint {
        Ok(l) => match l.steps.get(s) {
            Some(r) if !r.satisfiable => format!(
                "its predicates contradict: {} (lint: contradictory-predicates, unreachable-step)",
                r.contradiction.as_deref().unwrap_or("no request satisfies them all")
            ),
            Some(r) if !r.reachable => {
                let earlier: Vec<String> = r.taken_by.iter().map(|h| h.to_string()).collect();
                format!(
                    "every request it accepts is handled first by step {}, whose provider \
                     always handles (lint: unreachable-step)",
                    earlier.join(" or ")
                )
            }
            _ => format!(
                "the static analysis finds requests that reach it (PROTOCOL 1.7), but {observed}; \
                 try more --cases or another --seed"
            ),
        },
        Err(e) => format!("{observed}; the static analysis could not decide: {e}"),
    }
}

/// The `PIPE-REACH` case on a user's pipeline: passes with a warning per step never reached;
/// fails when what was observed contradicts the static analysis.
pub fn case(pipeline: Arc<Pipeline>) -> Case {
    Case::with_reach(
        ID,
        "1.7",
        Suite::Pipeline,
        "generated requests reach each step's provider; steps never reached are warnings",
        move |settings: &Settings| match measure(&pipeline, settings) {
            Ok(reach) => Ran { status: Status::Pass, reach: Some(reach) },
            Err((reach, message)) => {
                Ran { status: Status::Fail { message, counterexample: None }, reach: Some(reach) }
            }
        },
    )
}
