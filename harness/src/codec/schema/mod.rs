//! Our own compact table of the messages we speak (PROTOCOL 2.1, 2.2, 2.3): element names,
//! namespaces, order, cardinality and types. Decoders validate by it ([`read`]); encoders
//! take namespaces from it ([`leaf`]) and are checked against it by the round-trip tests.
//! [`wsdl`] writes it as WSDL schemas; `check::wsdl_diff` compares it with real WSDL files.

mod table;
mod validate;
pub mod wsdl;

pub use table::*;
pub use validate::*;
pub use wsdl::table_as_wsdl;
