//! The codec suite: the codec invariants of PROTOCOL section 3 as properties, and the
//! golden vectors of `corpus/vectors/{envelopes,faults,cookies,discovery,rps}` as `VEC-<dir>-<name>`.
//!
//! The fault properties take the reader under test as a [`FaultReader`], so that tests can
//! show a planted decoy reader (feature `mutants`) is caught.

use super::runner::check_property;
use super::{Case, Settings, Status, Suite};
use crate::codec::cookie;
use crate::codec::discovery::{self, DiscoveryRequest, DiscoveryResponse};
use crate::codec::fault::{self, ErrorCode, Fault};
use crate::codec::service::{self, ServiceRequest, ServiceResponse};
use crate::codec::token::{self, CrmHeaders};
use crate::codec::view::{decode_json, DecodeKind};
use crate::codec::xml::Prefixes;
use crate::codec::{rps, soap, DecodeError, SoapVersion};
use crate::generate::codec::{
    arb_canonical_fault, arb_cookie_header, arb_decoder_input, arb_decoy_fault,
    arb_discovery_request, arb_discovery_response, arb_fault_spelling, arb_headers, arb_prefixes,
    arb_service_request, arb_service_response, arb_token_decoder_input, Bytes, CookieCase,
    FaultDoc,
};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A robust fault reader: [`fault::read_fault`], or a planted variant in tests.
pub type FaultReader = fn(&[u8]) -> Result<Fault, DecodeError>;

fn rejected(what: &str, e: DecodeError) -> TestCaseError {
    TestCaseError::fail(format!("{what} was rejected: {e}"))
}

/// TOKEN-ROUNDTRIP input: version and prefixes, CRM headers, a CrmService request.
pub type TokenInput = ((SoapVersion, Prefixes), CrmHeaders, ServiceRequest);

/// TOKEN-ROUNDTRIP: every CRM header and CrmService request decodes to what was encoded,
/// SOAP 1.1 or 1.2, any prefixes; so does the token through `encode_envelope_with_token`.
pub fn token_roundtrip(input: TokenInput) -> Result<(), TestCaseError> {
    token_roundtrip_read(&input).map(drop)
}

/// What [`token_roundtrip_read`] wrote and read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRead {
    /// The request envelope written from the input.
    pub xml: String,
    /// The headers `decode_headers` read from it (equal to the input's).
    pub headers: CrmHeaders,
    /// The request `service::decode_request` read from it (equal to the input's).
    pub request: ServiceRequest,
}

/// [`token_roundtrip`], returning the envelope it wrote and what it read back, so that a
/// caller can check more on them (the fuzz target: encoding what was read gives the same
/// bytes) without encoding and decoding again.
pub fn token_roundtrip_read(input: &TokenInput) -> Result<TokenRead, TestCaseError> {
    let ((v, p), h, req) = input;
    let xml = service::encode_request(req, h, *v, p);
    let x = xml.as_bytes();
    let headers = token::decode_headers(x).map_err(|e| rejected("the envelope", e))?;
    prop_assert_eq!(&headers, h);
    let token = token::decode_token_from_envelope(x).ok().flatten();
    prop_assert_eq!(token.as_ref(), h.token.as_ref());
    let (_, decoded) = service::decode_request(x).map_err(|e| rejected("the request", e))?;
    prop_assert_eq!(&decoded, req);
    if let Some(t) = &h.token {
        let simple = token::encode_envelope_with_token(t, *v, "<x xmlns=\"urn:x\">body</x>");
        let back = token::decode_token_from_envelope(simple.as_bytes())
            .map_err(|e| rejected("the token envelope", e))?;
        prop_assert_eq!(back.as_ref(), Some(t));
    }
    Ok(TokenRead { xml, headers, request: decoded })
}

/// TOKEN-DECODE-AGREES: the streaming token decoder and the tree decoder (the oracle) give
/// the same `Ok` value whenever either accepts, and both reject otherwise, with typed errors.
pub fn token_decode_agrees(Bytes(b): Bytes) -> Result<(), TestCaseError> {
    let fast = token::decode_token_from_envelope(&b);
    let tree = token::decode_token_from_envelope_tree(&b);
    typed("decode_token_from_envelope", &b, fast.clone())?;
    match (&fast, &tree) {
        (Ok(f), Ok(t)) => prop_assert_eq!(f, t),
        (Err(_), Err(_)) => {}
        _ => {
            return Err(TestCaseError::fail(format!(
                "the decoders disagree: streaming {fast:?}, tree {tree:?}"
            )))
        }
    }
    Ok(())
}

/// TOKEN-ROUNDTRIP-DISCOVERY input.
pub type DiscoveryInput = ((SoapVersion, Prefixes), DiscoveryRequest, DiscoveryResponse);

/// TOKEN-ROUNDTRIP-DISCOVERY: every discovery request and response round-trips, also
/// through `decode_message`.
pub fn discovery_roundtrip(input: DiscoveryInput) -> Result<(), TestCaseError> {
    discovery_roundtrip_read(&input).map(drop)
}

/// What [`discovery_roundtrip_read`] wrote and read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryRead {
    /// The request envelope written from the input.
    pub request_xml: String,
    /// The request `decode_request` read from it (equal to the input's).
    pub request: DiscoveryRequest,
    /// The response envelope written from the input.
    pub response_xml: String,
    /// The response `decode_response` read from it (equal to the input's).
    pub response: DiscoveryResponse,
}

/// [`discovery_roundtrip`], returning the envelopes it wrote and what it read back, so that
/// a caller can check more on them without encoding and decoding again.
pub fn discovery_roundtrip_read(input: &DiscoveryInput) -> Result<DiscoveryRead, TestCaseError> {
    let ((v, p), rq, rs) = input;
    let a = discovery::encode_request(rq, *v, p);
    let request =
        discovery::decode_request(a.as_bytes()).map_err(|e| rejected("the request", e))?;
    prop_assert_eq!(&request, rq);
    let b = discovery::encode_response(rs, *v, p);
    let response =
        discovery::decode_response(b.as_bytes()).map_err(|e| rejected("the response", e))?;
    prop_assert_eq!(&response, rs);
    prop_assert_eq!(
        discovery::decode_message(a.as_bytes()).ok(),
        Some(discovery::DiscoveryMessage::Request(request.clone()))
    );
    prop_assert_eq!(
        discovery::decode_message(b.as_bytes()).ok(),
        Some(discovery::DiscoveryMessage::Response(response.clone()))
    );
    Ok(DiscoveryRead { request_xml: a, request, response_xml: b, response })
}

/// TOKEN-ROUNDTRIP-SERVICE: the `WhoAmI` and `Retrieve systemuser` responses round-trip.
pub fn service_roundtrip(
    ((v, p), rs): ((SoapVersion, Prefixes), ServiceResponse),
) -> Result<(), TestCaseError> {
    let x = service::encode_response(&rs, v, &p);
    let got = service::decode_response(x.as_bytes()).map_err(|e| rejected("the response", e))?;
    prop_assert_eq!(got, rs);
    Ok(())
}

/// TOKEN-ROUNDTRIP-COOKIE: the session of a `Cookie` header is found and decoded; the
/// header passes `cookie_exist`; the written session value reads back.
pub fn cookie_roundtrip(c: CookieCase) -> Result<(), TestCaseError> {
    let got = cookie::session_from_header(&c.header).map_err(|e| rejected("the header", e))?;
    prop_assert_eq!(got.as_ref(), Some(&c.session));
    prop_assert!(cookie::cookie_exist(&c.header), "cookie_exist is false");
    let written = cookie::encode_session_value(&c.session);
    prop_assert_eq!(cookie::parse_session(&written).ok(), Some(c.session));
    Ok(())
}

/// FAULT-EXPIRED: the reader finds the detail code, whatever its spelling, and reports an
/// expired ticket exactly for 8004A101.
pub fn fault_expired(reader: FaultReader, doc: FaultDoc) -> Result<(), TestCaseError> {
    let f = reader(doc.xml.as_bytes()).map_err(|e| rejected("the fault", e))?;
    prop_assert_eq!(f.code, doc.code, "detail code {:?} read as {:?}", f.raw_code, f.code);
    prop_assert_eq!(f.is_expired_ticket(), doc.code == Some(ErrorCode::EXPIRED_TICKET));
    Ok(())
}

/// FAULT-NO-FALSE-POSITIVE: 8004A101 in text, attributes, comments or other elements never
/// counts; the real detail code (or none) is what the reader reports.
pub fn fault_no_false_positive(reader: FaultReader, doc: FaultDoc) -> Result<(), TestCaseError> {
    let f = reader(doc.xml.as_bytes()).map_err(|e| rejected("the fault", e))?;
    prop_assert!(!f.is_expired_ticket(), "a decoy counted as the expired-ticket code");
    prop_assert_eq!(f.code, doc.code);
    Ok(())
}

/// FAULT-SEED-AGREES: on a canonical server fault the reader and the seed's `//code` read
/// the same code, and agree on whether the ticket expired.
pub fn fault_seed_agrees(
    reader: FaultReader,
    (v, code, description): (SoapVersion, ErrorCode, String),
) -> Result<(), TestCaseError> {
    let xml = fault::encode_fault(v, code, &description);
    let robust = reader(xml.as_bytes()).map_err(|e| rejected("the fault", e))?;
    let seed = fault::seed_error_code(xml.as_bytes()).map_err(|e| rejected("the fault", e))?;
    prop_assert_eq!(robust.code, Some(code));
    prop_assert_eq!(seed.as_deref().and_then(|s| s.parse::<ErrorCode>().ok()), robust.code);
    prop_assert_eq!(
        seed.as_deref().is_some_and(|s| s.contains("8004A101")),
        robust.is_expired_ticket(),
        "the readers disagree on the expired ticket"
    );
    Ok(())
}

fn typed<T>(name: &str, input: &[u8], r: Result<T, DecodeError>) -> Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert!(
            e.offset <= input.len() as u64,
            "{name}: offset {} beyond the input's {} bytes ({e})",
            e.offset,
            input.len()
        );
        if let Err(j) = serde_json::to_value(&e) {
            return Err(TestCaseError::fail(format!(
                "{name}: the error {e} has no JSON form: {j}"
            )));
        }
    }
    Ok(())
}

/// DECODE-TOTAL: every decoder, and the `decode` view of every kind, returns a value or a
/// typed error whose offset lies within the input and which has a JSON form (a panic fails
/// the property).
pub fn decode_total(Bytes(b): Bytes) -> Result<(), TestCaseError> {
    typed("parse_envelope", &b, soap::parse_envelope(&b))?;
    typed("decode_token_from_envelope", &b, token::decode_token_from_envelope(&b))?;
    typed("decode_headers", &b, token::decode_headers(&b))?;
    typed("read_fault", &b, fault::read_fault(&b))?;
    typed("seed_error_code", &b, fault::seed_error_code(&b))?;
    typed("discovery::decode_message", &b, discovery::decode_message(&b))?;
    typed("discovery::decode_request", &b, discovery::decode_request(&b))?;
    typed("discovery::decode_response", &b, discovery::decode_response(&b))?;
    typed("service::decode_request", &b, service::decode_request(&b))?;
    typed("service::decode_response", &b, service::decode_response(&b))?;
    typed("RpsInput::from_json", &b, rps::RpsInput::from_json(&b))?;
    if let Ok(s) = std::str::from_utf8(&b) {
        typed("parse_cookie_header", &b, cookie::parse_cookie_header(s))?;
        typed("parse_session", &b, cookie::parse_session(s))?;
        typed("session_from_header", &b, cookie::session_from_header(s))?;
        let _ = cookie::cookie_exist(s);
    }
    for kind in DecodeKind::ALL {
        typed(&format!("decode {kind:?}"), &b, decode_json(kind, &b, false))?;
    }
    Ok(())
}

/// The codec properties with the real fault reader.
pub fn property_cases() -> Vec<Case> {
    let mut cases = vec![
        Case::new(
            "TOKEN-ROUNDTRIP",
            "2.1",
            Suite::Codec,
            "decode(encode(t)) = t for the CRM headers and requests, SOAP 1.1/1.2, any prefixes",
            |s: &Settings| {
                check_property(
                    s,
                    (arb_prefixes(), arb_headers(), arb_service_request()),
                    token_roundtrip,
                )
            },
        ),
        Case::new(
            "TOKEN-DECODE-AGREES",
            "2.1",
            Suite::Codec,
            "the streaming token decoder agrees with the tree decoder on every input",
            |s: &Settings| check_property(s, arb_token_decoder_input(), token_decode_agrees),
        ),
        Case::new(
            "TOKEN-ROUNDTRIP-DISCOVERY",
            "2.2",
            Suite::Codec,
            "decode(encode(m)) = m for every discovery request and response",
            |s: &Settings| {
                check_property(
                    s,
                    (arb_prefixes(), arb_discovery_request(), arb_discovery_response()),
                    discovery_roundtrip,
                )
            },
        ),
        Case::new(
            "TOKEN-ROUNDTRIP-SERVICE",
            "2.3",
            Suite::Codec,
            "decode(encode(m)) = m for the WhoAmI and Retrieve responses",
            |s: &Settings| {
                check_property(s, (arb_prefixes(), arb_service_response()), service_roundtrip)
            },
        ),
        Case::new(
            "TOKEN-ROUNDTRIP-COOKIE",
            "2.5",
            Suite::Codec,
            "the MSCRMSession of a Cookie header decodes to what was written",
            |s: &Settings| check_property(s, arb_cookie_header(), cookie_roundtrip),
        ),
    ];
    cases.extend(fault_cases(fault::read_fault));
    cases.push(Case::new(
        "DECODE-TOTAL",
        "2",
        Suite::Codec,
        "no input makes a decoder panic; every rejection is a typed error with an offset",
        |s: &Settings| check_property(s, arb_decoder_input(), decode_total),
    ));
    cases
}

/// The fault properties on `reader`.
pub fn fault_cases(reader: FaultReader) -> Vec<Case> {
    vec![
        Case::new(
            "FAULT-EXPIRED",
            "2.4",
            Suite::Codec,
            "the robust reader finds 8004A101 (and every code) in every spelling",
            move |s: &Settings| {
                check_property(s, arb_fault_spelling(), |d| fault_expired(reader, d))
            },
        ),
        Case::new(
            "FAULT-NO-FALSE-POSITIVE",
            "2.4",
            Suite::Codec,
            "the code inside text, attributes or other elements never counts",
            move |s: &Settings| {
                check_property(s, arb_decoy_fault(), |d| fault_no_false_positive(reader, d))
            },
        ),
        Case::new(
            "FAULT-SEED-AGREES",
            "2.4",
            Suite::Codec,
            "on canonical server faults the robust reader and //code agree",
            move |s: &Settings| {
                check_property(s, arb_canonical_fault(), |f| fault_seed_agrees(reader, f))
            },
        ),
    ]
}

/// A directory of codec golden vectors and how its files are decoded.
#[derive(Debug, Clone, Copy)]
pub struct VectorDir {
    /// The directory under the corpus's `vectors/`; also names the cases (`VEC-<dir>`).
    pub dir: &'static str,
    /// The decoder its files go through.
    pub kind: DecodeKind,
    /// The PROTOCOL section the vectors check, e.g. `2.4`.
    pub section: &'static str,
}

/// The codec vector directories of the corpus.
pub const VECTOR_DIRS: [VectorDir; 5] = [
    VectorDir { dir: "envelopes", kind: DecodeKind::Envelope, section: "2.1" },
    VectorDir { dir: "discovery", kind: DecodeKind::Discovery, section: "2.2" },
    VectorDir { dir: "faults", kind: DecodeKind::Fault, section: "2.4" },
    VectorDir { dir: "cookies", kind: DecodeKind::Cookie, section: "2.5" },
    VectorDir { dir: "rps", kind: DecodeKind::Rps, section: "2.6" },
];

/// The input files of a vector directory (everything but the regression locks
/// `*.expected.json` and the hand-written expectations `*.expect.json`), sorted.
pub fn vector_inputs(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && !p.to_string_lossy().ends_with(".expected.json")
                && !super::expect::is_expect_file(p)
        })
        .collect();
    inputs.sort();
    Ok(inputs)
}

/// `NAME.expected.json` next to input `NAME.EXT`.
pub fn expected_path(input: &Path) -> PathBuf {
    input.with_extension("expected.json")
}

/// What a vector's `.expected.json` holds: the decode JSON, or `{"error": DecodeError}`.
pub fn vector_json(kind: DecodeKind, bytes: &[u8], reveal: bool) -> Value {
    decode_json(kind, bytes, reveal).unwrap_or_else(|error| json!({ "error": error }))
}

/// The JSON pointers where `a` and `b` differ (the deepest differing containers).
pub fn json_differences(a: &Value, b: &Value) -> Vec<String> {
    fn walk(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                    let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                    match (x.get(k), y.get(k)) {
                        (Some(u), Some(v)) => walk(u, v, &p, out),
                        _ => out.push(p),
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (u, v)) in x.iter().zip(y).enumerate() {
                    walk(u, v, &format!("{path}/{i}"), out);
                }
            }
            _ if a == b => {}
            _ => out.push(if path.is_empty() { "/".to_owned() } else { path.to_owned() }),
        }
    }
    let mut out = Vec::new();
    walk(a, b, "", &mut out);
    out
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// One case per codec vector, `VEC-<dir>-<name>`; a directory that cannot be read is one
/// erroring case `VEC-<dir>`.
pub fn vector_cases(corpus: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for d in VECTOR_DIRS {
        let dir = corpus.join("vectors").join(d.dir);
        let inputs = match vector_inputs(&dir) {
            Ok(i) => i,
            Err(e) => {
                let message = format!("{}: {e}", dir.display());
                cases.push(Case::new(
                    format!("VEC-{}", d.dir),
                    d.section,
                    Suite::Codec,
                    format!("{} vectors", d.dir),
                    move |_: &Settings| Status::Error { message: message.clone() },
                ));
                continue;
            }
        };
        for input in inputs {
            let stem = input.file_stem().map(|s| s.to_string_lossy().into_owned());
            let title = format!("{}/{} decodes as recorded", d.dir, file_name(&input));
            cases.push(Case::new(
                format!("VEC-{}-{}", d.dir, stem.unwrap_or_default()),
                d.section,
                Suite::Codec,
                title,
                move |_: &Settings| vector_status(d.kind, &input),
            ));
        }
    }
    cases
}

fn vector_status(kind: DecodeKind, input: &Path) -> Status {
    let error = |p: &Path, e: &dyn std::fmt::Display| Status::Error {
        message: format!("{}: {e}", p.display()),
    };
    let bytes = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => return error(input, &e),
    };
    let expected_file = expected_path(input);
    let expected: Value = match std::fs::read(&expected_file) {
        Ok(t) => match serde_json::from_slice(&t) {
            Ok(v) => v,
            Err(e) => return error(&expected_file, &e),
        },
        Err(e) => return error(&expected_file, &e),
    };
    let got = vector_json(kind, &bytes, true);
    let differences = json_differences(&got, &expected);
    if differences.is_empty() {
        return Status::Pass;
    }
    let shown = serde_json::to_string_pretty(&vector_json(kind, &bytes, false)).unwrap_or_default();
    Status::Fail {
        message: format!(
            "the decode differs from {} at {}\ndecoded (tickets redacted):\n{shown}",
            file_name(&expected_file),
            differences.join(", ")
        ),
        counterexample: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_differences_name_the_paths() {
        let a = json!({"a": 1, "b": {"c": [1, 2], "d/e": "x"}, "only_a": true});
        let b = json!({"a": 1, "b": {"c": [1, 3], "d/e": "y"}, "only_b": null});
        assert_eq!(json_differences(&a, &b), vec!["/b/c/1", "/b/d~1e", "/only_a", "/only_b"]);
        assert_eq!(json_differences(&a, &a), Vec::<String>::new());
        assert_eq!(json_differences(&json!([1]), &json!([1, 2])), vec!["/"]);
    }
}
