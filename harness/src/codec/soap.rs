//! SOAP 1.1 and 1.2 envelopes (PROTOCOL 2.1): reading header blocks and body, writing an
//! envelope with a chosen version and prefixes.

use crate::codec::xml::XmlWhitespace;
use serde::{Deserialize, Serialize};

use super::xml::{
    self, DecodeError, DecodeErrorKind, DecodeLimits, Element, Prefixes, XSD_NS, XSI_NS,
};

/// SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";

/// The SOAP version of an envelope; JSON `"1.1"` / `"1.2"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SoapVersion {
    /// SOAP 1.1: envelope namespace [`SOAP11_NS`].
    #[serde(rename = "1.1")]
    V11,
    /// SOAP 1.2: envelope namespace [`SOAP12_NS`].
    #[serde(rename = "1.2")]
    V12,
}

impl SoapVersion {
    /// Both versions.
    pub const ALL: [SoapVersion; 2] = [SoapVersion::V11, SoapVersion::V12];
    /// The envelope namespace.
    pub fn namespace(self) -> &'static str {
        match self {
            SoapVersion::V11 => SOAP11_NS,
            SoapVersion::V12 => SOAP12_NS,
        }
    }
    /// The version whose envelope namespace is `ns`.
    pub fn from_namespace(ns: &str) -> Option<Self> {
        match ns {
            SOAP11_NS => Some(SoapVersion::V11),
            SOAP12_NS => Some(SoapVersion::V12),
            _ => None,
        }
    }
    /// The HTTP Content-Type for this version (1.2 carries the action in the type).
    pub fn content_type(self, action: &str) -> String {
        match self {
            SoapVersion::V11 => "text/xml; charset=utf-8".to_owned(),
            SoapVersion::V12 => format!("application/soap+xml; charset=utf-8; action=\"{action}\""),
        }
    }
}

/// A parsed envelope: version, header blocks and the children of `Body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The version, from the `Envelope` element's namespace.
    pub version: SoapVersion,
    /// The child elements of `Header`, in order (empty when there is no `Header`).
    pub headers: Vec<Element>,
    /// The child elements of `Body`, in order.
    pub body: Vec<Element>,
    /// The whole parsed document, for readers that need document-wide semantics.
    pub root: Element,
}

impl Envelope {
    /// The single body element; an error if there is none.
    pub fn body_element(&self) -> Result<&Element, DecodeError> {
        self.body.first().ok_or_else(|| DecodeError::missing(self.root.offset, "Body content"))
    }
    /// The `Body` element itself.
    pub fn body_wrapper(&self) -> Option<&Element> {
        let ns = self.version.namespace();
        self.root.elements().find(|e| e.is(Some(ns), "Body"))
    }
}

/// Parse an envelope with [`DecodeLimits::DEFAULT`].
pub fn parse_envelope(input: &[u8]) -> Result<Envelope, DecodeError> {
    parse_envelope_with(input, &DecodeLimits::DEFAULT)
}

/// Parse an envelope: root `Envelope` in a SOAP namespace, optional `Header`, then `Body`;
/// nothing else (ours: trailing elements after Body are refused).
pub fn parse_envelope_with(input: &[u8], limits: &DecodeLimits) -> Result<Envelope, DecodeError> {
    let root = xml::parse_with(input, limits)?;
    let version = match root.namespace.as_deref().and_then(SoapVersion::from_namespace) {
        Some(v) if root.local == "Envelope" => v,
        _ if root.local == "Envelope" => {
            return Err(DecodeError::new(
                root.offset,
                DecodeErrorKind::WrongNamespace {
                    name: "Envelope".into(),
                    expected: format!("{SOAP11_NS} or {SOAP12_NS}"),
                    found: root.namespace.clone().unwrap_or_default(),
                },
            ))
        }
        _ => return Err(DecodeError::missing(root.offset, "Envelope")),
    };
    let ns = version.namespace();
    let mut headers = None;
    let mut body = None;
    for child in root.elements() {
        if child.is(Some(ns), "Header") && headers.is_none() && body.is_none() {
            headers = Some(child.elements().cloned().collect());
        } else if child.is(Some(ns), "Body") && body.is_none() {
            body = Some(child.elements().cloned().collect());
        } else {
            return Err(DecodeError::unexpected(child.offset, child.local.clone()));
        }
    }
    if !root.direct_text().trim_xml().is_empty() {
        return Err(DecodeError::malformed(root.offset, "text inside Envelope"));
    }
    let body = body.ok_or_else(|| DecodeError::missing(root.offset, "Body"))?;
    Ok(Envelope { version, headers: headers.unwrap_or_default(), body, root })
}

/// Default prefixes: `soap` for the envelope, `xsi`, `xsd`.
pub fn standard_prefixes(version: SoapVersion) -> Prefixes {
    Prefixes::trusted(&[(version.namespace(), "soap"), (XSI_NS, "xsi"), (XSD_NS, "xsd")])
}

/// Build the envelope tree: `Header` (only when there are header blocks) and `Body`.
pub fn envelope_element(
    version: SoapVersion,
    headers: Vec<Element>,
    body: Vec<Element>,
) -> Element {
    let ns = Some(version.namespace());
    let mut env = Element::new(ns, "Envelope");
    if !headers.is_empty() {
        let mut h = Element::new(ns, "Header");
        for b in headers {
            h = h.child(b);
        }
        env = env.child(h);
    }
    let mut b = Element::new(ns, "Body");
    for e in body {
        b = b.child(e);
    }
    env.child(b)
}

/// Serialize an envelope with the given prefixes (missing bindings are generated).
pub fn write_envelope(
    version: SoapVersion,
    prefixes: &Prefixes,
    headers: Vec<Element>,
    body: Vec<Element>,
) -> String {
    prefixes.write_document(&envelope_element(version, headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_any_prefix() {
        for v in SoapVersion::ALL {
            let xml = format!(
                r#"<E:Envelope xmlns:E="{}"><E:Header><h xmlns="urn:h"/></E:Header><E:Body><b xmlns="urn:b"/></E:Body></E:Envelope>"#,
                v.namespace()
            );
            let env = parse_envelope(xml.as_bytes()).unwrap();
            assert_eq!(env.version, v);
            assert!(env.headers[0].is(Some("urn:h"), "h"));
            assert!(env.body_element().unwrap().is(Some("urn:b"), "b"));
        }
    }

    #[test]
    fn rejects_non_envelopes() {
        let wrong_ns = br#"<Envelope xmlns="urn:x"><Body/></Envelope>"#;
        assert!(matches!(
            parse_envelope(wrong_ns).unwrap_err().kind,
            DecodeErrorKind::WrongNamespace { .. }
        ));
        let no_body = format!(r#"<s:Envelope xmlns:s="{SOAP11_NS}"/>"#);
        assert_eq!(
            parse_envelope(no_body.as_bytes()).unwrap_err().kind,
            DecodeErrorKind::MissingElement { name: "Body".into() }
        );
        let mixed =
            format!(r#"<s:Envelope xmlns:s="{SOAP11_NS}"><s:Body/><s:Header/></s:Envelope>"#);
        assert!(matches!(
            parse_envelope(mixed.as_bytes()).unwrap_err().kind,
            DecodeErrorKind::UnexpectedElement { .. }
        ));
        let v12_body_in_11 = format!(
            r#"<s:Envelope xmlns:s="{SOAP11_NS}" xmlns:t="{SOAP12_NS}"><t:Body/></s:Envelope>"#
        );
        assert!(parse_envelope(v12_body_in_11.as_bytes()).is_err());
    }

    #[test]
    fn writes_what_it_reads() {
        for v in SoapVersion::ALL {
            let xml = write_envelope(
                v,
                &standard_prefixes(v),
                vec![Element::new(Some("urn:h"), "h")],
                vec![Element::new(Some("urn:b"), "b").text("x")],
            );
            let env = parse_envelope(xml.as_bytes()).unwrap();
            assert_eq!(env.version, v);
            assert_eq!(env.headers.len(), 1);
            assert_eq!(env.body_element().unwrap().direct_text(), "x");
        }
    }
}
