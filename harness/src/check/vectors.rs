//! Golden vectors as cases: every scenario of `corpus/vectors/scenarios/*.json` (PROTOCOL 1.6) on
//! both evaluators, IDs `VEC-<table>-<n>`.

use super::{Case, Settings, Status, Suite};
use crate::pipeline::strategy::Engine;
use crate::scenario::ScenarioTable;
use std::path::{Path, PathBuf};
use std::sync::Arc;

static VECTORS: include_dir::Dir<'_> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../corpus/vectors");
static PIPELINES: include_dir::Dir<'_> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../corpus/pipelines");

/// The corpus `crmauth check` runs when no `--corpus` is given: the golden vectors and the
/// standard pipelines embedded in the binary when it was built, written out to a private
/// temporary directory for the run (the loaders read files, and scenario tables name
/// their pipelines by relative path). Removed again when dropped.
pub struct EmbeddedCorpus {
    dir: PathBuf,
}

impl EmbeddedCorpus {
    /// Writes the embedded `vectors/` and `pipelines/` under a new temporary directory.
    pub fn extract() -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "crmauth-corpus-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let corpus = EmbeddedCorpus { dir };
        for (name, embedded) in [("vectors", &VECTORS), ("pipelines", &PIPELINES)] {
            let to = corpus.dir.join(name);
            std::fs::create_dir_all(&to)?;
            embedded.extract(&to)?;
        }
        Ok(corpus)
    }

    /// The directory to hand to [`scenario_cases`] and the codec vector cases.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for EmbeddedCorpus {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
