//! The JSON view of a decoded message: what `crmauth decode KIND` prints, what the golden
//! vectors' `.expected.json` hold, and what `crmauth check` compares them with.

use serde_json::{json, Value};

use super::xml::{DecodeError, DecodeErrorKind, Element};
use super::{cookie, discovery, fault, ns, redact, rps, service, soap, token};

/// What to decode the input as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecodeKind {
    /// The CRM headers of an envelope.
    Token,
    /// Any envelope: version, header/body names, CRM headers, recognised message.
    Envelope,
    /// A SOAP fault (both readers).
    Fault,
    /// A discovery request or response.
    Discovery,
    /// A `Cookie` header value.
    Cookie,
    /// RPS JSON input (see `codec::rps::RpsInput`).
    Rps,
}

impl DecodeKind {
    /// Every kind.
    pub const ALL: [DecodeKind; 6] = [
        DecodeKind::Token,
        DecodeKind::Envelope,
        DecodeKind::Fault,
        DecodeKind::Discovery,
        DecodeKind::Cookie,
        DecodeKind::Rps,
    ];
}

/// Decode `bytes` as `kind` into JSON. Tickets and passwords are redacted unless `reveal`.
pub fn decode_json(kind: DecodeKind, bytes: &[u8], reveal: bool) -> Result<Value, DecodeError> {
    let run = || -> Result<Value, DecodeError> {
        Ok(match kind {
            DecodeKind::Token => {
                let env = soap::parse_envelope(bytes)?;
                let h = token::read_headers(&env)?;
                json!({"soap_version": env.version, "token": h.token, "caller_origin": h.caller_origin, "correlation": h.correlation})
            }
            DecodeKind::Envelope => envelope_json(bytes)?,
            DecodeKind::Fault => fault_json(bytes)?,
            DecodeKind::Discovery => {
                serde_json::to_value(discovery::decode_message(bytes)?).unwrap_or(Value::Null)
            }
            DecodeKind::Cookie => cookie_json(bytes)?,
            DecodeKind::Rps => {
                let i = rps::RpsInput::from_json(bytes)?;
                json!({"input": i, "decision": i.decide()})
            }
        })
    };
    if reveal {
        redact::with_revealed(run)
    } else {
        run()
    }
}

fn cookie_json(bytes: &[u8]) -> Result<Value, DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        DecodeError::new(
            e.valid_up_to() as u64,
            DecodeErrorKind::Malformed("Cookie header is not UTF-8".into()),
        )
    })?;
    let header = text.trim_end_matches(['\r', '\n']);
    let cookies = cookie::parse_cookie_header(header)?;
    let (session, session_error) = match cookie::session_from_header(header) {
        Ok(s) => (json!(s), Value::Null),
        Err(e) => (Value::Null, json!(e)),
    };
    Ok(json!({
        "cookies": cookies,
        "cookie_exist": cookie::cookie_exist(header),
        "session": session,
        "session_error": session_error,
    }))
}

fn fault_json(bytes: &[u8]) -> Result<Value, DecodeError> {
    let f = fault::read_fault(bytes)?;
    let seed = fault::seed_error_code(bytes)?;
    Ok(json!({
        "code": f.code,
        "seed_code": seed,
        "expired_ticket": f.is_expired_ticket(),
        "meaning": f.code.and_then(fault::ErrorCode::meaning),
        "soap_version": f.soap_version,
        "faultcode": f.faultcode.as_ref().map(ToString::to_string),
        "faultstring": f.faultstring,
        "raw_code": f.raw_code,
        "description": f.description,
        "error_type": f.error_type,
    }))
}

fn envelope_json(bytes: &[u8]) -> Result<Value, DecodeError> {
    let env = soap::parse_envelope(bytes)?;
    let names = |v: &[Element]| v.iter().map(|e| e.name().to_string()).collect::<Vec<_>>();
    let h = token::read_headers(&env)?;
    let message = match env.body.first() {
        Some(b) if b.is(Some(env.version.namespace()), "Fault") => {
            json!({"fault": fault_json(bytes)?})
        }
        Some(b) if b.namespace.as_deref() == Some(ns::DISCO_NS) => {
            json!({"discovery": discovery::decode_message(bytes)?})
        }
        Some(b) if b.local.ends_with("Response") => {
            json!({"service_response": service::decode_response(bytes)?})
        }
        Some(_) => json!({"service_request": service::decode_request(bytes)?.1}),
        None => Value::Null,
    };
    Ok(json!({
        "soap_version": env.version,
        "headers": names(&env.headers),
        "body": names(&env.body),
        "crm_headers": h,
        "message": message,
    }))
}
