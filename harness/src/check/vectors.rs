//! Golden vectors as cases: every scenario of `corpus/vectors/scenarios/*.json` (PROTOCOL 1.6) on
//! both evaluators, IDs `VEC-<table>-<n>`.

use super::{Case, Settings, Status, Suite};
use crate::pipeline::strategy::Engine;
use crate::scenario::ScenarioTable;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The corpus directory of this checkout, where the binary was built from.
pub fn default_corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// One case per scenario of every table in `corpus/vectors/scenarios/`; a table that fails to
/// load is one erroring case naming the file.
pub fn scenario_cases(corpus: &Path) -> Vec<Case> {
    let dir = corpus.join("vectors/scenarios");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && p.file_name().is_some_and(|n| n != "env.json")
            })
            .collect(),
        Err(e) => {
            let message = format!("{}: {e}", dir.display());
            return vec![Case::new(
                "VEC-SCENARIOS",
                "1.6",
                Suite::Pipeline,
                "scenario tables",
                move |_: &Settings| Status::Error { message: message.clone() },
            )];
        }
    };
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        match ScenarioTable::load(&file) {
            Ok(table) => {
                let table = Arc::new(table);
                for (n, scenario) in table.scenarios.iter().enumerate() {
                    let table = table.clone();
                    let title = scenario.name.clone();
                    cases.push(Case::new(
                        format!("VEC-{stem}-{n:02}"),
                        "1.6",
                        Suite::Pipeline,
                        title,
                        move |_: &Settings| {
                            let scenario = &table.scenarios[n];
                            let mut problems = Vec::new();
                            for engine in [Engine::Reference, Engine::Compiled] {
                                if let Err(m) = table.check(scenario, engine) {
                                    problems.push(format!("{engine:?}: {m}"));
                                }
                            }
                            if table.run(scenario, Engine::Reference)
                                != table.run(scenario, Engine::Compiled)
                            {
                                problems
                                    .push("PIPE-ORACLE: the evaluators' traces differ".to_string());
                            }
                            if problems.is_empty() {
                                Status::Pass
                            } else {
                                Status::Fail { message: problems.join("\n"), counterexample: None }
                            }
                        },
                    ));
                }
            }
            Err(e) => {
                let message = e.to_string();
                cases.push(Case::new(
                    format!("VEC-{stem}"),
                    "1.6",
                    Suite::Pipeline,
                    "scenario table",
                    move |_: &Settings| Status::Error { message: message.clone() },
                ));
            }
        }
    }
    cases
}
