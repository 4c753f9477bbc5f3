//! CLI glue for the codecs: `crmauth decode …`, `crmauth encode …`, `crmauth wsdl-check DIR`.
//! Output is JSON on stdout (wsdl-check: one line per difference). Exit codes: 0 ok,
//! 1 differences found (wsdl-check) or output failure, 2 bad input (the message names the
//! file and the byte offset).

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use serde_json::Value;

use crate::check::wsdl_diff as schema;
use crate::codec::{discovery, fault, rps, service, token, view, DecodeError, SoapVersion};

pub use crate::codec::view::DecodeKind;

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

/// The JSON for `decode` of `bytes` (named `file` in errors); see [`view::decode_json`].
pub fn decode_bytes(
    kind: DecodeKind,
    file: &str,
    bytes: &[u8],
    reveal: bool,
) -> Result<Value, CliError> {
    view::decode_json(kind, bytes, reveal)
        .map_err(|error| CliError::Input { file: file.to_owned(), error })
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
