//! A deployment's strategy (PROTOCOL 1.1, 1.5): MapOrg, then the strategy's pipelines.

use super::engine::CompiledPipeline;
use super::model::Pipeline;
use super::outcome::{Observer, Outcome};
use super::reference;
use super::request::{map_org, Environment, PreparedRequest, Strategy};

/// Something that evaluates one pipeline: the engine or the reference interpreter.
pub trait Evaluator {
    fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        organization: Option<&'a str>,
        observer: &mut O,
    ) -> Outcome<'a>;
}

impl Evaluator for CompiledPipeline {
    fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        organization: Option<&'a str>,
        observer: &mut O,
    ) -> Outcome<'a> {
        CompiledPipeline::evaluate_observed(self, request, env, organization, observer)
    }
}

impl Evaluator for Pipeline {
    fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        organization: Option<&'a str>,
        observer: &mut O,
    ) -> Outcome<'a> {
        reference::evaluate_observed(self, request, env, organization, observer)
    }
}

/// The pipelines of one strategy: `CrmAuthentication` (or `CrmPassport`), and for IFD the
/// `CrmPostAuthentication` pipeline.
#[derive(Debug, Clone)]
pub struct Deployment<E> {
    pub strategy: Strategy,
    pub authentication: E,
    pub post_authentication: Option<E>,
}

impl<E: Evaluator> Deployment<E> {
    /// MapOrg (not for Passport), the authentication pipeline, then — when that
    /// authenticated the request — the post-authentication pipeline (ours): a handling,
    /// redirecting or failing post step replaces the outcome; when no post step handles
    /// the request the first outcome stands.
    pub fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        observer: &mut O,
        post_observer: &mut O,
    ) -> Outcome<'a> {
        let org = map_org(self.strategy, request);
        let first = self.authentication.evaluate_observed(request, env, org, observer);
        match (&first, &self.post_authentication) {
            (Outcome::Authenticated { .. }, Some(post)) => {
                match post.evaluate_observed(request, env, org, post_observer) {
                    Outcome::Denied { step: None, .. } => first,
                    decided => decided,
                }
            }
            _ => first,
        }
    }
}
