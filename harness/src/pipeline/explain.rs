//! A pipeline in words, and the findings an administrator wants before deploying it:
//! steps that can never run, predicates that contradict, steps that can never handle —
//! decided exactly by [`super::analysis`] (PROTOCOL 1.7); `crmauth lint` has every rule.

use super::model::BuiltIn;
use super::model::{Pipeline, Predicate, Provider};
use serde::Serialize;

/// Something worth a look in a pipeline (not an error: the pipeline loads and runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// 0-based index of the step concerned (0 for [`FindingKind::NotAnalysed`]).
    pub step: usize,
    /// What kind of finding.
    pub kind: FindingKind,
    /// The finding in words, for an administrator.
    pub message: String,
}

/// The kinds of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Earlier always-handling steps take every request the step accepts: it never runs.
    Unreachable,
    /// The step's predicates can never all be true.
    Contradiction,
    /// The step's provider never handles a request (`RejectAuthenticationProvider`).
    NeverHandles,
    /// The analysis refused the pipeline (too many classes of requests to decide exactly).
    NotAnalysed,
}

/// Findings of `pipeline`, in step order, from the exact analysis
/// ([`super::analysis`], PROTOCOL 1.7).
pub fn findings(pipeline: &Pipeline) -> Vec<Finding> {
    let lint = match super::analysis::lint(pipeline) {
        Ok(l) => l,
        Err(e) => {
            return vec![Finding {
                step: 0,
                kind: FindingKind::NotAnalysed,
                message: e.to_string(),
            }]
        }
    };
    let mut out = Vec::new();
    for (i, r) in lint.steps.iter().enumerate() {
        if !r.satisfiable {
            let message = r.contradiction.clone().unwrap_or_default();
            out.push(Finding { step: i, kind: FindingKind::Contradiction, message });
        } else if !r.reachable {
            let earlier: Vec<String> = r.taken_by.iter().map(|s| s.to_string()).collect();
            out.push(Finding {
                step: i,
                kind: FindingKind::Unreachable,
                message: format!(
                    "every request it accepts is handled first by step {}",
                    earlier.join(" or ")
                ),
            });
        }
        if r.never_handles {
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
    fn a_step_shadowed_for_every_request_it_accepts_is_unreachable() {
        // Issue 14: step 0 redirects every POST, so the POST-only SDK step never runs.
        let method = |m: &str| Predicate::HttpMethod { method: m.into() };
        let path = Predicate::UrlPath {
            paths: [("p".to_string(), "/MSCRMServices/2007/CrmService.asmx".to_string())].into(),
        };
        let p = Pipeline {
            steps: vec![
                step(vec![method("POST")], Provider::Redirect { url: "/x".into() }),
                step(vec![method("post"), path], Provider::Windows),
            ],
        };
        let f = findings(&p);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].step, f[0].kind), (1, FindingKind::Unreachable));
        assert!(f[0].message.contains("step 0"), "{}", f[0].message);
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
