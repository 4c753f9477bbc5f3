//! The deployment invariants of PROTOCOL section 3 (DEPLOY-*): MapOrg and a strategy's
//! pipelines together, on both evaluators and both walks of the engine.
//!
//! What each shares with what it checks: DEPLOY-NO-ANONYMOUS runs the deployment code under
//! test and judges its outcome against the list of paths PROTOCOL 1.6 lets be anonymous,
//! written out here rather than taken from the code. DEPLOY-SPEC-AGREES hands the same bytes
//! (the pipelines as XML, the request and environment as JSON) to the engine and to
//! `crmauth-spec`, an executable model of PROTOCOL section 1 written from the documents
//! alone with its own XML parser, token and cookie decoders; the two share the bytes and the
//! outcome JSON format, nothing else. The generators and the printing of the case are ours.

use super::runner::check_property;
use super::{Case, Settings, Suite};
use crate::generate::deployment::{arb_deployment_case, DeploymentCase};
use crate::pipeline::engine::Walk;
use crate::pipeline::outcome::{NoObserver, Outcome, Trace};
use crate::pipeline::strategy::Deployment;
use crate::pipeline::{xml, BuiltIn, CompiledPipeline, Environment, Pipeline, Request, Strategy};
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

/// DEPLOY-SPEC-AGREES on one case: the reference interpreter and both engine walks, each
/// reading the case back from the bytes the model reads, give the model's outcome.
pub fn spec_agrees(case: &DeploymentCase) -> Result<(), TestCaseError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| TestCaseError::fail(format!("{what}: {e}"));
    let auth_xml = xml::print(&case.authentication);
    let post_xml = case.post_authentication.as_ref().map(xml::print);
    // The generated universe's tickets are fake; the model needs them in full.
    let (request_json, env_json) = crate::codec::redact::with_revealed(|| {
        (serde_json::to_string(&case.request), serde_json::to_string(&case.env))
    });
    let request_json = request_json.map_err(|e| fail("request", &e))?;
    let env_json = env_json.map_err(|e| fail("environment", &e))?;

    let strategy = match case.strategy {
        Strategy::OnPremise => crmauth_spec::Strategy::OnPremise,
        Strategy::Ifd => crmauth_spec::Strategy::Ifd,
        Strategy::Passport => crmauth_spec::Strategy::Passport,
    };
    let model = crmauth_spec::Deployment::load(strategy, &auth_xml, post_xml.as_deref())
        .map_err(|e| fail("the model refused the pipelines", &e))?;
    let expected =
        model.decide(&request_json, &env_json).map_err(|e| fail("the model refused", &e))?;

    let request: Request =
        serde_json::from_str(&request_json).map_err(|e| fail("request JSON", &e))?;
    let env: Environment =
        serde_json::from_str(&env_json).map_err(|e| fail("environment JSON", &e))?;
    let parse = |text: &str| xml::parse(text).map_err(|e| fail("pipeline XML", &e));
    let read = DeploymentCase {
        strategy: case.strategy,
        authentication: parse(&auth_xml)?,
        post_authentication: post_xml.as_deref().map(parse).transpose()?,
        request,
        env,
    };
    let prepared = read.request.clone().prepare();
    let mut got =
        vec![("reference", reference_deployment(&read).evaluate_json(&prepared, &read.env))];
    for (name, walk) in [
        ("engine", None),
        ("engine steps", Some(Walk::Steps)),
        ("engine filter", Some(Walk::Filter)),
    ] {
        got.push((name, compiled_deployment(&read, walk).evaluate_json(&prepared, &read.env)));
    }
    for (name, report) in got {
        prop_assert_eq!(&report["outcome"], &expected, "{} disagrees with the model", name);
    }
    Ok(())
}

/// The deployment cases of `crmauth check`.
pub fn deployment_cases() -> Vec<Case> {
    vec![
        Case::new(
            "DEPLOY-NO-ANONYMOUS",
            "1.6",
            Suite::Pipeline,
            "outside discovery and the IFD sign-in page, every authentication names a user",
            |s: &Settings| check_property(s, arb_deployment_case(), |case| no_anonymous(&case)),
        ),
        Case::new(
            "DEPLOY-SPEC-AGREES",
            "1",
            Suite::Pipeline,
            "the deployments agree with crmauth-spec, an executable model that shares no code",
            |s: &Settings| check_property(s, arb_deployment_case(), |case| spec_agrees(&case)),
        ),
    ]
}
