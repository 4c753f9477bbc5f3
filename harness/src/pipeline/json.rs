//! The JSON form of outcomes and traces, as `crmauth eval` prints them: `Serialize` for
//! [`Outcome`] (through a flat representation), the `serialize_with` helpers [`Trace`]
//! uses, and [`EvaluationReport`], the outcome with its traces.

use super::model::BuiltIn;
use super::model::ProviderKind;
use super::outcome::{Location, Outcome, Trace, Verdict};
use crate::codec::fault::ErrorCode;
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::fmt;
use uuid::Uuid;

/// One evaluation with its traces (PROTOCOL 1.2), as `crmauth eval` and the scenario
/// replays report it: `{"outcome", "trace", "post_trace"}`, `post_trace` left out when it is
/// `None`. Its `Display` is the compact JSON.
///
/// `outcome`: `{"kind","step","provider","location","user","organization","caller","error"}`;
/// `step` counts from 0; absent facts are `null`; `error` is 8 upper-case hex digits.
/// A trace: `[{"step":0,"predicates":[{"type":"UrlPathPredicate","result":true}],
/// "provider":{"type":…,"handled":true,"error":null}|null}]`: exactly what was evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct EvaluationReport<'a> {
    /// The deployment's outcome.
    pub outcome: Outcome<'a>,
    /// The trace of the authentication pipeline.
    pub trace: &'a Trace,
    /// The trace of the post-authentication pipeline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_trace: Option<&'a Trace>,
}

impl fmt::Display for EvaluationReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
    }
}

/// The flat JSON representation of an outcome: every key always present.
#[derive(serde::Serialize)]
struct OutcomeRepr<'a> {
    kind: &'static str,
    step: Option<usize>,
    #[serde(serialize_with = "class_name_opt")]
    provider: Option<ProviderKind>,
    location: Option<Location<'a>>,
    user: Option<Uuid>,
    organization: Option<&'a str>,
    caller: Option<Uuid>,
    error: Option<ErrorCode>,
}

impl Serialize for Outcome<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let none = OutcomeRepr {
            kind: self.kind(),
            step: self.step(),
            provider: None,
            location: None,
            user: None,
            organization: None,
            caller: None,
            error: None,
        };
        let repr = match *self {
            Outcome::Authenticated { provider, identity, .. } => OutcomeRepr {
                provider: Some(provider),
                user: identity.user,
                organization: identity.organization,
                caller: identity.caller,
                ..none
            },
            Outcome::Redirect { provider, location, .. } => {
                OutcomeRepr { provider: Some(provider), location: Some(location), ..none }
            }
            Outcome::Denied { provider, error, .. } => OutcomeRepr { provider, error, ..none },
        };
        repr.serialize(s)
    }
}

/// A predicate or provider kind as its short class name (`UrlPathPredicate`).
pub fn class_name<K: BuiltIn, S: Serializer>(kind: &K, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.class_name())
}

fn class_name_opt<S: Serializer>(kind: &Option<ProviderKind>, s: S) -> Result<S::Ok, S::Error> {
    match kind {
        Some(k) => class_name(k, s),
        None => s.serialize_none(),
    }
}

/// A trace step's provider: `{"type","handled","error"}`, or `null` when none ran.
pub fn provider_run<S: Serializer>(
    run: &Option<(ProviderKind, Verdict)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let Some((kind, verdict)) = run else {
        return s.serialize_none();
    };
    let error = match verdict {
        Verdict::Failed(code) => Some(*code),
        _ => None,
    };
    let mut st = s.serialize_struct("ProviderRun", 3)?;
    st.serialize_field("type", kind.class_name())?;
    st.serialize_field("handled", &(*verdict == Verdict::Handled))?;
    st.serialize_field("error", &error)?;
    st.end()
}
