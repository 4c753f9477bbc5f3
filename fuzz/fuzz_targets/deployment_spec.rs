//! DEPLOY-SPEC-AGREES and DEPLOY-NO-ANONYMOUS on structured inputs: a strategy, its
//! pipelines, a request and an environment. The engine's deployment (the reference
//! interpreter and both walks of the compiled engine), reading the case back from the
//! bytes `crmauth-spec` reads, must give the model's outcome; outside discovery and the
//! IFD sign-in page every authentication names a user. The properties are the ones
//! `crmauth check` runs (`crmauth::check::deployment`), written once.
#![no_main]

use crmauth::check::deployment::{no_anonymous, spec_agrees};
use crmauth::generate::deployment::DeploymentCase;
use crmauth::pipeline::{Pipeline, Strategy};
use crmauth_fuzz::{ArbEnvironment, ArbPipeline, ArbRequest, ArbStrategy};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary)]
struct Input {
    pipeline: ArbPipeline,
    post: ArbPipeline,
    request: ArbRequest,
    env: ArbEnvironment,
    strategy: ArbStrategy,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("pipeline", &self.pipeline.0)
            .field("post", &self.post.0)
            .field("request", &self.request.0)
            .field("strategy", &self.strategy.0)
            .finish_non_exhaustive()
    }
}

fuzz_target!(|input: Input| {
    let strategy = input.strategy.0;
    // Only IFD has a post-authentication pipeline (PROTOCOL 1.1).
    let post_authentication: Option<Pipeline> = (strategy == Strategy::Ifd).then_some(input.post.0);
    let case = DeploymentCase {
        strategy,
        authentication: input.pipeline.0,
        post_authentication,
        request: input.request.0,
        env: input.env.0,
    };
    if let Err(e) = no_anonymous(&case) {
        panic!("DEPLOY-NO-ANONYMOUS: {e}\n{case:?}");
    }
    if let Err(e) = spec_agrees(&case) {
        panic!("DEPLOY-SPEC-AGREES: {e}\n{case:?}");
    }
});
