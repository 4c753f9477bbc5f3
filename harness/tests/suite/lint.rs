//! `crmauth lint` and `crmauth diff` (PROTOCOL 1.7): LINT-EXACT, the examples, the
//! standard pipelines, the command line and its formats (a planted analysis bug is caught:
//! `tests/planted/lint.rs`).

use crate::support::lint as settings;
use crmauth::check::lint::run_lint_exact;
use crmauth::check::Status;
use crmauth::pipeline::analysis::Analyser;

#[test]
fn lint_exact_holds_for_the_analysis() {
    assert_eq!(run_lint_exact(Analyser::exact(), &settings(128)), Status::Pass);
}

// ---- the command line ----

use crmauth::cli::lint::step_positions;
use crmauth::pipeline::analysis;
use crmauth::pipeline::{xml, Pipeline, Predicate, Provider, Step};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn crmauth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crmauth")).current_dir(root()).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crmauth-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const POST_EXAMPLE: &str = "corpus/lint/post-redirect-shadows-sdk.xml";
const IFD: &str = "corpus/pipelines/ifd.crmauthentication.xml";
const IFD_POST: &str = "corpus/pipelines/ifd.crmpostauthentication.xml";
const STANDARD: [&str; 4] = [
    "corpus/pipelines/onpremise.crmauthentication.xml",
    "corpus/pipelines/ifd.crmauthentication.xml",
    "corpus/pipelines/ifd.crmpostauthentication.xml",
    "corpus/pipelines/passport.crmpassport.xml",
];

#[test]
fn the_post_redirect_example_reports_step_1_unreachable_because_of_step_0() {
    let o = crmauth(&["lint", "--format", "json", POST_EXAMPLE]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v,
        json!({"file": POST_EXAMPLE, "findings": [{
            "rule": "unreachable-step", "level": "error", "step": 1, "line": 12, "column": 3,
            "message": "step 1 can never run: every request it accepts is handled first by an earlier step whose provider always handles",
            "because_of": [0]
        }]})
    );
    // Text, like a compiler: file:line:col: level[rule]: message … because of step N.
    let o = crmauth(&["lint", POST_EXAMPLE]);
    assert_eq!(o.status.code(), Some(1));
    let first = stdout(&o).lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with(&format!("{POST_EXAMPLE}:12:3: error[unreachable-step]: step 1")));
    assert!(first.ends_with("because of step 0"), "{first}");
}

#[test]
fn the_standard_pipelines_lint_clean_even_with_deny_warnings() {
    let mut args = vec!["lint", "--deny-warnings", "--format", "json"];
    args.extend(STANDARD);
    let o = crmauth(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let files = v.as_array().unwrap();
    assert_eq!(files.len(), 4);
    for f in files {
        assert_eq!(f["findings"], json!([]), "{f}");
    }
}

#[test]
fn moving_the_ifd_cookie_step_before_sign_in_is_equivalent() {
    let o = crmauth(&["diff", "--format", "json", IFD, "corpus/lint/ifd-cookie-before-signin.xml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v, json!({"equivalent": true, "differences": []}));
}

#[test]
fn moving_the_ifd_cookie_step_before_the_external_sdk_step_gives_a_witness() {
    let new = "corpus/lint/ifd-cookie-before-sdk.xml";
    let o = crmauth(&["diff", "--format", "json", IFD, new]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["equivalent"], json!(false));
    let diffs = v["differences"].as_array().unwrap();
    assert_eq!(diffs.len(), 1, "{v}");
    let d = &diffs[0];
    // An external SDK POST with a session cookie.
    assert_eq!(d["request"]["method"], json!("POST"));
    assert_eq!(d["request"]["path"], json!("/MSCRMServices/2007/CrmService.asmx"));
    assert_eq!(d["request"]["client_address"], json!("192.0.2.10"));
    assert!(d["request"]["cookie"].as_str().unwrap().starts_with("MSCRMSession=ticket"));
    let kinds = |b: &Value| -> Vec<Value> {
        b["runs"].as_array().unwrap().iter().map(|r| r["provider"]["type"].clone()).collect()
    };
    assert_eq!(
        kinds(&d["old"]),
        vec![json!("MultipleOrganizationSoapHeader"), json!("PassThrough")]
    );
    assert_eq!(kinds(&d["new"]), vec![json!("PassThrough")]);

    // `crmauth eval` takes the witness as it is; the two versions decide at different steps.
    let request = temp("witness.json", &d["request"].to_string());
    let env = temp("witness-env.json", &d["env"].to_string());
    let eval = |pipeline: &str| -> Value {
        let o = crmauth(&[
            "eval",
            "--strategy",
            "ifd",
            "--pipeline",
            pipeline,
            "--request",
            request.to_str().unwrap(),
            "--env",
            env.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    let (a, b) = (eval(IFD), eval(new));
    // The step whose provider stopped the pipeline, from the trace: without its
    // post-authentication pipeline an anonymous PassThrough is then denied (PROTOCOL 1.6),
    // so the outcome alone does not show which step decided.
    let stopped = |v: &Value| -> Value {
        v["trace"]
            .as_array()
            .and_then(|t| t.iter().rev().find(|s| s["provider"]["handled"] == json!(true)))
            .map_or(Value::Null, |s| s["step"].clone())
    };
    assert_eq!(stopped(&a), json!(5), "{a}");
    assert_eq!(stopped(&b), json!(2), "{b}");
    assert_ne!(a["trace"], b["trace"]);

    // With the post-authentication pipelines the same class differs; text names the witness.
    let o = crmauth(&["diff", IFD, new, "--post-old", IFD_POST, "--post-new", IFD_POST]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("not equivalent: 1 class(es)"), "{text}");
    assert!(text.contains("post-authentication: step 0 CrmPostAuthenticationProvider"), "{text}");
}

#[test]
fn a_pipeline_diffed_with_itself_is_equivalent_and_post_needs_both_sides() {
    for f in STANDARD {
        let o = crmauth(&["diff", f, f]);
        assert_eq!(o.status.code(), Some(0), "{f}: {}", stdout(&o));
    }
    let o = crmauth(&["diff", IFD, IFD, "--post-old", IFD_POST]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_input_exits_2_with_file_line_and_column() {
    let bad = temp("bad.xml", "<pipeline>\n  <step>\n  </step>\n</pipeline>\n");
    for args in [
        vec!["lint", bad.to_str().unwrap()],
        vec!["diff", bad.to_str().unwrap(), IFD],
        vec!["lint", "/nonexistent/pipeline.xml"],
    ] {
        let o = crmauth(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(err.contains("pipeline.xml") || err.contains("line 2, column 3"), "{err}");
    }
}

#[test]
fn sarif_has_a_rule_descriptor_per_rule_and_results_at_the_step() {
    let o = crmauth(&["lint", "--format", "sarif", POST_EXAMPLE]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], json!("2.1.0"));
    let run = &v["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["help"]["text"].as_str().unwrap().len() > 40, "{r}");
            r["id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        rules,
        [
            "unreachable-step",
            "contradictory-predicates",
            "never-handles",
            "redundant-step",
            "redundant-predicate"
        ]
    );
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], json!("unreachable-step"));
    assert_eq!(result["level"], json!("error"));
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], json!(POST_EXAMPLE));
    assert_eq!(loc["region"]["startLine"], json!(12));
}

/// A step of `predicates` running `provider`.
pub(crate) fn step(predicates: Vec<Predicate>, provider: Provider) -> Step {
    Step { predicates, provider }
}

#[test]
fn every_rule_fires_where_it_should_and_warnings_need_deny_warnings_to_fail() {
    let p = Pipeline {
        steps: vec![
            // 0: a repeated predicate (redundant-predicate)
            step(vec![Predicate::CookieExist, Predicate::CookieExist], Provider::Windows),
            // 1: Windows again on every cookie request: redundant-step because of 0
            step(vec![Predicate::CookieExist], Provider::Windows),
            // 2: Reject (never-handles)
            step(vec![], Provider::Reject),
            // 3: contradictory (and so unreachable)
            step(
                vec![Predicate::InternalRequestAddress, Predicate::ExternalRequestAddress],
                Provider::PassThrough,
            ),
        ],
    };
    let file = temp("rules.xml", &xml::print(&p));
    let o = crmauth(&["lint", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let got: Vec<(String, u64, Value)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["step"].as_u64().unwrap(),
                f["because_of"].clone(),
            )
        })
        .collect();
    let want = |r: &str, s: u64, b: Value| (r.to_string(), s, b);
    assert_eq!(
        got,
        vec![
            want("redundant-predicate", 0, json!([])),
            want("redundant-step", 1, json!([0])),
            want("never-handles", 2, json!([])),
            want("contradictory-predicates", 3, json!([])),
            want("unreachable-step", 3, json!([])),
        ]
    );
    // The predicate finding points at the second <predicate> of step 0.
    assert_eq!(v["findings"][0]["line"], json!(5), "{}", xml::print(&p));

    // Warnings alone: exit 0, or 1 with --deny-warnings.
    let warn_only = Pipeline { steps: p.steps[..3].to_vec() };
    let file = temp("warnings.xml", &xml::print(&warn_only));
    assert_eq!(crmauth(&["lint", file.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(
        crmauth(&["lint", "--deny-warnings", file.to_str().unwrap()]).status.code(),
        Some(1)
    );
}

#[test]
fn step_positions_follow_the_flat_form_and_wrappers() {
    let t = "<pipeline>\n<predicate type=\"Microsoft.Crm.Authentication.CookieExistPredicate, Microsoft.Crm\"/>\n<provider type=\"Microsoft.Crm.Authentication.PassThroughAuthenticationProvider, Microsoft.Crm\"/>\n<steps>\n  <step><predicates><predicate type=\"Microsoft.Crm.Authentication.CookieExistPredicate, Microsoft.Crm\"/></predicates>\n  <provider type=\"Microsoft.Crm.Authentication.PassThroughAuthenticationProvider, Microsoft.Crm\"/></step>\n</steps>\n</pipeline>\n";
    assert_eq!(xml::parse(t).unwrap().steps.len(), 2);
    let pos = step_positions(t);
    assert_eq!(pos.len(), 2);
    assert_eq!((pos[0].step, pos[0].provider), ((2, 1), (3, 1)));
    assert_eq!(
        (pos[1].step, pos[1].predicates.clone(), pos[1].provider),
        ((5, 3), vec![(5, 21)], (6, 3))
    );
}

/// A 1,000-step pipeline with 300 paths, 4 methods, 4 role masks, cookies and addresses.
fn big_pipeline() -> Pipeline {
    let methods = ["GET", "POST", "PUT", "HEAD"];
    let steps = (0..1000)
        .map(|i| {
            let mut predicates = vec![Predicate::UrlPath {
                paths: [("p".to_string(), format!("/Org{}/page.aspx", i % 300))].into(),
            }];
            predicates.push(Predicate::HttpMethod { method: methods[i % 4].into() });
            if i % 3 == 0 {
                predicates.push(Predicate::ServerRole { roles: 1 << (i % 4) });
            }
            if i % 5 == 0 {
                predicates.push(Predicate::CookieExist);
            }
            predicates.push(if i % 2 == 0 {
                Predicate::InternalRequestAddress
            } else {
                Predicate::ExternalRequestAddress
            });
            let provider = match i % 7 {
                0 => Provider::PassThrough,
                1 => Provider::IfdRedirect,
                2 => Provider::Reject,
                _ => Provider::Windows,
            };
            step(predicates, provider)
        })
        .collect();
    Pipeline { steps }
}

#[test]
fn a_thousand_step_pipeline_is_analysed_in_under_a_second() {
    let p = big_pipeline();
    let start = std::time::Instant::now();
    let lint = analysis::lint(&p).unwrap();
    let linted = start.elapsed();
    let mut q = p.clone();
    q.steps.swap(10, 11);
    let start = std::time::Instant::now();
    let d = analysis::diff(&p, &q, None).unwrap();
    let diffed = start.elapsed();
    eprintln!("1,000 steps: lint {linted:?}, diff {diffed:?}");
    assert!(linted.as_secs_f64() < 1.0 && diffed.as_secs_f64() < 1.0, "{linted:?} {diffed:?}");
    assert_eq!(lint.steps.len(), 1000);
    // Later steps repeat earlier (path, method, address) combinations: some are shadowed.
    assert!(lint.steps.iter().any(|s| !s.reachable));
    assert!(lint.steps.iter().any(|s| s.reachable));
    let _ = d.equivalent;
}

#[test]
fn the_analysis_refuses_rather_than_guesses_beyond_its_class_limit() {
    // 20 disjoint single-bit role masks: 2^20 role classes, more than it enumerates.
    let steps = (0..20)
        .map(|b| step(vec![Predicate::ServerRole { roles: 1 << b }], Provider::Windows))
        .collect();
    let err = analysis::lint(&Pipeline { steps }).unwrap_err();
    assert!(err.to_string().contains("refuses"), "{err}");
}
