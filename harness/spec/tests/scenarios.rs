//! Replays every row of `corpus/vectors/scenarios/{onpremise,ifd,passport}.json` through
//! the model and asserts each `expect` key (corpus/vectors/README.md). These tables are the
//! expected outcomes of PROTOCOL 1.6 (DEPLOY-SPEC-AGREES: the model's side).

use crmauth_spec::{Deployment, Strategy};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/vectors/scenarios")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Replays one table; returns the number of rows checked.
fn replay(table_name: &str) -> usize {
    let dir = scenarios_dir();
    let table: Value = serde_json::from_str(&read(&dir.join(table_name))).unwrap();
    let strategy: Strategy = table["strategy"].as_str().unwrap().parse().unwrap();
    let pipeline = read(&dir.join(table["pipeline"].as_str().unwrap()));
    let post = table["post_pipeline"].as_str().map(|relative| read(&dir.join(relative)));
    let deployment = Deployment::load(strategy, &pipeline, post.as_deref())
        .unwrap_or_else(|e| panic!("{table_name}: {e}"));
    let env = read(&dir.join(table["env"].as_str().unwrap()));
    let rows = table["scenarios"].as_array().unwrap();
    let mut failures = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let request = serde_json::to_string(&row["request"]).unwrap();
        let outcome = deployment
            .decide(&request, &env)
            .unwrap_or_else(|e| panic!("{table_name}[{index}]: {e}"));
        assert_eq!(outcome.as_object().unwrap().len(), 8, "eight keys");
        for (key, expected) in row["expect"].as_object().unwrap() {
            if &outcome[key] != expected {
                failures.push(format!(
                    "VEC-{table_name}-{index} {:?}: {key}: expected {expected}, model gives {}",
                    row["name"].as_str().unwrap_or(""),
                    outcome[key]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    rows.len()
}

#[test]
fn onpremise_table() {
    assert!(replay("onpremise.json") > 0);
}

#[test]
fn ifd_table() {
    assert!(replay("ifd.json") > 0);
}

#[test]
fn passport_table() {
    assert!(replay("passport.json") > 0);
}
