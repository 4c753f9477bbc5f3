//! Decoding and encoding whole envelopes with CRM headers (PROTOCOL 2.1): the tree decoder
//! (the oracle of the streaming one), the streaming entry point, and the writers.

use super::elements::*;
use super::model::*;
use crate::codec::ns::{CORE_NS, WS_NS};
use crate::codec::schema::{self, leaf, node};
use crate::codec::soap::{self, Envelope, SoapVersion};
use crate::codec::xml::{DecodeError, DecodeLimits, Element, Prefixes};

/// Decode the `CrmAuthenticationToken` header of an envelope. `Ok(None)`: a valid envelope
/// without that header (or with `xsi:nil="true"`). A repeated header is an error (ours).
///
/// One streaming pass, no document tree; accepts exactly what
/// [`decode_token_from_envelope_tree`] accepts, with the same value (TOKEN-DECODE-AGREES):
/// the whole envelope must be valid, including the other CRM headers.
pub fn decode_token_from_envelope(
    xml: &[u8],
) -> Result<Option<CrmAuthenticationToken>, DecodeError> {
    #[cfg(feature = "mutants")]
    crate::codec::planted::token_decoder_entry(xml);
    super::stream::decode(xml, &DecodeLimits::DEFAULT)
}

/// The tree decoder of the token header ([`soap::parse_envelope`], then [`read_headers`]):
/// the oracle of [`decode_token_from_envelope`].
pub fn decode_token_from_envelope_tree(
    xml: &[u8],
) -> Result<Option<CrmAuthenticationToken>, DecodeError> {
    let env = soap::parse_envelope(xml)?;
    Ok(read_headers(&env)?.token)
}

/// Decode every CRM header of an envelope.
pub fn decode_headers(xml: &[u8]) -> Result<CrmHeaders, DecodeError> {
    read_headers(&soap::parse_envelope(xml)?)
}

fn single<'a>(env: &'a Envelope, name: &str) -> Result<Option<&'a Element>, DecodeError> {
    let mut it = env.headers.iter().filter(|h| h.is(Some(WS_NS), name));
    let first = it.next();
    if let Some(dup) = it.next() {
        return Err(DecodeError::unexpected(dup.offset, format!("{name} (repeated header)")));
    }
    Ok(first.filter(|e| !e.nil))
}

/// Read the CRM headers from a parsed envelope.
pub fn read_headers(env: &Envelope) -> Result<CrmHeaders, DecodeError> {
    Ok(CrmHeaders {
        token: single(env, "CrmAuthenticationToken")?.map(read_token).transpose()?,
        caller_origin: single(env, "CallerOriginToken")?.map(read_caller_origin).transpose()?,
        correlation: single(env, "CorrelationToken")?.map(read_correlation).transpose()?,
    })
}

/// The `CrmAuthenticationToken` header element.
pub fn token_element(t: &CrmAuthenticationToken) -> Element {
    let d = &schema::TOKEN_TYPE;
    let mut e = Element::new(Some(WS_NS), "CrmAuthenticationToken").child(leaf(
        d,
        "AuthenticationType",
        &t.authentication_type.code().to_string(),
    ));
    if let Some(tk) = &t.crm_ticket {
        e = e.child(leaf(d, "CrmTicket", tk.reveal()));
    }
    if let Some(o) = &t.organization_name {
        #[cfg(feature = "mutants")]
        let o = crate::codec::planted::written_organization(o);
        e = e.child(leaf(d, "OrganizationName", o));
    }
    e.child(leaf(d, "CallerId", &t.caller_id.to_string()))
}

/// The header elements for `h`, in WSDL order (token, caller origin, correlation).
pub fn header_elements(h: &CrmHeaders) -> Vec<Element> {
    let mut out = Vec::new();
    if let Some(t) = &h.token {
        out.push(token_element(t));
    }
    if let Some(c) = &h.caller_origin {
        let mut e = Element::new(Some(WS_NS), "CallerOriginToken");
        if let Some(o) = &c.caller_origin {
            let (def, ts) = match o {
                CallerOrigin::ApplicationOrigin => (&schema::APPLICATION_ORIGIN, None),
                CallerOrigin::AsyncServiceOrigin => (&schema::ASYNC_SERVICE_ORIGIN, None),
                CallerOrigin::WebServiceApiOrigin => (&schema::WEB_SERVICE_API_ORIGIN, None),
                CallerOrigin::OfflineOrigin { offline_timestamp } => {
                    (&schema::OFFLINE_ORIGIN, offline_timestamp.as_deref())
                }
            };
            let mut oe =
                node(&schema::CALLER_ORIGIN_TOKEN_TYPE, "CallerOrigin").typed(def.ns, def.name);
            if let Some(ts) = ts {
                oe = oe.child(leaf(def, "OfflineTimestamp", ts));
            }
            e = e.child(oe);
        }
        out.push(e);
    }
    if let Some(c) = &h.correlation {
        let d = &schema::CORRELATION_TOKEN_TYPE;
        let mut e = Element::new(Some(WS_NS), "CorrelationToken").child(leaf(
            d,
            "CorrelationId",
            &c.correlation_id.to_string(),
        ));
        if let Some(t) = &c.correlation_updated_time {
            e = e.child(leaf(d, "CorrelationUpdatedTime", t));
        }
        out.push(e.child(leaf(d, "Depth", &c.depth.to_string())));
    }
    out
}

/// Default prefixes for CrmService envelopes: `soap`, `xsi`, `xsd`, and generated prefixes
/// (`ns0`, …) for the WebServices and CoreTypes namespaces.
pub fn crm_prefixes(version: SoapVersion) -> Prefixes {
    let mut p = soap::standard_prefixes(version);
    p.ensure(WS_NS);
    p.ensure(CORE_NS);
    p
}

/// An envelope with the token header and `body_inner_xml` (trusted, well-formed XML
/// written verbatim) as the content of `Body`.
pub fn encode_envelope_with_token(
    token: &CrmAuthenticationToken,
    version: SoapVersion,
    body_inner_xml: &str,
) -> String {
    const PLACEHOLDER: &str = "<__body__ />";
    let body = Element::new(None, "__body__");
    let xml = soap::write_envelope(
        version,
        &crm_prefixes(version),
        vec![token_element(token)],
        vec![body],
    );
    // The placeholder element is the last one written (crm_prefixes binds no default
    // namespace, so it carries no xmlns=""), and text never holds a `<`: the last
    // placeholder is that element, whatever the header text holds.
    match xml.rfind(PLACEHOLDER) {
        Some(at) => {
            let mut out = String::with_capacity(xml.len() + body_inner_xml.len());
            out.push_str(&xml[..at]);
            out.push_str(body_inner_xml);
            out.push_str(&xml[at + PLACEHOLDER.len()..]);
            out
        }
        // Written with xmlns="" (were a default namespace ever bound).
        None => xml.replacen("<__body__ xmlns=\"\" />", body_inner_xml, 1),
    }
}

/// An envelope carrying `headers` and body elements, with the given prefixes.
pub fn encode_envelope(
    headers: &CrmHeaders,
    version: SoapVersion,
    prefixes: &Prefixes,
    body: Vec<Element>,
) -> String {
    soap::write_envelope(version, prefixes, header_elements(headers), body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::redact::Ticket;
    use crate::codec::xml::DecodeErrorKind;
    use uuid::Uuid;

    fn token() -> CrmAuthenticationToken {
        CrmAuthenticationToken {
            authentication_type: AuthenticationType::Passport,
            crm_ticket: Some(Ticket::new("TICKET-0123456789abcdef<&>")),
            organization_name: Some("Contoso".into()),
            caller_id: Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0),
        }
    }

    #[test]
    fn simple_function_roundtrips() {
        for v in SoapVersion::ALL {
            let xml = encode_envelope_with_token(&token(), v, "<WhoAmI xmlns=\"urn:x\"/>");
            assert_eq!(decode_token_from_envelope(xml.as_bytes()).unwrap(), Some(token()), "{xml}");
            let env = soap::parse_envelope(xml.as_bytes()).unwrap();
            assert!(env.body_element().unwrap().is(Some("urn:x"), "WhoAmI"));
        }
    }

    /// The contract: `body_inner_xml` becomes the content of `Body`, whatever the header's
    /// text holds — even the text of the writer's own placeholder or marker.
    #[test]
    fn the_body_is_in_body_whatever_the_header_text() {
        for org in ["\u{1}BODY\u{1}", "<__body__ />", "\u{1}", "BODY"] {
            let t = CrmAuthenticationToken { organization_name: Some(org.into()), ..token() };
            let xml = encode_envelope_with_token(&t, SoapVersion::V11, "<WhoAmI xmlns=\"urn:x\"/>");
            let body = xml.find("Body>").map(|at| &xml[at + "Body>".len()..]);
            assert!(body.is_some_and(|b| b.starts_with("<WhoAmI xmlns=\"urn:x\"/></")), "{xml:?}");
            assert_eq!(xml.matches("WhoAmI").count(), 1, "{xml:?}");
        }
    }

    #[test]
    fn no_token_is_none_and_nil_is_none() {
        let xml = format!(r#"<s:Envelope xmlns:s="{}"><s:Body/></s:Envelope>"#, soap::SOAP11_NS);
        assert_eq!(decode_token_from_envelope(xml.as_bytes()).unwrap(), None);
        let nil = format!(
            r#"<s:Envelope xmlns:s="{}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><s:Header><CrmAuthenticationToken xmlns="{WS_NS}" i:nil="true"/></s:Header><s:Body/></s:Envelope>"#,
            soap::SOAP11_NS
        );
        assert_eq!(decode_token_from_envelope(nil.as_bytes()).unwrap(), None);
    }

    #[test]
    fn bad_values_are_typed() {
        let make = |at: &str, id: &str, child_ns: &str| {
            format!(
                r#"<s:Envelope xmlns:s="{}"><s:Header><CrmAuthenticationToken xmlns="{WS_NS}"><AuthenticationType xmlns="{child_ns}">{at}</AuthenticationType><CallerId xmlns="{child_ns}">{id}</CallerId></CrmAuthenticationToken></s:Header><s:Body/></s:Envelope>"#,
                soap::SOAP12_NS
            )
        };
        let z = "00000000-0000-0000-0000-000000000000";
        assert!(decode_token_from_envelope(make("2", z, CORE_NS).as_bytes()).unwrap().is_some());
        for (x, field) in [
            (make("3", z, CORE_NS), "AuthenticationType"),
            (make("0", "nope", CORE_NS), "CallerId"),
        ] {
            match decode_token_from_envelope(x.as_bytes()).unwrap_err().kind {
                DecodeErrorKind::BadValue { field: f, .. } => assert_eq!(f, field),
                k => panic!("{k:?}"),
            }
        }
        assert!(matches!(
            decode_token_from_envelope(make("0", z, WS_NS).as_bytes()).unwrap_err().kind,
            DecodeErrorKind::WrongNamespace { .. }
        ));
    }

    #[test]
    fn all_headers_roundtrip() {
        let h = CrmHeaders {
            token: Some(token()),
            caller_origin: Some(CallerOriginToken {
                caller_origin: Some(CallerOrigin::OfflineOrigin {
                    offline_timestamp: Some("2009-01-01T00:00:00Z".into()),
                }),
            }),
            correlation: Some(CorrelationToken {
                correlation_id: Uuid::from_u128(7),
                correlation_updated_time: None,
                depth: 2,
            }),
        };
        for v in SoapVersion::ALL {
            let xml = encode_envelope(&h, v, &crm_prefixes(v), vec![]);
            assert_eq!(decode_headers(xml.as_bytes()).unwrap(), h);
        }
    }
}
