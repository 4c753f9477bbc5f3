//! The one error type of the command line, and the exit code each error means.

use std::path::PathBuf;

use crate::check::client_conformance::RunError;
use crate::check::wsdl_diff::WsdlCheckError;
use crate::client::load::LoadError;
use crate::client::ClientError;
use crate::codec::DecodeError;
use crate::pipeline::analysis::AnalysisError;
use crate::pipeline::ConfigError;
use crate::server::ServerError;

use super::args::ExpectKind;

/// Bad usage the argument parser cannot see: a value out of range, flags that go together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Usage {
    /// `--cases 0`: a property run needs at least one case.
    #[error("--cases must be at least 1")]
    ZeroCases,
    /// `--time-limit 0`: the limit is in whole seconds, at least 1.
    #[error("--time-limit must be at least 1 second")]
    ZeroTimeLimit,
    /// Only one of `--post-old` and `--post-new` given.
    #[error("--post-old and --post-new go together")]
    PostPipelinesPair,
    /// `--requests 0` or `--concurrency 0` for a load run.
    #[error("--requests and --concurrency must be at least 1")]
    ZeroLoad,
    /// A `--strategy` other than Passport without the `--pipeline` it routes through.
    #[error("--strategy other than Passport needs --pipeline")]
    StrategyNeedsPipeline,
}

/// A command that could not run or whose check failed: what went wrong and where (the
/// file, and the line and column or byte offset the source error names).
///
/// [`CliError::exit_code`] maps each to the process exit code: 2 bad usage or input, 1 a
/// failed check or output failure (89: `client-shim --broken not-implemented`).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An input file (or standard input, `-`) could not be read.
    #[error("{file}: {source}")]
    Read {
        /// The input as named on the command line (`-` for standard input).
        file: String,
        /// The I/O error from opening or reading it.
        source: std::io::Error,
    },
    /// An input over the size limit.
    #[error("{file}: larger than {max} bytes")]
    TooLarge {
        /// The input as named on the command line (`-` for standard input).
        file: String,
        /// The limit in bytes ([`super::MAX_INPUT`]).
        max: u64,
    },
    /// A text input that is not UTF-8, at this byte offset.
    #[error("{file}: not UTF-8 at byte {byte}")]
    NotUtf8 {
        /// The input as named on the command line (`-` for standard input).
        file: String,
        /// Offset of the first byte that is not valid UTF-8 (the valid prefix length).
        byte: usize,
    },
    /// A JSON input (request, environment) rejected; the source names line and column.
    #[error("{file}: {source}")]
    Json {
        /// The input as named on the command line (`-` for standard input).
        file: String,
        /// The JSON error, with line and column.
        source: serde_json::Error,
    },
    /// A pipeline XML the reader rejected; the source names line and column.
    #[error("{file}: {source}")]
    Pipeline {
        /// The input as named on the command line (`-` for standard input).
        file: String,
        /// Why the pipeline reader rejected it (PROTOCOL.md 1.1).
        source: ConfigError,
    },
    /// A pipeline the analysis refuses (`lint`).
    #[error("{file}: {source}")]
    Analysis {
        /// The input as named on the command line (`-` for standard input).
        file: String,
        /// Why the static analysis refused it (PROTOCOL.md 1.7).
        source: AnalysisError,
    },
    /// Two pipeline versions the analysis refuses to compare (`diff`).
    #[error(transparent)]
    Diff(AnalysisError),
    /// An input a decoder rejected; the source names the byte offset.
    #[error("{file}: {source}")]
    Decode {
        /// The input as named on the command line (`-` for standard input).
        file: String,
        /// The decoder's error, with the byte offset.
        source: DecodeError,
    },
    /// The WSDL check could not run.
    #[error(transparent)]
    Wsdl(#[from] WsdlCheckError),
    /// Bad usage.
    #[error(transparent)]
    Usage(#[from] Usage),
    /// `check --case ID` with an ID no selected suite has.
    #[error("no case with ID {0} in the selected suites")]
    NoSuchCase(String),
    /// The selection is empty.
    #[error("no cases selected")]
    NoCases,
    /// `check --client CMD --case ID` with an unknown ID.
    #[error("no client conformance case {id}; the cases are {known}")]
    NoSuchClientCase {
        /// The ID given to `--case`.
        id: String,
        /// The known case IDs, comma-separated, for the message.
        known: String,
    },
    /// `check --client CMD` could not run the client.
    #[error(transparent)]
    ClientRun(RunError),
    /// The embedded corpus could not be written to a temporary directory.
    #[error("could not write the embedded corpus: {0}")]
    EmbeddedCorpus(std::io::Error),
    /// `check --out FILE` could not be written.
    #[error("{}: {source}", path.display())]
    WriteReport {
        /// The `--out` path.
        path: PathBuf,
        /// The I/O error from creating or writing it.
        source: std::io::Error,
    },
    /// Writing to standard output failed (other than a closed pipe, which is quiet).
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
    /// A report could not be rendered as JSON.
    #[error("JSON output: {0}")]
    JsonOutput(serde_json::Error),
    /// `eval --expect KIND`: the outcome was of another kind (the output goes to stderr).
    #[error("{output}\nexpected {expected}, got {got}")]
    Expectation {
        /// The rendered outcome, printed before the mismatch.
        output: String,
        /// The kind `--expect` asked for.
        expected: ExpectKind,
        /// The kind the outcome had ([`crate::pipeline::Outcome::kind`]).
        got: &'static str,
    },
    /// `explain --deny-warnings` with findings (the output goes to stderr).
    #[error("{output}\n{count} finding(s)")]
    Findings {
        /// The rendered explanation, printed before the count.
        output: String,
        /// How many findings the analysis reported (at least 1).
        count: usize,
    },
    /// The async runtime could not start.
    #[error("tokio runtime: {0}")]
    Runtime(std::io::Error),
    /// The mock server could not be configured, bound or run.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// The load generator could not start.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A load run with failed requests or out of time (the report goes to stderr).
    #[error("load run had errors:\n{report}")]
    LoadFailed {
        /// The rendered load report.
        report: String,
    },
    /// `client-shim`: a `CRMAUTH_*` variable missing or invalid.
    #[error("client-shim: {0}")]
    ShimEnvironment(String),
    /// `client-shim`: the async runtime could not start.
    #[error("client-shim: cannot start the async runtime: {0}")]
    ShimRuntime(std::io::Error),
    /// `client-shim`: the client gave up (its error never shows a full ticket).
    #[error("client-shim: {0}")]
    ShimGaveUp(ClientError),
    /// `client-shim --broken not-implemented`: the contract's "not implemented" exit.
    #[error("client-shim: not implemented (--broken not-implemented)")]
    ShimNotImplemented,
}

impl CliError {
    /// The process exit code: 2 bad usage or input, 1 a failed check or output failure,
    /// 89 a client that does not implement a case (`docs/client-conformance.md`).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Read { .. }
            | CliError::TooLarge { .. }
            | CliError::NotUtf8 { .. }
            | CliError::Json { .. }
            | CliError::Pipeline { .. }
            | CliError::Analysis { .. }
            | CliError::Diff(_)
            | CliError::Decode { .. }
            | CliError::Wsdl(_)
            | CliError::Usage(_)
            | CliError::NoSuchCase(_)
            | CliError::NoCases
            | CliError::NoSuchClientCase { .. }
            | CliError::ClientRun(_)
            | CliError::WriteReport { .. }
            | CliError::ShimEnvironment(_)
            | CliError::ShimRuntime(_) => 2,
            CliError::Load(e) => match e {
                LoadError::Settings(_) => 2,
                LoadError::Transport(_) => 1,
            },
            CliError::EmbeddedCorpus(_)
            | CliError::Output(_)
            | CliError::JsonOutput(_)
            | CliError::Expectation { .. }
            | CliError::Findings { .. }
            | CliError::Runtime(_)
            | CliError::Server(_)
            | CliError::LoadFailed { .. }
            | CliError::ShimGaveUp(_) => 1,
            CliError::ShimNotImplemented => 89,
        }
    }
}
