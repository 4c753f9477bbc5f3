//! `crmauth lint FILE... [--format text|json|sarif] [--deny-warnings]`: the findings of
//! the exact analysis (PROTOCOL 1.7, [`crate::pipeline::analysis`]) with stable rule ids,
//! located at the step's line and column in the XML file.
//!
//! Exit codes: 0 no finding (or only warnings), 1 an error-level finding (or any finding
//! with `--deny-warnings`), 2 bad input (unreadable or invalid pipeline, or one the
//! analysis refuses).

use super::{read_input, to_json, CliError, Exit};
use crate::pipeline::analysis::{self, Lint};
use crate::pipeline::error::line_column;
use crate::pipeline::model::BuiltIn;
use crate::pipeline::{xml, Pipeline};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The output format of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// `file:line:col: level[rule]: message`, like a compiler.
    Text,
    /// `{"file", "findings": [...]}` (an array of those for several files).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// Arguments of `crmauth lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Pipeline XML files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// The lint rules (stable ids: they are what SARIF consumers and scripts key on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// `unreachable-step` (error): no request makes the step's provider run.
    UnreachableStep,
    /// `contradictory-predicates` (error): the step's predicates can never all be true.
    ContradictoryPredicates,
    /// `never-handles` (warning): the provider never handles (`RejectAuthenticationProvider`).
    NeverHandles,
    /// `redundant-step` (warning): an identical earlier provider already declined.
    RedundantStep,
    /// `redundant-predicate` (warning): always true, or implied by the step's others.
    RedundantPredicate,
}

impl Rule {
    /// Every rule, in the order of SARIF's rule descriptors.
    pub const ALL: [Rule; 5] = [
        Rule::UnreachableStep,
        Rule::ContradictoryPredicates,
        Rule::NeverHandles,
        Rule::RedundantStep,
        Rule::RedundantPredicate,
    ];

    /// The stable id, e.g. `unreachable-step`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::UnreachableStep => "unreachable-step",
            Rule::ContradictoryPredicates => "contradictory-predicates",
            Rule::NeverHandles => "never-handles",
            Rule::RedundantStep => "redundant-step",
            Rule::RedundantPredicate => "redundant-predicate",
        }
    }

    /// The level every finding of the rule has.
    pub fn level(self) -> Level {
        match self {
            Rule::UnreachableStep | Rule::ContradictoryPredicates => Level::Error,
            _ => Level::Warning,
        }
    }

    fn short(self) -> &'static str {
        match self {
            Rule::UnreachableStep => "A step whose provider can never run",
            Rule::ContradictoryPredicates => "A step whose predicates can never all be true",
            Rule::NeverHandles => "A step whose provider never handles a request",
            Rule::RedundantStep => "A step that runs but never changes an outcome",
            Rule::RedundantPredicate => "A predicate implied by the others, or always true",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Rule::UnreachableStep => {
                "No request and environment make this step's provider run (PROTOCOL 1.7): its \
                 predicates contradict, or every request they accept is handled first by an \
                 earlier step whose provider always handles (PassThrough, Redirect, \
                 CrmServiceRedirect, IfdRedirect). Move the step before those steps, narrow \
                 them, or delete it."
            }
            Rule::ContradictoryPredicates => {
                "No request satisfies every predicate of the step (e.g. internal and external, \
                 two methods, disjoint paths, a role mask of 0). Fix or delete the step."
            }
            Rule::NeverHandles => {
                "RejectAuthenticationProvider returns 'not handled': the pipeline goes on as if \
                 the step were absent. Denial happens anyway when no step handles a request."
            }
            Rule::RedundantStep => {
                "On every request this step runs for, an earlier step with the identical \
                 provider and configuration has already run and declined; it declines again. \
                 Deleting the step changes no outcome."
            }
            Rule::RedundantPredicate => {
                "The predicate never changes whether its step runs: it is always true, or the \
                 other predicates of the step already imply it. Deleting it changes nothing."
            }
        }
    }
}

/// `error` or `warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Fails `lint` (exit 1).
    Error,
    /// Fails `lint` only with `--deny-warnings`.
    Warning,
}

/// One finding, located in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule found broken.
    pub rule: Rule,
    /// The rule's level.
    pub level: Level,
    /// Index (0-based) of the step it is about.
    pub step: usize,
    /// 1-based line of the step (or the predicate or provider it names) in the file.
    pub line: usize,
    /// 1-based column, in characters, on that line.
    pub column: usize,
    /// What was found, naming the step.
    pub message: String,
    /// Earlier steps the finding is because of.
    pub because_of: Vec<usize>,
}

/// The findings of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileFindings {
    /// The file as named on the command line.
    pub file: String,
    /// Its findings, in step order.
    pub findings: Vec<Finding>,
}

/// Where a step's parts start in the file (1-based line, column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPosition {
    /// The step's start: its `<step>` element, or its first predicate in the flat form.
    pub step: (usize, usize),
    /// Each `<predicate>` element's start, in order.
    pub predicates: Vec<(usize, usize)>,
    /// The `<provider>` element's start.
    pub provider: (usize, usize),
}

/// The position of every step of a document the reader accepted: a small pass of its own
/// over the same structure (`<step>`, `<steps>`/`<predicates>` wrappers, the flat form in
/// which a step starts at its first predicate and ends with its provider).
pub fn step_positions(text: &str) -> Vec<StepPosition> {
    let lines = Lines::new(text);
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut out = Vec::new();
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let mut open: Option<StepPosition> = None;
    let mut flat: Option<StepPosition> = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(e) => e,
        };
        let rest = text.as_bytes().get(before..).unwrap_or(&[]);
        let at = before + rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let here = lines.line_column(at);
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.name().as_ref().to_vec()), false),
            Event::Empty(e) => (Some(e.name().as_ref().to_vec()), true),
            Event::End(_) => (None, false),
            _ => continue,
        };
        let Some(name) = start else {
            if stack.pop().as_deref() == Some(b"step") {
                out.extend(open.take());
            }
            continue;
        };
        let in_step = stack.iter().any(|n| n == b"step");
        let fresh = || StepPosition { step: here, predicates: Vec::new(), provider: here };
        match name.as_slice() {
            b"step" => open = Some(fresh()),
            b"predicate" if in_step => {
                if let Some(s) = open.as_mut() {
                    s.predicates.push(here);
                }
            }
            b"predicate" => flat.get_or_insert_with(fresh).predicates.push(here),
            b"provider" if in_step => {
                if let Some(s) = open.as_mut() {
                    s.provider = here;
                }
            }
            b"provider" => {
                let mut s = flat.take().unwrap_or_else(fresh);
                s.provider = here;
                out.push(s);
            }
            _ => {}
        }
        if empty {
            if name == b"step" {
                out.extend(open.take());
            }
        } else {
            stack.push(name);
        }
    }
    out
}

/// Line starts of a text, for line and column of many offsets (one pass, then a binary
/// search each, where [`line_column`] would scan from the start every time).
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        let starts =
            std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { text, starts: starts.collect() }
    }

    /// The same answer as [`line_column`].
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let (l, c) = line_column(&self.text[start..], offset - start);
        (line + l - 1, c)
    }
}

/// The findings of an analysed pipeline, in step order, at `positions`.
pub fn findings(pipeline: &Pipeline, lint: &Lint, positions: &[StepPosition]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (s, r) in lint.steps.iter().enumerate() {
        let pos = positions.get(s);
        let step_at = pos.map_or((1, 1), |p| p.step);
        let step = &pipeline.steps[s];
        let mut push =
            |rule: Rule, (line, column): (usize, usize), message: String, because: &[usize]| {
                out.push(Finding {
                    rule,
                    level: rule.level(),
                    step: s,
                    line,
                    column,
                    message,
                    because_of: because.to_vec(),
                })
            };
        if !r.satisfiable {
            let why = r.contradiction.clone().unwrap_or_default();
            push(Rule::ContradictoryPredicates, step_at, format!("step {s}: {why}"), &[]);
            push(
                Rule::UnreachableStep,
                step_at,
                format!("step {s} can never run: its predicates contradict"),
                &[],
            );
            continue;
        }
        if !r.reachable {
            push(
                Rule::UnreachableStep,
                step_at,
                format!(
                    "step {s} can never run: every request it accepts is handled first by an \
                     earlier step whose provider always handles"
                ),
                &r.taken_by,
            );
            continue;
        }
        if r.never_handles {
            let at = pos.map_or(step_at, |p| p.provider);
            push(
                Rule::NeverHandles,
                at,
                format!("step {s}: RejectAuthenticationProvider never handles a request"),
                &[],
            );
        }
        if r.redundant() {
            push(
                Rule::RedundantStep,
                step_at,
                format!(
                    "step {s} runs {} only after an earlier step ran the identical provider, \
                     which declined: it never changes an outcome",
                    step.provider.kind().class_name(),
                ),
                &r.repeat_of,
            );
        }
        for rp in &r.redundant_predicates {
            let at = pos.and_then(|p| p.predicates.get(rp.index).copied()).unwrap_or(step_at);
            let kind = step.predicates[rp.index].kind().class_name();
            let by = if rp.implied_by.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = rp.implied_by.iter().map(|i| i.to_string()).collect();
                format!(" (implied by predicate {} of the step)", list.join(", "))
            };
            push(
                Rule::RedundantPredicate,
                at,
                format!("step {s}, predicate {} ({kind}): {}{by}", rp.index, rp.reason),
                &[],
            );
        }
    }
    out
}

fn steps_words(steps: &[usize]) -> String {
    let list: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
    match steps.len() {
        0 => "no step".into(),
        1 => format!("step {}", list[0]),
        _ => format!("steps {}", list.join(", ")),
    }
}

/// Loads, analyses and locates the findings of one file (bad input: exit code 2).
pub fn lint_file(path: &Path) -> Result<FileFindings, CliError> {
    let text = read_input(path)?;
    let file = || path.display().to_string();
    let pipeline =
        xml::parse(&text).map_err(|source| CliError::Pipeline { file: file(), source })?;
    let lint =
        analysis::lint(&pipeline).map_err(|source| CliError::Analysis { file: file(), source })?;
    let positions = step_positions(&text);
    Ok(FileFindings {
        file: path.display().to_string(),
        findings: findings(&pipeline, &lint, &positions),
    })
}

/// Runs `lint`: prints the findings; exit 1 on an error (or, with `--deny-warnings`, any
/// finding).
pub fn run(args: &LintArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let files = args.files.iter().map(|f| lint_file(f)).collect::<Result<Vec<_>, _>>()?;
    let all = || files.iter().flat_map(|f| f.findings.iter());
    let errors = all().filter(|f| f.level == Level::Error).count();
    let warnings = all().count() - errors;
    let output = match args.format {
        LintFormat::Text => text(&files, errors, warnings),
        LintFormat::Json if files.len() == 1 => to_json(&files[0])?,
        LintFormat::Json => to_json(&files)?,
        LintFormat::Sarif => to_json(&sarif(&files))?,
    };
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    writeln!(out, "{output}")?;
    Ok(Exit::ok_if(!failed))
}

fn text(files: &[FileFindings], errors: usize, warnings: usize) -> String {
    let mut out = String::new();
    for file in files {
        for f in &file.findings {
            let level = match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            out.push_str(&format!(
                "{}:{}:{}: {level}[{}]: {}",
                file.file,
                f.line,
                f.column,
                f.rule.id(),
                f.message
            ));
            if !f.because_of.is_empty() {
                out.push_str(&format!(" because of {}", steps_words(&f.because_of)));
            }
            out.push('\n');
        }
    }
    out.push_str(&format!("{} file(s): {errors} error(s), {warnings} warning(s)", files.len()));
    out
}

/// The findings as a SARIF 2.1.0 log: one rule descriptor per rule with its help text,
/// each result at its step's line and column in its file.
pub fn sarif(files: &[FileFindings]) -> serde_sarif::sarif::Sarif {
    use serde_sarif::sarif::{
        ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
        ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
        Sarif, Tool, ToolComponent,
    };
    let level_name = |l: Level| match l {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let rules: Vec<ReportingDescriptor> = Rule::ALL
        .iter()
        .map(|r| {
            ReportingDescriptor::builder()
                .id(r.id())
                .name(r.id())
                .short_description(MultiformatMessageString::builder().text(r.short()).build())
                .full_description(MultiformatMessageString::builder().text(r.help()).build())
                .help(MultiformatMessageString::builder().text(r.help()).build())
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::json!(level_name(r.level())))
                        .build(),
                )
                .build()
        })
        .collect();
    let results: Vec<SarifResult> = files
        .iter()
        .flat_map(|file| {
            file.findings.iter().map(move |f| {
                let region = Region::builder()
                    .start_line(i64::try_from(f.line).unwrap_or(i64::MAX))
                    .start_column(i64::try_from(f.column).unwrap_or(i64::MAX))
                    .build();
                let physical = PhysicalLocation::builder()
                    .artifact_location(
                        ArtifactLocation::builder().uri(file.file.replace('\\', "/")).build(),
                    )
                    .region(region)
                    .build();
                let mut text = f.message.clone();
                if !f.because_of.is_empty() {
                    text.push_str(&format!(" because of {}", steps_words(&f.because_of)));
                }
                SarifResult::builder()
                    .rule_id(f.rule.id())
                    .rule_index(Rule::ALL.iter().position(|r| *r == f.rule).unwrap_or(0) as i64)
                    .level(match f.level {
                        Level::Error => ResultLevel::Error,
                        Level::Warning => ResultLevel::Warning,
                    })
                    .message(Message::builder().text(text).build())
                    .locations(vec![Location::builder().physical_location(physical).build()])
                    .build()
            })
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("crmauth lint")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let run = Run::builder().tool(Tool::builder().driver(driver).build()).results(results).build();
    Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build()
}
