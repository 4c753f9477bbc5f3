//! Configuration errors of pipeline XML (PROTOCOL 1.1: fail closed, with line and column).

use thiserror::Error;

/// A pipeline that cannot be loaded, and where (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct ConfigError {
    /// 1-based line of the offending construct.
    pub line: usize,
    /// 1-based column, counted in characters (not bytes).
    pub column: usize,
    /// What is wrong.
    pub kind: ConfigErrorKind,
}

/// What is wrong with a pipeline document.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigErrorKind {
    /// The text is not well-formed XML; holds the XML parser's message.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// The document has a DOCTYPE; refused so no DTD or entity is ever expanded.
    #[error("DOCTYPE declarations are refused (no DTDs, no entities)")]
    Doctype,
    /// The root element is not `<pipeline>`.
    #[error("the document is not a <pipeline>")]
    NoPipeline,
    /// An element not allowed where it stands (PROTOCOL 1.1 shape).
    #[error("unexpected element <{name}> inside <{parent}>")]
    UnexpectedElement {
        /// The unexpected element's name.
        name: String,
        /// The element it appears in.
        parent: String,
    },
    /// A pipeline element in an XML namespace; pipeline elements are in none.
    #[error("<{name}> is in XML namespace `{uri}`: pipeline elements are in no namespace")]
    Namespace {
        /// The element's local name.
        name: String,
        /// The namespace URI it is in.
        uri: String,
    },
    /// Non-whitespace text where only elements are allowed.
    #[error("unexpected text inside <{parent}>")]
    UnexpectedText {
        /// The element holding the text.
        parent: String,
    },
    /// A required attribute (e.g. `type` of `<predicate>`) is absent.
    #[error("<{element}> has no `{attribute}` attribute")]
    MissingAttribute {
        /// The element lacking the attribute.
        element: &'static str,
        /// The missing attribute's name.
        attribute: &'static str,
    },
    /// A type string that names no built-in class (PROTOCOL 1.1: never skipped).
    #[error("unknown {role} type `{type_name}`")]
    UnknownType {
        /// `"predicate"` or `"provider"`.
        role: &'static str,
        /// The type string as written.
        type_name: String,
    },
    /// A step with zero providers (PROTOCOL 1.1).
    #[error("the step has no provider")]
    NoProvider,
    /// A step with more than one provider (PROTOCOL 1.1).
    #[error("the step has a second provider (one provider per step)")]
    SecondProvider,
    /// A `<predicate>` following the step's `<provider>` (PROTOCOL 1.1).
    #[error("a predicate after the provider of its step")]
    PredicateAfterProvider,
    /// A configuration key the class requires is absent.
    #[error("{class} needs configuration key `{key}`")]
    MissingKey {
        /// The short class name.
        class: &'static str,
        /// The missing key.
        key: &'static str,
    },
    /// A configuration key the class does not know.
    #[error("{class} has no configuration key `{key}`")]
    UnknownKey {
        /// The short class name.
        class: &'static str,
        /// The unknown key as written.
        key: String,
    },
    /// The same configuration key twice in one predicate or provider.
    #[error("configuration key `{key}` appears twice")]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// A configuration value that does not parse for its key.
    #[error("{class}: `{key}` = {value:?}: {reason}")]
    BadValue {
        /// The short class name.
        class: &'static str,
        /// The key.
        key: String,
        /// The rejected value as written.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A size limit of the reader was exceeded (PROTOCOL 3, `DECODE-TOTAL`).
    #[error("limit exceeded: more than {limit} {what}")]
    Limit {
        /// What was counted, e.g. `"bytes"`, `"steps"`, `"levels of nesting"`.
        what: &'static str,
        /// The limit, in units of `what`.
        limit: usize,
    },
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
