//! The typed decode failure every codec returns (PROTOCOL 3: DECODE-TOTAL).

use serde::Serialize;

/// Why a decoder rejected its input. Every rejection of every codec is one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecodeErrorKind {
    #[error("input larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("elements nested deeper than {limit}")]
    TooDeep { limit: usize },
    #[error("more than {limit} attributes on one element")]
    TooManyAttributes { limit: usize },
    #[error("text longer than {limit} bytes")]
    TextTooLong { limit: usize },
    #[error("more than {limit} items")]
    TooManyItems { limit: usize },
    #[error("DOCTYPE declarations are not accepted")]
    Doctype,
    #[error("undeclared entity reference &{name};")]
    UnknownEntity { name: String },
    /// JSON: `{"kind": "malformed", "message": "…"}`.
    #[error("malformed input: {0}")]
    #[serde(serialize_with = "message_object")]
    Malformed(String),
    #[error("missing element {name}")]
    MissingElement { name: String },
    #[error("unexpected element {name}")]
    UnexpectedElement { name: String },
    #[error("bad value for {field}: {value:?}")]
    BadValue { field: String, value: String },
    #[error("{name} is in namespace {found:?}, expected {expected:?}")]
    WrongNamespace { name: String, expected: String, found: String },
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
    pub offset: u64,
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
