//! CLI glue for the codecs: `crmauth decode …`, `crmauth encode …`, `crmauth wsdl-check DIR`.
//! Output is JSON on stdout (wsdl-check: one line per difference). Exit codes: 0 ok,
//! 1 differences found (wsdl-check) or output failure, 2 bad input (the message names the
//! file and the byte offset).

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::codec::{
    cookie, discovery, fault, redact, rps, schema, service, soap, token, DecodeError, SoapVersion,
};

/// What `decode` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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

/// `crmauth decode KIND FILE|-`
#[derive(Debug, Clone, Args)]
pub struct DecodeArgs {
    #[arg(value_enum)]
    pub kind: DecodeKind,
    /// Input file, or `-` for stdin.
    pub input: String,
    /// Show full tickets and passwords (redacted by default).
    #[arg(long)]
    pub reveal: bool,
}

/// What `encode` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodeKind {
    /// JSON `CrmAuthenticationToken` → an `Execute(WhoAmIRequest)` envelope carrying it.
    Token,
    /// JSON `{"code":"8004A101","description":"…"}` → a CRM fault.
    Fault,
    /// JSON `{"request":{…}}` or `{"response":{…}}` → a discovery envelope.
    Discovery,
}

/// `crmauth encode KIND FILE|- [--soap 1.1|1.2]`
#[derive(Debug, Clone, Args)]
pub struct EncodeArgs {
    #[arg(value_enum)]
    pub kind: EncodeKind,
    /// JSON input file, or `-` for stdin.
    pub input: String,
    /// SOAP version of the envelope.
    #[arg(long, default_value = "1.1", value_parser = parse_version)]
    pub soap: SoapVersion,
}

/// `crmauth wsdl-check DIR`
#[derive(Debug, Clone, Args)]
pub struct WsdlCheckArgs {
    /// Directory of `*.wsdl` files.
    pub dir: PathBuf,
}

fn parse_version(s: &str) -> Result<SoapVersion, String> {
    match s {
        "1.1" | "11" => Ok(SoapVersion::V11),
        "1.2" | "12" => Ok(SoapVersion::V12),
        _ => Err(format!("SOAP version must be 1.1 or 1.2, not {s:?}")),
    }
}

/// A CLI failure, with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input was rejected by a decoder (exit 2).
    #[error("{file}: {error}")]
    Input { file: String, error: DecodeError },
    /// The input could not be read (exit 2).
    #[error("{file}: {message}")]
    Read { file: String, message: String },
    /// The WSDL check could not run (exit 2).
    #[error("{0}")]
    Wsdl(#[from] schema::WsdlCheckError),
    /// Writing the output failed (exit 1).
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Output(_) => 1,
            _ => 2,
        }
    }
}

/// Read `FILE` or stdin (`-`), refusing more than 16 MiB.
pub fn read_input(path: &str) -> Result<Vec<u8>, CliError> {
    const MAX: u64 = 16 << 20;
    let err = |e: std::io::Error| CliError::Read { file: path.to_owned(), message: e.to_string() };
    let mut buf = Vec::new();
    if path == "-" {
        std::io::stdin().lock().take(MAX + 1).read_to_end(&mut buf).map_err(err)?;
    } else {
        std::fs::File::open(path).map_err(err)?.take(MAX + 1).read_to_end(&mut buf).map_err(err)?;
    }
    if buf.len() as u64 > MAX {
        return Err(CliError::Read {
            file: path.to_owned(),
            message: format!("larger than {MAX} bytes"),
        });
    }
    Ok(buf)
}

/// `crmauth decode`: read the input and print its JSON. Returns the exit code (0).
pub fn decode(args: &DecodeArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let bytes = read_input(&args.input)?;
    let v = decode_bytes(args.kind, &args.input, &bytes, args.reveal)?;
    writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default())?;
    Ok(0)
}

/// The JSON for `decode` of `bytes` (named `file` in errors).
pub fn decode_bytes(
    kind: DecodeKind,
    file: &str,
    bytes: &[u8],
    reveal: bool,
) -> Result<Value, CliError> {
    let input = |error| CliError::Input { file: file.to_owned(), error };
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
            DecodeKind::Cookie => {
                let text = std::str::from_utf8(bytes).map_err(|e| {
                    DecodeError::new(
                        e.valid_up_to() as u64,
                        crate::codec::DecodeErrorKind::Malformed(
                            "Cookie header is not UTF-8".into(),
                        ),
                    )
                })?;
                let header = text.trim_end_matches(['\r', '\n']);
                let cookies = cookie::parse_cookie_header(header)?;
                let (session, session_error) = match cookie::session_from_header(header) {
                    Ok(s) => (json!(s), Value::Null),
                    Err(e) => (Value::Null, json!(e)),
                };
                json!({
                    "cookies": cookies,
                    "cookie_exist": cookie::cookie_exist(header),
                    "session": session,
                    "session_error": session_error,
                })
            }
            DecodeKind::Rps => {
                let i = rps::RpsInput::from_json(bytes)?;
                json!({"input": i, "decision": i.decide()})
            }
        })
    };
    if reveal {
        redact::with_revealed(run).map_err(input)
    } else {
        run().map_err(input)
    }
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
    let names = |v: &[crate::codec::xml::Element]| {
        v.iter().map(|e| e.name().to_string()).collect::<Vec<_>>()
    };
    let h = token::read_headers(&env)?;
    let message = match env.body.first() {
        Some(b) if b.is(Some(env.version.namespace()), "Fault") => {
            json!({"fault": fault_json(bytes)?})
        }
        Some(b) if b.namespace.as_deref() == Some(crate::codec::ns::DISCO_NS) => {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultInput {
    code: fault::ErrorCode,
    #[serde(default)]
    description: String,
}

/// `crmauth encode`: read JSON, print a known-good envelope.
pub fn encode(args: &EncodeArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let bytes = read_input(&args.input)?;
    let xml = encode_bytes(args.kind, &args.input, &bytes, args.soap)?;
    writeln!(out, "{xml}")?;
    Ok(0)
}

/// The envelope for `encode` of JSON `bytes` (named `file` in errors).
pub fn encode_bytes(
    kind: EncodeKind,
    file: &str,
    bytes: &[u8],
    v: SoapVersion,
) -> Result<String, CliError> {
    let input = |e: serde_json::Error| CliError::Input {
        file: file.to_owned(),
        error: rps::json_error(bytes, &e),
    };
    Ok(match kind {
        EncodeKind::Token => {
            let t: token::CrmAuthenticationToken = serde_json::from_slice(bytes).map_err(input)?;
            let h = token::CrmHeaders { token: Some(t), ..Default::default() };
            service::encode_request(&service::ServiceRequest::WhoAmI, &h, v, &service::prefixes(v))
        }
        EncodeKind::Fault => {
            let f: FaultInput = serde_json::from_slice(bytes).map_err(input)?;
            fault::encode_fault(v, f.code, &f.description)
        }
        EncodeKind::Discovery => match serde_json::from_slice(bytes).map_err(input)? {
            discovery::DiscoveryMessage::Request(r) => {
                discovery::encode_request(&r, v, &discovery::prefixes(v))
            }
            discovery::DiscoveryMessage::Response(r) => {
                discovery::encode_response(&r, v, &discovery::prefixes(v))
            }
        },
    })
}

/// `crmauth wsdl-check DIR`: print notes and differences; exit code 1 if any difference.
pub fn wsdl_check(args: &WsdlCheckArgs, out: &mut dyn Write) -> Result<u8, CliError> {
    let r = schema::wsdl_check(&args.dir)?;
    writeln!(out, "checked: {}", r.files.join(", "))?;
    for n in &r.notes {
        writeln!(out, "note: {n}")?;
    }
    for d in &r.differences {
        writeln!(out, "difference: {d}")?;
    }
    writeln!(out, "{} difference(s)", r.differences.len())?;
    Ok(if r.differences.is_empty() { 0 } else { 1 })
}
