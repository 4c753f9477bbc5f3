//! The model's typed errors (fail closed: every rejected input is one of these).

/// Why the model refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The pipeline XML is not a valid pipeline (PROTOCOL 1.1, docs/pipeline.md "Document"
    /// and "Configuration keys"). `line`/`column` are 1-based; where the XML parser gives no
    /// position the offending element's start is used.
    #[error("pipeline configuration error at line {line}, column {column}: {message}")]
    Pipeline { line: u32, column: u32, message: String },
    /// The request JSON is malformed, has an unknown key, or a field is invalid.
    #[error("bad request JSON: {0}")]
    Request(String),
    /// The environment JSON is malformed, has an unknown key, or a value is invalid
    /// (including a malformed `ifd_internal_network_address`, PROTOCOL 1.3).
    #[error("bad environment JSON: {0}")]
    Environment(String),
    /// The strategy name is not `OnPremise`, `IFD` or `Passport`.
    #[error("unknown strategy {0:?} (expected OnPremise, IFD or Passport)")]
    Strategy(String),
    /// The pipelines given do not fit the strategy (IFD needs a post-authentication
    /// pipeline; the others take none).
    #[error("deployment: {0}")]
    Deployment(String),
}
