//! Survivors of `harness/src/pipeline/` (cargo-mutants run 5, docs/mutants.md).

use crmauth::pipeline::analysis;
use crmauth::pipeline::model::{Pipeline, Predicate, Provider, Step};
use std::collections::BTreeMap;

fn path(p: &str) -> Predicate {
    Predicate::UrlPath { paths: BTreeMap::from([("path".to_string(), p.to_string())]) }
}

fn step(predicates: Vec<Predicate>, provider: Provider) -> Step {
    Step { predicates, provider }
}

/// `StepReport::taken_by`'s contract: "when satisfiable but unreachable: the earlier
/// always-handling steps that take the requests it accepts" — so a reachable step has none,
/// even when, for some requests, an earlier step that always handles (PassThrough, PROTOCOL
/// 1.4) runs before it.
#[test]
fn only_unreachable_steps_are_taken_by_earlier_steps() {
    let p = Pipeline {
        steps: vec![
            // 0: every request for /a is handled here.
            step(vec![path("/a")], Provider::PassThrough),
            // 1: reachable by any other path; after step 0 for /a.
            step(vec![], Provider::Windows),
            // 2: accepts only /a, which step 0 always takes.
            step(vec![path("/a")], Provider::Windows),
        ],
    };
    let lint = analysis::lint(&p).unwrap();
    let s = &lint.steps;
    assert!(s[1].reachable && s[1].taken_by.is_empty(), "{:?}", s[1]);
    assert!(s[2].satisfiable && !s[2].reachable, "{:?}", s[2]);
    assert_eq!(s[2].taken_by, vec![0]);
}

/// `StepReport::contradiction`'s contract: "why not, when not satisfiable". A request's
/// address is internal or external, never both (PROTOCOL 1.3): that step is unsatisfiable
/// and says so; a satisfiable step has no contradiction.
#[test]
fn only_unsatisfiable_steps_name_a_contradiction() {
    let p = Pipeline {
        steps: vec![
            step(
                vec![Predicate::InternalRequestAddress, Predicate::ExternalRequestAddress],
                Provider::Windows,
            ),
            step(vec![Predicate::InternalRequestAddress], Provider::Windows),
        ],
    };
    let lint = analysis::lint(&p).unwrap();
    let s = &lint.steps;
    assert!(!s[0].satisfiable);
    let why = s[0].contradiction.as_deref().unwrap_or_default();
    assert!(why.contains("internal") && why.contains("external"), "{why:?}");
    assert!(s[1].satisfiable && s[1].contradiction.is_none(), "{:?}", s[1]);
}
