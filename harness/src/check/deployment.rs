//! The deployment invariants of PROTOCOL section 3 (DEPLOY-*): MapOrg and a strategy's
//! pipelines together, on both evaluators and both walks of the engine.
//!
//! What each shares with what it checks: DEPLOY-NO-ANONYMOUS runs the deployment code under
//! test and judges its outcome against the list of paths PROTOCOL 1.6 lets be anonymous,
//! written out here rather than taken from the code.

use super::runner::check_property;
use super::{Case, Settings, Suite};
use crate::gen::deployment::{arb_deployment_case, DeploymentCase};
use crate::pipeline::engine::Walk;
use crate::pipeline::outcome::{NoObserver, Outcome, Trace};
use crate::pipeline::strategy::Deployment;
use crate::pipeline::{BuiltIn, CompiledPipeline, Pipeline, Strategy};
use proptest::prelude::*;

/// The paths PROTOCOL 1.6 lets be authenticated without a user, as the text lists them.
const ANONYMOUS_PATHS: [&str; 3] = [
    "/mscrmservices/2007/ad/crmdiscoveryservice.asmx",
    "/mscrmservices/2007/spla/crmdiscoveryservice.asmx",
    "/mscrmservices/2007/passport/crmdiscoveryservice.asmx",
];
const IFD_SIGN_IN: &str = "/signin.aspx";

/// Whether PROTOCOL 1.6 lets `path` (with its query) be authenticated without a user.
fn may_be_anonymous(strategy: Strategy, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or("").to_ascii_lowercase();
    ANONYMOUS_PATHS.contains(&path.as_str()) || (strategy == Strategy::Ifd && path == IFD_SIGN_IN)
}

/// The deployment of a case on the reference interpreter.
pub fn reference_deployment(case: &DeploymentCase) -> Deployment<Pipeline> {
    Deployment {
        strategy: case.strategy,
        authentication: case.authentication.clone(),
        post_authentication: case.post_authentication.clone(),
    }
}

/// The deployment of a case compiled with `walk` (`None`: as `compile` chooses).
pub fn compiled_deployment(
    case: &DeploymentCase,
    walk: Option<Walk>,
) -> Deployment<CompiledPipeline> {
    let compile = |p: &Pipeline| match walk {
        Some(w) => CompiledPipeline::compile_walk(p, w),
        None => CompiledPipeline::compile(p),
    };
    Deployment {
        strategy: case.strategy,
        authentication: compile(&case.authentication),
        post_authentication: case.post_authentication.as_ref().map(compile),
    }
}

/// DEPLOY-NO-ANONYMOUS on one case, for every evaluator and walk.
pub fn no_anonymous(case: &DeploymentCase) -> Result<(), TestCaseError> {
    let request = case.request.clone().prepare();
    let reference = reference_deployment(case);
    let check = |name: &str, outcome: Outcome<'_>| -> Result<(), TestCaseError> {
        if let Outcome::Authenticated { step, provider, identity } = outcome {
            prop_assert!(
                identity.user.is_some() || may_be_anonymous(case.strategy, &case.request.path),
                "{name}: {} authenticated {} without a user at step {step} ({})",
                provider.class_name(),
                case.request.path,
                identity.organization.unwrap_or("no organization"),
            );
        }
        Ok(())
    };
    let (mut t, mut p) = (Trace::default(), Trace::default());
    check("reference", reference.evaluate_observed(&request, &case.env, &mut t, &mut p))?;
    for (name, walk) in [
        ("engine", None),
        ("engine steps", Some(Walk::Steps)),
        ("engine filter", Some(Walk::Filter)),
    ] {
        let compiled = compiled_deployment(case, walk);
        let outcome =
            compiled.evaluate_observed(&request, &case.env, &mut NoObserver, &mut NoObserver);
        check(name, outcome)?;
    }
    Ok(())
}

/// The deployment cases of `crmauth check`.
pub fn deployment_cases() -> Vec<Case> {
    vec![Case::new(
        "DEPLOY-NO-ANONYMOUS",
        "1.6",
        Suite::Pipeline,
        "outside discovery and the IFD sign-in page, every authentication names a user",
        |s: &Settings| check_property(s, arb_deployment_case(), |case| no_anonymous(&case)),
    )]
}
