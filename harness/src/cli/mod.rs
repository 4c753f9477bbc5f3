//! The command line's subcommands as library functions: the binary only parses and wires.

pub mod check;
pub mod client_shim;
pub mod codec;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod lint;
pub mod serve;

use std::path::Path;

/// A command that could not run, with the exit code it means (PROTOCOL: 2 for bad usage
/// or input, 1 for a failed check).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub exit_code: u8,
    pub message: String,
}

impl CliError {
    /// Bad usage or input: exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        CliError { exit_code: 2, message: message.into() }
    }

    /// A check that failed: exit code 1.
    pub fn failed(message: impl Into<String>) -> Self {
        CliError { exit_code: 1, message: message.into() }
    }
}

/// Reads a whole file (or standard input for `-`) as UTF-8, naming it on error; at most
/// 16 MiB (the same reader and limit as `decode`).
pub fn read_input(path: &Path) -> Result<String, CliError> {
    let name = path.to_string_lossy();
    let bytes = codec::read_input(&name).map_err(|e| CliError::input(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        CliError::input(format!("{name}: not UTF-8 at byte {}", e.utf8_error().valid_up_to()))
    })
}

/// Parses a JSON file into `T`, naming the file, line and column on error.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    let text = read_input(path)?;
    serde_json::from_str(&text).map_err(|e| CliError::input(format!("{}: {e}", path.display())))
}
