//! A deployment's strategy (PROTOCOL 1.1, 1.5): MapOrg, then the strategy's pipelines.

use super::engine::CompiledPipeline;
use super::json::EvaluationReport;
use super::model::Pipeline;
use super::network::AddressClass;
use super::outcome::{Observer, Outcome, Trace};
use super::reference;
use super::request::{Environment, PreparedRequest, Scope, Strategy};

/// The two evaluators, as a choice (`crmauth eval --engine`, scenario replays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The compiled engine.
    Compiled,
    /// The reference interpreter.
    Reference,
}

/// Something that evaluates one pipeline: the engine or the reference interpreter.
pub trait Evaluator {
    /// Evaluates the pipeline on `request` (PROTOCOL 1.2), reporting every predicate and
    /// provider it runs to `observer` as it runs it.
    fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: Scope<'a>,
        observer: &mut O,
    ) -> Outcome<'a>;

    /// The same, where the deployment's pipelines share the request's address class
    /// ([`AddressClass`]: new for this request and environment, or from another pipeline's
    /// evaluation of both). By default it is not used: the reference interpreter
    /// classifies the address at every predicate that asks, as PROTOCOL 1.2 reads.
    /// `scope` is borrowed: by value, the caller copied it for each call, reloading the
    /// byte `Scope::of` had just stored with a wider load (a store-forwarding stall that
    /// was about 10 % of an IFD evaluation, `benches/README.md`).
    fn evaluate_classifying<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: &Scope<'a>,
        address: &mut AddressClass,
        observer: &mut O,
    ) -> Outcome<'a> {
        let _ = address;
        self.evaluate_observed(request, env, *scope, observer)
    }
}

impl Evaluator for CompiledPipeline {
    fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: Scope<'a>,
        observer: &mut O,
    ) -> Outcome<'a> {
        CompiledPipeline::evaluate_observed(self, request, env, scope, observer)
    }

    fn evaluate_classifying<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: &Scope<'a>,
        address: &mut AddressClass,
        observer: &mut O,
    ) -> Outcome<'a> {
        CompiledPipeline::evaluate_classifying(self, request, env, scope, address, observer)
    }
}

impl Evaluator for Pipeline {
    fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: Scope<'a>,
        observer: &mut O,
    ) -> Outcome<'a> {
        reference::evaluate_observed(self, request, env, scope, observer)
    }
}

/// The pipelines of one strategy: `CrmAuthentication` (or `CrmPassport`), and for IFD the
/// `CrmPostAuthentication` pipeline.
#[derive(Debug, Clone)]
pub struct Deployment<E> {
    /// Decides whether MapOrg runs (not for Passport) and which paths may be anonymous.
    pub strategy: Strategy,
    /// The `CrmAuthentication` (or `CrmPassport`) pipeline.
    pub authentication: E,
    /// The `CrmPostAuthentication` pipeline, run after an authentication (IFD).
    pub post_authentication: Option<E>,
}

impl<E: Evaluator> Deployment<E> {
    /// MapOrg (not for Passport), the authentication pipeline, then — when that
    /// authenticated the request — the post-authentication pipeline (ours): a handling,
    /// redirecting or failing post step replaces the outcome; when no post step handles
    /// the request the first outcome stands. Last, identity is never implied (PROTOCOL
    /// 1.6): an authentication without a user is denied outside the paths
    /// [`PreparedRequest::may_be_anonymous`] names. The compiled engine classifies the
    /// request's address at most once for both pipelines ([`AddressClass`]).
    pub fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        observer: &mut O,
        post_observer: &mut O,
    ) -> Outcome<'a> {
        let scope = Scope::of(self.strategy, request);
        let mut address = AddressClass::default();
        let first =
            self.authentication.evaluate_classifying(request, env, &scope, &mut address, observer);
        let decided = match (&first, &self.post_authentication) {
            (Outcome::Authenticated { .. }, Some(post)) => {
                match post.evaluate_classifying(request, env, &scope, &mut address, post_observer) {
                    Outcome::Denied { step: None, .. } => first,
                    decided => decided,
                }
            }
            _ => first,
        };
        match decided {
            Outcome::Authenticated { identity, .. }
                if identity.user.is_none() && !request.may_be_anonymous(self.strategy) =>
            {
                #[cfg(feature = "mutants")]
                if super::planted::is(super::planted::SharedFault::ImpliedIdentity) {
                    return decided;
                }
                Outcome::NOT_HANDLED
            }
            decided => decided,
        }
    }
}

impl<E: Evaluator> Deployment<E> {
    /// Evaluates with traces and returns the JSON of its [`EvaluationReport`],
    /// `{"outcome", "trace", "post_trace"}` (`post_trace` always present, empty without a
    /// post-authentication pipeline).
    pub fn evaluate_json(&self, request: &PreparedRequest, env: &Environment) -> serde_json::Value {
        let (mut trace, mut post) = (Trace::default(), Trace::default());
        let outcome = self.evaluate_observed(request, env, &mut trace, &mut post);
        let report = EvaluationReport { outcome, trace: &trace, post_trace: Some(&post) };
        // Cannot fail: every map key of the report is a string.
        serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
    }
}

impl Deployment<Pipeline> {
    /// The same deployment with its pipelines compiled.
    pub fn compile(&self) -> Deployment<CompiledPipeline> {
        Deployment {
            strategy: self.strategy,
            authentication: CompiledPipeline::compile(&self.authentication),
            post_authentication: self.post_authentication.as_ref().map(CompiledPipeline::compile),
        }
    }
}
