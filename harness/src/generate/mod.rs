//! proptest strategies for everything the harness feeds the pipeline and the codecs.
//!
//! Public so that other projects can reuse them. Values are drawn from small universes
//! (a few organizations, users, tickets and paths) so that generated requests hit
//! configured paths, known accounts and issued tickets often enough to reach every
//! provider branch, and shrink to small, readable counterexamples.

pub mod codec;
pub mod deployment;
pub mod pipeline;
pub mod request;

pub use pipeline::{arb_pipeline, arb_pipeline_text, arb_predicate, arb_provider, arb_step};
pub use request::{arb_case, arb_environment, arb_request, PipelineCase};
