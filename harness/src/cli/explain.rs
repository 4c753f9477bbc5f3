//! `crmauth explain`: a pipeline in words, with findings (unreachable steps, contradictions).

use super::eval::Format;
use super::{load_pipeline, to_json, CliError, Exit};
use crate::pipeline::explain::{describe, findings};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `crmauth explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Pipeline XML.
    pub pipeline: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when there are findings.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs `explain`: prints the description; with `--deny-warnings`, fails on findings.
pub fn run(args: &ExplainArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let pipeline = load_pipeline(&args.pipeline)?;
    let found = findings(&pipeline);
    let output = match args.format {
        Format::Text => describe(&pipeline),
        Format::Json => to_json(&serde_json::json!({
            "steps": pipeline.steps,
            "findings": found,
        }))?,
    };
    if args.deny_warnings && !found.is_empty() {
        return Err(CliError::Findings { output, count: found.len() });
    }
    writeln!(out, "{output}")?;
    Ok(Exit::Success)
}
