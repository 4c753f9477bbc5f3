//! Pipeline XML (PROTOCOL 1.1): a strict reader and a canonical writer.
//!
//! The reader accepts `<step>` elements (ours) with `<steps>` and `<predicates>` as
//! transparent wrappers, and also the flat form of the published extract (predicates and
//! providers straight under `<pipeline>`, each provider closing a step). Everything else
//! is an error with its line and column: unknown types, a step with no or two providers,
//! a predicate after the provider, missing, unknown or bad configuration, DOCTYPEs.
//!
//! `read`: the reader; `write`: the writer; `attribute`: the reader's fast path for plain
//! attributes.

mod attribute;
mod read;
mod write;

pub use read::{parse, parse_with_limits, DocumentLimits};
pub use write::print;
