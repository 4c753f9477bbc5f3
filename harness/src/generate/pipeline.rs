//! Pipelines: any mix of built-in predicates and providers, with valid configuration;
//! and pipeline XML text, valid and mutated.

use crate::pipeline::model::{AuthenticationTypes, Pipeline, Predicate, Provider, Step};
use crate::pipeline::samples::{METHODS, REDIRECT_URLS};
use crate::pipeline::xml;
use proptest::prelude::*;
use proptest::sample::select;

/// Paths the universe knows: configured ones, and what requests are drawn from (the list
/// the fuzz targets draw from too).
pub use crate::pipeline::samples::PATHS;

/// Most steps a generated pipeline has: enough that most pipelines reach
/// [`crate::pipeline::Walk::FILTER_FROM_STEPS`], so that untraced evaluation takes the step
/// filter in the properties as often as the step loop.
pub const MAX_STEPS: usize = 10;

/// A configured path: mostly from [`PATHS`], sometimes anything that starts with `/`.
pub fn arb_config_path() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(PATHS).prop_map(str::to_string),
        1 => "/[a-zA-Z0-9._/-]{0,12}",
    ]
}

/// Any built-in predicate with valid configuration.
pub fn arb_predicate() -> impl Strategy<Value = Predicate> {
    prop_oneof![
        3 => prop::collection::btree_map("path[0-9]{1,2}", arb_config_path(), 1..4)
            .prop_map(|paths| Predicate::UrlPath { paths }),
        2 => select(METHODS).prop_map(|m| Predicate::HttpMethod { method: m.to_string() }),
        1 => Just(Predicate::Always),
        1 => (0u32..16).prop_map(|roles| Predicate::ServerRole { roles }),
        1 => Just(Predicate::CookieExist),
        2 => Just(Predicate::InternalRequestAddress),
        2 => Just(Predicate::ExternalRequestAddress),
    ]
}

/// Any built-in provider with valid configuration.
pub fn arb_provider() -> impl Strategy<Value = Provider> {
    prop_oneof![
        2 => Just(Provider::PassThrough),
        2 => Just(Provider::Reject),
        2 => Just(Provider::Windows),
        1 => Just(Provider::AnyOrganizationWindows),
        1 => Just(Provider::ConfigDbWindows),
        2 => Just(Provider::CrmPostAuthentication),
        1 => select(REDIRECT_URLS).prop_map(|u| Provider::Redirect { url: u.to_string() }),
        1 => Just(Provider::CrmServiceRedirect),
        1 => Just(Provider::IfdRedirect),
        1 => Just(Provider::SingleOrganizationSoapHeader),
        3 => prop::collection::btree_set(0u8..3, 1..=3).prop_map(|t| {
            Provider::MultipleOrganizationSoapHeader { authentication_types: AuthenticationTypes(t) }
        }),
        2 => Just(Provider::CookieAndSoapHeader),
    ]
}

/// A step of 0 to 3 predicates and one provider.
pub fn arb_step() -> impl Strategy<Value = Step> {
    (prop::collection::vec(arb_predicate(), 0..4), arb_provider())
        .prop_map(|(predicates, provider)| Step { predicates, provider })
}

/// A pipeline of 0 to [`MAX_STEPS`] steps.
pub fn arb_pipeline() -> impl Strategy<Value = Pipeline> {
    prop::collection::vec(arb_step(), 0..=MAX_STEPS).prop_map(|steps| Pipeline { steps })
}

/// How a valid document is broken; each must be rejected (PIPE-FAIL-CLOSED).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakage {
    /// A type's class name is changed to one that does not exist.
    UnknownType,
    /// A step's provider is removed.
    NoProvider,
    /// A step gets a second provider.
    SecondProvider,
    /// A predicate is placed after a step's provider.
    PredicateAfterProvider,
    /// A configuration key is added that the class does not take.
    UnknownKey,
    /// A DOCTYPE with an entity is put in front.
    Doctype,
    /// The document is cut short.
    Truncated,
}

/// Pipeline text broken in one way that must be a configuration error.
pub fn arb_broken_pipeline_text() -> impl Strategy<Value = (Breakage, String)> {
    let breakage = select(vec![
        Breakage::UnknownType,
        Breakage::NoProvider,
        Breakage::SecondProvider,
        Breakage::PredicateAfterProvider,
        Breakage::UnknownKey,
        Breakage::Doctype,
        Breakage::Truncated,
    ]);
    (prop::collection::vec(arb_step(), 1..5), breakage, any::<prop::sample::Index>())
        .prop_map(|(steps, b, index)| (b, break_pipeline(&Pipeline { steps }, b, index)))
}

fn break_pipeline(p: &Pipeline, b: Breakage, index: prop::sample::Index) -> String {
    let text = xml::print(p);
    let step_starts: Vec<usize> = text.match_indices("  <step>\n").map(|(i, _)| i).collect();
    let provider_starts: Vec<usize> =
        text.match_indices("    <provider ").map(|(i, _)| i).collect();
    let pick = |v: &[usize]| v[index.index(v.len())];
    let always =
        "    <predicate type=\"Microsoft.Crm.Authentication.AlwaysAuthenticationPredicate\" />\n";
    let reject =
        "    <provider type=\"Microsoft.Crm.Authentication.RejectAuthenticationProvider\" />\n";
    match b {
        Breakage::UnknownType => {
            let at = pick(&provider_starts);
            let (head, tail) = text.split_at(at);
            format!("{head}{}", tail.replacen("Provider, ", "ProviderX, ", 1))
        }
        Breakage::NoProvider => {
            let at = pick(&provider_starts);
            let end = provider_end(&text, at);
            format!("{}{}", &text[..at], &text[end..])
        }
        Breakage::SecondProvider => {
            let at = pick(&provider_starts);
            format!("{}{reject}{}", &text[..at], &text[at..])
        }
        Breakage::PredicateAfterProvider => {
            let at = provider_end(&text, pick(&provider_starts));
            format!("{}{always}{}", &text[..at], &text[at..])
        }
        Breakage::UnknownKey => {
            let at = pick(&step_starts) + "  <step>\n".len();
            let p = "    <predicate type=\"Microsoft.Crm.Authentication.CookieExistPredicate\">\n      <configuration key=\"bogus\" value=\"1\" />\n    </predicate>\n";
            format!("{}{p}{}", &text[..at], &text[at..])
        }
        Breakage::Doctype => format!("<!DOCTYPE pipeline [<!ENTITY e \"x\">]>\n{text}"),
        Breakage::Truncated => {
            let len = text.trim_end().len();
            let cut = 1 + index.index(len - 1);
            let mut cut = cut.min(len - 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        }
    }
}

/// The end of the provider element that starts at `at` (its closing line included).
fn provider_end(text: &str, at: usize) -> usize {
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i + 1);
    let first = line_end(at);
    if text[at..first].trim_end().ends_with("/>") {
        return first;
    }
    let close = text[at..].find("</provider>").map_or(text.len(), |i| at + i);
    line_end(close)
}

/// Pipeline XML text: canonical prints of valid pipelines, and arbitrary mutations of them
/// (bytes flipped, cut, spliced) for reader totality.
pub fn arb_pipeline_text() -> impl Strategy<Value = String> {
    let mutated =
        (arb_pipeline(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4))
            .prop_map(|(p, edits)| {
                let mut bytes = xml::print(&p).into_bytes();
                for (i, b) in edits {
                    if bytes.is_empty() {
                        break;
                    }
                    let at = i.index(bytes.len());
                    match b % 3 {
                        0 => bytes[at] = b"<>/=\"&x !-"[usize::from(b) % 10],
                        1 => bytes.truncate(at),
                        _ => {
                            let copy = bytes[at..].to_vec();
                            bytes.extend_from_slice(&copy[..copy.len().min(40)]);
                        }
                    }
                }
                String::from_utf8_lossy(&bytes).into_owned()
            });
    prop_oneof![arb_pipeline().prop_map(|p| xml::print(&p)), mutated, ".{0,200}"]
}
