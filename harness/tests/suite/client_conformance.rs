//! `check --client` (issue 15, CLIENT-CONFORMANCE): crmauth's own client passes every case,
//! and each deliberately broken client (`crmauth client-shim --broken KIND`) fails exactly
//! its cases, for the rule that names its mistake. Verdicts come from the scripted mock's
//! record and the exit code only.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use crmauth::check::client_conformance::{
    self as cc, report, run_cases, ClientExit, Rule, RunSettings, Verdict,
};

const BIN: &str = env!("CARGO_BIN_EXE_crmauth");

fn shim(broken: Option<&str>) -> Vec<String> {
    let mut v = vec![BIN.to_string(), "client-shim".to_string()];
    if let Some(k) = broken {
        v.extend(["--broken".to_string(), k.to_string()]);
    }
    v
}

fn all() -> Vec<&'static cc::CaseSpec> {
    cc::CASES.iter().collect()
}

/// The IDs of the failing cases, and every rule that failed in them.
fn failures(broken: Option<&str>) -> (BTreeSet<&'static str>, BTreeSet<&'static str>) {
    let results = run_cases(&shim(broken), &all(), &RunSettings::default()).expect("run");
    assert_eq!(results.len(), cc::CASES.len());
    let mut cases = BTreeSet::new();
    let mut rules = BTreeSet::new();
    for r in &results {
        match &r.verdict {
            Verdict::Pass => {}
            Verdict::Fail { violations } => {
                cases.insert(r.id);
                rules.extend(violations.iter().map(|v| v.rule.id()));
            }
            other => panic!("{}: {other:?}", r.id),
        }
    }
    (cases, rules)
}

fn set(ids: &[&'static str]) -> BTreeSet<&'static str> {
    ids.iter().copied().collect()
}

const SPELLINGS: [&str; 4] =
    ["CC-EXPIRED-SOAP12", "CC-EXPIRED-PREFIXES", "CC-EXPIRED-LOWERCASE", "CC-EXPIRED-WHITESPACE"];

#[test]
fn crmauth_client_passes_every_case() {
    let (cases, rules) = failures(None);
    assert!(cases.is_empty(), "failed: {cases:?} ({rules:?})");
}

#[test]
fn retrying_any_fault_fails_the_other_fault_and_decoy_cases() {
    let (cases, rules) = failures(Some("retries-any-fault"));
    assert_eq!(
        cases,
        set(&["CC-FAULT-8004A104", "CC-FAULT-80040220", "CC-FAULT-8004A110", "CC-DECOY-80040216"])
    );
    assert_eq!(rules, set(&[Rule::NoRetry.id()]));
}

#[test]
fn never_retrying_fails_every_recovery_case() {
    let (cases, rules) = failures(Some("never-retries"));
    let mut want = set(&["CC-EXPIRED-ONCE", "CC-EXPIRES-BEFORE-CALL"]);
    want.extend(SPELLINGS);
    assert_eq!(cases, want);
    assert!(rules.contains(Rule::OneNewTicket.id()) && rules.contains(Rule::ExitSuccess.id()));
}

#[test]
fn retrying_with_the_stale_ticket_fails_on_fresh_ticket() {
    let (cases, rules) = failures(Some("stale-ticket"));
    let mut want = set(&["CC-EXPIRED-ONCE", "CC-EXPIRED-ALWAYS", "CC-EXPIRES-BEFORE-CALL"]);
    want.extend(SPELLINGS);
    assert_eq!(cases, want);
    assert!(rules.contains(Rule::FreshTicket.id()), "{rules:?}");
    assert!(!rules.contains(Rule::RetryBound.id()), "{rules:?}");
}

#[test]
fn no_caller_id_fails_every_case_and_the_audit_shows_it() {
    let (cases, rules) = failures(Some("no-caller-id"));
    assert_eq!(cases, cc::CASES.iter().map(|c| c.id.as_str()).collect());
    assert!(rules.contains(Rule::CallerId.id()) && rules.contains(Rule::Impersonation.id()));
}

#[test]
fn unbounded_retries_fail_only_the_bound() {
    let (cases, rules) = failures(Some("unbounded-retries"));
    assert_eq!(cases, set(&["CC-EXPIRED-ALWAYS"]));
    assert_eq!(rules, set(&[Rule::RetryBound.id()]));
}

#[test]
fn matching_the_code_anywhere_fails_the_decoy_and_misses_lower_case() {
    // A substring test for "8004A101" takes the decoy for an expired ticket, and (being
    // case-sensitive) misses 0x8004a101.
    let (cases, rules) = failures(Some("matches-anywhere"));
    assert_eq!(cases, set(&["CC-DECOY-80040216", "CC-EXPIRED-LOWERCASE"]));
    assert!(rules.contains(Rule::NoRetry.id()) && rules.contains(Rule::OneNewTicket.id()));
}

#[test]
fn exit_89_skips_and_fails_under_strict() {
    let cases = [cc::spec(cc::CaseId::HappyPath), cc::spec(cc::CaseId::ExpiredOnce)];
    let argv = shim(Some("not-implemented"));
    let r = run_cases(&argv, &cases, &RunSettings::default()).unwrap();
    assert!(r.iter().all(|c| matches!(c.verdict, Verdict::Skip { .. })), "{r:?}");
    assert!(report::Summary::of(&r).ok());
    let strict = RunSettings { strict: true, ..RunSettings::default() };
    let r = run_cases(&argv, &cases, &strict).unwrap();
    assert_eq!(
        r.iter().flat_map(|c| c.verdict.failed_rules()).collect::<Vec<_>>(),
        [Rule::Implemented, Rule::Implemented]
    );
}

#[test]
fn a_client_past_the_time_limit_is_killed_and_fails() {
    let settings = RunSettings { time_limit: Duration::from_millis(300), ..RunSettings::default() };
    let argv = vec!["sleep".to_string(), "30".to_string()];
    let start = std::time::Instant::now();
    let r = run_cases(&argv, &[cc::spec(cc::CaseId::HappyPath)], &settings).unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(matches!(r[0].exit, Some(ClientExit::TimedOut(_))), "{:?}", r[0].exit);
    assert!(r[0].verdict.failed_rules().contains(&Rule::TimeLimit));
}

#[test]
fn a_client_that_cannot_start_fails_with_r_runs() {
    let argv = vec!["/nonexistent/crmauth-client".to_string()];
    let r = run_cases(&argv, &[cc::spec(cc::CaseId::HappyPath)], &RunSettings::default()).unwrap();
    assert_eq!(r[0].verdict.failed_rules(), [Rule::Runs]);
}

fn crmauth(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).args(args).output().expect("run crmauth");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn junit_lists_one_test_per_case_and_text_shows_the_exchange_redacted() {
    let client = format!("{BIN} client-shim --broken stale-ticket");
    let (code, xml) = crmauth(&["check", "--client", &client, "--format", "junit"]);
    assert_eq!(code, 1);
    assert_eq!(xml.matches("<testcase ").count(), cc::CASES.len(), "{xml}");
    for c in &cc::CASES {
        assert!(xml.contains(&format!("name=\"{} (PROTOCOL", c.id)), "{} missing", c.id);
    }
    assert_eq!(xml.matches("<failure").count(), 7, "{xml}");
    let (code, text) =
        crmauth(&["check", "--client", &client, "--case", "CC-EXPIRED-ONCE", "--format", "text"]);
    assert_eq!(code, 1);
    assert!(text.contains("rule R-FRESH-TICKET"), "{text}");
    assert!(text.contains("RetrieveCrmTicket") && text.contains("issued T1"), "{text}");
    assert!(text.contains("fault 8004A101 (scripted, Canonical)"), "{text}");
    assert!(!text.contains("CRMTKT.") && !text.contains("WLID1."), "a ticket leaked: {text}");
}

#[test]
fn cli_passes_for_the_shim_and_rejects_bad_usage_with_2() {
    let client = format!("{BIN} client-shim");
    let (code, json) =
        crmauth(&["check", "--client", &client, "--case", "CC-HAPPY-PATH", "--format", "json"]);
    assert_eq!(code, 0, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["passed"], 1);
    let audit = &v["cases"][0]["record"]["audit"];
    assert_eq!(audit.as_array().map(Vec::len), Some(1));
    assert!(!json.contains("CRMTKT.") && !json.contains("WLID1."), "a ticket leaked");
    assert_eq!(crmauth(&["check", "--client", &client, "--case", "CC-NOPE"]).0, 2);
    assert_eq!(crmauth(&["check", "--client", "'unterminated"]).0, 2);
    assert_eq!(crmauth(&["check", "--client", &client, "--max-retries", "0"]).0, 2);
}
