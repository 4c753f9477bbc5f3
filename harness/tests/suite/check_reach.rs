//! `PIPE-REACH` (`crmauth check --pipeline FILE`): the generated requests are drawn from the
//! pipeline's own configuration, so a step guarded by a user's own path is reached; a step
//! no request can reach is a warning naming it, with `crmauth lint`'s reason, in the text,
//! JSON and JUnit reports.

use crate::support::corpus;
use crmauth::check::reach::{self, Reach};
use crmauth::check::{cases, report, Selection, Settings, Status, Suite};
use crmauth::generate::request::{arb_request, arb_request_for, Configured};
use crmauth::pipeline::{xml, Pipeline};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use std::sync::Arc;

const P: &str = "Microsoft.Crm.Authentication";
const V: &str = "Microsoft.Crm, Version={0}, Culture=neutral, PublicKeyToken=31bf3856ad364e35";

fn predicate(class: &str, config: &[(&str, &str)]) -> String {
    let c: String =
        config.iter().map(|(k, v)| format!("<configuration key=\"{k}\" value=\"{v}\"/>")).collect();
    format!("<predicate type=\"{P}.{class}, {V}\">{c}</predicate>")
}

fn provider(class: &str) -> String {
    format!("<provider type=\"{P}.{class}, {V}\"/>")
}

/// Step 3 is guarded by a path no standard pipeline uses; step 5 comes after the
/// catch-all PassThrough of step 4 (lint: unreachable-step, taken by step 4).
fn user_pipeline() -> Pipeline {
    let steps = [
        (
            predicate("UrlPathPredicate", &[("sdk", "/MSCRMServices/2007/CrmService.asmx")]),
            provider("WindowsAuthenticationProvider"),
        ),
        (
            predicate("HttpMethodPredicate", &[("method", "PUT")])
                + &predicate("ServerRolePredicate", &[("roles", "4")]),
            provider("RejectAuthenticationProvider"),
        ),
        (
            predicate("CookieExistPredicate", &[])
                + &predicate("ExternalRequestAddressPredicate", &[]),
            provider("WindowsAuthenticationProvider"),
        ),
        (
            predicate("UrlPathPredicate", &[("custom", "/Custom/Thing.aspx")])
                + &predicate("HttpMethodPredicate", &[("method", "Post")]),
            provider("AnyOrganizationWindowsAuthenticationProvider"),
        ),
        (
            predicate("AlwaysAuthenticationPredicate", &[]),
            provider("PassThroughAuthenticationProvider"),
        ),
        (
            predicate("UrlPathPredicate", &[("late", "/Late/Page.aspx")]),
            provider("WindowsAuthenticationProvider"),
        ),
    ];
    let body: String =
        steps.iter().map(|(p, q)| format!("<step>{p}{q}</step>")).collect::<Vec<_>>().join("\n");
    xml::parse(&format!("<pipeline>\n{body}\n</pipeline>")).expect("the test pipeline reads")
}

fn settings() -> Settings {
    Settings { cases: 256, seed: 0x5EED }
}

fn run_reach() -> (Status, Reach, Vec<String>) {
    let selection = Selection {
        suite: Some(Suite::Pipeline),
        case: Some(reach::ID.into()),
        server: None,
        pipeline: Some(Arc::new(user_pipeline())),
    };
    let all = cases(&selection, &corpus());
    assert_eq!(all.len(), 1, "PIPE-REACH is a case of a user's pipeline");
    let r = all[0].run(&settings());
    (r.status, r.reach.expect("PIPE-REACH reports its reach"), r.warnings)
}

#[test]
fn a_users_own_path_is_reached_and_a_shadowed_step_is_a_warning_with_the_lint_reason() {
    let (status, reach, warnings) = run_reach();
    assert_eq!(status, Status::Pass);
    assert_eq!(reach.requests, 256);
    assert_eq!(reach.steps.len(), 6);
    let custom = &reach.steps[3];
    assert!(custom.reached > 0, "step 3 (/Custom/Thing.aspx) never reached: {reach:?}");
    assert!(custom.warning.is_none());
    // Everything that gets past steps 0-3 reaches the catch-all.
    assert!(reach.steps[4].reached > 0);
    let late = &reach.steps[5];
    assert_eq!(late.reached, 0);
    assert!(late.accepted > 0, "requests for /Late/Page.aspx were generated: {reach:?}");
    let why = late.warning.as_deref().expect("step 5 never reached is a warning");
    assert!(why.contains("handled first by step 4"), "{why}");
    assert!(why.contains("unreachable-step"), "{why}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("step 5 (WindowsAuthenticationProvider) never reached"));
}

#[test]
fn the_warning_is_in_the_text_json_and_junit_reports() {
    let selection = Selection {
        suite: Some(Suite::Pipeline),
        case: None,
        server: None,
        pipeline: Some(Arc::new(user_pipeline())),
    };
    let s = Settings { cases: 64, seed: 7 };
    let reports: Vec<_> = cases(&selection, &corpus()).iter().map(|c| c.run(&s)).collect();
    assert!(report::Summary::of(&reports).ok(), "{}", report::text(&reports, &s));
    assert_eq!(report::Summary::of(&reports).warnings, 1);

    let text = report::text(&reports, &s);
    assert!(text.contains("PIPE-REACH WARNING (PROTOCOL 1.7): step 5"), "{text}");
    assert!(text.contains("requests reaching each step's provider (of 64 generated)"), "{text}");
    assert!(text.contains(", 1 warnings ("), "{text}");

    let json = report::json(&reports, &s);
    assert_eq!(json["summary"]["warnings"], 1);
    let case = json["cases"].as_array().unwrap().iter().find(|c| c["id"] == "PIPE-REACH").unwrap();
    assert!(case["warnings"][0].as_str().unwrap().contains("unreachable-step"), "{case}");
    assert_eq!(case["reach"]["steps"][5]["reached"], 0);
    assert!(case["reach"]["steps"][3]["reached"].as_u64().unwrap() > 0, "{case}");

    let junit = report::junit(&reports, &s);
    let at = junit.find("PIPE-REACH").expect("a PIPE-REACH test case");
    let rest = &junit[at..];
    let out = rest.find("<system-out>").expect("warnings in <system-out>");
    assert!(rest[out..].contains("WARNING: step 5 (WindowsAuthenticationProvider) never reached"));
}

#[test]
fn requests_use_the_configured_path_in_varied_case_where_the_standard_set_never_does() {
    let p = user_pipeline();
    let c = Configured::of(&p);
    assert!(c.paths.contains(&"/Custom/Thing.aspx".to_string()));
    assert_eq!(c.methods, ["PUT", "POST"], "the reader upper-cases methods");
    assert_eq!(c.roles, [4]);
    let mut runner = TestRunner::deterministic();
    let (mut exact, mut other_case, mut standard) = (0, 0, 0);
    let ours = arb_request_for(&p);
    let theirs = arb_request();
    for _ in 0..512 {
        let path = ours.new_tree(&mut runner).unwrap().current().path;
        let path = path.split('?').next().unwrap_or_default().to_string();
        if path == "/Custom/Thing.aspx" {
            exact += 1;
        } else if path.eq_ignore_ascii_case("/Custom/Thing.aspx") {
            other_case += 1;
        }
        let path = theirs.new_tree(&mut runner).unwrap().current().path;
        standard += usize::from(path.to_ascii_lowercase().starts_with("/custom/thing.aspx"));
    }
    assert!(exact > 0 && other_case > 0, "exact {exact}, other case {other_case}");
    assert_eq!(standard, 0, "the standard set reaches a user's own path only by chance");
}
