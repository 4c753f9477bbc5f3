//! The compiled engine against the reference interpreter on structured inputs: a valid
//! pipeline (and, for IFD-style deployments, a post-authentication pipeline), a request,
//! an environment and a strategy.
//!
//! - PIPE-ORACLE: the engine's outcome and trace equal the reference's, for one pipeline
//!   and for a whole deployment; the untraced `evaluate` gives the same outcome on both
//!   walks (step by step, and the step filter).
//! - PIPE-SHORT-CIRCUIT, PIPE-PROVIDER-GATED, PIPE-FIRST-SUCCESS, PIPE-FAIL-CLOSED: checked
//!   on what each evaluator reported to a recording observer (`check_evaluation`).
//! - PIPE-DETERMINISTIC: a second evaluation (fresh compile, re-prepared request) agrees.
//! - PIPE-ROUNDTRIP: the generated pipeline survives print → parse.
#![no_main]

use crmauth::pipeline::outcome::Trace;
use crmauth::pipeline::request::Scope;
use crmauth::pipeline::strategy::Deployment;
use crmauth::pipeline::{reference, xml, CompiledPipeline, Pipeline, Walk};
use crmauth_fuzz::{
    check_evaluation, ArbEnvironment, ArbPipeline, ArbRequest, ArbStrategy, Recorder,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary)]
struct Input {
    pipeline: ArbPipeline,
    post: Option<ArbPipeline>,
    request: ArbRequest,
    env: ArbEnvironment,
    strategy: ArbStrategy,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("pipeline", &self.pipeline.0)
            .field("post", &self.post.as_ref().map(|p| &p.0))
            .field("request", &self.request.0)
            .field("strategy", &self.strategy.0)
            .finish_non_exhaustive()
    }
}

fn roundtrip(p: &Pipeline) {
    let printed = xml::print(p);
    match xml::parse(&printed) {
        Ok(back) => assert_eq!(&back, p, "PIPE-ROUNDTRIP\n{printed}"),
        Err(e) => panic!(
            "PIPE-ROUNDTRIP: a valid pipeline printed to a rejected document: {e}\n{printed}"
        ),
    }
}

fuzz_target!(|input: Input| {
    let Input {
        pipeline: ArbPipeline(pipeline),
        post,
        request,
        env: ArbEnvironment(env),
        strategy: ArbStrategy(strategy),
    } = input;
    let post = post.map(|p| p.0);
    let env = &env;
    roundtrip(&pipeline);

    let compiled = CompiledPipeline::compile(&pipeline);
    assert_eq!(compiled.len(), pipeline.steps.len());
    // Prepared twice (PIPE-DETERMINISTIC below): a copy now, the generated request then.
    let request2 = request.0.clone().prepare();
    let request = request.0.prepare();
    let org = Scope::of(strategy, &request);

    // PIPE-ORACLE: outcome and trace.
    let (ref_outcome, ref_trace) = reference::interpret(&pipeline, &request, env, org);
    let (eng_outcome, eng_trace) = compiled.evaluate_traced(&request, env, org);
    assert_eq!(eng_outcome, ref_outcome, "PIPE-ORACLE: outcome");
    assert_eq!(eng_trace, ref_trace, "PIPE-ORACLE: trace");
    assert_eq!(compiled.evaluate(&request, env, org), ref_outcome, "PIPE-ORACLE: untraced outcome");
    // A fresh compile for the other untraced walk than the one `compile` chose for this
    // size: PIPE-ORACLE on it now, PIPE-DETERMINISTIC below.
    let again = CompiledPipeline::compile_walk(
        &pipeline,
        match compiled.walk() {
            Walk::Steps => Walk::Filter,
            Walk::Filter => Walk::Steps,
        },
    );
    assert_eq!(again.evaluate(&request, env, org), ref_outcome, "PIPE-ORACLE: {:?}", again.walk());

    // Evaluation order, on what each evaluator reported as it went.
    let mut eng_events = Recorder::default();
    let eng_observed = compiled.evaluate_observed(&request, env, org, &mut eng_events);
    let mut ref_events = Recorder::default();
    let ref_observed = reference::evaluate_observed(&pipeline, &request, env, org, &mut ref_events);
    assert_eq!(eng_observed, eng_outcome);
    assert_eq!(ref_observed, ref_outcome);
    assert_eq!(eng_events.0, ref_events.0, "PIPE-ORACLE: observed evaluations");
    if let Err(m) = check_evaluation(&pipeline, &eng_outcome, &eng_events.0) {
        panic!("engine: {m}\nevents: {:?}\noutcome: {eng_outcome:?}", eng_events.0);
    }
    if let Err(m) = check_evaluation(&pipeline, &ref_outcome, &ref_events.0) {
        panic!("reference: {m}\nevents: {:?}\noutcome: {ref_outcome:?}", ref_events.0);
    }

    // PIPE-DETERMINISTIC: a fresh compile and a re-prepared request give the same.
    let org2 = Scope::of(strategy, &request2);
    assert_eq!(org2, org, "PIPE-DETERMINISTIC: MapOrg");
    assert_eq!(again.evaluate(&request2, env, org2), eng_outcome, "PIPE-DETERMINISTIC: engine");
    assert_eq!(
        reference::interpret(&pipeline, &request2, env, org2).0,
        ref_outcome,
        "PIPE-DETERMINISTIC: reference"
    );

    // PIPE-ORACLE on a whole deployment: MapOrg, then the post-authentication pipeline.
    if let Some(p) = &post {
        roundtrip(p);
    }
    let compiled_deployment = Deployment {
        strategy,
        authentication: compiled,
        post_authentication: post.as_ref().map(CompiledPipeline::compile),
    };
    let reference_deployment =
        Deployment { strategy, authentication: pipeline, post_authentication: post };
    let (mut rt, mut rp, mut et, mut ep) =
        (Trace::default(), Trace::default(), Trace::default(), Trace::default());
    let r = reference_deployment.evaluate_observed(&request, env, &mut rt, &mut rp);
    let e = compiled_deployment.evaluate_observed(&request, env, &mut et, &mut ep);
    assert_eq!(e, r, "PIPE-ORACLE: deployment outcome");
    assert_eq!((et, ep), (rt, rp), "PIPE-ORACLE: deployment traces");
});
