//! `crmauth diff OLD NEW [--post-old F --post-new F] [--format text|json]`: whether two
//! versions of a pipeline are equivalent (PROTOCOL 1.7) and, for each class of requests
//! that changed, a witness request and environment `crmauth eval` accepts as they are.
//!
//! Exit codes: 0 equivalent, 1 different, 2 bad input.

use super::eval::Format;
use super::{load_pipeline, to_json, CliError, Exit, Usage};
use crate::pipeline::analysis::{self, Behaviour, Diff, Run};
use crate::pipeline::model::BuiltIn;
use crate::pipeline::Provider;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `crmauth diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old pipeline XML (CrmAuthentication or CrmPassport).
    pub old: PathBuf,
    /// The new pipeline XML.
    pub new: PathBuf,
    /// The old CrmPostAuthentication pipeline (IFD); needs --post-new.
    #[arg(long, requires = "post_new")]
    pub post_old: Option<PathBuf>,
    /// The new CrmPostAuthentication pipeline (IFD); needs --post-old.
    #[arg(long, requires = "post_old")]
    pub post_new: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Runs `diff`: prints the verdict; exit 1 when the versions differ.
pub fn run(args: &DiffArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let old = load_pipeline(&args.old)?;
    let new = load_pipeline(&args.new)?;
    let post = match (&args.post_old, &args.post_new) {
        (Some(a), Some(b)) => Some((load_pipeline(a)?, load_pipeline(b)?)),
        (None, None) => None,
        _ => return Err(Usage::PostPipelinesPair.into()),
    };
    let d =
        analysis::diff(&old, &new, post.as_ref().map(|(a, b)| (a, b))).map_err(CliError::Diff)?;
    let output = match args.format {
        Format::Json => to_json(&json(&d))?,
        Format::Text => text(&d),
    };
    writeln!(out, "{output}")?;
    Ok(Exit::ok_if(d.equivalent))
}

/// `{"equivalent", "differences": [{"request", "env", "old", "new"}]}`.
pub fn json(d: &Diff) -> serde_json::Value {
    let differences: Vec<serde_json::Value> = d
        .differences
        .iter()
        .map(|x| {
            serde_json::json!({
                "request": x.witness.request,
                "env": x.witness.env_json(),
                "old": x.old,
                "new": x.new,
            })
        })
        .collect();
    serde_json::json!({ "equivalent": d.equivalent, "differences": differences })
}

fn provider_words(p: &Provider) -> String {
    let name = p.kind().class_name();
    match p {
        Provider::Redirect { url } => format!("{name} (url {url})"),
        Provider::MultipleOrganizationSoapHeader { authentication_types } => {
            let types: Vec<String> = authentication_types.0.iter().map(|t| t.to_string()).collect();
            format!("{name} (authenticationType {})", types.join(", "))
        }
        _ => name.to_string(),
    }
}

fn runs_words(runs: &[Run]) -> String {
    if runs.is_empty() {
        return "no provider (denied)".into();
    }
    let list: Vec<String> =
        runs.iter().map(|r| format!("step {} {}", r.step, provider_words(&r.provider))).collect();
    list.join(", then ")
}

fn behaviour_words(b: &Behaviour) -> String {
    let mut out = runs_words(&b.runs);
    if let Some(post) = &b.post_runs {
        out.push_str(&format!("; post-authentication: {}", runs_words(post)));
    }
    out
}

/// The diff in words: the verdict, then each difference with its witness.
pub fn text(d: &Diff) -> String {
    if d.equivalent {
        return "equivalent (PROTOCOL 1.7): every request and environment get the same providers"
            .into();
    }
    let mut out = format!(
        "not equivalent: {} class(es) of requests run different providers",
        d.differences.len()
    );
    for (i, x) in d.differences.iter().enumerate() {
        let request = serde_json::to_string(&x.witness.request).unwrap_or_default();
        out.push_str(&format!(
            "\ndifference {}:\n  request: {request}\n  env: {}\n  old: {}\n  new: {}",
            i + 1,
            x.witness.env_json(),
            behaviour_words(&x.old),
            behaviour_words(&x.new)
        ));
    }
    out
}
