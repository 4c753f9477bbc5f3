//! Hardened, namespace-aware XML reading and writing shared by every codec (PROTOCOL 2, 3:
//! DECODE-TOTAL).
//!
//! Decoding parses the whole input into a small owned tree ([`Element`]) under stated
//! [`DecodeLimits`]; decoders then walk the tree. Memory is bounded by `max_input_bytes` (the tree
//! never holds more text than the input). DOCTYPE declarations are refused outright, so no
//! entity can be declared: only the five predefined entities and character references are
//! expanded. Prefixes are resolved while parsing and then forgotten — decoders only ever see
//! namespace URIs.

mod error;
mod escape;
mod limits;
mod read;
mod tree;
mod write;

#[cfg(test)]
mod tests;

pub use error::{DecodeError, DecodeErrorKind};
pub(crate) use escape::push_escaped;
pub use escape::{escape_attr, escape_text};
pub(crate) use limits::attribute_limits;
pub use limits::{DecodeLimits, HARD_MAX_DEPTH};
pub(crate) use read::{attribute_error, check_declaration, new_plain_reader, resolve_reference};
pub use read::{parse, parse_with};
pub use tree::{resolve_qname_text, Attribute, Element, ExpandedName, Node};
pub use write::Prefixes;

/// The XML Schema instance namespace (`xsi:type`, `xsi:nil`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The XML Schema namespace.
pub const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// The `xml:` namespace: always bound to `xml`, never declared.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// White space as XML 1.0 defines it (production `S`: space, tab, CR, LF) — the only white
/// space a decoder may ignore around a value. `str::trim` would also strip Unicode spaces
/// such as U+00A0 and U+2003, so a code padded with them would read as a code (fail open).
pub trait XmlWhitespace {
    /// The string without leading and trailing XML white space.
    fn trim_xml(&self) -> &str;
}

impl XmlWhitespace for str {
    fn trim_xml(&self) -> &str {
        self.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
    }
}
