//! The deployment invariants (PROTOCOL section 3, DEPLOY-*) pass on the real deployment
//! code, and their generators reach every outcome. That they catch each fail-closed rule of
//! PROTOCOL 1.6 when it is reverted is `tests/planted/deployment.rs`.

use crate::support::DEPLOYMENT;
use crmauth::check::properties::run_by_id;
use crmauth::check::{Settings, Status};

#[test]
fn deploy_no_anonymous_holds() {
    assert_eq!(run_by_id("DEPLOY-NO-ANONYMOUS", &DEPLOYMENT), Some(Status::Pass));
}

/// Issue 11's bar: the model and the engine agree on 100,000 generated deployment cases,
/// run as two tests of 50,000 from two seeds so that the test harness's two threads share
/// them (together about 35 s of CPU on two cores; the long tests of the suite). The first
/// half is the first 50,000 cases of the seed the single test used.
#[test]
fn deploy_spec_agrees_on_100k_cases_first_half() {
    let settings = Settings { cases: 50_000, seed: 20_261_202 };
    assert_eq!(run_by_id("DEPLOY-SPEC-AGREES", &settings), Some(Status::Pass));
}

/// The second 50,000 of issue 11's 100,000 (see above), from another seed.
#[test]
fn deploy_spec_agrees_on_100k_cases_second_half() {
    let settings = Settings { cases: 50_000, seed: 20_261_203 };
    assert_eq!(run_by_id("DEPLOY-SPEC-AGREES", &settings), Some(Status::Pass));
}

/// The deployment generators reach every kind of outcome on every strategy, and every
/// error code of the provider table, so DEPLOY-SPEC-AGREES is not agreement on "denied".
#[test]
fn generated_deployments_reach_every_outcome() {
    use crmauth::check::runner::test_runner;
    use crmauth::generate::deployment::arb_deployment_case;
    use crmauth::pipeline::outcome::NoObserver;
    use crmauth::pipeline::strategy::Deployment;
    use crmauth::pipeline::{Outcome, Strategy};
    use proptest::strategy::{Strategy as _, ValueTree};
    use std::collections::BTreeMap;

    let mut runner = test_runner(&Settings { cases: 1, seed: 5 });
    let cases = arb_deployment_case();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut long_pipelines = 0;
    for _ in 0..6000 {
        let case = cases.new_tree(&mut runner).unwrap().current();
        long_pipelines += usize::from(case.authentication.steps.len() > 64);
        let d = Deployment {
            strategy: case.strategy,
            authentication: case.authentication.clone(),
            post_authentication: case.post_authentication.clone(),
        };
        let request = case.request.clone().prepare();
        let outcome = d.evaluate_observed(&request, &case.env, &mut NoObserver, &mut NoObserver);
        let kind = match outcome {
            Outcome::Authenticated { identity, .. } if identity.user.is_some() => "user".into(),
            Outcome::Authenticated { .. } => "anonymous".into(),
            Outcome::Redirect { .. } => "redirect".into(),
            Outcome::Denied { error: Some(e), .. } => format!("{:08X}", e.0),
            Outcome::Denied { error: None, .. } => "denied".into(),
        };
        *seen.entry((format!("{:?}", case.strategy), kind)).or_default() += 1;
    }
    for strategy in [Strategy::OnPremise, Strategy::Ifd, Strategy::Passport] {
        for kind in ["user", "anonymous", "redirect", "denied", "8004A100", "80040204"] {
            assert!(
                seen.contains_key(&(format!("{strategy:?}"), kind.to_string())),
                "{strategy:?} never gave {kind}: {seen:?}"
            );
        }
    }
    for code in ["8004A100", "8004A101", "8004A102", "8004A104", "8004A110", "8004A112", "80040204"]
    {
        assert!(seen.keys().any(|(_, k)| k == code), "no case failed with {code}: {seen:?}");
    }
    assert!(long_pipelines > 100, "pipelines past one 64-bit word: {long_pipelines}");
}
