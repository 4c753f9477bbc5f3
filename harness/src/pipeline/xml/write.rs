//! The canonical pipeline XML writer (PROTOCOL 1.1).

use crate::pipeline::model::BuiltIn;
use crate::pipeline::model::{Pipeline, Predicate, PredicateKind, Provider, ProviderKind};
use std::sync::OnceLock;

/// Prints the canonical form: `<step>` wrappers, two-space indent, configuration keys in
/// sorted order, authentication types renumbered from 0. `parse(&print(p)) == p`.
pub fn print(pipeline: &Pipeline) -> String {
    let mut out = String::with_capacity(256 + 512 * pipeline.steps.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<pipeline xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n");
    for step in &pipeline.steps {
        out.push_str("  <step>\n");
        for p in &step.predicates {
            let t = escaped_type(p.kind(), &PREDICATE_TYPES);
            match p {
                Predicate::UrlPath { paths } if !paths.is_empty() => {
                    open(&mut out, "predicate", t);
                    for (k, v) in paths {
                        configuration(&mut out, k, v);
                    }
                    close(&mut out, "predicate");
                }
                Predicate::HttpMethod { method } => {
                    open(&mut out, "predicate", t);
                    configuration(&mut out, "method", method);
                    close(&mut out, "predicate");
                }
                Predicate::ServerRole { roles } => {
                    open(&mut out, "predicate", t);
                    configuration(&mut out, "roles", &roles.to_string());
                    close(&mut out, "predicate");
                }
                _ => empty(&mut out, "predicate", t),
            }
        }
        let t = escaped_type(step.provider.kind(), &PROVIDER_TYPES);
        match &step.provider {
            Provider::Redirect { url } => {
                open(&mut out, "provider", t);
                configuration(&mut out, "url", url);
                close(&mut out, "provider");
            }
            Provider::MultipleOrganizationSoapHeader { authentication_types }
                if !authentication_types.0.is_empty() =>
            {
                open(&mut out, "provider", t);
                for (i, t) in authentication_types.0.iter().enumerate() {
                    configuration(&mut out, &format!("authenticationType{i}"), &t.to_string());
                }
                close(&mut out, "provider");
            }
            _ => empty(&mut out, "provider", t),
        }
        out.push_str("  </step>\n");
    }
    out.push_str("</pipeline>\n");
    out
}

static PREDICATE_TYPES: OnceLock<Vec<(PredicateKind, String)>> = OnceLock::new();
static PROVIDER_TYPES: OnceLock<Vec<(ProviderKind, String)>> = OnceLock::new();

/// The type string of `kind` as an attribute value, escaped once per class.
fn escaped_type<K: BuiltIn + PartialEq>(
    kind: K,
    cache: &'static OnceLock<Vec<(K, String)>>,
) -> &'static str {
    let all = cache
        .get_or_init(|| K::ALL.iter().map(|&k| (k, escape(&k.type_string()))).collect::<Vec<_>>());
    all.iter().find(|(k, _)| *k == kind).map_or("", |(_, t)| t.as_str())
}

/// `s` as `quick_xml::escape::escape` writes it: `<`, `>`, `&`, `'` and `"` as references.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    crate::codec::xml::push_escaped(out, s, b"<>&'\"", |b| match b {
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'&' => "&amp;",
        b'\'' => "&apos;",
        _ => "&quot;",
    });
}

/// `    <name type="…" />`, a predicate or provider without configuration.
fn empty(out: &mut String, name: &str, escaped_type: &str) {
    out.push_str("    <");
    out.push_str(name);
    out.push_str(" type=\"");
    out.push_str(escaped_type);
    out.push_str("\" />\n");
}

/// `    <name type="…">`, followed by its configuration and [`close`].
fn open(out: &mut String, name: &str, escaped_type: &str) {
    out.push_str("    <");
    out.push_str(name);
    out.push_str(" type=\"");
    out.push_str(escaped_type);
    out.push_str("\">\n");
}

fn close(out: &mut String, name: &str) {
    out.push_str("    </");
    out.push_str(name);
    out.push_str(">\n");
}

fn configuration(out: &mut String, key: &str, value: &str) {
    out.push_str("      <configuration key=\"");
    push_escaped(out, key);
    out.push_str("\" value=\"");
    push_escaped(out, value);
    out.push_str("\" />\n");
}
