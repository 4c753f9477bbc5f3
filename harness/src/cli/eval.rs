//! `crmauth eval`: one request through a pipeline, with the outcome and the trace.

use super::{read_input, read_json, CliError};
use crate::pipeline::strategy::{Deployment, Engine};
use crate::pipeline::{xml, Environment, Pipeline, Request, Strategy};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The strategy, as on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StrategyArg {
    Onpremise,
    Ifd,
    Passport,
}

impl From<StrategyArg> for Strategy {
    fn from(s: StrategyArg) -> Self {
        match s {
            StrategyArg::Onpremise => Strategy::OnPremise,
            StrategyArg::Ifd => Strategy::Ifd,
            StrategyArg::Passport => Strategy::Passport,
        }
    }
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

/// The expected outcome kind for `--expect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExpectKind {
    Authenticated,
    Redirect,
    Denied,
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
    #[arg(long, value_enum, default_value = "onpremise")]
    pub strategy: StrategyArg,
    /// Request JSON: {"method","path","client_address", "cookie","headers","body","windows_identity"}.
    #[arg(long)]
    pub request: PathBuf,
    /// Environment JSON (server roles, internal network, clock, organizations, users, tickets).
    #[arg(long)]
    pub env: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    #[arg(long, value_enum, default_value = "compiled")]
    pub engine: Engine,
    /// Exit 1 unless the outcome is of this kind.
    #[arg(long, value_enum)]
    pub expect: Option<ExpectKind>,
}

/// Loads a pipeline file, naming the file, line and column on error.
pub fn load_pipeline(path: &Path) -> Result<Pipeline, CliError> {
    let text = read_input(path)?;
    xml::parse(&text).map_err(|e| CliError::input(format!("{}: {e}", path.display())))
}

/// Runs `eval` and returns what to print.
pub fn run(args: &EvalArgs) -> Result<String, CliError> {
    let authentication = load_pipeline(&args.pipeline)?;
    let post_authentication = args.post_pipeline.as_deref().map(load_pipeline).transpose()?;
    let request: Request = read_json(&args.request)?;
    let env: Environment = match &args.env {
        Some(p) => read_json(p)?,
        None => Environment::default(),
    };
    let deployment =
        Deployment { strategy: args.strategy.into(), authentication, post_authentication };
    let mut report = deployment.evaluate_json_on(args.engine, &request.prepare(), &env);
    if deployment.post_authentication.is_none() {
        if let Some(o) = report.as_object_mut() {
            o.remove("post_trace");
        }
    }
    let kind = report["outcome"]["kind"].as_str().unwrap_or_default().to_string();
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&report).unwrap_or_default(),
        Format::Text => text(&report),
    };
    if let Some(expect) = args.expect {
        let want = match expect {
            ExpectKind::Authenticated => "authenticated",
            ExpectKind::Redirect => "redirect",
            ExpectKind::Denied => "denied",
        };
        if kind != want {
            return Err(CliError::failed(format!("{out}\nexpected {want}, got {kind}")));
        }
    }
    Ok(out)
}

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
