//! `crmauth explain`: a pipeline in words, with findings (unreachable steps, contradictions).

use super::eval::{load_pipeline, Format};
use super::CliError;
use crate::pipeline::explain::{describe, findings};
use std::path::PathBuf;

/// Arguments of `crmauth explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Pipeline XML.
    pub pipeline: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when there are findings.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Runs `explain` and returns what to print.
pub fn run(args: &ExplainArgs) -> Result<String, CliError> {
    let pipeline = load_pipeline(&args.pipeline)?;
    let found = findings(&pipeline);
    let out = match args.format {
        Format::Text => describe(&pipeline),
        Format::Json => serde_json::to_string_pretty(&serde_json::json!({
            "steps": pipeline.steps,
            "findings": found,
        }))
        .unwrap_or_default(),
    };
    if args.deny_warnings && !found.is_empty() {
        return Err(CliError::failed(format!("{out}\n{} finding(s)", found.len())));
    }
    Ok(out)
}
