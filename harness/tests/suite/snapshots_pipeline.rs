//! Reviewed snapshots (in the top-level `snapshots/`): the canonical print of each standard
//! pipeline, and the outcome and trace of every scenario on the standard pipelines.
//! CI runs with `INSTA_UPDATE=no`: a changed or missing snapshot fails.

use crate::support::corpus;
use crmauth::pipeline::strategy::Engine;
use crmauth::pipeline::xml;
use crmauth::scenario::ScenarioTable;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

#[test]
fn canonical_print_of_standard_pipelines() {
    for name in [
        "onpremise.crmauthentication",
        "ifd.crmauthentication",
        "ifd.crmpostauthentication",
        "passport.crmpassport",
    ] {
        let text = std::fs::read_to_string(corpus().join(format!("pipelines/{name}.xml"))).unwrap();
        let printed = xml::print(&xml::parse(&text).unwrap());
        settings().bind(|| insta::assert_snapshot!(format!("pipeline-print-{name}"), printed));
    }
}

#[test]
fn eval_traces_of_the_scenario_tables() {
    for table in ["onpremise", "ifd", "passport"] {
        let t =
            ScenarioTable::load(&corpus().join(format!("vectors/scenarios/{table}.json"))).unwrap();
        let runs: Vec<serde_json::Value> = t
            .scenarios
            .iter()
            .map(|s| {
                let mut v = t.run(s, Engine::Compiled);
                v["name"] = s.name.clone().into();
                v
            })
            .collect();
        settings().bind(|| insta::assert_json_snapshot!(format!("eval-traces-{table}"), runs));
    }
}
