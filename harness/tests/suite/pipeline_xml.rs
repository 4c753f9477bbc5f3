//! Pipeline XML (PROTOCOL 1.1): the reader's acceptance and every configuration error,
//! with its line and column; the canonical writer (PIPE-ROUNDTRIP on the standard files).

use crmauth::pipeline::xml::{self, DocumentLimits};
use crmauth::pipeline::{ConfigErrorKind, Pipeline, Predicate, Provider};
use std::path::PathBuf;

const T: &str = ", Microsoft.Crm, Version={0}, Culture=neutral, PublicKeyToken=31bf3856ad364e35";

fn corpus(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/pipelines").join(name);
    std::fs::read_to_string(p).unwrap()
}

fn pred(class: &str) -> String {
    format!("<predicate type=\"Microsoft.Crm.Authentication.{class}{T}\" />")
}

fn prov(class: &str) -> String {
    format!("<provider type=\"Microsoft.Crm.Authentication.{class}{T}\" />")
}

fn doc(inner: &str) -> String {
    format!("<pipeline>\n{inner}\n</pipeline>")
}

/// Parses and returns the error's kind, line and column.
fn err(text: &str) -> (ConfigErrorKind, usize, usize) {
    let e = xml::parse(text).expect_err("must be rejected");
    (e.kind, e.line, e.column)
}

#[test]
fn standard_pipelines_parse_with_their_step_counts() {
    for (file, steps) in [
        ("onpremise.crmauthentication.xml", 4),
        ("ifd.crmauthentication.xml", 7),
        ("ifd.crmpostauthentication.xml", 1),
        ("passport.crmpassport.xml", 3),
    ] {
        let p = xml::parse(&corpus(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(p.steps.len(), steps, "{file}");
    }
}

/// PIPE-ROUNDTRIP on the standard pipelines: parse(print(p)) = p, print is a fixed point.
#[test]
fn pipe_roundtrip_standard_pipelines() {
    for file in [
        "onpremise.crmauthentication.xml",
        "ifd.crmauthentication.xml",
        "ifd.crmpostauthentication.xml",
        "passport.crmpassport.xml",
    ] {
        let p = xml::parse(&corpus(file)).unwrap();
        let printed = xml::print(&p);
        assert_eq!(xml::parse(&printed).unwrap(), p, "{file}");
        assert_eq!(xml::print(&xml::parse(&printed).unwrap()), printed, "{file}");
    }
}

#[test]
fn first_onpremise_step_is_the_published_one() {
    let p = xml::parse(&corpus("onpremise.crmauthentication.xml")).unwrap();
    let step = &p.steps[0];
    let Predicate::UrlPath { paths } = &step.predicates[0] else {
        panic!("{:?}", step.predicates[0])
    };
    assert_eq!(paths.len(), 5);
    assert_eq!(paths["pathSdk2007"], "/MSCRMServices/2007/CrmService.asmx");
    assert_eq!(step.predicates[1], Predicate::HttpMethod { method: "POST".into() });
    let Provider::MultipleOrganizationSoapHeader { authentication_types } = &step.provider else {
        panic!("{:?}", step.provider)
    };
    assert_eq!(authentication_types.0.iter().copied().collect::<Vec<_>>(), vec![0]);
}

#[test]
fn flat_form_of_the_published_extract_closes_a_step_at_each_provider() {
    let text = doc(&format!(
        "{}{}{}{}{}",
        pred("AlwaysAuthenticationPredicate"),
        prov("RejectAuthenticationProvider"),
        pred("CookieExistPredicate"),
        pred("AlwaysAuthenticationPredicate"),
        prov("PassThroughAuthenticationProvider"),
    ));
    let p = xml::parse(&text).unwrap();
    assert_eq!(p.steps.len(), 2);
    assert_eq!(p.steps[0].predicates, vec![Predicate::Always]);
    assert_eq!(p.steps[1].predicates, vec![Predicate::CookieExist, Predicate::Always]);
    assert_eq!(p.steps[1].provider, Provider::PassThrough);
}

#[test]
fn steps_and_predicates_wrappers_are_transparent() {
    let wrapped = doc(&format!(
        "<steps><step><predicates>{}{}</predicates>{}</step></steps>",
        pred("AlwaysAuthenticationPredicate"),
        pred("CookieExistPredicate"),
        prov("PassThroughAuthenticationProvider"),
    ));
    let plain = doc(&format!(
        "<step>{}{}{}</step>",
        pred("AlwaysAuthenticationPredicate"),
        pred("CookieExistPredicate"),
        prov("PassThroughAuthenticationProvider"),
    ));
    assert_eq!(xml::parse(&wrapped).unwrap(), xml::parse(&plain).unwrap());
}

/// Issue 11: the wrappers are transparent at any depth, around the flat form's predicates
/// too (PROTOCOL 1.1), and each form reads as the same pipeline as the plain one.
#[test]
fn wrappers_nest_and_wrap_the_flat_form() {
    let (always, cookie) = (pred("AlwaysAuthenticationPredicate"), pred("CookieExistPredicate"));
    let pass = prov("PassThroughAuthenticationProvider");
    let reject = prov("RejectAuthenticationProvider");
    let plain = xml::parse(&doc(&format!(
        "<step>{always}{cookie}{pass}</step><step>{cookie}{reject}</step>"
    )))
    .unwrap();
    for form in [
        format!("<predicates>{always}{cookie}</predicates>{pass}<predicates>{cookie}</predicates>{reject}"),
        format!("<predicates>{always}<predicates>{cookie}</predicates></predicates>{pass}{cookie}{reject}"),
        format!("<steps><steps><step><predicates>{always}</predicates>{cookie}{pass}</step></steps><step>{cookie}{reject}</step></steps>"),
        format!("<steps>{always}{cookie}{pass}</steps><steps><predicates>{cookie}</predicates>{reject}</steps>"),
    ] {
        assert_eq!(xml::parse(&doc(&form)).unwrap(), plain, "{form}");
    }
    // A wrapper does not close a flat step: predicates left without provider are an error,
    // and a provider inside <predicates> is an element out of place.
    let (kind, ..) = err(&doc(&format!("<steps>{always}</steps>{pass}")));
    assert_eq!(kind, ConfigErrorKind::NoProvider);
    let (kind, ..) = err(&doc(&format!("<predicates>{always}{pass}</predicates>")));
    assert!(matches!(kind, ConfigErrorKind::UnexpectedElement { .. }), "{kind:?}");
}

/// Issue 11: integers are ASCII digits only, and pipeline elements are in no namespace
/// (ours, fail closed).
#[test]
fn integers_are_plain_digits_and_elements_have_no_namespace() {
    let roles = |v: &str| {
        doc(&format!(
            "<step><predicate type=\"Microsoft.Crm.Authentication.ServerRolePredicate{T}\">\
             <configuration key=\"roles\" value=\"{v}\"/></predicate>{}</step>",
            prov("PassThroughAuthenticationProvider")
        ))
    };
    assert!(xml::parse(&roles("4")).is_ok());
    assert!(xml::parse(&roles("4294967295")).is_ok());
    for bad in ["+4", " 4", "4 ", "-1", "", "0x4", "4294967296"] {
        let (kind, ..) = err(&roles(bad));
        assert!(matches!(kind, ConfigErrorKind::BadValue { .. }), "roles={bad:?}: {kind:?}");
    }
    let types = |v: &str| {
        doc(&format!(
            "<step><provider type=\"Microsoft.Crm.WebServices.Crm2007.MultipleOrganizationSoapHeaderAuthenticationProvider, Microsoft.Crm.WebServices\">\
             <configuration key=\"authenticationType0\" value=\"{v}\"/></provider></step>"
        ))
    };
    assert!(xml::parse(&types("1")).is_ok());
    for bad in [" 1", "1 ", "+1", "01", "3"] {
        let (kind, ..) = err(&types(bad));
        assert!(matches!(kind, ConfigErrorKind::BadValue { .. }), "type={bad:?}: {kind:?}");
    }
    let step = format!("<step>{}</step>", prov("PassThroughAuthenticationProvider"));
    for foreign in [
        format!("<pipeline xmlns=\"urn:elsewhere\">{step}</pipeline>"),
        format!("<pipeline><steps xmlns=\"urn:elsewhere\">{step}</steps></pipeline>"),
        format!("<x:pipeline xmlns:x=\"urn:elsewhere\">{step}</x:pipeline>"),
        format!(
            "<pipeline xmlns:x=\"urn:elsewhere\"><x:step>{}</x:step></pipeline>",
            prov("PassThroughAuthenticationProvider")
        ),
    ] {
        let (kind, line, column) = err(&foreign);
        assert!(matches!(kind, ConfigErrorKind::Namespace { .. }), "{foreign}: {kind:?}");
        assert_eq!(line, 1, "{foreign}");
        assert!(column >= 1);
    }
    // An empty default namespace, and the usual xsi/xsd declarations, are fine.
    assert!(xml::parse(&format!("<pipeline xmlns=\"\">{step}</pipeline>")).is_ok());
    assert!(xml::parse(&corpus("ifd.crmauthentication.xml")).is_ok());
}

#[test]
fn types_resolve_by_full_class_name_whatever_the_assembly_part() {
    let text = doc("<step><predicate type=\"Microsoft.Crm.Authentication.AlwaysAuthenticationPredicate\"/>\
        <provider type=\" Microsoft.Crm.Authentication.PassThroughAuthenticationProvider , Other, Version=4.0.0.0\"/></step>");
    let p = xml::parse(&text).unwrap();
    assert_eq!(p.steps[0].provider, Provider::PassThrough);
}

#[test]
fn empty_pipeline_is_valid_and_has_no_steps() {
    assert_eq!(xml::parse("<pipeline/>").unwrap(), Pipeline::default());
}

#[test]
fn unknown_type_is_an_error_at_its_element() {
    let text = doc(&format!(
        "<step>\n  {}\n  {}\n</step>",
        pred("NoSuchPredicate"),
        prov("PassThroughAuthenticationProvider")
    ));
    let (kind, line, column) = err(&text);
    assert!(matches!(kind, ConfigErrorKind::UnknownType { role: "predicate", .. }), "{kind:?}");
    assert_eq!((line, column), (3, 3));
}

#[test]
fn a_provider_type_in_a_predicate_element_is_unknown() {
    let text = doc(&format!(
        "<step>{}{}</step>",
        pred("PassThroughAuthenticationProvider"),
        prov("PassThroughAuthenticationProvider")
    ));
    assert!(matches!(err(&text).0, ConfigErrorKind::UnknownType { role: "predicate", .. }));
}

#[test]
fn step_without_provider_is_an_error_at_the_step() {
    let text = doc(&format!("  <step>{}</step>", pred("AlwaysAuthenticationPredicate")));
    assert_eq!(err(&text), (ConfigErrorKind::NoProvider, 2, 3));
}

#[test]
fn flat_predicates_without_provider_are_an_error() {
    let text = doc(&pred("AlwaysAuthenticationPredicate"));
    assert_eq!(err(&text), (ConfigErrorKind::NoProvider, 2, 1));
}

#[test]
fn second_provider_is_an_error_at_the_second() {
    let text = doc(&format!(
        "<step>\n{}\n{}\n</step>",
        prov("PassThroughAuthenticationProvider"),
        prov("RejectAuthenticationProvider")
    ));
    assert_eq!(err(&text), (ConfigErrorKind::SecondProvider, 4, 1));
}

#[test]
fn predicate_after_provider_is_an_error() {
    let text = doc(&format!(
        "<step>\n{}\n    {}\n</step>",
        prov("PassThroughAuthenticationProvider"),
        pred("AlwaysAuthenticationPredicate")
    ));
    assert_eq!(err(&text), (ConfigErrorKind::PredicateAfterProvider, 4, 5));
}

#[test]
fn configuration_errors_name_class_key_and_place() {
    let step = |p: &str| {
        doc(&format!("<step>\n{p}\n{}\n</step>", prov("PassThroughAuthenticationProvider")))
    };
    let with = |class: &str, cfg: &str| {
        format!("<predicate type=\"Microsoft.Crm.Authentication.{class}{T}\">{cfg}</predicate>")
    };
    // missing key
    let (kind, line, _) = err(&step(&with("HttpMethodPredicate", "")));
    assert_eq!(kind, ConfigErrorKind::MissingKey { class: "HttpMethodPredicate", key: "method" });
    assert_eq!(line, 3);
    // unknown key
    let (kind, ..) = err(&step(&with(
        "HttpMethodPredicate",
        "<configuration key=\"method\" value=\"GET\"/><configuration key=\"verb\" value=\"x\"/>",
    )));
    assert_eq!(
        kind,
        ConfigErrorKind::UnknownKey { class: "HttpMethodPredicate", key: "verb".into() }
    );
    // duplicate key
    let (kind, ..) = err(&step(&with(
        "UrlPathPredicate",
        "<configuration key=\"a\" value=\"/x\"/><configuration key=\"a\" value=\"/y\"/>",
    )));
    assert_eq!(kind, ConfigErrorKind::DuplicateKey { key: "a".into() });
    // bad values
    for (class, cfg) in [
        ("HttpMethodPredicate", "<configuration key=\"method\" value=\"PO ST\"/>"),
        ("ServerRolePredicate", "<configuration key=\"roles\" value=\"-1\"/>"),
        ("UrlPathPredicate", "<configuration key=\"a\" value=\"relative.aspx\"/>"),
    ] {
        let (kind, ..) = err(&step(&with(class, cfg)));
        assert!(matches!(kind, ConfigErrorKind::BadValue { .. }), "{class}: {kind:?}");
    }
    // no paths at all
    assert!(matches!(
        err(&step(&with("UrlPathPredicate", ""))).0,
        ConfigErrorKind::MissingKey { .. }
    ));
    // configuration on a predicate that takes none
    let (kind, ..) = err(&step(&with(
        "AlwaysAuthenticationPredicate",
        "<configuration key=\"x\" value=\"y\"/>",
    )));
    assert_eq!(
        kind,
        ConfigErrorKind::UnknownKey { class: "AlwaysAuthenticationPredicate", key: "x".into() }
    );
}

#[test]
fn provider_configuration_errors() {
    let ws = ", Microsoft.Crm.WebServices, Version={0}, Culture=neutral, PublicKeyToken=31bf3856ad364e35";
    let multi = |cfg: &str| {
        doc(&format!("<step><provider type=\"Microsoft.Crm.WebServices.Crm2007.MultipleOrganizationSoapHeaderAuthenticationProvider{ws}\">{cfg}</provider></step>"))
    };
    assert!(matches!(
        err(&multi("")).0,
        ConfigErrorKind::MissingKey { key: "authenticationType0", .. }
    ));
    assert!(matches!(
        err(&multi("<configuration key=\"authenticationType0\" value=\"3\"/>")).0,
        ConfigErrorKind::BadValue { .. }
    ));
    assert!(matches!(
        err(&multi("<configuration key=\"authenticationTypeX\" value=\"0\"/>")).0,
        ConfigErrorKind::UnknownKey { .. }
    ));
    let p = xml::parse(&multi("<configuration key=\"authenticationType0\" value=\"2\"/><configuration key=\"authenticationType7\" value=\"1\"/>")).unwrap();
    let Provider::MultipleOrganizationSoapHeader { authentication_types } = &p.steps[0].provider
    else {
        panic!()
    };
    assert_eq!(authentication_types.0.iter().copied().collect::<Vec<_>>(), vec![1, 2]);
    let redirect = doc(&format!("<step><provider type=\"Microsoft.Crm.Authentication.RedirectAuthenticationProvider{T}\"/></step>"));
    assert!(matches!(err(&redirect).0, ConfigErrorKind::MissingKey { key: "url", .. }));
}

#[test]
fn malformed_xml_is_an_error_with_position() {
    let (kind, line, _) = err("<pipeline>\n<step>\n</pipeline>");
    assert!(matches!(kind, ConfigErrorKind::Xml(_)), "{kind:?}");
    assert!(line >= 2);
    assert!(matches!(err("").0, ConfigErrorKind::NoPipeline));
    assert!(matches!(err("<pipeline>").0, ConfigErrorKind::NoPipeline | ConfigErrorKind::Xml(_)));
    assert!(matches!(err("<other/>").0, ConfigErrorKind::NoPipeline));
    assert!(matches!(
        err("<pipeline/><pipeline/>").0,
        ConfigErrorKind::NoPipeline | ConfigErrorKind::UnexpectedElement { .. }
    ));
    assert!(matches!(err("<pipeline>text</pipeline>").0, ConfigErrorKind::UnexpectedText { .. }));
    assert!(matches!(
        err("<pipeline><foo/></pipeline>").0,
        ConfigErrorKind::UnexpectedElement { .. }
    ));
    assert!(matches!(
        err(&doc(&format!(
            "<step><predicate/>{}</step>",
            prov("PassThroughAuthenticationProvider")
        )))
        .0,
        ConfigErrorKind::MissingAttribute { element: "predicate", attribute: "type" }
    ));
}

#[test]
fn doctype_is_refused() {
    let text = "<!DOCTYPE pipeline [<!ENTITY x \"y\">]>\n<pipeline/>";
    assert_eq!(err(text).0, ConfigErrorKind::Doctype);
}

#[test]
fn limits_are_enforced() {
    let limits = DocumentLimits {
        max_bytes: 10_000,
        max_depth: 4,
        max_steps: 2,
        max_predicates_per_step: 2,
        max_configuration: 2,
    };
    let step = format!("<step>{}</step>", prov("PassThroughAuthenticationProvider"));
    let too_many_steps = doc(&step.repeat(3));
    assert_eq!(
        xml::parse_with_limits(&too_many_steps, limits).unwrap_err().kind,
        ConfigErrorKind::Limit { what: "steps", limit: 2 }
    );
    assert!(xml::parse_with_limits(&doc(&step.repeat(2)), limits).is_ok());
    let flat_steps = doc(&prov("PassThroughAuthenticationProvider").repeat(3));
    assert!(matches!(
        xml::parse_with_limits(&flat_steps, limits).unwrap_err().kind,
        ConfigErrorKind::Limit { what: "steps", .. }
    ));
    let preds = doc(&format!(
        "<step>{}{}</step>",
        pred("AlwaysAuthenticationPredicate").repeat(3),
        prov("PassThroughAuthenticationProvider")
    ));
    assert!(matches!(
        xml::parse_with_limits(&preds, limits).unwrap_err().kind,
        ConfigErrorKind::Limit { what: "predicates in a step", .. }
    ));
    let cfg = "<configuration key=\"a\" value=\"/a\"/><configuration key=\"b\" value=\"/b\"/><configuration key=\"c\" value=\"/c\"/>";
    let many = doc(&format!("<step><predicate type=\"Microsoft.Crm.Authentication.UrlPathPredicate{T}\">{cfg}</predicate>{}</step>", prov("PassThroughAuthenticationProvider")));
    assert!(matches!(
        xml::parse_with_limits(&many, limits).unwrap_err().kind,
        ConfigErrorKind::Limit { what: "configuration entries", .. }
    ));
    let deep = doc(&format!("<steps><step><predicates><predicate type=\"Microsoft.Crm.Authentication.UrlPathPredicate{T}\"><configuration key=\"a\" value=\"/a\"><x/></configuration></predicate></predicates></step></steps>"));
    assert!(matches!(
        xml::parse_with_limits(&deep, limits).unwrap_err().kind,
        ConfigErrorKind::Limit { what: "levels of nesting", .. }
    ));
    let big = doc(&" ".repeat(10_001));
    assert_eq!(
        xml::parse_with_limits(&big, limits).unwrap_err().kind,
        ConfigErrorKind::Limit { what: "bytes", limit: 10_000 }
    );
}

#[test]
fn printing_escapes_configuration_values() {
    let text = doc(&format!(
        "<step><provider type=\"Microsoft.Crm.Authentication.RedirectAuthenticationProvider{T}\"><configuration key=\"url\" value=\"/a?b=1&amp;c=&quot;2&quot;&lt;\"/></provider></step>"
    ));
    let p = xml::parse(&text).unwrap();
    assert_eq!(p.steps[0].provider, Provider::Redirect { url: "/a?b=1&c=\"2\"<".into() });
    assert_eq!(xml::parse(&xml::print(&p)).unwrap(), p);
}
