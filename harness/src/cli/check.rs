//! `crmauth check`: the conformance suite's verdict, as a table, JSON or JUnit.

use super::{load_pipeline, to_json, CliError, Exit, Usage};
use crate::check::{self, report, Selection, Settings, Suite};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Which suites to run: one [`Suite`] or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SuiteArg {
    /// The pipeline reader and evaluators.
    Pipeline,
    /// The client codecs: tokens, faults, discovery, cookies.
    Codec,
    /// The client flow against a server.
    Client,
    /// Every suite.
    All,
}

impl From<SuiteArg> for Option<Suite> {
    fn from(s: SuiteArg) -> Self {
        match s {
            SuiteArg::Pipeline => Some(Suite::Pipeline),
            SuiteArg::Codec => Some(Suite::Codec),
            SuiteArg::Client => Some(Suite::Client),
            SuiteArg::All => None,
        }
    }
}

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// A table for people.
    Text,
    /// One JSON document.
    Json,
    /// JUnit XML, for CI.
    Junit,
}

/// Arguments of `crmauth check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Which suites to run.
    #[arg(long, value_enum, default_value = "all")]
    pub suite: SuiteArg,
    /// Generated inputs per property.
    #[arg(long, default_value_t = 256)]
    pub cases: u32,
    /// Seed of the generated inputs; the same seed replays the same inputs.
    #[arg(long, default_value_t = Settings::default().seed)]
    pub seed: u64,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Write the report here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Check this pipeline XML: it must load, and the pipeline properties must hold on it.
    #[arg(long)]
    pub pipeline: Option<PathBuf>,
    /// Run only the case with this ID (e.g. PIPE-ORACLE, VEC-ifd-03).
    #[arg(long)]
    pub case: Option<String>,
    /// Run the client suite against the server at this base URL (e.g. one `crmauth serve`
    /// started) instead of the built-in mock on a loopback port.
    #[arg(long)]
    pub server: Option<String>,
    /// A corpus directory (`vectors/`, `pipelines/`) to use instead of the one embedded in
    /// the binary.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Judge this client command instead (split into words like a shell, no shell): run
    /// once per client conformance case against a fresh scripted mock
    /// (`docs/client-conformance.md`); `--suite`, `--pipeline`, `--server` do not apply.
    #[arg(long, value_name = "CMD")]
    pub client: Option<String>,
    /// With `--client`: a case the client does not implement (exit 89) fails, not skips.
    #[arg(long)]
    pub strict: bool,
    /// With `--client`: `CRMAUTH_MAX_RETRIES`, the bound the client must honour.
    #[arg(long, default_value_t = 3)]
    pub max_retries: u32,
    /// With `--client`: seconds a case may take before the client is killed.
    #[arg(long, default_value_t = 30)]
    pub time_limit: u64,
}

/// The outcome of `check`: the report text and whether everything passed.
pub struct CheckOutcome {
    /// The rendered report, in the chosen format.
    pub report: String,
    /// No case failed or errored.
    pub ok: bool,
}

/// Runs `check`: the report goes to `--out` or `out`; exit 1 when a case failed.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let outcome = match &args.client {
        Some(command) => run_client(args, command)?,
        None => run_suites(args)?,
    };
    match &args.out {
        Some(path) => std::fs::write(path, &outcome.report)
            .map_err(|source| CliError::WriteReport { path: path.clone(), source })?,
        None => write!(out, "{}", outcome.report)?,
    }
    Ok(Exit::ok_if(outcome.ok))
}

/// Runs the selected cases and renders the report.
pub fn run_suites(args: &CheckArgs) -> Result<CheckOutcome, CliError> {
    if args.cases == 0 {
        return Err(Usage::ZeroCases.into());
    }
    let pipeline = args.pipeline.as_deref().map(load_pipeline).transpose()?.map(Arc::new);
    let suite = args.suite.into();
    let selection =
        Selection { suite, case: args.case.clone(), server: args.server.clone(), pipeline };
    let embedded;
    let corpus = match &args.corpus {
        Some(dir) => dir.clone(),
        None => {
            embedded =
                check::vectors::EmbeddedCorpus::extract().map_err(CliError::EmbeddedCorpus)?;
            embedded.path().to_owned()
        }
    };
    let cases = check::cases(&selection, &corpus);
    if cases.is_empty() {
        return Err(match &args.case {
            Some(id) => CliError::NoSuchCase(id.clone()),
            None => CliError::NoCases,
        });
    }
    let settings = Settings { cases: args.cases, seed: args.seed };
    let bar = ProgressBar::with_draw_target(Some(cases.len() as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let reports: Vec<_> = cases
        .iter()
        .map(|c| {
            bar.set_message(c.id.clone());
            let r = c.run(&settings);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let ok = report::Summary::of(&reports).ok();
    let report = match args.format {
        ReportFormat::Text => report::text(&reports, &settings),
        ReportFormat::Json => to_json(&report::json(&reports, &settings))?,
        ReportFormat::Junit => report::junit(&reports, &settings),
    };
    Ok(CheckOutcome { report, ok })
}

/// `check --client CMD`: the client conformance cases (issue 15), judged by the scripted
/// mock's record and the client's exit code.
fn run_client(args: &CheckArgs, command: &str) -> Result<CheckOutcome, CliError> {
    use crate::check::client_conformance::{self as cc, report as ccr, runner};
    let argv = runner::split_command(command).map_err(CliError::ClientRun)?;
    let cases: Vec<&'static cc::CaseSpec> = match &args.case {
        None => cc::CASES.iter().collect(),
        Some(id) => match cc::CaseId::parse(id) {
            Some(c) => vec![cc::spec(c)],
            None => {
                let known: Vec<&str> = cc::CASES.iter().map(|c| c.id.as_str()).collect();
                return Err(CliError::NoSuchClientCase { id: id.clone(), known: known.join(", ") });
            }
        },
    };
    if args.time_limit == 0 {
        return Err(Usage::ZeroTimeLimit.into());
    }
    let settings = cc::RunSettings {
        max_retries: args.max_retries,
        time_limit: std::time::Duration::from_secs(args.time_limit),
        strict: args.strict,
    };
    let bar = ProgressBar::with_draw_target(Some(cases.len() as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let mut results = Vec::with_capacity(cases.len());
    for spec in cases {
        bar.set_message(spec.id.as_str());
        let r = cc::run_cases(&argv, &[spec], &settings).map_err(CliError::ClientRun)?;
        results.extend(r);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let ok = ccr::Summary::of(&results).ok();
    let report = match args.format {
        ReportFormat::Text => ccr::text(&results, command),
        ReportFormat::Json => to_json(&ccr::json(&results, command))?,
        ReportFormat::Junit => ccr::junit(&results),
    };
    Ok(CheckOutcome { report, ok })
}
