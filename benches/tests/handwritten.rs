//! The hand-written baseline decides like the engine (so the benchmark compares the engine
//! with the same function, not a faster wrong one): on every row of the standard scenario
//! tables, and on generated requests and environments (the deployment generator of
//! DEPLOY-SPEC-AGREES: session cookies valid, unreadable and decoy; tokens of every type,
//! tickets and organizations known, unknown and deleted; internal and external addresses)
//! against each standard deployment. PIPE-ORACLE's reference interpreter is the third
//! opinion on the scenario rows. Every step each function can stop at is reached.

use crmauth::generate::deployment::{arb_deployment_case, STANDARD};
use crmauth::pipeline::outcome::NoObserver;
use crmauth::pipeline::strategy::Deployment;
use crmauth::pipeline::{xml, CompiledPipeline, Environment, Outcome, PreparedRequest, Strategy};
use crmauth_benches::handwritten::{HandWritten, STEPS};
use crmauth_benches::Workload;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::BTreeSet;
use std::sync::Mutex;

type Reached = BTreeSet<(String, usize, String)>;

/// Where an outcome stopped, as `(strategy, step, provider)`.
fn stop(strategy: Strategy, o: &Outcome<'_>) -> Option<(String, usize, String)> {
    match o {
        Outcome::Authenticated { step, provider, .. }
        | Outcome::Redirect { step, provider, .. } => {
            Some((format!("{strategy:?}"), *step, format!("{provider:?}")))
        }
        Outcome::Denied { step: Some(step), provider: Some(provider), .. } => {
            Some((format!("{strategy:?}"), *step, format!("{provider:?}")))
        }
        Outcome::Denied { .. } => None,
    }
}

fn engine<'a>(
    d: &'a Deployment<CompiledPipeline>,
    r: &'a PreparedRequest,
    env: &'a Environment,
) -> Outcome<'a> {
    d.evaluate_observed(r, env, &mut NoObserver, &mut NoObserver)
}

#[test]
fn decides_every_scenario_row_like_the_engine_and_the_reference() {
    let hw = HandWritten::default();
    let mut reached = Reached::new();
    let mut rows = 0;
    for w in Workload::standard() {
        let (env, strategy) = (&w.table.env, w.table.compiled.strategy);
        for (r, s) in w.requests.iter().zip(&w.table.scenarios) {
            let ours = hw.decide(strategy, r, env);
            assert_eq!(ours, engine(&w.table.compiled, r, env), "{}: {}", w.name, s.name);
            let reference =
                w.table.reference.evaluate_observed(r, env, &mut NoObserver, &mut NoObserver);
            assert_eq!(ours, reference, "{}: {}", w.name, s.name);
            reached.extend(stop(strategy, &ours));
            rows += 1;
        }
    }
    assert!(rows >= 40, "the standard tables have {rows} rows");
}

#[test]
fn decides_generated_cases_like_the_engine_on_every_standard_deployment() {
    let hw = HandWritten::default();
    let deployments: Vec<Deployment<CompiledPipeline>> = STANDARD
        .iter()
        .map(|(strategy, auth, post)| {
            let parse = |t: &str| xml::parse(t).expect("the standard pipelines parse");
            Deployment {
                strategy: *strategy,
                authentication: parse(auth),
                post_authentication: post.map(parse),
            }
            .compile()
        })
        .collect();
    let reached = Mutex::new(Reached::new());
    let mut runner =
        TestRunner::new(Config { cases: 6_000, failure_persistence: None, ..Config::default() });
    runner
        .run(&arb_deployment_case(), |case| {
            let r = case.request.clone().prepare();
            for d in &deployments {
                let ours = hw.decide(d.strategy, &r, &case.env);
                let theirs = engine(d, &r, &case.env);
                if ours != theirs {
                    return Err(TestCaseError::fail(format!(
                        "{:?}: hand-written {ours:?}, engine {theirs:?}",
                        d.strategy
                    )));
                }
                reached.lock().expect("not poisoned").extend(stop(d.strategy, &ours));
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let reached = reached.into_inner().expect("not poisoned");
    for (strategy, step, kind) in STEPS {
        let key = (format!("{strategy:?}"), *step, format!("{kind:?}"));
        assert!(reached.contains(&key), "no generated case stops at {key:?}");
    }
}
