//! What evaluating a pipeline gives (PROTOCOL 1.2, outcomes ours) and what it saw.

use super::model::{PredicateKind, ProviderKind};
use crate::codec::fault::ErrorCode;
use serde::Serialize;
use std::fmt;
use uuid::Uuid;

/// Who the request runs as once authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Identity<'a> {
    /// The CRM user id; `None` for anonymous (PassThrough) and config-DB identities.
    pub user: Option<Uuid>,
    /// The organization the user belongs to (from MapOrg or the user record, PROTOCOL 1.5);
    /// `None` when the identity names none.
    pub organization: Option<&'a str>,
    /// The impersonated user (a token's non-empty `CallerId`), the work is done for.
    pub caller: Option<Uuid>,
}

/// Where a redirecting provider sends the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location<'a> {
    /// `RedirectAuthenticationProvider`'s configured `url`.
    Configured(&'a str),
    /// `CrmServiceRedirectAuthenticationProvider`: `/CrmServiceWsdl.aspx`.
    CrmServiceWsdl,
    /// `IfdRedirectAuthenticationProvider`: `/signin.aspx?ReturnUrl=<path>`.
    IfdSignIn {
        /// The request path to come back to, percent-encoded when displayed.
        return_url: &'a str,
    },
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Configured(url) => f.write_str(url),
            Location::CrmServiceWsdl => f.write_str("/CrmServiceWsdl.aspx"),
            Location::IfdSignIn { return_url } => {
                f.write_str("/signin.aspx?ReturnUrl=")?;
                for b in return_url.bytes() {
                    if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                        write!(f, "{}", b as char)?;
                    } else {
                        write!(f, "%{b:02X}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl Serialize for Location<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What one provider did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderResult<'a> {
    /// Authenticated: the pipeline stops.
    Handled(Identity<'a>),
    /// Redirected: handled, the pipeline stops.
    Redirect(Location<'a>),
    /// Not handled: the pipeline goes on.
    NotHandled,
    /// The provider raised a CRM error (ours: as a thrown exception, it stops the pipeline
    /// and the request is denied with that code).
    Failed(ErrorCode),
}

impl ProviderResult<'_> {
    /// Whether the pipeline stops after this provider.
    pub fn stops(&self) -> bool {
        !matches!(self, ProviderResult::NotHandled)
    }

    /// The trace's view: handled or not, and the error code if any.
    pub fn verdict(&self) -> Verdict {
        match self {
            ProviderResult::Handled(_) | ProviderResult::Redirect(_) => Verdict::Handled,
            ProviderResult::NotHandled => Verdict::NotHandled,
            ProviderResult::Failed(code) => Verdict::Failed(*code),
        }
    }
}

/// A provider's result without its data, as recorded in a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Authenticated or redirected: the pipeline stopped here.
    Handled,
    /// Declined: the pipeline went on.
    NotHandled,
    /// Raised this CRM error code: the request was denied.
    Failed(ErrorCode),
}

/// The result of a pipeline evaluation. Its JSON (`Serialize`, in [`super::json`]) is
/// flat: `{"kind","step","provider","location","user","organization","caller","error"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// A provider authenticated the request.
    Authenticated {
        /// Index (0-based) of the deciding step.
        step: usize,
        /// The provider that authenticated.
        provider: ProviderKind,
        /// Who the request runs as.
        identity: Identity<'a>,
    },
    /// A provider redirected the client.
    Redirect {
        /// Index (0-based) of the deciding step.
        step: usize,
        /// The provider that redirected.
        provider: ProviderKind,
        /// Where the client is sent.
        location: Location<'a>,
    },
    /// No step handled the request (`step` is `None`: fail closed), or a provider failed.
    Denied {
        /// Index (0-based) of the step whose provider failed; `None` when none handled it.
        step: Option<usize>,
        /// The provider that failed, if one did.
        provider: Option<ProviderKind>,
        /// The CRM error code the provider raised (PROTOCOL 2.4), if one did.
        error: Option<ErrorCode>,
    },
}

impl<'a> Outcome<'a> {
    /// No step handled the request.
    pub const NOT_HANDLED: Outcome<'static> =
        Outcome::Denied { step: None, provider: None, error: None };

    /// The outcome of a provider that stopped the pipeline at `step`.
    pub fn from_provider(step: usize, provider: ProviderKind, r: ProviderResult<'a>) -> Self {
        match r {
            ProviderResult::Handled(identity) => {
                Outcome::Authenticated { step, provider, identity }
            }
            ProviderResult::Redirect(location) => Outcome::Redirect { step, provider, location },
            ProviderResult::Failed(code) => {
                Outcome::Denied { step: Some(step), provider: Some(provider), error: Some(code) }
            }
            ProviderResult::NotHandled => Outcome::NOT_HANDLED,
        }
    }

    /// `authenticated`, `redirect` or `denied`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Authenticated { .. } => "authenticated",
            Outcome::Redirect { .. } => "redirect",
            Outcome::Denied { .. } => "denied",
        }
    }

    /// The step that decided, if a provider did.
    pub fn step(&self) -> Option<usize> {
        match self {
            Outcome::Authenticated { step, .. } | Outcome::Redirect { step, .. } => Some(*step),
            Outcome::Denied { step, .. } => *step,
        }
    }
}

/// Receives every evaluation as it happens: the evaluators call it at the very point a
/// predicate or provider runs, so what it records is what was evaluated.
pub trait Observer {
    /// Whether the observer looks at anything; an evaluator may take a faster path that
    /// reports nothing when it does not ([`NoObserver`]).
    const OBSERVES: bool = true;
    /// Predicate `index` (0-based within the step) of step `step` (0-based) evaluated to
    /// `result`.
    fn predicate(&mut self, step: usize, index: usize, kind: PredicateKind, result: bool);
    /// The provider of step `step` (0-based) ran and gave `verdict`.
    fn provider(&mut self, step: usize, kind: ProviderKind, verdict: Verdict);
}

/// Observes nothing; evaluation with it allocates nothing.
pub struct NoObserver;

impl Observer for NoObserver {
    const OBSERVES: bool = false;
    #[inline(always)]
    fn predicate(&mut self, _: usize, _: usize, _: PredicateKind, _: bool) {}
    #[inline(always)]
    fn provider(&mut self, _: usize, _: ProviderKind, _: Verdict) {}
}

/// One evaluated predicate in a trace; JSON `{"type": class name, "result"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PredicateTrace {
    #[serde(rename = "type", serialize_with = "super::json::class_name")]
    /// The predicate's class.
    pub kind: PredicateKind,
    /// What it evaluated to.
    pub result: bool,
}

/// One step in a trace: the predicates evaluated, and the provider if it ran (JSON:
/// [`super::json::provider_run`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepTrace {
    /// Index (0-based) of the step in the pipeline.
    pub step: usize,
    /// The predicates evaluated, in order, up to and including the first false one.
    pub predicates: Vec<PredicateTrace>,
    /// The provider and its verdict, when all predicates were true and it ran.
    #[serde(serialize_with = "super::json::provider_run")]
    pub provider: Option<(ProviderKind, Verdict)>,
}

/// Exactly what was evaluated, in order; JSON: the array of steps.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Trace {
    /// The steps evaluated, in order; a step appears once something in it was evaluated.
    pub steps: Vec<StepTrace>,
}

impl Trace {
    fn step_mut(&mut self, step: usize) -> &mut StepTrace {
        if self.steps.last().is_none_or(|s| s.step != step) {
            self.steps.push(StepTrace { step, predicates: Vec::new(), provider: None });
        }
        let last = self.steps.len() - 1;
        &mut self.steps[last]
    }
}

impl Observer for Trace {
    fn predicate(&mut self, step: usize, _index: usize, kind: PredicateKind, result: bool) {
        self.step_mut(step).predicates.push(PredicateTrace { kind, result });
    }
    fn provider(&mut self, step: usize, kind: ProviderKind, verdict: Verdict) {
        self.step_mut(step).provider = Some((kind, verdict));
    }
}
