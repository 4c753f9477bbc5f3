//! Each fail-closed rule of PROTOCOL 1.6, reverted in the code both evaluators share
//! (feature `mutants`), is caught by the deployment invariants (DEPLOY-*).

use crate::support::DEPLOYMENT;
use crmauth::check::properties::run_by_id;
use crmauth::check::Status;

use crmauth::pipeline::planted::{self, SharedFault};

#[test]
fn implied_identity_is_caught_by_deploy_no_anonymous() {
    let status = planted::with(SharedFault::ImpliedIdentity, || {
        run_by_id("DEPLOY-NO-ANONYMOUS", &DEPLOYMENT)
    });
    let Some(Status::Fail { message, counterexample: Some(c) }) = status else {
        panic!("not caught: {status:?}")
    };
    assert!(message.contains("without a user"), "{message}");
    assert!(c.contains("<pipeline") && c.contains("request: {"), "replayable: {c}");
}

/// A fail-closed rule of PROTOCOL 1.6, reverted in the code both evaluators share, is
/// invisible to PIPE-ORACLE but caught by the model, with a replayable counterexample.
/// One test per rule, so that the test threads share them.
fn reverted_rule_is_caught_by_deploy_spec_agrees(fault: SharedFault) {
    let status = planted::with(fault, || run_by_id("DEPLOY-SPEC-AGREES", &DEPLOYMENT));
    let Some(Status::Fail { message, counterexample: Some(c) }) = status else {
        panic!("{fault:?} not caught: {status:?}")
    };
    assert!(message.contains("disagrees with the model"), "{fault:?}: {message}");
    assert!(c.contains("strategy: ") && c.contains("<pipeline"), "{fault:?}: {c}");
    assert_eq!(
        planted::with(fault, || run_by_id("PIPE-ORACLE", &DEPLOYMENT)),
        Some(Status::Pass),
        "{fault:?} is in code both evaluators share: PIPE-ORACLE cannot see it"
    );
}

#[test]
fn reverted_implied_identity_is_caught_by_deploy_spec_agrees() {
    reverted_rule_is_caught_by_deploy_spec_agrees(SharedFault::ImpliedIdentity);
}

#[test]
fn reverted_unreadable_cookie_declines_is_caught_by_deploy_spec_agrees() {
    reverted_rule_is_caught_by_deploy_spec_agrees(SharedFault::UnreadableCookieDeclines);
}

#[test]
fn reverted_missing_organization_enabled_is_caught_by_deploy_spec_agrees() {
    reverted_rule_is_caught_by_deploy_spec_agrees(SharedFault::MissingOrganizationEnabled);
}

#[test]
fn reverted_passport_windows_accounts_is_caught_by_deploy_spec_agrees() {
    reverted_rule_is_caught_by_deploy_spec_agrees(SharedFault::PassportWindowsAccounts);
}
