//! Survivors of `harness/src/pipeline/` (cargo-mutants run 5, docs/mutants.md).

use crate::lint::step;
use crmauth::pipeline::analysis;
use crmauth::pipeline::model::{Pipeline, Predicate, Provider};
use std::collections::BTreeMap;

fn path(p: &str) -> Predicate {
    Predicate::UrlPath { paths: BTreeMap::from([("path".to_string(), p.to_string())]) }
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

/// The contradiction named for each kind of unsatisfiable step (`StepReport::contradiction`:
/// "which predicates contradict"), from PROTOCOL 1.3's predicates: one method per request,
/// `roles & mask != 0` is never true for mask 0, a request path has no query, and a path is
/// in every UrlPathPredicate of a step or the step never runs.
#[test]
fn each_contradiction_names_the_predicates_that_contradict() {
    let method = |m: &str| Predicate::HttpMethod { method: m.to_string() };
    let why = |predicates: Vec<Predicate>| -> String {
        let lint =
            analysis::lint(&Pipeline { steps: vec![step(predicates, Provider::Windows)] }).unwrap();
        assert!(!lint.steps[0].satisfiable, "{:?}", lint.steps[0]);
        lint.steps[0].contradiction.clone().unwrap()
    };
    // Two methods, with an address predicate that is not the contradiction.
    let m = why(vec![Predicate::InternalRequestAddress, method("GET"), method("POST")]);
    assert!(m.contains("GET and POST") && !m.contains("address"), "{m}");
    let r = why(vec![Predicate::ServerRole { roles: 0 }]);
    assert!(r.contains("roles 0"), "{r}");
    let q = why(vec![path("/a?x=1")]);
    assert!(q.contains("query"), "{q}");
    let p = why(vec![path("/a"), path("/b")]);
    assert!(p.contains("no path is in every UrlPathPredicate"), "{p}");
    // The same method in two cases is no contradiction (PROTOCOL 1.3: case-insensitive).
    let lint = analysis::lint(&Pipeline {
        steps: vec![step(vec![method("GET"), method("get")], Provider::Windows)],
    })
    .unwrap();
    assert!(lint.steps[0].satisfiable);
}

/// `StepReport::redundant_predicates`: "predicates implied by the others or always true".
/// AlwaysAuthenticationPredicate is always true (PROTOCOL 1.3), so beside another predicate
/// it is redundant, and of two the second is; alone it is how a step says "every request"
/// and is kept (the documented exception).
#[test]
fn an_always_predicate_is_redundant_unless_it_stands_alone() {
    let redundant = |predicates: Vec<Predicate>| -> Vec<usize> {
        let lint =
            analysis::lint(&Pipeline { steps: vec![step(predicates, Provider::Windows)] }).unwrap();
        lint.steps[0].redundant_predicates.iter().map(|r| r.index).collect()
    };
    assert_eq!(redundant(vec![Predicate::Always]), Vec::<usize>::new());
    assert_eq!(redundant(vec![Predicate::Always, path("/a")]), vec![0]);
    assert_eq!(redundant(vec![Predicate::Always, Predicate::Always]), vec![1]);
}
