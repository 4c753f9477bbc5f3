//! Scenario tables (PROTOCOL 1.6): a strategy's pipelines, an environment, and requests
//! with the outcome each must get. The files live in `corpus/vectors/scenarios/`; both evaluators
//! replay them.

use crate::pipeline::strategy::{Deployment, Engine};
use crate::pipeline::{xml, CompiledPipeline, Environment, Pipeline, Request, Strategy};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// A scenario file as written: paths are relative to the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// The strategy (`OnPremise`, `IFD`, `Passport`; PROTOCOL 1.1).
    pub strategy: Strategy,
    /// The authentication pipeline's XML (`CrmAuthentication` or `CrmPassport`), relative
    /// to the file.
    pub pipeline: PathBuf,
    /// The `CrmPostAuthentication` pipeline's XML (IFD), relative to the file.
    #[serde(default)]
    pub post_pipeline: Option<PathBuf>,
    /// The environment JSON, relative to the file.
    pub env: PathBuf,
    /// The requests and their expected outcomes.
    pub scenarios: Vec<Scenario>,
}

/// One request and the outcome it must get: every key of `expect` must equal the same
/// key of the outcome's JSON (`kind`, `step`, `provider`, `user`, …); others are free.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Its name, shown in reports and at the head of a mismatch.
    pub name: String,
    /// The request to evaluate.
    pub request: Request,
    /// Outcome JSON keys and the values they must have.
    pub expect: Map<String, Value>,
}

/// A loaded table: pipelines parsed, compiled, and the environment read.
#[derive(Debug, Clone)]
pub struct ScenarioTable {
    /// The scenario file it was loaded from.
    pub path: PathBuf,
    /// The deployment as parsed, for the reference interpreter ([`Engine::Reference`]).
    pub reference: Deployment<Pipeline>,
    /// The same deployment compiled, for the engine ([`Engine::Compiled`]).
    pub compiled: Deployment<CompiledPipeline>,
    /// The environment every scenario runs in.
    pub env: Environment,
    /// The scenarios, in file order.
    pub scenarios: Vec<Scenario>,
}

/// A file that could not be loaded, named with what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    /// The file that failed (the scenario file or one it names).
    pub path: PathBuf,
    /// What went wrong: the I/O, JSON or pipeline error, as text.
    pub message: String,
}

fn read(path: &Path) -> Result<String, ScenarioError> {
    std::fs::read_to_string(path)
        .map_err(|e| ScenarioError { path: path.to_owned(), message: e.to_string() })
}

fn json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ScenarioError> {
    serde_json::from_str(&read(path)?)
        .map_err(|e| ScenarioError { path: path.to_owned(), message: e.to_string() })
}

fn pipeline(path: &Path) -> Result<Pipeline, ScenarioError> {
    xml::parse(&read(path)?)
        .map_err(|e| ScenarioError { path: path.to_owned(), message: e.to_string() })
}

impl ScenarioTable {
    /// Loads a scenario file and everything it names.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let file: ScenarioFile = json(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let authentication = pipeline(&dir.join(&file.pipeline))?;
        let post_authentication = file.post_pipeline.map(|p| pipeline(&dir.join(p))).transpose()?;
        let env = json(&dir.join(&file.env))?;
        let reference = Deployment { strategy: file.strategy, authentication, post_authentication };
        let compiled = reference.compile();
        Ok(ScenarioTable {
            path: path.to_owned(),
            reference,
            compiled,
            env,
            scenarios: file.scenarios,
        })
    }

    /// Runs one scenario and returns the outcome JSON with both traces
    /// (`{"outcome", "trace", "post_trace"}`).
    pub fn run(&self, scenario: &Scenario, engine: Engine) -> Value {
        let request = scenario.request.clone().prepare();
        match engine {
            Engine::Reference => self.reference.evaluate_json(&request, &self.env),
            Engine::Compiled => self.compiled.evaluate_json(&request, &self.env),
        }
    }

    /// Checks one scenario: `Err` lists every expected key that differs.
    pub fn check(&self, scenario: &Scenario, engine: Engine) -> Result<(), String> {
        let got = self.run(scenario, engine);
        let mismatches: Vec<String> = scenario
            .expect
            .iter()
            .filter(|(k, v)| got["outcome"].get(k.as_str()).unwrap_or(&Value::Null) != *v)
            .map(|(k, v)| format!("{k}: expected {v}, got {}", got["outcome"][k.as_str()]))
            .collect();
        if mismatches.is_empty() {
            Ok(())
        } else {
            Err(format!("{}: {}", scenario.name, mismatches.join("; ")))
        }
    }
}
