//! The compiled engine: the same semantics as [`super::reference`], resolved once.
//!
//! [`CompiledPipeline::compile`] resolves types to a flat array of steps and path sets to
//! deduplicated lists; evaluating a request then allocates nothing (tested with a counting
//! allocator) and a request decided at step 0 costs the same whatever follows.
//!
//! Untraced evaluation takes one of two [`Walk`]s, chosen by size: small pipelines (the
//! standard ones) walk their steps one predicate at a time, short-circuiting; larger ones
//! look each fact of the request up once and run providers only on the steps a step
//! filter (`step_filter::StepFilter`) leaves, which costs about the same for 10 steps or
//! 1,000. Traced and observed evaluation always walk the steps, so an observer sees exactly
//! what PROTOCOL 1.2 evaluates.

use super::caseless;
use super::model::{Pipeline, Predicate, PredicateKind, Provider};
use super::network::AddressClass;
use super::outcome::{NoObserver, Observer, Outcome, Trace};
use super::providers::{self, Context};
use super::request::{Environment, PreparedRequest, Scope};
use super::step_filter::StepFilter;

/// A pipeline ready for evaluation.
#[derive(Debug, Clone)]
pub struct CompiledPipeline {
    steps: Box<[CompiledStep]>,
    /// Present when untraced evaluation takes [`Walk::Filter`].
    filter: Option<StepFilter>,
    #[cfg(feature = "mutants")]
    mutation: Option<Mutation>,
}

/// How untraced evaluation finds the deciding step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Step by step, predicate by predicate, stopping at the first false one.
    Steps,
    /// Each fact of the request looked up once; providers run only on the steps whose
    /// predicates all hold (the step filter).
    Filter,
}

impl Walk {
    /// The walk [`CompiledPipeline::compile`] chooses: the filter from this many steps on.
    /// Measured (`benches/`, group `crossover`, on a request that reaches every step): the
    /// walks break even between 4 and 6 steps (filter 1.1× at 4, 1.3× at 6, 1.9× at 8); on
    /// the standard pipelines (4–7 steps) they are equal within noise. From 5 steps on the
    /// choice is within 1.1× of the better walk at every size measured.
    pub const FILTER_FROM_STEPS: usize = 5;

    fn for_pipeline(pipeline: &Pipeline) -> Walk {
        if pipeline.steps.len() >= Self::FILTER_FROM_STEPS {
            Walk::Filter
        } else {
            Walk::Steps
        }
    }
}

/// Deliberate faults planted in the engine (feature `mutants`, tests only), each breaking
/// one invariant of PROTOCOL section 3, so tests can show that `check` catches it: with
/// [`CompiledPipeline::compile_mutated`], or planted on the current thread
/// ([`super::planted::with`]) for every compile there.
#[cfg(feature = "mutants")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    /// Runs the provider even after a false predicate (breaks PIPE-PROVIDER-GATED).
    ProviderAfterFalsePredicate,
    /// Goes on after a handling provider; the last one wins (breaks PIPE-FIRST-SUCCESS).
    ContinueAfterHandled,
    /// Evaluates the rest of a step's predicates after a false one, though the provider
    /// still runs only when all were true: a pure PIPE-SHORT-CIRCUIT fault.
    NoShortCircuit,
    /// Lets an unhandled request through (breaks PIPE-FAIL-CLOSED).
    FailOpen,
    /// Skips the step after one whose provider declined (breaks PIPE-FIRST-SUCCESS: every
    /// step up to the deciding one is evaluated).
    SkipStepAfterDecline,
}

#[derive(Debug, Clone)]
struct CompiledStep {
    predicates: Box<[CompiledPredicate]>,
    provider: Provider,
}

#[derive(Debug, Clone)]
enum CompiledPredicate {
    /// Distinct paths, compared ASCII case-insensitively, after their lengths.
    UrlPath(caseless::Lengths, Box<[Box<str>]>),
    HttpMethod(Box<str>),
    Always,
    ServerRole(u32),
    CookieExist,
    Internal,
    External,
}

impl CompiledPredicate {
    fn compile(p: &Predicate) -> Self {
        match p {
            Predicate::UrlPath { paths } => {
                let mut set: Vec<Box<str>> = Vec::new();
                for path in paths.values() {
                    if !set.iter().any(|s| caseless::eq(s, path)) {
                        set.push(path.as_str().into());
                    }
                }
                let lengths = caseless::Lengths::of(set.iter().map(|p| &**p));
                CompiledPredicate::UrlPath(lengths, set.into_boxed_slice())
            }
            Predicate::HttpMethod { method } => {
                CompiledPredicate::HttpMethod(method.as_str().into())
            }
            Predicate::Always => CompiledPredicate::Always,
            Predicate::ServerRole { roles } => CompiledPredicate::ServerRole(*roles),
            Predicate::CookieExist => CompiledPredicate::CookieExist,
            Predicate::InternalRequestAddress => CompiledPredicate::Internal,
            Predicate::ExternalRequestAddress => CompiledPredicate::External,
        }
    }

    fn kind(&self) -> PredicateKind {
        match self {
            CompiledPredicate::UrlPath(..) => PredicateKind::UrlPath,
            CompiledPredicate::HttpMethod(_) => PredicateKind::HttpMethod,
            CompiledPredicate::Always => PredicateKind::Always,
            CompiledPredicate::ServerRole(_) => PredicateKind::ServerRole,
            CompiledPredicate::CookieExist => PredicateKind::CookieExist,
            CompiledPredicate::Internal => PredicateKind::InternalRequestAddress,
            CompiledPredicate::External => PredicateKind::ExternalRequestAddress,
        }
    }

    /// Whether the predicate holds; `address` is the request's address class, classified
    /// at most once for the request (it depends only on the request and the environment).
    #[inline]
    fn holds(
        &self,
        request: &PreparedRequest,
        env: &Environment,
        address: &mut AddressClass,
    ) -> bool {
        let mut is_internal = || {
            address.is_internal(&env.ifd_internal_network_address, request.request.client_address)
        };
        match self {
            CompiledPredicate::UrlPath(lengths, paths) => {
                let path = request.path();
                lengths.may_contain(path) && paths.iter().any(|p| caseless::eq(p, path))
            }
            CompiledPredicate::HttpMethod(m) => caseless::eq(m, &request.request.method),
            CompiledPredicate::Always => true,
            CompiledPredicate::ServerRole(mask) => env.server_roles & mask != 0,
            CompiledPredicate::CookieExist => request.cookie_exist(),
            CompiledPredicate::Internal => is_internal(),
            CompiledPredicate::External => !is_internal(),
        }
    }
}

impl CompiledPipeline {
    /// Resolves everything that does not depend on the request, and chooses the walk by
    /// the pipeline's size.
    pub fn compile(pipeline: &Pipeline) -> Self {
        Self::compile_walk(pipeline, Walk::for_pipeline(pipeline))
    }

    /// Compiles for the given walk; [`Walk::Filter`] falls back to [`Walk::Steps`] when the
    /// pipeline is too large for a filter (see [`CompiledPipeline::walk`]).
    pub fn compile_walk(pipeline: &Pipeline, walk: Walk) -> Self {
        let steps = pipeline
            .steps
            .iter()
            .map(|s| CompiledStep {
                predicates: s.predicates.iter().map(CompiledPredicate::compile).collect(),
                provider: s.provider.clone(),
            })
            .collect();
        CompiledPipeline {
            steps,
            filter: match walk {
                Walk::Filter => StepFilter::build(pipeline),
                Walk::Steps => None,
            },
            #[cfg(feature = "mutants")]
            mutation: super::planted::engine_mutation(),
        }
    }

    /// Compiles with a deliberate fault planted (feature `mutants`, tests only).
    #[cfg(feature = "mutants")]
    pub fn compile_mutated(pipeline: &Pipeline, mutation: Mutation) -> Self {
        // Not struct-update syntax: cargo-mutants' "delete field" mutant of that ignores
        // its exclude_re, and this planted-only code must stay out of the mutation runs.
        let mut compiled = Self::compile(pipeline);
        compiled.mutation = Some(mutation);
        compiled
    }

    /// Whether `m` is planted; a constant `false` without the `mutants` feature.
    #[cfg(feature = "mutants")]
    #[inline(always)]
    fn mutant(&self, m: Mutation) -> bool {
        self.mutation == Some(m)
    }

    /// [`Mutation::SkipStepAfterDecline`]: whether the step after one whose provider did
    /// not stop the pipeline is skipped.
    #[cfg(feature = "mutants")]
    fn skips_after_decline(&self, stopped: bool) -> bool {
        self.mutant(Mutation::SkipStepAfterDecline) && !stopped
    }

    /// The step filter, unless there is none or a mutation is planted (mutations live in
    /// the step loop, and must show whichever way the pipeline is evaluated).
    #[inline(always)]
    fn unmutated_filter(&self) -> Option<&StepFilter> {
        #[cfg(feature = "mutants")]
        if self.mutation.is_some() {
            return None;
        }
        self.filter.as_ref()
    }

    /// Runs the providers of the steps whose predicates all hold, in order, until one
    /// stops the pipeline: the outcome of PROTOCOL 1.2 without evaluating a predicate twice.
    fn evaluate_filtered<'a>(
        &'a self,
        filter: &'a StepFilter,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: Scope<'a>,
        address: &mut AddressClass,
    ) -> Outcome<'a> {
        let internal = || {
            address.is_internal(&env.ifd_internal_network_address, request.request.client_address)
        };
        let cx = Context { request, env, scope };
        for s in filter.candidates(request, env, internal) {
            let provider = &self.steps[s].provider;
            let result = providers::authenticate(provider, cx);
            if result.stops() {
                return Outcome::from_provider(s, provider.kind(), result);
            }
        }
        Outcome::NOT_HANDLED
    }

    /// The walk untraced evaluation takes.
    pub fn walk(&self) -> Walk {
        if self.filter.is_some() {
            Walk::Filter
        } else {
            Walk::Steps
        }
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the pipeline has no step (and so denies every request).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Evaluates without a trace; allocates nothing.
    pub fn evaluate<'a>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: Scope<'a>,
    ) -> Outcome<'a> {
        self.evaluate_observed(request, env, scope, &mut NoObserver)
    }

    /// Evaluates and returns the outcome with the full trace.
    pub fn evaluate_traced<'a>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: Scope<'a>,
    ) -> (Outcome<'a>, Trace) {
        let mut trace = Trace::default();
        let outcome = self.evaluate_observed(request, env, scope, &mut trace);
        (outcome, trace)
    }

    /// Evaluates, reporting each evaluation to `observer` as it happens.
    pub fn evaluate_observed<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: Scope<'a>,
        observer: &mut O,
    ) -> Outcome<'a> {
        self.evaluate_classifying(request, env, &scope, &mut AddressClass::default(), observer)
    }

    /// [`CompiledPipeline::evaluate_observed`] with the request's address class shared with
    /// the deployment's other pipeline: `address` must be new for this request and
    /// environment, or come from evaluating another pipeline on both. `scope` is borrowed
    /// so that a caller evaluating two pipelines does not copy it for each (see
    /// [`super::strategy::Evaluator::evaluate_classifying`]).
    pub fn evaluate_classifying<'a, O: Observer>(
        &'a self,
        request: &'a PreparedRequest,
        env: &'a Environment,
        scope: &Scope<'a>,
        address: &mut AddressClass,
        observer: &mut O,
    ) -> Outcome<'a> {
        let scope = *scope;
        if !O::OBSERVES {
            if let Some(filter) = self.unmutated_filter() {
                return self.evaluate_filtered(filter, request, env, scope, address);
            }
        }
        #[cfg(feature = "mutants")]
        let mut last_handled = None;
        #[cfg(feature = "mutants")]
        let mut skip = false;
        'steps: for (s, step) in self.steps.iter().enumerate() {
            #[cfg(feature = "mutants")]
            if std::mem::take(&mut skip) {
                continue;
            }
            for (i, predicate) in step.predicates.iter().enumerate() {
                let result = predicate.holds(request, env, address);
                observer.predicate(s, i, predicate.kind(), result);
                if !result {
                    #[cfg(feature = "mutants")]
                    if self.mutant(Mutation::NoShortCircuit) {
                        self.evaluate_rest(s, i, request, env, observer);
                    }
                    #[cfg(feature = "mutants")]
                    if self.mutant(Mutation::ProviderAfterFalsePredicate) {
                        break;
                    }
                    continue 'steps;
                }
            }
            let cx = Context { request, env, scope };
            let result = providers::authenticate(&step.provider, cx);
            let kind = step.provider.kind();
            observer.provider(s, kind, result.verdict());
            #[cfg(feature = "mutants")]
            {
                skip = self.skips_after_decline(result.stops());
            }
            if result.stops() {
                #[cfg(feature = "mutants")]
                if self.mutant(Mutation::ContinueAfterHandled) {
                    last_handled = Some(Outcome::from_provider(s, kind, result));
                    continue;
                }
                return Outcome::from_provider(s, kind, result);
            }
        }
        #[cfg(feature = "mutants")]
        if let Some(outcome) = last_handled {
            return outcome;
        }
        #[cfg(feature = "mutants")]
        if self.mutant(Mutation::FailOpen) {
            let identity = super::outcome::Identity::default();
            let provider = super::ProviderKind::PassThrough;
            return Outcome::Authenticated { step: 0, provider, identity };
        }
        Outcome::NOT_HANDLED
    }

    /// [`Mutation::NoShortCircuit`]: evaluates (and reports) the predicates of step `s`
    /// after predicate `i`.
    #[cfg(feature = "mutants")]
    fn evaluate_rest<O: Observer>(
        &self,
        s: usize,
        i: usize,
        request: &PreparedRequest,
        env: &Environment,
        observer: &mut O,
    ) {
        for (j, predicate) in self.steps[s].predicates.iter().enumerate().skip(i + 1) {
            let result = predicate.holds(request, env, &mut AddressClass::default());
            observer.predicate(s, j, predicate.kind(), result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::model::{Predicate, Step};

    fn steps(n: usize) -> Pipeline {
        let step = Step { predicates: vec![Predicate::CookieExist], provider: Provider::Reject };
        Pipeline { steps: vec![step; n] }
    }

    #[test]
    fn len_counts_the_steps() {
        for n in [0, 1, 7, 100] {
            let c = CompiledPipeline::compile(&steps(n));
            assert_eq!((c.len(), c.is_empty()), (n, n == 0));
        }
    }

    #[test]
    fn compile_walks_small_pipelines_step_by_step_and_filters_larger_ones() {
        let below = Walk::FILTER_FROM_STEPS - 1;
        assert_eq!(CompiledPipeline::compile(&steps(below)).walk(), Walk::Steps);
        assert_eq!(CompiledPipeline::compile(&steps(below + 1)).walk(), Walk::Filter);
        assert_eq!(CompiledPipeline::compile_walk(&steps(1), Walk::Filter).walk(), Walk::Filter);
        assert_eq!(CompiledPipeline::compile_walk(&steps(100), Walk::Steps).walk(), Walk::Steps);
    }
}
