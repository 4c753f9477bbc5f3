//! The pipeline reader (PROTOCOL 1.1; docs/pipeline.md "Document" and "Configuration
//! keys"; issue 11 rule 8): what it accepts and every error, with its position.

mod common;
use common::*;
use crmauth_spec::{load_pipeline, AuthenticationType, Predicate, Provider, SpecError};
use std::path::Path;

fn error_of(xml: &str) -> (u32, u32, String) {
    match load_pipeline(xml) {
        Err(SpecError::Pipeline { line, column, message }) => (line, column, message),
        other => panic!("expected a configuration error for {xml}, got {other:?}"),
    }
}

fn assert_error(xml: &str, needle: &str) {
    let (_, _, message) = error_of(xml);
    assert!(message.contains(needle), "{message:?} should mention {needle:?}");
}

const ALWAYS: &str =
    "<predicate type=\"Microsoft.Crm.Authentication.AlwaysAuthenticationPredicate\"/>";
const PASS: &str =
    "<provider type=\"Microsoft.Crm.Authentication.PassThroughAuthenticationProvider\"/>";
const REJECT: &str =
    "<provider type=\"Microsoft.Crm.Authentication.RejectAuthenticationProvider\"/>";

fn wrap(content: &str) -> String {
    format!("<pipeline>{content}</pipeline>")
}

#[test]
fn the_corpus_pipelines_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/pipelines");
    for (file, steps) in [
        ("onpremise.crmauthentication.xml", 4),
        ("ifd.crmauthentication.xml", 7),
        ("ifd.crmpostauthentication.xml", 1),
        ("passport.crmpassport.xml", 3),
    ] {
        let xml = std::fs::read_to_string(dir.join(file)).unwrap();
        let pipeline = load_pipeline(&xml).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(pipeline.steps.len(), steps, "{file}");
    }
}

#[test]
fn configuration_is_read() {
    let xml = pipeline(&[
        step(&[
            predicate("UrlPathPredicate", &[("a", "/x"), ("b", "/Y")]),
            predicate("HttpMethodPredicate", &[("method", "POST")]),
            predicate("ServerRolePredicate", &[("roles", "4294967295")]),
            provider(
                "MultipleOrganizationSoapHeaderAuthenticationProvider",
                &[("authenticationType3", "2"), ("authenticationType01", "00")],
            ),
        ]),
        step(&[provider("RedirectAuthenticationProvider", &[("url", "")])]),
    ]);
    let parsed = load_pipeline(&xml).unwrap();
    assert_eq!(
        parsed.steps[0].predicates,
        vec![
            Predicate::UrlPath { paths: vec!["/x".into(), "/Y".into()] },
            Predicate::HttpMethod { method: "POST".into() },
            Predicate::ServerRole { roles: u32::MAX },
        ]
    );
    assert_eq!(
        parsed.steps[0].provider,
        Provider::MultipleOrganizationSoapHeader {
            types: vec![AuthenticationType::Spla, AuthenticationType::Ad],
        }
    );
    assert_eq!(parsed.steps[1].provider, Provider::Redirect { url: String::new() });
}

#[test]
fn type_strings_resolve_by_the_full_class_name_only() {
    for type_string in [
        "Microsoft.Crm.Authentication.PassThroughAuthenticationProvider",
        " Microsoft.Crm.Authentication.PassThroughAuthenticationProvider , Anything, Version=9",
    ] {
        let xml = wrap(&format!("<step><provider type=\"{type_string}\"/></step>"));
        assert_eq!(load_pipeline(&xml).unwrap().steps[0].provider, Provider::PassThrough);
    }
    for type_string in [
        "PassThroughAuthenticationProvider",
        "Microsoft.Crm.Authentication.passThroughAuthenticationProvider",
        "Microsoft.Crm.WebServices.Crm2007.PassThroughAuthenticationProvider",
        "Microsoft.Crm.Authentication.AlwaysAuthenticationPredicate",
        "Microsoft.Crm.WebServices.Crm2006.CookieAndSoapHeaderAuthenticationProvider",
    ] {
        let xml = wrap(&format!("<step><provider type=\"{type_string}\"/></step>"));
        assert_error(&xml, "unknown provider type");
    }
    assert_error(&wrap(&format!("<step><predicate type=\"Microsoft.Crm.Authentication.PassThroughAuthenticationProvider\"/>{PASS}</step>")), "unknown predicate type");
}

#[test]
fn wrappers_are_transparent_at_any_nesting() {
    let nested = wrap(&format!(
        "<steps><steps><step><predicates>{ALWAYS}<predicates>{ALWAYS}</predicates></predicates>{PASS}</step></steps><predicates><step>{REJECT}</step></predicates></steps>"
    ));
    let parsed = load_pipeline(&nested).unwrap();
    assert_eq!(parsed.steps.len(), 2);
    assert_eq!(parsed.steps[0].predicates, vec![Predicate::Always, Predicate::Always]);
    assert_eq!(parsed.steps[1].provider, Provider::Reject);
}

#[test]
fn the_flat_form_closes_a_step_at_each_provider() {
    let flat = wrap(&format!(
        "{ALWAYS}<predicates>{ALWAYS}</predicates>{PASS}{REJECT}<steps>{ALWAYS}</steps>{PASS}"
    ));
    let parsed = load_pipeline(&flat).unwrap();
    assert_eq!(parsed.steps.len(), 3);
    assert_eq!(parsed.steps[0].predicates.len(), 2);
    assert_eq!(parsed.steps[1].predicates.len(), 0);
    assert_eq!(parsed.steps[1].provider, Provider::Reject);
    assert_eq!(parsed.steps[2].predicates, vec![Predicate::Always]);
    assert_error(&wrap(&format!("{PASS}{ALWAYS}")), "no provider");
    assert_error(&wrap(&format!("{ALWAYS}<step>{PASS}</step>")), "no provider");
    // an empty pipeline is a pipeline that handles nothing
    assert_eq!(load_pipeline("<pipeline/>").unwrap().steps.len(), 0);
}

#[test]
fn step_shape_errors() {
    assert_error(&wrap("<step></step>"), "no provider");
    assert_error(&wrap(&format!("<step>{ALWAYS}</step>")), "no provider");
    assert_error(&wrap(&format!("<step>{PASS}{REJECT}</step>")), "two providers");
    assert_error(&wrap(&format!("<step>{PASS}{ALWAYS}</step>")), "predicate after the provider");
    assert_error(
        &wrap(&format!("<step>{PASS}<predicates>{ALWAYS}</predicates></step>")),
        "predicate after the provider",
    );
    assert_error(&wrap(&format!("<step><step>{PASS}</step></step>")), "unknown element <step>");
    assert_error(&wrap(&format!("<stage>{PASS}</stage>")), "unknown element <stage>");
    assert_error(
        &format!("<pipelines><step>{PASS}</step></pipelines>"),
        "unknown element <pipelines>",
    );
    assert_error(&wrap("<step><provider/></step>"), "without a type");
}

#[test]
fn configuration_key_errors() {
    let one = |p: String| wrap(&format!("<step>{p}{PASS}</step>"));
    assert_error(&one(predicate("UrlPathPredicate", &[])), "without a path");
    assert_error(&one(predicate("UrlPathPredicate", &[("a", "x")])), "does not start with '/'");
    assert_error(&one(predicate("UrlPathPredicate", &[("a", "/x"), ("a", "/y")])), "duplicate key");
    assert_error(&one(predicate("HttpMethodPredicate", &[])), "missing key \"method\"");
    assert_error(&one(predicate("HttpMethodPredicate", &[("method", "PO ST")])), "HTTP token");
    assert_error(&one(predicate("HttpMethodPredicate", &[("method", "")])), "HTTP token");
    assert_error(
        &one(predicate("HttpMethodPredicate", &[("method", "GET"), ("verb", "GET")])),
        "unknown key \"verb\"",
    );
    assert_error(&one(predicate("AlwaysAuthenticationPredicate", &[("x", "1")])), "unknown key");
    assert_error(
        &one(predicate("CookieExistPredicate", &[("name", "MSCRMSession")])),
        "unknown key",
    );
    assert_error(&one(predicate("ServerRolePredicate", &[])), "missing key \"roles\"");
    for bad in ["", "+1", "-1", " 1", "1 ", "0x1", "4294967296", "99999999999999999999999"] {
        assert_error(&one(predicate("ServerRolePredicate", &[("roles", bad)])), "unsigned 32-bit");
    }
    let multi = |configuration: &[(&str, &str)]| {
        wrap(&step(&[provider(
            "MultipleOrganizationSoapHeaderAuthenticationProvider",
            configuration,
        )]))
    };
    assert_error(&multi(&[]), "missing key");
    for bad in ["3", "+0", " 0", "", "a"] {
        assert_error(&multi(&[("authenticationType0", bad)]), "not an authentication type");
    }
    for key in
        ["authenticationType", "authenticationTypeA", "AuthenticationType0", "authenticationType 0"]
    {
        assert_error(&multi(&[(key, "0")]), "unknown key");
    }
    assert_error(
        &multi(&[("authenticationType0", "0"), ("authenticationType0", "1")]),
        "duplicate key",
    );
    assert_error(
        &wrap(&step(&[provider("RedirectAuthenticationProvider", &[])])),
        "missing key \"url\"",
    );
    assert_error(
        &wrap(&step(&[provider("PassThroughAuthenticationProvider", &[("url", "/")])])),
        "unknown key",
    );
    assert_error(&wrap("<step><provider type=\"Microsoft.Crm.Authentication.RedirectAuthenticationProvider\"><configuration key=\"url\"/></provider></step>"), "without a value");
    assert_error(&wrap("<step><provider type=\"Microsoft.Crm.Authentication.RedirectAuthenticationProvider\"><configuration value=\"/\"/></provider></step>"), "without a key");
    assert_error(&wrap("<step><provider type=\"Microsoft.Crm.Authentication.RedirectAuthenticationProvider\"><configuration key=\"url\" value=\"/\"><x/></configuration></provider></step>"), "unknown element <x>");
    assert_error(&wrap("<step><provider type=\"Microsoft.Crm.Authentication.RedirectAuthenticationProvider\"><setting key=\"url\" value=\"/\"/></provider></step>"), "unknown element <setting>");
}

#[test]
fn text_doctype_and_namespaces_are_errors() {
    assert_error(&wrap(&format!("<step>x{PASS}</step>")), "unexpected text");
    assert_error(&wrap(&format!("<step>{PASS}</step>hello")), "unexpected text");
    assert_error(&wrap("<step><provider type=\"Microsoft.Crm.Authentication.RedirectAuthenticationProvider\"><configuration key=\"url\" value=\"/\">v</configuration></provider></step>"), "unexpected text");
    // whitespace, comments and processing instructions are fine
    assert!(
        load_pipeline(&wrap(&format!("\n <!-- c --> <?pi x?>\t<step>\r\n{PASS}</step>"))).is_ok()
    );
    let (line, column, message) =
        error_of(&format!("<?xml version=\"1.0\"?>\n<!DOCTYPE pipeline []>\n{}", wrap("")));
    assert!(message.contains("DOCTYPE"), "{message}");
    assert_eq!((line, column), (2, 1));
    assert!(load_pipeline(&format!("<!DOCTYPE p [<!ENTITY e \"x\">]>{}", wrap(""))).is_err());
    assert_error("<pipeline xmlns=\"urn:x\"/>", "namespace");
    assert_error(
        &format!("<pipeline xmlns:c=\"urn:c\"><c:step>{PASS}</c:step></pipeline>"),
        "namespace",
    );
    assert_error(&format!("<pipeline><step xmlns=\"urn:s\">{PASS}</step></pipeline>"), "namespace");
    // declaring namespaces without using them on elements is fine (the corpus does)
    assert!(load_pipeline(&format!("<pipeline xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><step>{PASS}</step></pipeline>")).is_ok());
    assert_error(
        &format!("<pipeline version=\"1\"><step>{PASS}</step></pipeline>"),
        "unknown attribute",
    );
    assert_error(&wrap("<step><provider type=\"Microsoft.Crm.Authentication.PassThroughAuthenticationProvider\" name=\"p\"/></step>"), "unknown attribute");
    assert_error("<pipeline><step>", "not well-formed");
}

#[test]
fn errors_carry_line_and_column() {
    let xml = format!("<pipeline>\n  <step>\n    {PASS}\n    {ALWAYS}\n  </step>\n</pipeline>");
    let (line, column, _) = error_of(&xml);
    assert_eq!((line, column), (4, 5));
    let (line, _, _) = error_of("<pipeline>\n<step>\n</step");
    assert_eq!(line, 3);
}

#[test]
fn limits() {
    // depth 16 counts <pipeline> as 1
    let deep = |wrappers: usize| {
        wrap(&format!(
            "{}<step>{PASS}</step>{}",
            "<steps>".repeat(wrappers),
            "</steps>".repeat(wrappers)
        ))
    };
    assert!(load_pipeline(&deep(13)).is_ok()); // pipeline + 13 + step + provider = 16
    assert_error(&deep(14), "nesting deeper");
    let many = |count: usize| wrap(&format!("<step>{}{PASS}</step>", ALWAYS.repeat(count)));
    assert!(load_pipeline(&many(64)).is_ok());
    assert_error(&many(65), "more than 64 predicates");
    let entries = |count: usize| {
        let configuration: Vec<(String, String)> =
            (0..count).map(|i| (format!("k{i}"), "/p".to_string())).collect();
        let pairs: Vec<(&str, &str)> =
            configuration.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        wrap(&step(&[predicate("UrlPathPredicate", &pairs), PASS.to_string()]))
    };
    assert!(load_pipeline(&entries(256)).is_ok());
    assert_error(&entries(257), "more than 256 configuration");
    let steps = |count: usize| wrap(&format!("<step>{PASS}</step>").repeat(count));
    assert!(load_pipeline(&steps(10_000)).is_ok());
    assert_error(&steps(10_001), "more than 10000 steps");
    let big = wrap(&format!("<!--{}-->", "x".repeat(4 * 1024 * 1024)));
    assert_error(&big, "larger than");
}
