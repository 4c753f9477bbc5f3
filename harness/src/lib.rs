//! crmauth: a protocol test harness for the Microsoft Dynamics CRM 4.0 authentication
//! pipeline and its clients.
//!
//! The core — [`codec`] (the client-side messages, PROTOCOL section 2) and [`pipeline`]
//! (the server's authentication pipeline and its two evaluators, section 1) — depends only
//! on quick-xml, serde, uuid and ipnet; build with `default-features = false` for just that.
//! The rest sits behind features, each layer using only those below it:
//! `generate` (proptest strategies), `net` ([`client`] and [`server`]), `invariants` (the
//! invariant checkers of [`check`] and their runner, without network or reports), `check`
//! (the whole conformance suite) and `cli` (the command line; the default).
//!
//! # Evaluating a pipeline
//!
//! A pipeline is read from its XML ([`pipeline::xml::parse`], typed errors with line and
//! column), compiled once, and evaluated on prepared requests without allocating. No step
//! handles a request for which no provider can name a user, so it is denied (PROTOCOL 1.2,
//! `PIPE-FAIL-CLOSED`):
//!
//! ```
//! use crmauth::pipeline::request::{Scope, Strategy};
//! use crmauth::pipeline::{xml, CompiledPipeline, Environment, Outcome, Request};
//!
//! let pipeline = xml::parse(
//!     r#"<pipeline><step>
//!          <predicate type="Microsoft.Crm.Authentication.UrlPathPredicate">
//!            <configuration key="loader" value="/Loader.aspx"/>
//!          </predicate>
//!          <provider type="Microsoft.Crm.Authentication.WindowsAuthenticationProvider"/>
//!        </step></pipeline>"#,
//! )?;
//! let engine = CompiledPipeline::compile(&pipeline);
//! let request = Request {
//!     method: "GET".into(),
//!     path: "/Contoso/loader.aspx".into(), // UrlPath compares without case
//!     client_address: "10.0.0.7".parse()?,
//!     cookie: None,
//!     headers: Default::default(),
//!     body: None,
//!     windows_identity: None, // IIS authenticated nobody
//! }
//! .prepare();
//! let env = Environment::default();
//! let outcome = engine.evaluate(&request, &env, Scope::of(Strategy::OnPremise, &request));
//! assert!(matches!(outcome, Outcome::Denied { .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Reading what a CRM server answered
//!
//! The codecs are total: every input gives a value or a typed error. A client reads every
//! fault it receives and refreshes its ticket only on 8004A101 (PROTOCOL 2.4):
//!
//! ```
//! use crmauth::codec::fault::{encode_fault, read_fault, ErrorCode};
//! use crmauth::codec::SoapVersion;
//!
//! let wire = encode_fault(SoapVersion::V12, ErrorCode(0x8004_A101), "The ticket expired.");
//! let fault = read_fault(wire.as_bytes())?;
//! assert!(fault.is_expired_ticket());
//! # Ok::<(), crmauth::codec::DecodeError>(())
//! ```

#![warn(missing_docs)]

pub mod codec;
pub mod pipeline;
pub mod scenario;

#[cfg(feature = "invariants")]
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "net")]
pub mod client;
#[cfg(feature = "generate")]
pub mod generate;
#[cfg(feature = "net")]
pub mod server;
