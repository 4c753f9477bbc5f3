//! CRM SOAP faults and error codes (PROTOCOL 2.4; invariants FAULT-EXPIRED,
//! FAULT-NO-FALSE-POSITIVE, FAULT-SEED-AGREES).
//!
//! Two readers: [`seed_error_code`] is exactly the seed's XPath `//code`; [`read_fault`] is
//! the robust reader that takes the code only from `detail/error/code`.

use crate::codec::xml::XmlWhitespace;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::soap::{self, SoapVersion};
use super::xml::{self, resolve_qname_text, DecodeError, Element, ExpandedName};

/// The faultstring CRM writes.
pub const FAULTSTRING: &str = "Server was unable to process request.";

/// A CRM error code (an HRESULT). Displays as 8 upper-case hex digits (`8004A101`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    /// 8004A101: the CRM ticket expired; obtain a new one and retry.
    pub const EXPIRED_TICKET: ErrorCode = ErrorCode(0x8004_A101);

    /// True for the expired-ticket code.
    pub fn is_expired_ticket(self) -> bool {
        self == Self::EXPIRED_TICKET
    }

    /// The meaning from PROTOCOL 2.4's table, if the code is known.
    pub fn meaning(self) -> Option<&'static str> {
        KNOWN_CODES.iter().find(|(c, _)| *c == self.0).map(|(_, m)| *m)
    }

    /// The spelling real servers use: `0x` and upper-case hex.
    pub fn wire(self) -> String {
        #[cfg(feature = "mutants")]
        if super::planted::is(super::planted::CodecFault::LowerCaseWireCode) {
            return format!("0x{:08x}", self.0);
        }
        format!("0x{:08X}", self.0)
    }
}

/// PROTOCOL 2.4: known codes and meanings.
pub const KNOWN_CODES: &[(u32, &str)] = &[
    (0x8004_A100, "invalid ticket"),
    (0x8004_A101, "expired ticket"),
    (0x8004_A102, "bad ticket"),
    (0x8004_A103, "insufficient authentication"),
    (0x8004_A104, "organization disabled"),
    (0x8004_A105, "ticket tampered"),
    (0x8004_A110, "cannot act on behalf of another user"),
    (0x8004_A112, "system user disabled"),
    (0x8004_0204, "invalid user authentication"),
    (0x8004_0220, "privilege denied"),
];

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08X}", self.0)
    }
}

/// Why a string is not an error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an error code: {0:?}")]
pub struct BadErrorCode(pub String);

impl FromStr for ErrorCode {
    type Err = BadErrorCode;
    /// Accepts surrounding whitespace, an optional `0x`/`0X`, 1 to 8 hex digits of either
    /// case. Nothing else (no sign, no inner spaces, no decimal).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadErrorCode(s.chars().take(40).collect());
        let t = s.trim_xml();
        let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
        super::hex::value(hex.as_bytes(), 1..=8)
            .and_then(|v| u32::try_from(v).ok())
            .map(ErrorCode)
            .ok_or_else(bad)
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A SOAP fault as the robust reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    /// The envelope's SOAP version (from its namespace; PROTOCOL 2.4).
    pub soap_version: SoapVersion,
    /// 1.1 `faultcode` / 1.2 `Code/Value`, resolved through namespaces when possible.
    pub faultcode: Option<ExpandedName>,
    /// 1.1 `faultstring` / 1.2 the first `Reason/Text`.
    pub faultstring: Option<String>,
    /// The code from `detail/error/code`, when it parses.
    pub code: Option<ErrorCode>,
    /// The raw text of `detail/error/code`, whatever it is.
    pub raw_code: Option<String>,
    /// The text of `detail/error/description`, the server's message for the code.
    pub description: Option<String>,
    /// The text of `detail/error/type` (e.g. `Platform`), when the server sends one.
    pub error_type: Option<String>,
}

impl Fault {
    /// True when the detail code is 8004A101 (FAULT-EXPIRED).
    pub fn is_expired_ticket(&self) -> bool {
        self.code.is_some_and(ErrorCode::is_expired_ticket)
    }
}

/// Exactly the seed's `SelectSingleNode("//code").InnerText`: the text of the first element,
/// in document order, anywhere in the document, whose local name is `code` and which has no
/// namespace. `Ok(None)` when there is none. The input must be well-formed XML (any root).
pub fn seed_error_code(xml: &[u8]) -> Result<Option<String>, DecodeError> {
    let root = xml::parse(xml)?;
    Ok(root.find_first(&|e: &Element| e.is(None, "code")).map(Element::inner_text))
}

/// The robust reader: the envelope must be SOAP 1.1 or 1.2 with a `Fault` as body element.
/// The code is read only from `detail/error/code` (1.1: unqualified `detail`; 1.2:
/// `env:Detail`; `error` and `code` unqualified, as CRM writes them), in any child order:
/// the first `error` child of the detail, and its first `code` child. Text in
/// `description`, `faultstring`, attributes or other elements never counts.
pub fn read_fault(xml: &[u8]) -> Result<Fault, DecodeError> {
    let env = soap::parse_envelope(xml)?;
    let v = env.version;
    let sns = Some(v.namespace());
    let body = env.body_wrapper().ok_or_else(|| DecodeError::missing(env.root.offset, "Body"))?;
    let fault = env
        .body
        .iter()
        .find(|e| e.is(sns, "Fault"))
        .ok_or_else(|| DecodeError::missing(body.offset, "Fault"))?;
    let child = |parent: &'_ Element, ns: Option<&str>, name: &str| -> Option<Element> {
        parent.elements().find(|c| c.is(ns, name)).cloned()
    };
    let (code_el, code_path_parent, reason, detail) = match v {
        SoapVersion::V11 => (
            child(fault, None, "faultcode"),
            None,
            child(fault, None, "faultstring").map(|e| e.inner_text()),
            child(fault, None, "detail"),
        ),
        SoapVersion::V12 => {
            let code = child(fault, sns, "Code");
            let value = code.as_ref().and_then(|c| child(c, sns, "Value"));
            let reason = child(fault, sns, "Reason")
                .and_then(|r| child(&r, sns, "Text"))
                .map(|t| t.inner_text());
            (value, code, reason, child(fault, sns, "Detail"))
        }
    };
    let faultcode = code_el.as_ref().and_then(|c| {
        let mut path: Vec<&Element> = vec![&env.root, body, fault];
        if let Some(p) = &code_path_parent {
            path.push(p);
        }
        path.push(c);
        let text = c.inner_text();
        resolve_qname_text(&path, &text)
            .or(Some(ExpandedName { namespace: None, local: text.trim_xml().to_owned() }))
    });
    let error = detail.as_ref().and_then(|d| child(d, None, "error"));
    let field =
        |name: &str| error.as_ref().and_then(|e| child(e, None, name)).map(|c| c.inner_text());
    let raw_code = field("code");
    let fault = Fault {
        soap_version: v,
        faultcode,
        faultstring: reason,
        code: raw_code.as_deref().and_then(|c| c.parse().ok()),
        raw_code,
        description: field("description"),
        error_type: field("type"),
    };
    #[cfg(feature = "mutants")]
    let fault = mutants::planted(fault);
    Ok(fault)
}

/// A real-shaped CRM fault: 1.1 `faultcode` `soap:Server`; 1.2 `Code/Value` `soap:Receiver`
/// (the SOAP 1.2 name of Server) and `Reason/Text xml:lang="en"`; detail
/// `<error><code>0x…</code><description>…</description><type>Platform</type></error>`.
pub fn encode_fault(version: SoapVersion, code: ErrorCode, description: &str) -> String {
    let p = soap::standard_prefixes(version);
    let ns = Some(version.namespace());
    let error = Element::new(None, "error")
        .child(Element::new(None, "code").text(&code.wire()))
        .child(Element::new(None, "description").text(description))
        .child(Element::new(None, "type").text("Platform"));
    let fault = match version {
        SoapVersion::V11 => Element::new(ns, "Fault")
            .child(Element::new(None, "faultcode").text(&p.qname(version.namespace(), "Server")))
            .child(Element::new(None, "faultstring").text(FAULTSTRING))
            .child(Element::new(None, "detail").child(error)),
        SoapVersion::V12 => {
            let mut text = Element::new(ns, "Text").text(FAULTSTRING);
            text.attributes.push(xml::Attribute {
                namespace: Some(xml::XML_NS.into()),
                local: "lang".into(),
                value: "en".into(),
            });
            Element::new(ns, "Fault")
                .child(Element::new(ns, "Code").child(
                    Element::new(ns, "Value").text(&p.qname(version.namespace(), "Receiver")),
                ))
                .child(Element::new(ns, "Reason").child(text))
                .child(Element::new(ns, "Detail").child(error))
        }
    };
    soap::write_envelope(version, &p, vec![], vec![fault])
}

/// Deliberately wrong fault readers (feature `mutants`, tests only), to show that the
/// FAULT-* properties of `crmauth check` catch them: as readers to pass to
/// `check::codec::fault_cases`, or planted in [`read_fault`] itself on the current thread
/// ([`super::planted::CodecFault`]) so that `crmauth check --case FAULT-…` sees them.
#[cfg(feature = "mutants")]
pub mod mutants {
    use super::super::planted::{is, CodecFault};
    use super::{read_fault, DecodeError, ErrorCode, Fault};

    /// Also takes the expired-ticket code from `description` (a substring test, as naive
    /// clients do): breaks FAULT-NO-FALSE-POSITIVE.
    pub fn reads_description(xml: &[u8]) -> Result<Fault, DecodeError> {
        read_fault(xml).map(description_read)
    }

    /// Accepts only upper-case hex digits: breaks FAULT-EXPIRED.
    pub fn upper_case_only(xml: &[u8]) -> Result<Fault, DecodeError> {
        read_fault(xml).map(upper_case_read)
    }

    fn description_read(mut f: Fault) -> Fault {
        if f.description.as_deref().is_some_and(|d| d.to_ascii_uppercase().contains("8004A101")) {
            f.code = Some(ErrorCode::EXPIRED_TICKET);
        }
        f
    }

    fn upper_case_read(mut f: Fault) -> Fault {
        if f.raw_code.as_deref().is_some_and(|c| {
            c.trim().trim_start_matches("0x").bytes().any(|b| b.is_ascii_lowercase())
        }) {
            f.code = None;
        }
        f
    }

    /// What [`read_fault`] returns with a reader fault planted on this thread.
    pub(super) fn planted(f: Fault) -> Fault {
        if is(CodecFault::ReadsDescription) {
            description_read(f)
        } else if is(CodecFault::UpperCaseOnly) {
            upper_case_read(f)
        } else {
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_spellings() {
        for s in ["8004A101", "0x8004A101", "0X8004a101", " \n\t0x8004a101\r\n ", "8004a101"] {
            assert_eq!(s.parse::<ErrorCode>(), Ok(ErrorCode::EXPIRED_TICKET), "{s:?}");
        }
        for s in [
            "",
            "0x",
            "x8004A101",
            "8004A1011",
            "0x 8004A101",
            "-8004A101",
            "+8004A101",
            "8004 A101",
            "0x0x8004A101",
            "８004A101",
        ] {
            assert!(s.parse::<ErrorCode>().is_err(), "{s:?}");
        }
        assert_eq!(ErrorCode::EXPIRED_TICKET.to_string(), "8004A101");
        assert_eq!(ErrorCode::EXPIRED_TICKET.wire(), "0x8004A101");
        assert_eq!(ErrorCode::EXPIRED_TICKET.meaning(), Some("expired ticket"));
        assert_eq!(ErrorCode(0x8004_0220).meaning(), Some("privilege denied"));
        assert_eq!(ErrorCode(1).meaning(), None);
    }

    #[test]
    fn canonical_faults_read_back() {
        for v in SoapVersion::ALL {
            let x = encode_fault(v, ErrorCode::EXPIRED_TICKET, "The ticket has expired.");
            let f = read_fault(x.as_bytes()).unwrap();
            assert!(f.is_expired_ticket(), "{x}");
            assert_eq!(f.faultstring.as_deref(), Some(FAULTSTRING));
            assert_eq!(f.error_type.as_deref(), Some("Platform"));
            assert_eq!(f.description.as_deref(), Some("The ticket has expired."));
            let fc = f.faultcode.unwrap();
            assert_eq!(fc.namespace.as_deref(), Some(v.namespace()));
            assert_eq!(fc.local, if v == SoapVersion::V11 { "Server" } else { "Receiver" });
            assert_eq!(seed_error_code(x.as_bytes()).unwrap().as_deref(), Some("0x8004A101"));
        }
    }

    #[test]
    fn not_a_fault_is_an_error() {
        let x = format!(
            r#"<s:Envelope xmlns:s="{}"><s:Body><x/></s:Body></s:Envelope>"#,
            soap::SOAP11_NS
        );
        assert!(read_fault(x.as_bytes()).is_err());
        assert_eq!(seed_error_code(x.as_bytes()).unwrap(), None);
    }
}
