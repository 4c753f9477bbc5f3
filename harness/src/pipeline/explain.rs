//! A pipeline in words, and the findings an administrator wants before deploying it:
//! steps that can never run, predicates that contradict, steps that can never handle.

use super::model::BuiltIn;
use super::model::{Pipeline, Predicate, Provider};
use serde::Serialize;

/// Something worth a look in a pipeline (not an error: the pipeline loads and runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub step: usize,
    pub kind: FindingKind,
    pub message: String,
}

/// The kinds of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// An earlier step handles every request, so this step never runs.
    Unreachable,
    /// The step's predicates can never all be true.
    Contradiction,
    /// The step's provider never handles a request (`RejectAuthenticationProvider`).
    NeverHandles,
}

/// Providers that handle every request they see.
fn always_handles(p: &Provider) -> bool {
    matches!(
        p,
        Provider::PassThrough
            | Provider::Redirect { .. }
            | Provider::CrmServiceRedirect
            | Provider::IfdRedirect
    )
}

fn contradiction(predicates: &[Predicate]) -> Option<String> {
    let has = |f: fn(&Predicate) -> bool| predicates.iter().any(f);
    if has(|p| *p == Predicate::InternalRequestAddress)
        && has(|p| *p == Predicate::ExternalRequestAddress)
    {
        return Some("the request address cannot be both internal and external".into());
    }
    let methods: Vec<&str> = predicates
        .iter()
        .filter_map(|p| match p {
            Predicate::HttpMethod { method } => Some(method.as_str()),
            _ => None,
        })
        .collect();
    if methods.windows(2).any(|w| !w[0].eq_ignore_ascii_case(w[1])) {
        return Some(format!("the method cannot be {} at once", methods.join(" and ")));
    }
    if predicates.iter().any(|p| matches!(p, Predicate::ServerRole { roles: 0 })) {
        return Some("a ServerRolePredicate with roles 0 is never true".into());
    }
    None
}

/// Findings of `pipeline`, in step order.
pub fn findings(pipeline: &Pipeline) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut catch_all: Option<usize> = None;
    for (i, step) in pipeline.steps.iter().enumerate() {
        if let Some(earlier) = catch_all {
            out.push(Finding {
                step: i,
                kind: FindingKind::Unreachable,
                message: format!("step {earlier} handles every request first"),
            });
            continue;
        }
        if let Some(why) = contradiction(&step.predicates) {
            out.push(Finding { step: i, kind: FindingKind::Contradiction, message: why });
        } else if step.predicates.iter().all(|p| *p == Predicate::Always)
            && always_handles(&step.provider)
        {
            catch_all = Some(i);
        }
        if step.provider == Provider::Reject {
            out.push(Finding {
                step: i,
                kind: FindingKind::NeverHandles,
                message: "RejectAuthenticationProvider never handles: the step only costs time"
                    .into(),
            });
        }
    }
    out
}

fn predicate_words(p: &Predicate) -> String {
    match p {
        Predicate::UrlPath { paths } => {
            let list: Vec<&str> = paths.values().map(String::as_str).collect();
            format!("path is one of {}", list.join(", "))
        }
        Predicate::HttpMethod { method } => format!("method is {method}"),
        Predicate::Always => "always".into(),
        Predicate::ServerRole { roles } => format!("server role & {roles:#x} != 0"),
        Predicate::CookieExist => "an MSCRMSession cookie with a ticket is present".into(),
        Predicate::InternalRequestAddress => "the client is internal".into(),
        Predicate::ExternalRequestAddress => "the client is external".into(),
    }
}

fn provider_words(p: &Provider) -> String {
    let name = p.kind().class_name();
    match p {
        Provider::Redirect { url } => format!("{name}: redirect to {url}"),
        Provider::MultipleOrganizationSoapHeader { authentication_types } => {
            let names: Vec<&str> = authentication_types
                .0
                .iter()
                .map(|t| match t {
                    0 => "AD",
                    1 => "Passport",
                    _ => "Spla",
                })
                .collect();
            format!("{name}: a 2007 token of type {}", names.join(" or "))
        }
        _ => name.to_string(),
    }
}

/// The pipeline in words, one line a step, then the findings.
pub fn describe(pipeline: &Pipeline) -> String {
    let mut out = String::new();
    for (i, step) in pipeline.steps.iter().enumerate() {
        let when = if step.predicates.is_empty() {
            "always".to_string()
        } else {
            step.predicates.iter().map(predicate_words).collect::<Vec<_>>().join(" and ")
        };
        out.push_str(&format!(
            "step {i}: when {when}\n        -> {}\n",
            provider_words(&step.provider)
        ));
    }
    out.push_str("otherwise: denied (401)\n");
    for f in findings(pipeline) {
        out.push_str(&format!("warning: step {}: {:?}: {}\n", f.step, f.kind, f.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Step;

    fn step(predicates: Vec<Predicate>, provider: Provider) -> Step {
        Step { predicates, provider }
    }

    #[test]
    fn a_catch_all_makes_later_steps_unreachable() {
        let p = Pipeline {
            steps: vec![
                step(vec![Predicate::CookieExist], Provider::PassThrough),
                step(vec![Predicate::Always], Provider::IfdRedirect),
                step(vec![], Provider::Windows),
            ],
        };
        let f = findings(&p);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].step, f[0].kind), (2, FindingKind::Unreachable));
    }

    #[test]
    fn a_conditional_or_non_handling_provider_is_no_catch_all() {
        let p = Pipeline {
            steps: vec![step(vec![], Provider::Windows), step(vec![], Provider::PassThrough)],
        };
        assert!(findings(&p).is_empty());
    }

    #[test]
    fn contradictions_and_rejects_are_found() {
        let p = Pipeline {
            steps: vec![
                step(
                    vec![Predicate::InternalRequestAddress, Predicate::ExternalRequestAddress],
                    Provider::PassThrough,
                ),
                step(
                    vec![
                        Predicate::HttpMethod { method: "GET".into() },
                        Predicate::HttpMethod { method: "POST".into() },
                    ],
                    Provider::PassThrough,
                ),
                step(vec![Predicate::ServerRole { roles: 0 }], Provider::Reject),
            ],
        };
        let kinds: Vec<(usize, FindingKind)> =
            findings(&p).iter().map(|f| (f.step, f.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (0, FindingKind::Contradiction),
                (1, FindingKind::Contradiction),
                (2, FindingKind::Contradiction),
                (2, FindingKind::NeverHandles),
            ]
        );
    }

    #[test]
    fn the_standard_pipelines_have_no_findings() {
        for name in [
            "onpremise.crmauthentication",
            "ifd.crmauthentication",
            "ifd.crmpostauthentication",
            "passport.crmpassport",
        ] {
            let path = format!("{}/../corpus/pipelines/{name}.xml", env!("CARGO_MANIFEST_DIR"));
            let p = crate::pipeline::xml::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
            assert_eq!(findings(&p), vec![], "{name}");
            let described = describe(&p);
            assert_eq!(
                described.lines().filter(|l| l.starts_with("step ")).count(),
                p.steps.len(),
                "{name}"
            );
        }
    }
}
