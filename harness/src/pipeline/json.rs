//! The JSON form of outcomes and traces, as `crmauth eval` prints them.

use super::model::BuiltIn;
use super::model::ProviderKind;
use super::outcome::{Outcome, Trace, Verdict};
use serde_json::{json, Value};

/// `{"kind","step","provider","location","user","organization","caller","error"}`;
/// `step` counts from 0; absent facts are `null`.
pub fn outcome_json(outcome: &Outcome<'_>) -> Value {
    let provider = |p: Option<ProviderKind>| p.map(ProviderKind::class_name);
    match outcome {
        Outcome::Authenticated { step, provider: p, identity } => json!({
            "kind": "authenticated",
            "step": step,
            "provider": p.class_name(),
            "location": null,
            "user": identity.user,
            "organization": identity.organization,
            "caller": identity.caller,
            "error": null,
        }),
        Outcome::Redirect { step, provider: p, location } => json!({
            "kind": "redirect",
            "step": step,
            "provider": p.class_name(),
            "location": location.to_string(),
            "user": null,
            "organization": null,
            "caller": null,
            "error": null,
        }),
        Outcome::Denied { step, provider: p, error } => json!({
            "kind": "denied",
            "step": step,
            "provider": provider(*p),
            "location": null,
            "user": null,
            "organization": null,
            "caller": null,
            "error": error.map(|e| format!("{:08X}", e.0)),
        }),
    }
}

/// `[{"step":0,"predicates":[{"type":"UrlPathPredicate","result":true}],
/// "provider":{"type":…,"handled":true,"error":null}|null}]`: exactly what was evaluated.
pub fn trace_json(trace: &Trace) -> Value {
    Value::Array(
        trace
            .steps
            .iter()
            .map(|s| {
                let predicates: Vec<Value> = s
                    .predicates
                    .iter()
                    .map(|p| json!({"type": p.kind.class_name(), "result": p.result}))
                    .collect();
                let provider = s.provider.map(|(kind, verdict)| {
                    let error = match verdict {
                        Verdict::Failed(code) => Some(format!("{:08X}", code.0)),
                        _ => None,
                    };
                    json!({
                        "type": kind.class_name(),
                        "handled": verdict == Verdict::Handled,
                        "error": error,
                    })
                });
                json!({"step": s.step, "predicates": predicates, "provider": provider})
            })
            .collect(),
    )
}
