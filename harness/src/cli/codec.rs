//! CLI glue for the codecs: `crmauth decode …`, `crmauth encode …`, `crmauth wsdl-check DIR`.
//! Output is JSON on stdout (wsdl-check: one line per difference). Exit codes: 0 ok,
//! 1 differences found (wsdl-check) or output failure, 2 bad input (the message names the
//! file and the byte offset).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use serde_json::Value;

use super::args::DecodeKindArg;
use super::{read_bytes, CliError, Exit};
use crate::check::wsdl_diff;
use crate::codec::{discovery, fault, rps, service, token, view, SoapVersion};

pub use crate::codec::view::DecodeKind;

/// `crmauth decode KIND FILE|-`
#[derive(Debug, Clone, Args)]
pub struct DecodeArgs {
    /// What to read the input as.
    #[arg(value_enum)]
    pub kind: DecodeKindArg,
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
    /// What to write.
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

/// `crmauth decode`: read the input and print its JSON.
pub fn decode(args: &DecodeArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let bytes = read_bytes(&args.input)?;
    let v = decode_bytes(args.kind.into(), &args.input, &bytes, args.reveal)?;
    writeln!(out, "{}", super::to_json(&v)?)?;
    Ok(Exit::Success)
}

/// The JSON for `decode` of `bytes` (named `file` in errors); see [`view::decode_json`].
pub fn decode_bytes(
    kind: DecodeKind,
    file: &str,
    bytes: &[u8],
    reveal: bool,
) -> Result<Value, CliError> {
    view::decode_json(kind, bytes, reveal)
        .map_err(|source| CliError::Decode { file: file.to_owned(), source })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultInput {
    code: fault::ErrorCode,
    #[serde(default)]
    description: String,
}

/// `crmauth encode`: read JSON, print a known-good envelope.
pub fn encode(args: &EncodeArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let bytes = read_bytes(&args.input)?;
    let xml = encode_bytes(args.kind, &args.input, &bytes, args.soap)?;
    writeln!(out, "{xml}")?;
    Ok(Exit::Success)
}

/// The envelope for `encode` of JSON `bytes` (named `file` in errors).
pub fn encode_bytes(
    kind: EncodeKind,
    file: &str,
    bytes: &[u8],
    v: SoapVersion,
) -> Result<String, CliError> {
    let input = |e: serde_json::Error| CliError::Decode {
        file: file.to_owned(),
        source: rps::json_error(bytes, &e),
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

/// `crmauth wsdl-check DIR`: print notes and differences; exit 1 if any difference.
pub fn wsdl_check(args: &WsdlCheckArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let r = wsdl_diff::wsdl_check(&args.dir)?;
    writeln!(out, "checked: {}", r.files.join(", "))?;
    for n in &r.notes {
        writeln!(out, "note: {n}")?;
    }
    for d in &r.differences {
        writeln!(out, "difference: {d}")?;
    }
    writeln!(out, "{} difference(s)", r.differences.len())?;
    Ok(Exit::ok_if(r.differences.is_empty()))
}
