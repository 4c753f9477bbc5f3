//! The standard pipelines' scenario tables (PROTOCOL 1.6), on both evaluators.

use crmauth::pipeline::strategy::Engine;
use crmauth::scenario::ScenarioTable;
use std::path::PathBuf;

fn table(name: &str) -> ScenarioTable {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/vectors/scenarios").join(name);
    ScenarioTable::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn replay(name: &str) {
    let t = table(name);
    assert!(!t.scenarios.is_empty());
    let mut failures = Vec::new();
    for s in &t.scenarios {
        for e in [Engine::Reference, Engine::Compiled] {
            if let Err(m) = t.check(s, e) {
                failures.push(format!("[{e:?}] {m}"));
            }
        }
        // PIPE-ORACLE on the tables: same outcome and same trace.
        assert_eq!(t.run(s, Engine::Reference), t.run(s, Engine::Compiled), "{}", s.name);
    }
    assert!(failures.is_empty(), "{} scenario failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn onpremise_scenarios() {
    replay("onpremise.json");
}

#[test]
fn ifd_scenarios() {
    replay("ifd.json");
}

#[test]
fn passport_scenarios() {
    replay("passport.json");
}
