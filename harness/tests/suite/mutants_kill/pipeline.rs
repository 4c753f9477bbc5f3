//! Survivors of `harness/src/pipeline/` (cargo-mutants run 5, docs/mutants.md).

use crate::lint::step;
use crmauth::pipeline::analysis;
use crmauth::pipeline::model::{Pipeline, Predicate, Provider};
use std::collections::BTreeMap;

fn path(p: &str) -> Predicate {
    Predicate::UrlPath { paths: BTreeMap::from([("path".to_string(), p.to_string())]) }
}

/// `StepReport::taken_by`'s contract: "when satisfiable but unreachable: the earlier
/// always-handling steps that take the requests it accepts" — so a reachable step has none,
/// even when, for some requests, an earlier step that always handles (PassThrough, PROTOCOL
/// 1.4) runs before it.
#[test]
fn only_unreachable_steps_are_taken_by_earlier_steps() {
    let p = Pipeline {
        steps: vec![
            // 0: every request for /a is handled here.
            step(vec![path("/a")], Provider::PassThrough),
            // 1: reachable by any other path; after step 0 for /a.
            step(vec![], Provider::Windows),
            // 2: accepts only /a, which step 0 always takes.
            step(vec![path("/a")], Provider::Windows),
        ],
    };
    let lint = analysis::lint(&p).unwrap();
    let s = &lint.steps;
    assert!(s[1].reachable && s[1].taken_by.is_empty(), "{:?}", s[1]);
    assert!(s[2].satisfiable && !s[2].reachable, "{:?}", s[2]);
    assert_eq!(s[2].taken_by, vec![0]);
}

/// `StepReport::contradiction`'s contract: "why not, when not satisfiable". A request's
/// address is internal or external, never both (PROTOCOL 1.3): that step is unsatisfiable
/// and says so; a satisfiable step has no contradiction.
#[test]
fn only_unsatisfiable_steps_name_a_contradiction() {
    let p = Pipeline {
        steps: vec![
            step(
                vec![Predicate::InternalRequestAddress, Predicate::ExternalRequestAddress],
                Provider::Windows,
            ),
            step(vec![Predicate::InternalRequestAddress], Provider::Windows),
        ],
    };
    let lint = analysis::lint(&p).unwrap();
    let s = &lint.steps;
    assert!(!s[0].satisfiable);
    let why = s[0].contradiction.as_deref().unwrap_or_default();
    assert!(why.contains("internal") && why.contains("external"), "{why:?}");
    assert!(s[1].satisfiable && s[1].contradiction.is_none(), "{:?}", s[1]);
}

/// The contradiction named for each kind of unsatisfiable step (`StepReport::contradiction`:
/// "which predicates contradict"), from PROTOCOL 1.3's predicates: one method per request,
/// `roles & mask != 0` is never true for mask 0, a request path has no query, and a path is
/// in every UrlPathPredicate of a step or the step never runs.
#[test]
fn each_contradiction_names_the_predicates_that_contradict() {
    let method = |m: &str| Predicate::HttpMethod { method: m.to_string() };
    let why = |predicates: Vec<Predicate>| -> String {
        let lint =
            analysis::lint(&Pipeline { steps: vec![step(predicates, Provider::Windows)] }).unwrap();
        assert!(!lint.steps[0].satisfiable, "{:?}", lint.steps[0]);
        lint.steps[0].contradiction.clone().unwrap()
    };
    // Two methods, with an address predicate that is not the contradiction.
    let m = why(vec![Predicate::InternalRequestAddress, method("GET"), method("POST")]);
    assert!(m.contains("GET and POST") && !m.contains("address"), "{m}");
    let r = why(vec![Predicate::ServerRole { roles: 0 }]);
    assert!(r.contains("roles 0"), "{r}");
    let q = why(vec![path("/a?x=1")]);
    assert!(q.contains("query"), "{q}");
    let p = why(vec![path("/a"), path("/b")]);
    assert!(p.contains("no path is in every UrlPathPredicate"), "{p}");
    // The same method in two cases is no contradiction (PROTOCOL 1.3: case-insensitive).
    let lint = analysis::lint(&Pipeline {
        steps: vec![step(vec![method("GET"), method("get")], Provider::Windows)],
    })
    .unwrap();
    assert!(lint.steps[0].satisfiable);
}

/// `StepReport::redundant_predicates`: "predicates implied by the others or always true".
/// AlwaysAuthenticationPredicate is always true (PROTOCOL 1.3), so beside another predicate
/// it is redundant, and of two the second is; alone it is how a step says "every request"
/// and is kept (the documented exception).
#[test]
fn an_always_predicate_is_redundant_unless_it_stands_alone() {
    let redundant = |predicates: Vec<Predicate>| -> Vec<usize> {
        let lint =
            analysis::lint(&Pipeline { steps: vec![step(predicates, Provider::Windows)] }).unwrap();
        lint.steps[0].redundant_predicates.iter().map(|r| r.index).collect()
    };
    assert_eq!(redundant(vec![Predicate::Always]), Vec::<usize>::new());
    assert_eq!(redundant(vec![Predicate::Always, path("/a")]), vec![0]);
    assert_eq!(redundant(vec![Predicate::Always, Predicate::Always]), vec![1]);
}

/// `line_column`'s contract: the 1-based line and column, in characters, of a byte offset;
/// an offset inside a multi-byte character names that character (the column a reader's
/// error points at never falls between a character's bytes).
#[test]
fn line_column_of_an_offset_inside_a_character_names_that_character() {
    use crmauth::pipeline::error::line_column;
    let text = "aé\nbç";
    // 'é' is bytes 1..3, 'ç' bytes 5..7.
    assert_eq!(line_column(text, 1), (1, 2));
    assert_eq!(line_column(text, 2), (1, 2));
    assert_eq!(line_column(text, 4), (2, 1));
    assert_eq!(line_column(text, 6), (2, 2));
    assert_eq!(line_column(text, 99), (2, 3));
}

/// `explain::describe`'s contract: "the pipeline in words, one line a step": each line says
/// what its predicates require (the configured values themselves) and what its provider does
/// — a redirect's target, the 2007 token types by their PROTOCOL 2.1 names (0 AD,
/// 1 Passport, 2 Spla), otherwise the provider's class — and the end is PROTOCOL 1.2's
/// default: denied.
#[test]
fn describe_puts_every_predicate_and_provider_in_words() {
    use crmauth::pipeline::explain::describe;
    use crmauth::pipeline::model::AuthenticationTypes;
    let types = |t: &[u8]| Provider::MultipleOrganizationSoapHeader {
        authentication_types: AuthenticationTypes(t.iter().copied().collect()),
    };
    let p = Pipeline {
        steps: vec![
            step(vec![path("/x/y.asmx")], Provider::Redirect { url: "https://r.example/".into() }),
            step(vec![Predicate::HttpMethod { method: "PATCH".into() }], types(&[0])),
            step(vec![Predicate::ServerRole { roles: 0x24 }], types(&[1])),
            step(vec![Predicate::CookieExist], types(&[2])),
            step(vec![Predicate::InternalRequestAddress], Provider::CrmPostAuthentication),
            step(vec![Predicate::ExternalRequestAddress, Predicate::Always], Provider::Reject),
        ],
    };
    let text = describe(&p);
    let lines: Vec<&str> = text.lines().collect();
    let step_text = |i: usize| -> String {
        let at = lines.iter().position(|l| l.starts_with(&format!("step {i}:"))).unwrap();
        format!("{}\n{}", lines[at], lines[at + 1])
    };
    let s0 = step_text(0);
    assert!(s0.contains("/x/y.asmx") && s0.contains("https://r.example/"), "{s0}");
    let s1 = step_text(1);
    assert!(s1.contains("PATCH") && s1.contains("AD") && !s1.contains("Passport"), "{s1}");
    let s2 = step_text(2);
    assert!(s2.contains("0x24") && s2.contains("Passport") && !s2.contains("Spla"), "{s2}");
    let s3 = step_text(3);
    assert!(s3.contains("MSCRMSession") && s3.contains("Spla") && !s3.contains("AD"), "{s3}");
    let s4 = step_text(4);
    assert!(s4.contains("internal") && s4.contains("CrmPostAuthenticationProvider"), "{s4}");
    let s5 = step_text(5);
    assert!(
        s5.contains("external") && s5.contains("always") && s5.contains("RejectAuthentication"),
        "{s5}"
    );
    assert!(text.contains("otherwise: denied"), "{text}");
}

/// `EvaluationReport`'s contract: "its `Display` is the compact JSON" of its `Serialize`
/// form, `post_trace` left out when `None`.
#[test]
fn an_evaluation_report_displays_as_its_compact_json() {
    use crmauth::pipeline::json::EvaluationReport;
    use crmauth::pipeline::outcome::{Outcome, Trace};
    let trace = Trace::default();
    let report =
        EvaluationReport { outcome: Outcome::NOT_HANDLED, trace: &trace, post_trace: None };
    let shown = report.to_string();
    assert_eq!(shown, serde_json::to_string(&report).unwrap());
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert!(v.get("outcome").is_some() && v.get("trace").is_some(), "{shown}");
    assert!(v.get("post_trace").is_none(), "{shown}");
    assert!(!shown.contains('\n') && !shown.contains(": "), "{shown}");
}

/// `BuiltIn::full_name`'s contract: the namespace-qualified class name, which is the part of
/// the canonical type string before the first comma (PROTOCOL 1.1's type strings) and which
/// `from_full_name` resolves back to the same class, for every built-in of both sets.
#[test]
fn full_names_are_the_type_strings_class_part_and_resolve_back() {
    use crmauth::pipeline::model::{BuiltIn, PredicateKind, ProviderKind};
    fn check<K: BuiltIn + PartialEq + std::fmt::Debug>() {
        for &k in K::ALL {
            let full = k.full_name();
            let type_string = k.type_string();
            assert_eq!(Some(full.as_str()), type_string.split(',').next(), "{k:?}");
            assert!(full.ends_with(&format!(".{}", k.class_name())), "{full}");
            assert_eq!(K::from_full_name(&full), Some(k));
        }
    }
    check::<PredicateKind>();
    check::<ProviderKind>();
}

/// `Environment`'s documented default, "every server role", holds for an environment file
/// that leaves `server_roles` out too (`crmauth eval --env`): every field left out takes
/// the value of `Environment::default()`.
#[test]
fn an_environment_file_without_roles_has_every_role() {
    use crmauth::pipeline::Environment;
    let from_file: Environment = serde_json::from_str("{}").unwrap();
    assert_eq!(from_file.server_roles, u32::MAX);
    assert_eq!(from_file, Environment::default());
}

/// `PreparedRequest::is_sdk`'s contract: "the path is under `/MSCRMServices/`" (compared
/// ASCII case-insensitively, PROTOCOL 1.3): the prefix alone names nothing under it.
#[test]
fn an_sdk_path_is_under_mscrmservices_not_the_prefix_itself() {
    use crmauth::pipeline::Request;
    let is_sdk = |path: &str| {
        let request: Request = serde_json::from_value(serde_json::json!({
            "method": "POST", "path": path, "client_address": "10.0.0.1", "headers": {}
        }))
        .unwrap();
        request.prepare().is_sdk()
    };
    assert!(is_sdk("/MSCRMServices/2007/CrmService.asmx"));
    assert!(is_sdk("/mscrmservices/x"));
    assert!(!is_sdk("/MSCRMServices/"));
    assert!(!is_sdk("/MSCRMServices"));
    assert!(!is_sdk("/Contoso/main.aspx"));
}

const PASS_THROUGH: &str =
    "Microsoft.Crm.Authentication.PassThroughAuthenticationProvider, Microsoft.Crm";
const URL_PATH: &str = "Microsoft.Crm.Authentication.UrlPathPredicate, Microsoft.Crm";

/// `DocumentLimits::max_bytes` ("size of the document in bytes") is inclusive, like every
/// decoder limit (DECODE-TOTAL): a document of exactly the limit is read, one byte less of
/// limit is the typed `Limit` error.
#[test]
fn a_pipeline_document_of_exactly_the_byte_limit_is_read() {
    use crmauth::pipeline::error::ConfigErrorKind;
    use crmauth::pipeline::xml::{parse_with_limits, DocumentLimits};
    let text = format!("<pipeline><step><provider type=\"{PASS_THROUGH}\"/></step></pipeline>");
    let limits = |max_bytes| DocumentLimits { max_bytes, ..DocumentLimits::DEFAULT };
    assert_eq!(parse_with_limits(&text, limits(text.len())).unwrap().steps.len(), 1);
    let e = parse_with_limits(&text, limits(text.len() - 1)).unwrap_err();
    assert_eq!(e.kind, ConfigErrorKind::Limit { what: "bytes", limit: text.len() - 1 });
}

/// PROTOCOL 1.1 has no text content anywhere in a pipeline document; the error names the
/// element holding the text (`ConfigErrorKind::UnexpectedText::parent`), and an element
/// where it may not stand names its parent.
#[test]
fn errors_name_the_element_they_are_in() {
    use crmauth::pipeline::error::ConfigErrorKind;
    use crmauth::pipeline::xml::parse;
    let provider = format!("<provider type=\"{PASS_THROUGH}\"/>");
    let cases = [
        ("<pipeline>x</pipeline>".to_string(), "pipeline"),
        ("<pipeline><steps>x</steps></pipeline>".into(), "steps"),
        (format!("<pipeline><step>x{provider}</step></pipeline>"), "step"),
        (format!("<pipeline><step><predicates>x</predicates>{provider}</step></pipeline>"), "predicates"),
        (format!("<pipeline><step><predicate type=\"{URL_PATH}\">x</predicate>{provider}</step></pipeline>"), "predicate"),
        (format!("<pipeline><step><provider type=\"{PASS_THROUGH}\">x</provider></step></pipeline>"), "provider"),
        (
            format!("<pipeline><step><predicate type=\"{URL_PATH}\"><configuration key=\"path\" value=\"/a\">x</configuration></predicate>{provider}</step></pipeline>"),
            "configuration",
        ),
    ];
    for (text, parent) in cases {
        let e = parse(&text).unwrap_err();
        assert_eq!(e.kind, ConfigErrorKind::UnexpectedText { parent: parent.into() }, "{text}");
    }
    let e = parse(&format!("<pipeline><step>{provider}<steps/></step></pipeline>")).unwrap_err();
    assert_eq!(
        e.kind,
        ConfigErrorKind::UnexpectedElement { name: "steps".into(), parent: "step".into() }
    );
}

/// `print`'s canonical form: a predicate or provider without configuration is one empty
/// element (`<predicate type="…" />`), whatever its kind; values are escaped as
/// `quick_xml::escape::escape` escapes them (the contract of the writer's `escape`), and
/// read back to what they were (PIPE-ROUNDTRIP).
#[test]
fn the_canonical_form_of_empty_configurations_and_escaped_values() {
    use crmauth::pipeline::model::AuthenticationTypes;
    use crmauth::pipeline::xml::{parse, print};
    let p = Pipeline {
        steps: vec![step(
            vec![Predicate::UrlPath { paths: BTreeMap::new() }],
            Provider::MultipleOrganizationSoapHeader {
                authentication_types: AuthenticationTypes(Default::default()),
            },
        )],
    };
    let text = print(&p);
    assert!(!text.contains("</predicate>") && !text.contains("</provider>"), "{text}");
    assert_eq!(text.matches(" />").count(), 2, "{text}");

    let odd = "/a<b>&c'd\"e";
    let p = Pipeline { steps: vec![step(vec![path(odd)], Provider::Windows)] };
    let text = print(&p);
    let escaped = quick_xml::escape::escape(odd);
    assert!(text.contains(&format!("value=\"{escaped}\"")), "{escaped} in {text}");
    assert_eq!(parse(&text).unwrap(), p);
}
