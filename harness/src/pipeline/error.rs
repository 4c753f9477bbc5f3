//! Configuration errors of pipeline XML (PROTOCOL 1.1: fail closed, with line and column).

use thiserror::Error;

/// A pipeline that cannot be loaded, and where (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct ConfigError {
    pub line: usize,
    pub column: usize,
    pub kind: ConfigErrorKind,
}

/// What is wrong with a pipeline document.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigErrorKind {
    #[error("malformed XML: {0}")]
    Xml(String),
    #[error("DOCTYPE declarations are refused (no DTDs, no entities)")]
    Doctype,
    #[error("the document is not a <pipeline>")]
    NoPipeline,
    #[error("unexpected element <{name}> inside <{parent}>")]
    UnexpectedElement { name: String, parent: String },
    #[error("<{name}> is in XML namespace `{uri}`: pipeline elements are in no namespace")]
    Namespace { name: String, uri: String },
    #[error("unexpected text inside <{parent}>")]
    UnexpectedText { parent: String },
    #[error("<{element}> has no `{attribute}` attribute")]
    MissingAttribute { element: &'static str, attribute: &'static str },
    #[error("unknown {role} type `{type_name}`")]
    UnknownType { role: &'static str, type_name: String },
    #[error("the step has no provider")]
    NoProvider,
    #[error("the step has a second provider (one provider per step)")]
    SecondProvider,
    #[error("a predicate after the provider of its step")]
    PredicateAfterProvider,
    #[error("{class} needs configuration key `{key}`")]
    MissingKey { class: &'static str, key: &'static str },
    #[error("{class} has no configuration key `{key}`")]
    UnknownKey { class: &'static str, key: String },
    #[error("configuration key `{key}` appears twice")]
    DuplicateKey { key: String },
    #[error("{class}: `{key}` = {value:?}: {reason}")]
    BadValue { class: &'static str, key: String, value: String, reason: &'static str },
    #[error("limit exceeded: more than {limit} {what}")]
    Limit { what: &'static str, limit: usize },
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
