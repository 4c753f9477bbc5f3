//! A deployment: a strategy, its pipelines, MapOrg, the IFD composition and "identity is
//! never implied" (PROTOCOL 1.1, 1.5, 1.6; docs/pipeline.md; issue 11 rules 5-7).

use crate::cookie::parse_cookie_header;
use crate::environment::Environment;
use crate::error::SpecError;
use crate::evaluate::{run_pipeline, Context, Outcome, OutcomeKind};
use crate::pipeline::{load_pipeline, Pipeline};
use crate::request::{first_path_segment, is_sdk_path, Request};
use crate::token::{decode_token, Token};
use std::str::FromStr;

/// The authentication strategy of web.config (PROTOCOL 1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    OnPremise,
    Ifd,
    Passport,
}

impl FromStr for Strategy {
    type Err = SpecError;

    /// `"OnPremise"`, `"IFD"` or `"Passport"`, exactly.
    fn from_str(text: &str) -> Result<Strategy, SpecError> {
        match text {
            "OnPremise" => Ok(Strategy::OnPremise),
            "IFD" => Ok(Strategy::Ifd),
            "Passport" => Ok(Strategy::Passport),
            other => Err(SpecError::Strategy(other.to_string())),
        }
    }
}

/// A strategy and its parsed pipelines.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub strategy: Strategy,
    /// `CrmAuthentication` (or `CrmPassport` for Passport).
    pub authentication: Pipeline,
    /// IFD's `CrmPostAuthentication`; none for the other strategies.
    pub post_authentication: Option<Pipeline>,
}

impl Deployment {
    /// Read the pipelines of a deployment. IFD needs `post_authentication_xml`; the other
    /// strategies take none (PROTOCOL 1.1).
    pub fn load(
        strategy: Strategy,
        authentication_xml: &str,
        post_authentication_xml: Option<&str>,
    ) -> Result<Deployment, SpecError> {
        let authentication = load_pipeline(authentication_xml)?;
        let post_authentication = match (strategy, post_authentication_xml) {
            (Strategy::Ifd, Some(xml)) => Some(load_pipeline(xml)?),
            (Strategy::Ifd, None) => {
                return Err(SpecError::Deployment(
                    "IFD needs a CrmPostAuthentication pipeline".to_string(),
                ))
            }
            (_, Some(_)) => {
                return Err(SpecError::Deployment(
                    "only IFD has a CrmPostAuthentication pipeline".to_string(),
                ))
            }
            (_, None) => None,
        };
        Ok(Deployment { strategy, authentication, post_authentication })
    }

    /// Decide a request in an environment (both JSON) and return the outcome object
    /// (always the eight keys).
    pub fn decide(
        &self,
        request_json: &str,
        env_json: &str,
    ) -> Result<serde_json::Value, SpecError> {
        let request = Request::from_json(request_json)?;
        let environment = Environment::from_json(env_json)?;
        let outcome = self.decide_parsed(&request, &environment)?;
        Ok(outcome.to_json())
    }

    /// [`Deployment::decide`] on parsed input.
    pub fn decide_parsed(
        &self,
        request: &Request,
        environment: &Environment,
    ) -> Result<Outcome, SpecError> {
        let context = self.context(request, environment)?;
        let outcome = self.run(&context);
        Ok(identity_never_implied(outcome, self.strategy, request.path_without_query()))
    }

    /// The facts of one request, read once.
    fn context<'a>(
        &self,
        request: &'a Request,
        environment: &'a Environment,
    ) -> Result<Context<'a>, SpecError> {
        let token = request.body.as_deref().and_then(decode_token);
        let organization = map_org(self.strategy, request, token.as_ref());
        Ok(Context {
            request,
            environment,
            address: request.address()?,
            cookies: parse_cookie_header(request.cookie.as_deref()),
            token,
            organization,
            windows_identity: windows_identity(self.strategy, request),
        })
    }

    /// Rule 7: IFD runs CrmAuthentication, then, if that authenticated,
    /// CrmPostAuthentication, whose handling, redirect or failure replaces the outcome.
    /// The other strategies run their one pipeline.
    fn run(&self, context: &Context<'_>) -> Outcome {
        let first = match run_pipeline(&self.authentication, context) {
            Some(outcome) => outcome,
            None => return Outcome::denied_unhandled(),
        };
        let post = match &self.post_authentication {
            Some(post) => post,
            None => return first,
        };
        if first.kind != OutcomeKind::Authenticated {
            return first;
        }
        match run_pipeline(post, context) {
            Some(post_outcome) => post_outcome,
            None => first,
        }
    }
}

/// Rule 5: a Passport deployment has no Windows identity.
fn windows_identity(strategy: Strategy, request: &Request) -> Option<String> {
    match strategy {
        Strategy::Passport => None,
        Strategy::OnPremise | Strategy::Ifd => request.windows_identity.clone(),
    }
}

/// MapOrg (PROTOCOL 1.5; docs/pipeline.md): SDK calls take `OrganizationName` from the
/// token; web requests the first path segment (at least two segments); never for
/// Passport.
fn map_org(strategy: Strategy, request: &Request, token: Option<&Token>) -> Option<String> {
    if strategy == Strategy::Passport {
        return None;
    }
    let path = request.path_without_query();
    if is_sdk_path(path) {
        return token.and_then(|token| token.organization_name.clone());
    }
    first_path_segment(path).map(str::to_string)
}

/// The paths that may be authenticated without a user (PROTOCOL 1.6; rule 6): the
/// discovery endpoints, and under IFD the sign-in page.
fn anonymous_allowed(strategy: Strategy, path_without_query: &str) -> bool {
    let discovery = [
        "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx",
        "/MSCRMServices/2007/SPLA/CrmDiscoveryService.asmx",
        "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx",
    ];
    if discovery.iter().any(|allowed| allowed.eq_ignore_ascii_case(path_without_query)) {
        return true;
    }
    strategy == Strategy::Ifd && "/signin.aspx".eq_ignore_ascii_case(path_without_query)
}

/// Rule 6 (PROTOCOL 1.6, DEPLOY-NO-ANONYMOUS): an authenticated outcome without a user is
/// denied (step, provider, error null) outside the allowed paths.
fn identity_never_implied(outcome: Outcome, strategy: Strategy, path: &str) -> Outcome {
    let anonymous = outcome.kind == OutcomeKind::Authenticated && outcome.identity.user.is_none();
    if anonymous && !anonymous_allowed(strategy, path) {
        return Outcome::denied_unhandled();
    }
    outcome
}
