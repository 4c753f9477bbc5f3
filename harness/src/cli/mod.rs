//! The command line's subcommands as library functions: the binary only parses and calls
//! [`run`]. One contract for every command: it writes its output to `out`, returns the
//! verdict ([`Exit`]) or a [`CliError`], whose [`CliError::exit_code`] is the exit code.

pub mod args;
pub mod check;
pub mod client_shim;
pub mod codec;
pub mod diff;
pub mod error;
pub mod eval;
pub mod explain;
pub mod lint;
pub mod serve;

pub use error::{CliError, Usage};

use std::io::{Read, Write};
use std::path::Path;

use crate::pipeline::{xml, Pipeline};

/// The subcommands of `crmauth`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run the conformance suite: golden vectors and the invariants of the spec.
    Check(check::CheckArgs),
    /// Evaluate one request against a pipeline and print the outcome and the trace.
    Eval(eval::EvalArgs),
    /// Describe a pipeline in words and point out unreachable or contradictory steps.
    Explain(explain::ExplainArgs),
    /// Find unreachable, redundant and contradictory steps (PROTOCOL 1.7), like a compiler.
    Lint(lint::LintArgs),
    /// Compare two pipeline versions (PROTOCOL 1.7), with a witness request per difference.
    Diff(diff::DiffArgs),
    /// Decode a token, envelope, fault, discovery message, cookie or RPS input to JSON.
    Decode(codec::DecodeArgs),
    /// Write a known-good envelope, fault or discovery message from JSON.
    Encode(codec::EncodeArgs),
    /// Compare real CRM 4.0 WSDLs with the message table crmauth speaks by.
    WsdlCheck(codec::WsdlCheckArgs),
    /// Run the mock CRM server (discovery + CrmService behind the real pipeline) until Ctrl-C.
    Serve(serve::ServeArgs),
    /// Bounded load against a server: requests/s, errors, p50/p99 latency, server RSS.
    Load(serve::LoadArgs),
    /// crmauth's own client behind the `check --client` contract (reads CRMAUTH_* variables).
    ClientShim(client_shim::ShimArgs),
}

/// The verdict of a command that ran: its output is written, and this is the exit code
/// (0 success, 1 a failed check: a lint error, a difference, a failed case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Exit code 0.
    Success,
    /// Exit code 1: the check the command ran failed.
    Failed,
}

impl Exit {
    /// `Success` when `ok`, else `Failed`.
    pub fn ok_if(ok: bool) -> Self {
        if ok {
            Exit::Success
        } else {
            Exit::Failed
        }
    }

    /// The process exit code: 0 or 1.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failed => 1,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

/// Runs one command, writing its output to `out`. A closed `out` (`crmauth … | head`) is
/// not an error: the rest of the output is dropped quietly and the command's verdict
/// stands, for every command alike.
pub fn run(command: Command, out: &mut dyn Write) -> Result<Exit, CliError> {
    let out = &mut ClosedPipeIsQuiet { inner: out, closed: false };
    match &command {
        Command::Check(a) => check::run(a, out),
        Command::Eval(a) => eval::run(a, out),
        Command::Explain(a) => explain::run(a, out),
        Command::Lint(a) => lint::run(a, out),
        Command::Diff(a) => diff::run(a, out),
        Command::Decode(a) => codec::decode(a, out),
        Command::Encode(a) => codec::encode(a, out),
        Command::WsdlCheck(a) => codec::wsdl_check(a, out),
        Command::Serve(a) => serve::serve(a, out),
        Command::Load(a) => serve::load_command(a, out),
        Command::ClientShim(a) => client_shim::run(a),
    }
}

/// The one place a broken pipe on the output is handled: from the first `BrokenPipe` on,
/// writes succeed without writing.
struct ClosedPipeIsQuiet<'w> {
    inner: &'w mut dyn Write,
    closed: bool,
}

impl Write for ClosedPipeIsQuiet<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            r => r,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            r => r,
        }
    }
}

/// The most any input file may hold: 16 MiB.
pub const MAX_INPUT: u64 = 16 << 20;

/// Reads `FILE` or standard input (`-`), refusing more than [`MAX_INPUT`] bytes.
pub fn read_bytes(path: &str) -> Result<Vec<u8>, CliError> {
    let err = |source| CliError::Read { file: path.to_owned(), source };
    let mut buf = Vec::new();
    if path == "-" {
        std::io::stdin().lock().take(MAX_INPUT + 1).read_to_end(&mut buf).map_err(err)?;
    } else {
        std::fs::File::open(path)
            .map_err(err)?
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .map_err(err)?;
    }
    if buf.len() as u64 > MAX_INPUT {
        return Err(CliError::TooLarge { file: path.to_owned(), max: MAX_INPUT });
    }
    Ok(buf)
}

/// Reads a whole file (or standard input for `-`) as UTF-8, naming it on error; at most
/// [`MAX_INPUT`] bytes (the same reader and limit as `decode`).
pub fn read_input(path: &Path) -> Result<String, CliError> {
    let name = path.to_string_lossy();
    let bytes = read_bytes(&name)?;
    String::from_utf8(bytes).map_err(|e| CliError::NotUtf8 {
        file: name.into_owned(),
        byte: e.utf8_error().valid_up_to(),
    })
}

/// Parses a JSON file into `T`, naming the file, line and column on error.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    let text = read_input(path)?;
    serde_json::from_str(&text)
        .map_err(|source| CliError::Json { file: path.display().to_string(), source })
}

/// Loads a pipeline file, naming the file, line and column on error.
pub fn load_pipeline(path: &Path) -> Result<Pipeline, CliError> {
    let text = read_input(path)?;
    xml::parse(&text)
        .map_err(|source| CliError::Pipeline { file: path.display().to_string(), source })
}

/// Pretty JSON of a report.
fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(v).map_err(CliError::JsonOutput)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone away.
    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_pipe_is_quiet_and_other_errors_are_not() {
        let mut inner = Closed;
        let mut w = ClosedPipeIsQuiet { inner: &mut inner, closed: false };
        assert!(writeln!(w, "a line").is_ok() && w.flush().is_ok() && w.closed);
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut inner = Full;
        let mut w = ClosedPipeIsQuiet { inner: &mut inner, closed: false };
        assert!(writeln!(w, "a line").is_err());
    }
}
