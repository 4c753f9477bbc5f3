//! The reference interpreter: PROTOCOL 1.2 read literally, on the uncompiled model.
//!
//! It is the oracle for `PIPE-ORACLE`: deliberately plain, it resolves nothing ahead of
//! time and shares with the engine only the provider semantics ([`super::providers`]).

use super::model::{Pipeline, Predicate};
use super::outcome::{Observer, Outcome, Trace};
use super::providers::{self, Context};
use super::request::{Environment, PreparedRequest, Scope};
use crate::codec::cookie;

/// Evaluates `pipeline` on a request, reporting each evaluation to `observer`.
pub fn evaluate_observed<'a, O: Observer>(
    pipeline: &'a Pipeline,
    request: &'a PreparedRequest,
    env: &'a Environment,
    scope: Scope<'a>,
    observer: &mut O,
) -> Outcome<'a> {
    // For each step in order …
    for (s, step) in pipeline.steps.iter().enumerate() {
        // … evaluate its predicates in order; the first false ends the step.
        let mut all_true = true;
        for (i, predicate) in step.predicates.iter().enumerate() {
            let result = holds(predicate, request, env);
            observer.predicate(s, i, predicate.kind(), result);
            if !result {
                all_true = false;
                break;
            }
        }
        if !all_true {
            continue;
        }
        // All true (or none): the provider runs; handled stops the pipeline.
        let cx = Context { request, env, scope };
        let result = providers::authenticate(&step.provider, cx);
        observer.provider(s, step.provider.kind(), result.verdict());
        if result.stops() {
            return Outcome::from_provider(s, step.provider.kind(), result);
        }
    }
    // No step handled the request: denied (fail closed).
    Outcome::NOT_HANDLED
}

/// Evaluates and returns the outcome with the full trace.
pub fn interpret<'a>(
    pipeline: &'a Pipeline,
    request: &'a PreparedRequest,
    env: &'a Environment,
    scope: Scope<'a>,
) -> (Outcome<'a>, Trace) {
    let mut trace = Trace::default();
    let outcome = evaluate_observed(pipeline, request, env, scope, &mut trace);
    (outcome, trace)
}

// Literal on purpose: both sides normalized, as the text says "equals, case-insensitive".
#[allow(clippy::manual_ignore_case_cmp)]
fn holds(predicate: &Predicate, request: &PreparedRequest, env: &Environment) -> bool {
    let raw = &request.request;
    match predicate {
        Predicate::UrlPath { paths } => {
            let path = request.path().to_ascii_lowercase();
            paths.values().any(|p| p.to_ascii_lowercase() == path)
        }
        Predicate::HttpMethod { method } => {
            raw.method.to_ascii_uppercase() == method.to_ascii_uppercase()
        }
        Predicate::Always => true,
        Predicate::ServerRole { roles } => env.server_roles & roles != 0,
        Predicate::CookieExist => {
            cookie::session_cookie(raw.cookie.as_deref().unwrap_or("")).exists()
        }
        Predicate::InternalRequestAddress => {
            env.ifd_internal_network_address.is_internal(raw.client_address)
        }
        Predicate::ExternalRequestAddress => {
            !env.ifd_internal_network_address.is_internal(raw.client_address)
        }
    }
}
