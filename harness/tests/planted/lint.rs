//! A planted analysis bug (feature `mutants`) makes LINT-EXACT fail with a shrunk
//! counterexample (two pipelines as XML).

use crate::support::lint as settings;
use crmauth::check::lint::run_lint_exact;
use crmauth::check::Status;
use crmauth::pipeline::analysis::Analyser;

/// A planted analysis bug makes LINT-EXACT fail with a shrunk counterexample (two
/// pipelines as XML).
fn assert_caught(m: Mutation) -> String {
    let status = run_lint_exact(Analyser::mutated(m), &settings(256));
    let Status::Fail { message, counterexample: Some(c) } = status else {
        panic!("{m:?} was not caught: {status:?}")
    };
    assert!(c.contains("<pipeline"), "the counterexample shows the pipelines: {c}");
    eprintln!("{m:?}: {message}{c}");
    c
}

#[test]

fn paths_compared_case_sensitively_are_caught_by_lint_exact() {
    let c = assert_caught(Mutation::PathCaseSensitive);
    assert!(c.contains("UrlPathPredicate"), "{c}");
}

#[test]

fn a_role_mask_read_as_equality_is_caught_by_lint_exact() {
    let c = assert_caught(Mutation::RoleMaskEquality);
    assert!(c.contains("ServerRolePredicate"), "{c}");
}
use crmauth::pipeline::analysis::Mutation;
