//! Hand-written expectations of the codec golden vectors: `NAME.expect.json` beside each
//! input `NAME.EXT`, case IDs `EXPECT-<dir>-<name>`.
//!
//! A vector's `NAME.expected.json` is written by `CRMAUTH_BLESS=1` from the code's own
//! output: a *regression lock*, not a check of correctness. `NAME.expect.json` is written by
//! hand from PROTOCOL.md (2.1, 2.2, 2.4–2.6), `docs/codecs.md` and the WSDLs, never by
//! running the code, and names only the fields that matter (fault code, expired verdict,
//! organization, ticket presence — never a ticket —, CallerId, the error kind and byte
//! offset of a rejected input, the cookie verdict, …). Each field has one definition here,
//! read from the decode JSON, so a blessed output that is wrong but matches its lock still
//! fails its expectation.
//!
//! File format: `{"why": "…the rules the values come from…", "expect": {FIELD: VALUE, …}}`.

use super::codec::{vector_inputs, vector_json, VectorDir, VECTOR_DIRS};
use super::{Case, Settings, Status, Suite};
use crate::codec::view::DecodeKind;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// `NAME.expect.json` next to input `NAME.EXT`.
pub fn expect_path(input: &Path) -> PathBuf {
    input.with_extension("expect.json")
}

/// Whether `path` is a hand-written expectation file.
pub fn is_expect_file(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".expect.json")
}

/// The fields an expectation may name for a vector of `kind` (besides [`COMMON`]).
pub fn fields(kind: DecodeKind) -> &'static [&'static str] {
    match kind {
        DecodeKind::Fault => &["soap_version", "code", "expired", "seed_code"],
        DecodeKind::Envelope => &[
            "soap_version",
            "token",
            "authentication_type",
            "organization",
            "caller_id",
            "ticket_present",
            "request",
        ],
        DecodeKind::Cookie => &["cookie_exist", "verdict", "expiration_present"],
        DecodeKind::Discovery => &[
            "message",
            "type",
            "organization",
            "ticket_present",
            "passport_ticket_present",
            "credentials",
            "organizations",
            "policy",
        ],
        DecodeKind::Rps => &["decision", "puid"],
        _ => &[],
    }
}

/// Fields of every kind: whether the input is accepted, and for a rejected one the
/// error's kind, byte offset and the element or field it names.
pub const COMMON: &[&str] = &["accepted", "error_kind", "error_offset", "error_name"];

fn ptr<'a>(v: &'a Value, p: &str) -> &'a Value {
    v.pointer(p).unwrap_or(&Value::Null)
}

fn present(v: &Value, p: &str) -> Value {
    Value::Bool(!ptr(v, p).is_null())
}

/// The value of `field` in the decode JSON `d` of a `kind` vector; `None` for a field the
/// kind does not define.
pub fn field(kind: DecodeKind, d: &Value, field: &str) -> Option<Value> {
    let v = match field {
        "accepted" => Value::Bool(d.get("error").is_none()),
        "error_kind" => ptr(d, "/error/kind/kind").clone(),
        "error_offset" => ptr(d, "/error/offset").clone(),
        "error_name" => {
            let k = ptr(d, "/error/kind");
            k.get("name").or_else(|| k.get("field")).cloned().unwrap_or(Value::Null)
        }
        _ if !fields(kind).contains(&field) => return None,
        "soap_version" => ptr(d, "/soap_version").clone(),
        // Fault: the detail code as 8 upper-case hex digits, the expired verdict, the text
        // the seed's `//code` reads.
        "code" => ptr(d, "/code").clone(),
        "expired" => ptr(d, "/expired_ticket").clone(),
        "seed_code" => ptr(d, "/seed_code").clone(),
        // Envelope: the CrmAuthenticationToken header.
        "token" => present(d, "/crm_headers/token"),
        "authentication_type" => ptr(d, "/crm_headers/token/authentication_type").clone(),
        "organization" if kind == DecodeKind::Envelope => {
            ptr(d, "/crm_headers/token/organization_name").clone()
        }
        "caller_id" => ptr(d, "/crm_headers/token/caller_id").clone(),
        "ticket_present" if kind == DecodeKind::Envelope => {
            present(d, "/crm_headers/token/crm_ticket")
        }
        "request" => ptr(d, "/message/service_request/type").clone(),
        // Cookie: CookieExistPredicate, and what the session ticket reader makes of it.
        "cookie_exist" => ptr(d, "/cookie_exist").clone(),
        "verdict" => {
            let v = if ptr(d, "/cookie_exist") != &Value::Bool(true) {
                "Absent"
            } else if !ptr(d, "/session").is_null() {
                "Ticket"
            } else {
                "Unreadable"
            };
            json!(v)
        }
        "expiration_present" => present(d, "/session/expiration"),
        // Discovery: request or response, its type, organization, tickets, credentials.
        "message" => match (d.get("request"), d.get("response")) {
            (Some(_), _) => json!("request"),
            (_, Some(_)) => json!("response"),
            _ => Value::Null,
        },
        "type" => d
            .get("request")
            .or_else(|| d.get("response"))
            .and_then(|m| m.get("type"))
            .cloned()
            .unwrap_or(Value::Null),
        "organization" => {
            let a = ptr(d, "/request/organization_name");
            if a.is_null() {
                ptr(d, "/response/organization_detail/organization_name").clone()
            } else {
                a.clone()
            }
        }
        "ticket_present" => present(d, "/response/crm_ticket"),
        "passport_ticket_present" => Value::Bool(
            !ptr(d, "/request/passport_ticket").is_null()
                || !ptr(d, "/request/credentials/passport_ticket").is_null(),
        ),
        "credentials" => match ptr(d, "/request/credentials") {
            Value::Object(m) => {
                let mut keys: Vec<&String> =
                    m.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k).collect();
                keys.sort();
                json!(keys)
            }
            _ => Value::Null,
        },
        "organizations" => match ptr(d, "/response/organization_details") {
            Value::Array(a) => json!(a.len()),
            _ => Value::Null,
        },
        "policy" => ptr(d, "/response/policy").clone(),
        // RPS (PROTOCOL 2.6): the decision and the PUID it names.
        "decision" => ptr(d, "/decision/decision").clone(),
        "puid" => ptr(d, "/decision/puid").clone(),
        _ => return None,
    };
    Some(v)
}

/// Checks the expectation `expect` (the parsed `NAME.expect.json`) against the decode of
/// `bytes`; `vector` names the vector in messages. `Err` lists every field that differs
/// (`vector: field: expected …, decoded …`) or is unknown.
pub fn check(kind: DecodeKind, vector: &str, bytes: &[u8], expect: &Value) -> Result<(), String> {
    let Some(fields) = expect.get("expect").and_then(Value::as_object) else {
        return Err(format!("{vector}: the expectation has no \"expect\" object"));
    };
    if fields.is_empty() {
        return Err(format!("{vector}: the expectation names no field"));
    }
    let decoded = vector_json(kind, bytes, true);
    let mut problems = Vec::new();
    for (name, want) in fields {
        match field(kind, &decoded, name) {
            None => problems.push(format!("{vector}: unknown field {name:?}")),
            Some(got) if &got == want => {}
            Some(got) => {
                let got = if name.contains("ticket") { redact(&got) } else { got };
                problems.push(format!("{vector}: {name}: expected {want}, decoded {got}"))
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Never show a ticket: a string becomes its length.
fn redact(v: &Value) -> Value {
    match v {
        Value::String(s) => json!(format!("…({} chars)", s.chars().count())),
        other => other.clone(),
    }
}

fn status(d: VectorDir, input: &Path) -> Status {
    let error = |p: &Path, e: &dyn std::fmt::Display| Status::Error {
        message: format!("{}: {e}", p.display()),
    };
    let bytes = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => return error(input, &e),
    };
    let file = expect_path(input);
    let expect: Value = match std::fs::read(&file) {
        Ok(t) => match serde_json::from_slice(&t) {
            Ok(v) => v,
            Err(e) => return error(&file, &e),
        },
        Err(e) => {
            return error(&file, &format!("{e} (every vector needs a hand-written expectation)"))
        }
    };
    let name = input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match check(d.kind, &format!("{}/{name}", d.dir), &bytes, &expect) {
        Ok(()) => Status::Pass,
        Err(message) => Status::Fail { message, counterexample: None },
    }
}

/// One case per codec vector, `EXPECT-<dir>-<name>`: its hand-written expectation holds.
/// A directory that cannot be read is left to the `VEC-<dir>` case.
pub fn expect_cases(corpus: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for d in VECTOR_DIRS {
        let Ok(inputs) = vector_inputs(&corpus.join("vectors").join(d.dir)) else { continue };
        for input in inputs {
            let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned());
            let name = input.file_name().map(|n| n.to_string_lossy().into_owned());
            cases.push(Case::new(
                format!("EXPECT-{}-{}", d.dir, stem.unwrap_or_default()),
                d.section,
                Suite::Codec,
                format!(
                    "{}/{} meets its hand-written expectation",
                    d.dir,
                    name.unwrap_or_default()
                ),
                move |_: &Settings| status(d, &input),
            ));
        }
    }
    cases
}
