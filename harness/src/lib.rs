//! crmauth: a protocol test harness for the Microsoft Dynamics CRM 4.0 authentication
//! pipeline and its clients.
//!
//! The core — [`codec`] (the client-side messages, PROTOCOL section 2) and [`pipeline`]
//! (the server's authentication pipeline and its two evaluators, section 1) — depends only
//! on quick-xml, serde, uuid and ipnet; build with `default-features = false` for just that.
//! The rest sits behind features, each layer using only those below it:
//! `generate` (proptest strategies), `net` ([`client`] and [`server`]), `check` (the
//! conformance suite) and `cli` (the command line; the default).

pub mod codec;
pub mod pipeline;
pub mod scenario;

#[cfg(feature = "check")]
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "net")]
pub mod client;
#[cfg(feature = "generate")]
pub mod generate;
#[cfg(feature = "net")]
pub mod server;
