//! The floor for the engine: each standard deployment (PROTOCOL 1.6; the pipelines of
//! `corpus/pipelines/`) decided by a hand-written function — plain `if`s on the prepared
//! request, the steps' predicates written out, no pipeline data — that calls the same
//! provider function as both evaluators ([`providers::authenticate`]) and builds the same
//! [`Outcome`], MapOrg (PROTOCOL 1.5), IFD's post-authentication pipeline and the
//! no-implied-identity rule (1.6) included.
//!
//! `tests/handwritten.rs` proves each function decides every scenario row and every
//! generated request and environment exactly as the engine does, so the benchmark compares
//! the engine with the same function written by hand, not with a faster wrong one.

use crmauth::pipeline::model::AuthenticationTypes;
use crmauth::pipeline::outcome::ProviderResult;
use crmauth::pipeline::providers::{self, Context};
use crmauth::pipeline::request::Scope;
use crmauth::pipeline::{Environment, Outcome, PreparedRequest, Provider, ProviderKind, Strategy};
use std::collections::BTreeSet;

/// The SDK paths of the standard pipelines' `UrlPathPredicate`s.
const SDK_PATHS: [&str; 5] = [
    "/MSCRMServices/2007/CrmService.asmx",
    "/MSCRMServices/2007/MetadataService.asmx",
    "/MSCRMServices/Metadata.asmx",
    "/MSCRMServices/2009/Metadata.asmx",
    "/MSCRMServices/2009/CrmService.asmx",
];
const SDK_2006: &str = "/MSCRMServices/2006/CrmService.asmx";
const DISCOVERY_AD: &str = "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx";
const DISCOVERY_SPLA: &str = "/MSCRMServices/2007/SPLA/CrmDiscoveryService.asmx";
const DISCOVERY_PASSPORT: &str = "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx";
const SIGN_IN: &str = "/signin.aspx";

/// ASCII case-insensitive equality, as `UrlPathPredicate` and `HttpMethodPredicate` compare.
#[inline(always)]
fn is(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
}

#[inline(always)]
fn is_sdk(path: &str) -> bool {
    SDK_PATHS.iter().any(|p| is(path, p))
}

#[inline(always)]
fn is_post(r: &PreparedRequest) -> bool {
    is(&r.request.method, "POST")
}

/// The configured providers the standard pipelines run (the rest carry no configuration).
pub struct HandWritten {
    /// `MultipleOrganizationSoapHeader`, `authenticationType0` = 0 (AD).
    sdk_ad: Provider,
    /// `authenticationType0` = 1 (Passport).
    sdk_passport: Provider,
    /// `authenticationType0` = 2 (Spla).
    sdk_spla: Provider,
}

impl Default for HandWritten {
    fn default() -> Self {
        let sdk = |t: u8| Provider::MultipleOrganizationSoapHeader {
            authentication_types: AuthenticationTypes(BTreeSet::from([t])),
        };
        HandWritten { sdk_ad: sdk(0), sdk_passport: sdk(1), sdk_spla: sdk(2) }
    }
}

/// A provider at `step`: `Some(outcome)` when it stops the pipeline.
#[inline(always)]
fn run<'a>(step: usize, provider: &'a Provider, cx: Context<'a>) -> Option<Outcome<'a>> {
    let result: ProviderResult<'a> = providers::authenticate(provider, cx);
    result.stops().then(|| Outcome::from_provider(step, provider.kind(), result))
}

static PASS_THROUGH: Provider = Provider::PassThrough;
static WINDOWS: Provider = Provider::Windows;
static ANY_ORGANIZATION_WINDOWS: Provider = Provider::AnyOrganizationWindows;
static SINGLE_ORGANIZATION: Provider = Provider::SingleOrganizationSoapHeader;
static COOKIE_AND_SOAP: Provider = Provider::CookieAndSoapHeader;
static IFD_REDIRECT: Provider = Provider::IfdRedirect;
static POST_AUTHENTICATION: Provider = Provider::CrmPostAuthentication;

/// PROTOCOL 1.6: an authentication without a user stands only on the paths that may be
/// anonymous.
#[inline(always)]
fn no_implied_identity<'a>(o: Outcome<'a>, r: &PreparedRequest, s: Strategy) -> Outcome<'a> {
    match o {
        Outcome::Authenticated { identity, .. }
            if identity.user.is_none() && !r.may_be_anonymous(s) =>
        {
            Outcome::NOT_HANDLED
        }
        o => o,
    }
}

impl HandWritten {
    /// The deployment of `strategy` with its standard pipelines.
    pub fn decide<'a>(
        &'a self,
        strategy: Strategy,
        r: &'a PreparedRequest,
        env: &'a Environment,
    ) -> Outcome<'a> {
        match strategy {
            Strategy::OnPremise => self.onpremise(r, env),
            Strategy::Ifd => self.ifd(r, env),
            Strategy::Passport => self.passport(r, env),
        }
    }

    /// OnPremise (`onpremise.crmauthentication.xml`). Every provider it runs names a
    /// user when it handles, so the no-implied-identity rule never applies.
    pub fn onpremise<'a>(&'a self, r: &'a PreparedRequest, env: &'a Environment) -> Outcome<'a> {
        let cx = Context { request: r, env, scope: Scope::of(Strategy::OnPremise, r) };
        let path = r.path();
        let post = is_post(r);
        if post && is_sdk(path) {
            if let Some(o) = run(0, &self.sdk_ad, cx) {
                return o;
            }
        }
        if post && is(path, SDK_2006) {
            if let Some(o) = run(1, &SINGLE_ORGANIZATION, cx) {
                return o;
            }
        }
        if is(path, DISCOVERY_AD) {
            if let Some(o) = run(2, &ANY_ORGANIZATION_WINDOWS, cx) {
                return o;
            }
        }
        run(3, &WINDOWS, cx).unwrap_or(Outcome::NOT_HANDLED)
    }

    /// IFD (`ifd.crmauthentication.xml`, then `ifd.crmpostauthentication.xml`).
    pub fn ifd<'a>(&'a self, r: &'a PreparedRequest, env: &'a Environment) -> Outcome<'a> {
        let cx = Context { request: r, env, scope: Scope::of(Strategy::Ifd, r) };
        let path = r.path();
        if env.ifd_internal_network_address.is_internal(r.request.client_address) {
            // Steps 0 and 1; steps 2–6 and the post step need an external address. Both
            // providers name a user when they handle.
            if is_post(r) && is_sdk(path) {
                if let Some(o) = run(0, &self.sdk_ad, cx) {
                    return o;
                }
            }
            return run(1, &WINDOWS, cx).unwrap_or(Outcome::NOT_HANDLED);
        }
        let first = if is_post(r) && is_sdk(path) { run(2, &self.sdk_spla, cx) } else { None };
        let first = match first {
            Some(o) => o,
            None if is(path, DISCOVERY_SPLA) => pass_through(3, cx),
            None if is(path, SIGN_IN) => pass_through(4, cx),
            None if r.cookie_exist() => pass_through(5, cx),
            None => return run(6, &IFD_REDIRECT, cx).unwrap_or(Outcome::NOT_HANDLED),
        };
        // The post-authentication pipeline: [External, CookieExist] → CrmPostAuthentication.
        let decided = match first {
            Outcome::Authenticated { .. } if r.cookie_exist() => {
                run(0, &POST_AUTHENTICATION, cx).unwrap_or(first)
            }
            o => o,
        };
        no_implied_identity(decided, r, Strategy::Ifd)
    }

    /// Passport (`passport.crmpassport.xml`): no MapOrg, no Windows accounts.
    pub fn passport<'a>(&'a self, r: &'a PreparedRequest, env: &'a Environment) -> Outcome<'a> {
        let cx = Context { request: r, env, scope: Scope::of(Strategy::Passport, r) };
        let path = r.path();
        if is(path, DISCOVERY_PASSPORT) {
            // PassThrough names no user; discovery may be anonymous.
            return pass_through(0, cx);
        }
        if is_post(r) && is_sdk(path) {
            if let Some(o) = run(1, &self.sdk_passport, cx) {
                return o;
            }
        }
        let o = run(2, &COOKIE_AND_SOAP, cx).unwrap_or(Outcome::NOT_HANDLED);
        no_implied_identity(o, r, Strategy::Passport)
    }
}

/// PassThrough always handles.
#[inline(always)]
fn pass_through<'a>(step: usize, cx: Context<'a>) -> Outcome<'a> {
    run(step, &PASS_THROUGH, cx).unwrap_or(Outcome::NOT_HANDLED)
}

/// The steps each hand-written function can stop at, for the tests' coverage checks:
/// `(strategy, step, provider)` (IFD's post-authentication step is step 0 of its pipeline,
/// the only `CrmPostAuthentication`). IFD's step 5 is not among them: it passes only
/// requests with a session cookie, which the post-authentication step then always decides.
pub const STEPS: &[(Strategy, usize, ProviderKind)] = &[
    (Strategy::OnPremise, 0, ProviderKind::MultipleOrganizationSoapHeader),
    (Strategy::OnPremise, 1, ProviderKind::SingleOrganizationSoapHeader),
    (Strategy::OnPremise, 2, ProviderKind::AnyOrganizationWindows),
    (Strategy::OnPremise, 3, ProviderKind::Windows),
    (Strategy::Ifd, 0, ProviderKind::MultipleOrganizationSoapHeader),
    (Strategy::Ifd, 1, ProviderKind::Windows),
    (Strategy::Ifd, 2, ProviderKind::MultipleOrganizationSoapHeader),
    (Strategy::Ifd, 3, ProviderKind::PassThrough),
    (Strategy::Ifd, 4, ProviderKind::PassThrough),
    (Strategy::Ifd, 6, ProviderKind::IfdRedirect),
    (Strategy::Ifd, 0, ProviderKind::CrmPostAuthentication),
    (Strategy::Passport, 0, ProviderKind::PassThrough),
    (Strategy::Passport, 1, ProviderKind::MultipleOrganizationSoapHeader),
    (Strategy::Passport, 2, ProviderKind::CookieAndSoapHeader),
];
