//! The deployment invariants (PROTOCOL section 3, DEPLOY-*) pass on the real deployment
//! code and catch each fail-closed rule of PROTOCOL 1.6 when it is reverted (planted
//! faults, feature `mutants`).

use crmauth::check::properties::run_by_id;
use crmauth::check::{Settings, Status};
use crmauth::pipeline::planted::{self, SharedFault};

fn settings() -> Settings {
    Settings { cases: 512, seed: 11 }
}

#[test]
fn deploy_no_anonymous_holds() {
    assert_eq!(run_by_id("DEPLOY-NO-ANONYMOUS", &settings()), Some(Status::Pass));
}

#[test]
fn implied_identity_is_caught_by_deploy_no_anonymous() {
    let status = planted::with(SharedFault::ImpliedIdentity, || {
        run_by_id("DEPLOY-NO-ANONYMOUS", &settings())
    });
    let Some(Status::Fail { message, counterexample: Some(c) }) = status else {
        panic!("not caught: {status:?}")
    };
    assert!(message.contains("without a user"), "{message}");
    assert!(c.contains("<pipeline") && c.contains("request: {"), "replayable: {c}");
}

/// Issue 11's bar: the model and the engine agree on 100,000 generated deployment cases
/// (about 35 s on two cores; the one long test of the suite).
#[test]
fn deploy_spec_agrees_on_100k_cases() {
    let settings = Settings { cases: 100_000, seed: 20_261_202 };
    assert_eq!(run_by_id("DEPLOY-SPEC-AGREES", &settings), Some(Status::Pass));
}

/// Each fail-closed rule of PROTOCOL 1.6, reverted in the code both evaluators share, is
/// invisible to PIPE-ORACLE but caught by the model, with a replayable counterexample.
#[test]
fn every_reverted_rule_is_caught_by_deploy_spec_agrees() {
    for fault in [
        SharedFault::ImpliedIdentity,
        SharedFault::UnreadableCookieDeclines,
        SharedFault::MissingOrganizationEnabled,
        SharedFault::PassportWindowsAccounts,
    ] {
        let status = planted::with(fault, || run_by_id("DEPLOY-SPEC-AGREES", &settings()));
        let Some(Status::Fail { message, counterexample: Some(c) }) = status else {
            panic!("{fault:?} not caught: {status:?}")
        };
        assert!(message.contains("disagrees with the model"), "{fault:?}: {message}");
        assert!(c.contains("strategy: ") && c.contains("<pipeline"), "{fault:?}: {c}");
        assert_eq!(
            planted::with(fault, || run_by_id("PIPE-ORACLE", &settings())),
            Some(Status::Pass),
            "{fault:?} is in code both evaluators share: PIPE-ORACLE cannot see it"
        );
    }
}
