//! The conformance suite behind `crmauth check`: named cases (golden vectors and the
//! properties of PROTOCOL section 3), each traced to its spec section, run with a case
//! count and a seed, reported as text, JSON or JUnit.

#[cfg(feature = "check")]
pub mod client;
#[cfg(feature = "check")]
pub mod client_conformance;
#[cfg(feature = "check")]
pub mod client_suite;
pub mod codec;
pub mod deployment;
pub mod expect;
pub mod invariants;
pub mod lint;
pub mod properties;
pub mod reach;
#[cfg(feature = "check")]
pub mod report;
pub mod runner;
#[cfg(feature = "check")]
pub mod vectors;
pub mod wsdl_diff;

use serde::Serialize;
use std::time::Duration;

/// The part of the protocol a case checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Suite {
    /// Pipeline model, reader and evaluators (PROTOCOL section 1).
    Pipeline,
    /// Client codecs (PROTOCOL section 2).
    Codec,
    /// Client flow against a server (PROTOCOL 2.3).
    Client,
}

impl Suite {
    /// The lowercase name used by `--suite` and in reports: `pipeline`, `codec`, `client`.
    pub fn name(self) -> &'static str {
        match self {
            Suite::Pipeline => "pipeline",
            Suite::Codec => "codec",
            Suite::Client => "client",
        }
    }
}

/// How many generated inputs a property tries, and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Generated inputs per property (at least 1; default 256); vectors ignore it.
    pub cases: u32,
    /// The seed of the property runner's random generator, so a run can be repeated.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { cases: 256, seed: 0x00C0_FFEE }
    }
}

/// What one case found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Status {
    /// The check held.
    Pass,
    /// The check failed; for a property, `counterexample` is the shrunk input.
    Fail {
        /// What did not hold.
        message: String,
        /// The shrunk failing input, rendered; `None` when there is none to show.
        counterexample: Option<String>,
    },
    /// The case could not run (bad input, an I/O error).
    Error {
        /// Why it could not run.
        message: String,
    },
}

impl Status {
    /// The report label: `pass`, `FAIL` or `ERROR`.
    pub fn label(&self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail { .. } => "FAIL",
            Status::Error { .. } => "ERROR",
        }
    }
}

/// What running a case gives: its status and, for `PIPE-REACH`, what it measured.
#[derive(Debug, Clone)]
pub struct Ran {
    /// Whether the case passed.
    pub status: Status,
    /// Per-step reach, for a case made with [`Case::with_reach`].
    pub reach: Option<reach::Reach>,
}

type CaseFn = Box<dyn Fn(&Settings) -> Ran + Send + Sync>;

/// A named check: an invariant ID or a vector ID, its PROTOCOL section, and how to run it.
pub struct Case {
    /// The invariant ID (PROTOCOL section 3) or vector ID, e.g. `PIPE-ROUNDTRIP`.
    pub id: String,
    /// The PROTOCOL section it checks, e.g. `1.1`.
    pub section: &'static str,
    /// The suite it belongs to.
    pub suite: Suite,
    /// A one-line description for reports.
    pub title: String,
    run: CaseFn,
}

impl Case {
    /// A case whose run gives only a status.
    pub fn new(
        id: impl Into<String>,
        section: &'static str,
        suite: Suite,
        title: impl Into<String>,
        run: impl Fn(&Settings) -> Status + Send + Sync + 'static,
    ) -> Self {
        let run = move |s: &Settings| Ran { status: run(s), reach: None };
        Case { id: id.into(), section, suite, title: title.into(), run: Box::new(run) }
    }

    /// A case whose run also reports per-step reach ([`reach`]).
    pub fn with_reach(
        id: impl Into<String>,
        section: &'static str,
        suite: Suite,
        title: impl Into<String>,
        run: impl Fn(&Settings) -> Ran + Send + Sync + 'static,
    ) -> Self {
        Case { id: id.into(), section, suite, title: title.into(), run: Box::new(run) }
    }

    /// Runs the case, timing it.
    pub fn run(&self, settings: &Settings) -> CaseReport {
        let start = std::time::Instant::now();
        let Ran { status, reach } = (self.run)(settings);
        CaseReport {
            id: self.id.clone(),
            section: self.section,
            suite: self.suite,
            title: self.title.clone(),
            status,
            duration: start.elapsed(),
            warnings: reach.as_ref().map(reach::Reach::warnings).unwrap_or_default(),
            reach,
        }
    }
}

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    /// The case's ID ([`Case::id`]).
    pub id: String,
    /// The PROTOCOL section it checks.
    pub section: &'static str,
    /// The suite it belongs to.
    pub suite: Suite,
    /// The case's one-line description.
    pub title: String,
    /// Pass, fail or error, with the message.
    #[serde(flatten)]
    pub status: Status,
    /// Wall-clock time of the run (milliseconds in JSON, `duration_ms`).
    #[serde(serialize_with = "millis")]
    #[serde(rename = "duration_ms")]
    pub duration: Duration,
    /// What deserves attention without failing the case (e.g. a step never reached).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// `PIPE-REACH`: requests reaching each step's provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reach: Option<reach::Reach>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0)
}

/// Which cases a run includes.
#[derive(Debug, Clone, Default)]
#[cfg(feature = "check")]
pub struct Selection {
    /// `None`: every suite.
    pub suite: Option<Suite>,
    /// Only the case with this ID.
    pub case: Option<String>,
    /// Run the client suite against the server at this base URL instead of the built-in one.
    pub server: Option<String>,
    /// Check this pipeline (a user's) instead of the built-in vectors and generated pipelines.
    pub pipeline: Option<std::sync::Arc<crate::pipeline::Pipeline>>,
}

/// The cases of a run, in a stable order: vectors first, then properties.
#[cfg(feature = "check")]
pub fn cases(selection: &Selection, corpus: &std::path::Path) -> Vec<Case> {
    let wants = |s: Suite| selection.suite.is_none_or(|x| x == s);
    let mut all = Vec::new();
    if wants(Suite::Pipeline) {
        match &selection.pipeline {
            Some(p) => {
                all.push(user_roundtrip(p.clone()));
                all.push(reach::case(p.clone()));
                all.extend(properties::evaluation_cases(
                    properties::compiled_engine(),
                    Some(p.clone()),
                ));
            }
            None => {
                all.extend(vectors::scenario_cases(corpus));
                all.extend(properties::reader_cases());
                all.extend(properties::evaluation_cases(properties::compiled_engine(), None));
                all.extend(deployment::deployment_cases());
                all.extend(lint::cases());
            }
        }
    }
    if wants(Suite::Codec) {
        all.extend(codec::vector_cases(corpus));
        all.extend(expect::expect_cases(corpus));
        all.extend(codec::property_cases());
    }
    if wants(Suite::Client) {
        all.extend(client::client_cases(selection.server.clone()));
    }
    if let Some(id) = &selection.case {
        all.retain(|c| &c.id == id);
    }
    all
}

/// PIPE-ROUNDTRIP on one given pipeline.
#[cfg(feature = "check")]
fn user_roundtrip(p: std::sync::Arc<crate::pipeline::Pipeline>) -> Case {
    Case::new(
        "PIPE-ROUNDTRIP",
        "1.1",
        Suite::Pipeline,
        "the pipeline prints canonically and reads back the same",
        move |_: &Settings| {
            let printed = crate::pipeline::xml::print(&p);
            match crate::pipeline::xml::parse(&printed) {
                Ok(q) if q == *p => Status::Pass,
                Ok(_) => Status::Fail {
                    message: "reading the canonical print gave another pipeline".into(),
                    counterexample: Some(printed),
                },
                Err(e) => Status::Fail {
                    message: format!("the canonical print was rejected: {e}"),
                    counterexample: Some(printed),
                },
            }
        },
    )
}
