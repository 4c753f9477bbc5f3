//! The CRM 2007 SOAP headers (PROTOCOL 2.1): `CrmAuthenticationToken`, `CallerOriginToken`,
//! `CorrelationToken`.
//!
//! One idea a file: [`model`] (the values), `elements` (one header element to its value),
//! `stream` (the streaming token decoder), `tree` (whole envelopes: the tree decoder, the
//! entry points and the writers). The files point one way: tree → stream → elements →
//! model.

mod elements;
pub mod model;
mod stream;
mod tree;

pub use elements::read_token;
pub use model::*;
pub use tree::*;
