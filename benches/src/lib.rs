//! Inputs for the benchmarks: the standard scenario tables with their requests prepared,
//! and synthetic pipelines of any length; the hand-written floor ([`handwritten`]).

pub mod handwritten;

use crmauth::pipeline::outcome::Trace;
use crmauth::pipeline::request::Scope;
use crmauth::pipeline::strategy::Deployment;
use crmauth::pipeline::{
    CompiledPipeline, Pipeline, Predicate, PreparedRequest, Provider, Request, Step, Walk,
};
use crmauth::scenario::ScenarioTable;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The repository's `corpus/` folder, found from this crate at compile time.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// A standard scenario table and its requests, prepared once (as the server does before
/// the pipeline runs), each with the organization MapOrg chose.
pub struct Workload {
    pub name: &'static str,
    pub table: ScenarioTable,
    pub requests: Vec<PreparedRequest>,
}

impl Workload {
    /// Loads `corpus/vectors/scenarios/<name>.json`.
    pub fn load(name: &'static str) -> Self {
        let path = corpus_dir().join("vectors/scenarios").join(format!("{name}.json"));
        let table = ScenarioTable::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let requests = table.scenarios.iter().map(|s| s.request.clone().prepare()).collect();
        Workload { name, table, requests }
    }

    /// The three standard strategies' tables.
    pub fn standard() -> Vec<Workload> {
        ["onpremise", "ifd", "passport"].into_iter().map(Workload::load).collect()
    }

    /// The table's deployment compiled for the given walk.
    pub fn compiled_walk(&self, walk: Walk) -> Deployment<CompiledPipeline> {
        let d = &self.table.reference;
        let compile = |p: &Pipeline| CompiledPipeline::compile_walk(p, walk);
        Deployment {
            strategy: d.strategy,
            authentication: compile(&d.authentication),
            post_authentication: d.post_authentication.as_ref().map(compile),
        }
    }

    /// The provider runs of the whole table, as `(request, provider, organization)`:
    /// every provider the reference ran (both pipelines), in order. Calling just these is
    /// the part of an evaluation both evaluators share (PROTOCOL 1.4 semantics).
    pub fn provider_runs(&self) -> Vec<(usize, &Provider, Scope<'_>)> {
        let d = &self.table.reference;
        let mut runs = Vec::new();
        for (i, r) in self.requests.iter().enumerate() {
            let org = Scope::of(d.strategy, r);
            let (mut trace, mut post) = (Trace::default(), Trace::default());
            d.evaluate_observed(r, &self.table.env, &mut trace, &mut post);
            let pipelines = [Some(&d.authentication), d.post_authentication.as_ref()];
            for (pipeline, trace) in pipelines.into_iter().zip([&trace, &post]) {
                for step in trace.steps.iter().filter(|s| s.provider.is_some()) {
                    let pipeline = pipeline.expect("a trace comes from a pipeline");
                    runs.push((i, &pipeline.steps[step.step].provider, org));
                }
            }
        }
        runs
    }

    /// What the deployment fixes for request `i` (MapOrg, Windows accounts).
    pub fn scope(&self, i: usize) -> Scope<'_> {
        Scope::of(self.table.compiled.strategy, &self.requests[i])
    }
}

fn url_path(path: &str) -> Predicate {
    Predicate::UrlPath { paths: BTreeMap::from([("path0".to_string(), path.to_string())]) }
}

/// A pipeline of `n` steps, `[UrlPath /step<i>.aspx, POST] → PassThrough`: a request to
/// another path goes through every step and is denied.
pub fn linear_pipeline(n: usize) -> Pipeline {
    let steps = (0..n)
        .map(|i| Step {
            predicates: vec![
                url_path(&format!("/step{i}.aspx")),
                Predicate::HttpMethod { method: "POST".into() },
            ],
            provider: Provider::PassThrough,
        })
        .collect();
    Pipeline { steps }
}

/// [`linear_pipeline`] with step 0 replaced by `[UrlPath /first.aspx] → PassThrough`:
/// a request to `/first.aspx` is decided at step 0 whatever follows.
pub fn first_step_pipeline(n: usize) -> Pipeline {
    let mut p = linear_pipeline(n.max(1));
    p.steps[0] =
        Step { predicates: vec![url_path("/first.aspx")], provider: Provider::PassThrough };
    p
}

/// A plain web request from an external address.
pub fn web_request(path: &str) -> PreparedRequest {
    Request {
        method: "POST".into(),
        path: path.into(),
        client_address: "203.0.113.9".parse().expect("address"),
        cookie: Some("lang=en-US; theme=dark".into()),
        headers: BTreeMap::new(),
        body: None,
        windows_identity: None,
    }
    .prepare()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crmauth::pipeline::outcome::NoObserver;
    use crmauth::pipeline::{reference, CompiledPipeline, Environment, Outcome};

    #[test]
    fn standard_workloads_load_with_requests() {
        for w in Workload::standard() {
            assert!(!w.requests.is_empty(), "{}", w.name);
            assert_eq!(w.requests.len(), w.table.scenarios.len());
        }
    }

    #[test]
    fn linear_pipeline_denies_after_every_step() {
        let env = Environment::default();
        let req = web_request("/elsewhere.aspx");
        for n in [1, 10, 100] {
            let p = linear_pipeline(n);
            let compiled = CompiledPipeline::compile(&p);
            let (outcome, trace) = compiled.evaluate_traced(&req, &env, Scope::windows(None));
            assert_eq!(outcome, Outcome::NOT_HANDLED);
            assert_eq!(trace.steps.len(), n);
            assert_eq!(reference::interpret(&p, &req, &env, Scope::windows(None)).0, outcome);
            assert_eq!(compiled.evaluate(&req, &env, Scope::windows(None)), outcome);
        }
    }

    #[test]
    fn every_request_of_the_standard_tables_runs_a_provider() {
        for w in Workload::standard() {
            let runs = w.provider_runs();
            for i in 0..w.requests.len() {
                assert!(runs.iter().any(|(r, ..)| *r == i), "{} request {i}", w.name);
            }
        }
    }

    #[test]
    fn both_walks_agree_on_the_standard_tables() {
        for w in Workload::standard() {
            let (steps, filter) = (w.compiled_walk(Walk::Steps), w.compiled_walk(Walk::Filter));
            assert_eq!(filter.authentication.walk(), Walk::Filter);
            for r in &w.requests {
                let (mut a, mut b) = (NoObserver, NoObserver);
                let by_steps = steps.evaluate_observed(r, &w.table.env, &mut a, &mut b);
                let (mut a, mut b) = (NoObserver, NoObserver);
                let filtered = filter.evaluate_observed(r, &w.table.env, &mut a, &mut b);
                assert_eq!(by_steps, filtered, "{}: {:?}", w.name, r.request);
            }
        }
    }
}
