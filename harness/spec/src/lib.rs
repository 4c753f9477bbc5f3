//! `crmauth-spec`: an executable model of PROTOCOL.md section 1 (the CRM 4.0 server
//! authentication pipeline), written from the documents alone.
//!
//! It shares no code with `crmauth`: only the JSON request/environment/outcome formats, the
//! pipeline XML format and the documents (PROTOCOL.md, `docs/pipeline.md`, `docs/codecs.md`,
//! the scenario tables). It is the model of the invariant `DEPLOY-SPEC-AGREES`
//! (PROTOCOL 3): the engine's deployments must agree with it on every request and
//! environment. It is written plainly, one function per rule; speed is not a goal.

mod cookie;
mod deployment;
mod environment;
mod error;
mod evaluate;
mod pipeline;
mod request;
mod token;
mod xml;

pub use cookie::{parse_cookie_header, CookieHeader, SessionTicket};
pub use deployment::{Deployment, Strategy};
pub use environment::Environment;
pub use error::SpecError;
pub use evaluate::{ErrorCode, Identity, Outcome, OutcomeKind};
pub use pipeline::{load_pipeline, AuthenticationType, Pipeline, Predicate, Provider, Step};
pub use request::Request;
pub use token::{decode_token, Token};
