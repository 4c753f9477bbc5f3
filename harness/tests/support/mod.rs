//! Test support shared by the two integration-test binaries, `suite` (the shipped
//! configuration) and `planted` (feature `mutants`), each of which includes this file with
//! `#[path]`: the settings each area's properties run with in both, and the failing cases
//! of a set. Not a test target of its own (`autotests = false` in `harness/Cargo.toml`).

use crmauth::check::properties::{evaluation_cases, EngineFactory};
use crmauth::check::{Case, Settings, Status};
use std::path::PathBuf;

/// The evaluation-order properties (PIPE-*) of `check::properties`.
pub const EVALUATION: Settings = Settings { cases: 256, seed: 7 };

/// The deployment invariants (DEPLOY-*).
pub const DEPLOYMENT: Settings = Settings { cases: 512, seed: 11 };

/// The codec properties of `crmauth check` (TOKEN-*, FAULT-*).
pub const CODEC: Settings = Settings { cases: 64, seed: 0x5EED };

/// LINT-EXACT, with `cases` generated pipelines.
pub fn lint(cases: u32) -> Settings {
    Settings { cases, seed: 14 }
}

/// The ID and status of each case of `cases` that does not pass with `settings`.
pub fn failing(cases: Vec<Case>, settings: &Settings) -> Vec<(String, Status)> {
    cases
        .into_iter()
        .map(|c| (c.id.clone(), c.run(settings).status))
        .filter(|(_, s)| *s != Status::Pass)
        .collect()
}

/// The IDs of the evaluation properties that fail on `engine`.
pub fn failing_evaluation(engine: EngineFactory) -> Vec<(String, Status)> {
    failing(evaluation_cases(engine, None), &EVALUATION)
}

/// The golden vectors and standard pipelines (`corpus/` at the root of the workspace).
pub fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}
