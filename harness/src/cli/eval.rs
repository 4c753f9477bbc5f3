//! `crmauth eval`: one request through a pipeline, with the outcome and the trace.

use super::args::{EngineArg, ExpectKind, StrategyArg};
use super::{load_pipeline, read_json, to_json, CliError, Exit};
use crate::pipeline::json::EvaluationReport;
use crate::pipeline::strategy::{Deployment, Engine};
use crate::pipeline::{Environment, Request, Trace};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Machine-readable JSON.
    Json,
    /// Indented text for people.
    Text,
}

/// Arguments of `crmauth eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Pipeline XML (CrmAuthentication or CrmPassport).
    #[arg(long)]
    pub pipeline: PathBuf,
    /// The CrmPostAuthentication pipeline XML (IFD).
    #[arg(long)]
    pub post_pipeline: Option<PathBuf>,
    /// The strategy: MapOrg runs for onpremise and ifd, not for passport.
    #[arg(long, default_value = "onpremise")]
    pub strategy: StrategyArg,
    /// Request JSON: {"method","path","client_address", "cookie","headers","body","windows_identity"}.
    #[arg(long)]
    pub request: PathBuf,
    /// Environment JSON (server roles, internal network, clock, organizations, users, tickets).
    #[arg(long)]
    pub env: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// The evaluator to run the pipelines with.
    #[arg(long, value_enum, default_value = "compiled")]
    pub engine: EngineArg,
    /// Exit 1 unless the outcome is of this kind.
    #[arg(long, value_enum)]
    pub expect: Option<ExpectKind>,
}

/// Runs `eval`: prints the outcome and traces; with `--expect`, fails on another kind.
pub fn run(args: &EvalArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let authentication = load_pipeline(&args.pipeline)?;
    let post_authentication = args.post_pipeline.as_deref().map(load_pipeline).transpose()?;
    let request: Request = read_json(&args.request)?;
    let env: Environment = match &args.env {
        Some(p) => read_json(p)?,
        None => Environment::default(),
    };
    let deployment =
        Deployment { strategy: args.strategy.into(), authentication, post_authentication };
    let prepared = request.prepare();
    let (mut trace, mut post) = (Trace::default(), Trace::default());
    let compiled;
    let outcome = match Engine::from(args.engine) {
        Engine::Reference => deployment.evaluate_observed(&prepared, &env, &mut trace, &mut post),
        Engine::Compiled => {
            compiled = deployment.compile();
            compiled.evaluate_observed(&prepared, &env, &mut trace, &mut post)
        }
    };
    // `post_trace` only with a post-authentication pipeline.
    let report = EvaluationReport {
        outcome,
        trace: &trace,
        post_trace: deployment.post_authentication.as_ref().map(|_| &post),
    };
    let output = match args.format {
        Format::Json => to_json(&report)?,
        Format::Text => text(&serde_json::to_value(report).map_err(CliError::JsonOutput)?),
    };
    if let Some(expected) = args.expect {
        if !expected.matches(&outcome) {
            return Err(CliError::Expectation { output, expected, got: outcome.kind() });
        }
    }
    writeln!(out, "{output}")?;
    Ok(Exit::Success)
}

/// The report in words, read from its JSON.
fn text(report: &Value) -> String {
    let o = &report["outcome"];
    let mut out = format!("outcome: {}", o["kind"].as_str().unwrap_or("?"));
    for key in ["step", "provider", "location", "user", "organization", "caller", "error"] {
        if !o[key].is_null() {
            out.push_str(&format!("\n  {key}: {}", o[key]));
        }
    }
    for (name, key) in [("trace", "trace"), ("post-authentication trace", "post_trace")] {
        let Some(steps) = report[key].as_array() else {
            continue;
        };
        out.push_str(&format!("\n{name}:"));
        for s in steps {
            out.push_str(&format!("\n  step {}:", s["step"]));
            for p in s["predicates"].as_array().into_iter().flatten() {
                out.push_str(&format!(" {}={}", p["type"].as_str().unwrap_or("?"), p["result"]));
            }
            if let Some(p) = s["provider"].as_object() {
                out.push_str(&format!(
                    " -> {} handled={}",
                    p["type"].as_str().unwrap_or("?"),
                    p["handled"]
                ));
                if !p["error"].is_null() {
                    out.push_str(&format!(" error={}", p["error"]));
                }
            }
        }
    }
    out
}
