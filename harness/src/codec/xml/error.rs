//! The typed decode failure every codec returns (PROTOCOL 3: DECODE-TOTAL).

use serde::Serialize;

/// Why a decoder rejected its input. Every rejection of every codec is one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecodeErrorKind {
    /// The input is larger than the decoder accepts (e.g.
    /// [`DecodeLimits::max_input_bytes`](super::DecodeLimits::max_input_bytes), a cookie
    /// header's `max_header_bytes`).
    #[error("input larger than {limit} bytes")]
    TooLarge {
        /// The limit exceeded, in bytes.
        limit: usize,
    },
    /// Elements are nested deeper than
    /// [`DecodeLimits::max_depth`](super::DecodeLimits::max_depth) allows.
    #[error("elements nested deeper than {limit}")]
    TooDeep {
        /// The depth limit exceeded (the root element is depth 1).
        limit: usize,
    },
    /// One element carries more attributes (namespace declarations included) than allowed.
    #[error("more than {limit} attributes on one element")]
    TooManyAttributes {
        /// The most attributes allowed on one element.
        limit: usize,
    },
    /// Text inside one element, or one attribute value, is longer than allowed.
    #[error("text longer than {limit} bytes")]
    TextTooLong {
        /// The limit exceeded, in bytes (after entity expansion).
        limit: usize,
    },
    /// A list (e.g. the pairs of a cookie header) has more entries than allowed.
    #[error("more than {limit} items")]
    TooManyItems {
        /// The most entries allowed.
        limit: usize,
    },
    /// The input contains a `<!DOCTYPE …>` declaration, which no decoder accepts.
    #[error("DOCTYPE declarations are not accepted")]
    Doctype,
    /// An entity reference other than the five predefined ones or a character reference.
    #[error("undeclared entity reference &{name};")]
    UnknownEntity {
        /// The entity's name, between `&` and `;`.
        name: String,
    },
    /// The input is not well-formed (XML, cookie or ticket syntax), or has text where only
    /// elements may be; the message says what.
    /// JSON: `{"kind": "malformed", "message": "…"}`.
    #[error("malformed input: {0}")]
    #[serde(serialize_with = "message_object")]
    Malformed(String),
    /// A required element (or attribute, e.g. `…/@xsi:type`) is absent.
    #[error("missing element {name}")]
    MissingElement {
        /// Local name of what is missing.
        name: String,
    },
    /// An element that the definition does not allow here (unknown, out of order or repeated).
    #[error("unexpected element {name}")]
    UnexpectedElement {
        /// Local name of the element, with `(out of order)` or `(repeated)` where that is why.
        name: String,
    },
    /// A field's text is not a valid value of its type (a GUID, an integer, an enum value, a
    /// known `xsi:type`).
    #[error("bad value for {field}: {value:?}")]
    BadValue {
        /// Name of the field (element or attribute) whose value was rejected.
        field: String,
        /// The rejected value, truncated to 40 characters; redacted for tickets and passwords.
        value: String,
    },
    /// An element (or `xsi:type`) has the right local name in the wrong namespace.
    #[error("{name} is in namespace {found:?}, expected {expected:?}")]
    WrongNamespace {
        /// Local name of the element, or `xsi:type NAME`.
        name: String,
        /// The namespace URI the table or envelope requires.
        expected: String,
        /// The namespace URI found (empty for no namespace).
        found: String,
    },
}

/// A newtype variant of an internally tagged enum needs a map to carry the tag.
fn message_object<S: serde::Serializer>(message: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut m = s.serialize_struct("Malformed", 1)?;
    m.serialize_field("message", message)?;
    m.end()
}

/// A typed decode failure: the byte offset in the input and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct DecodeError {
    /// Byte offset in the input where the problem was found (of the offending start tag for
    /// element errors).
    pub offset: u64,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// Shorthand constructor.
    pub fn new(offset: u64, kind: DecodeErrorKind) -> Self {
        DecodeError { offset, kind }
    }
    pub(crate) fn malformed(offset: u64, what: impl Into<String>) -> Self {
        Self::new(offset, DecodeErrorKind::Malformed(what.into()))
    }
    pub(crate) fn missing(offset: u64, name: impl Into<String>) -> Self {
        Self::new(offset, DecodeErrorKind::MissingElement { name: name.into() })
    }
    pub(crate) fn unexpected(offset: u64, name: impl Into<String>) -> Self {
        Self::new(offset, DecodeErrorKind::UnexpectedElement { name: name.into() })
    }
    /// A bad value; the value is truncated so errors never carry large payloads, and the
    /// value of a credential field (ticket, password) is redacted like a [`crate::codec::Ticket`].
    pub(crate) fn bad_value(offset: u64, field: impl Into<String>, value: &str) -> Self {
        let field = field.into();
        let lower = field.to_ascii_lowercase();
        let shown = if lower.contains("ticket") || lower.contains("password") {
            crate::codec::Ticket::new(value).redacted()
        } else {
            value.chars().take(40).collect()
        };
        Self::new(offset, DecodeErrorKind::BadValue { field, value: shown })
    }
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn bad_credential_values_are_redacted() {
        let secret = "TICKET-SECRET-0123456789";
        for field in ["ticket", "CrmTicket", "PassportTicket", "Password"] {
            let e = DecodeError::bad_value(0, field, secret);
            assert!(!format!("{e} {e:?}").contains(secret), "{field}");
        }
        let e = DecodeError::bad_value(0, "AuthenticationType", "seven");
        assert!(e.to_string().contains("seven"));
    }
}
