//! The server's authentication pipeline (PROTOCOL section 1): the model, its XML, and two
//! evaluators that must agree — a literal reference interpreter and a compiled engine.
//!
//! This module knows nothing of HTTP servers: a [`request::Request`] is plain data.

pub mod analysis;
mod caseless;
pub mod engine;
pub mod error;
pub mod explain;
pub mod json;
pub mod model;
pub mod network;
pub mod outcome;
#[cfg(feature = "mutants")]
pub mod planted;
pub mod providers;
pub mod reference;
pub mod request;
pub mod samples;
mod step_filter;
pub mod strategy;
pub mod xml;

pub use engine::{CompiledPipeline, Walk};
pub use error::{ConfigError, ConfigErrorKind};
pub use model::{BuiltIn, Pipeline, Predicate, PredicateKind, Provider, ProviderKind, Step};
pub use outcome::{Identity, Location, Outcome, Trace};
pub use request::{Environment, PreparedRequest, Request, Strategy};
