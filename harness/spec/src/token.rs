//! The 2007 `CrmAuthenticationToken` SOAP header (PROTOCOL 2.1; docs/codecs.md "Rules of
//! our own" and "Limits"), read with roxmltree.
//!
//! Only what the pipeline needs: the token, or none. An envelope that cannot be decoded
//! counts as no token (the brief).

use crate::pipeline::AuthenticationType;
use roxmltree::{Document, Node, NodeType, ParsingOptions};
use uuid::Uuid;

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const WEB_SERVICES: &str = "http://schemas.microsoft.com/crm/2007/WebServices";
const CORE_TYPES: &str = "http://schemas.microsoft.com/crm/2007/CoreTypes";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

// docs/codecs.md "Limits": 1 MiB input, depth 64, 32 attributes per element (namespace
// declarations count), 64 KiB of text per element or attribute.
const MAX_INPUT_BYTES: usize = 1024 * 1024;
const MAX_DEPTH: usize = 64;
const MAX_ATTRIBUTES: usize = 32;
const MAX_TEXT_BYTES: usize = 64 * 1024;

/// A decoded `CrmAuthenticationToken` (PROTOCOL 2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub authentication_type: AuthenticationType,
    pub crm_ticket: Option<String>,
    pub organization_name: Option<String>,
    /// All zeros = no impersonation.
    pub caller_id: Uuid,
}

/// The token of a SOAP envelope: `None` when there is none or the envelope cannot be
/// decoded.
pub fn decode_token(body: &str) -> Option<Token> {
    if body.len() > MAX_INPUT_BYTES {
        return None;
    }
    // allow_dtd: false refuses any DOCTYPE declaration (docs/codecs.md "Limits").
    let options = ParsingOptions { allow_dtd: false, ..ParsingOptions::default() };
    let document = Document::parse_with_options(body, options).ok()?;
    let envelope = document.root_element();
    check_limits(envelope, 1)?;
    let soap = envelope_namespace(envelope)?;
    let header = envelope_header(envelope, soap)?;
    let token_element = token_header(header)?;
    read_token(token_element?)
}

/// Depth, attribute and text limits; `None` when one is exceeded.
fn check_limits(element: Node<'_, '_>, depth: usize) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    if element.attributes().len() + declared_namespaces(element) > MAX_ATTRIBUTES {
        return None;
    }
    for attribute in element.attributes() {
        if attribute.value().len() > MAX_TEXT_BYTES {
            return None;
        }
    }
    for child in element.children() {
        match child.node_type() {
            NodeType::Element => check_limits(child, depth + 1)?,
            NodeType::Text if child.text().unwrap_or("").len() > MAX_TEXT_BYTES => return None,
            _ => {}
        }
    }
    Some(())
}

/// The number of namespace declarations on an element: its in-scope namespaces that its
/// parent does not have (a plain approximation).
fn declared_namespaces(element: Node<'_, '_>) -> usize {
    let parent_count = match element.parent_element() {
        Some(parent) => parent.namespaces().len(),
        None => 0,
    };
    element.namespaces().len().saturating_sub(parent_count)
}

/// The root is `Envelope` in the SOAP 1.1 or 1.2 namespace (PROTOCOL 2.1).
fn envelope_namespace(envelope: Node<'_, '_>) -> Option<&'static str> {
    if envelope.tag_name().name() != "Envelope" {
        return None;
    }
    match envelope.tag_name().namespace() {
        Some(SOAP11) => Some(SOAP11),
        Some(SOAP12) => Some(SOAP12),
        _ => None,
    }
}

/// The element children of a node; `None` when it has text other than whitespace.
fn element_children<'a, 'i>(node: Node<'a, 'i>) -> Option<Vec<Node<'a, 'i>>> {
    let mut children = Vec::new();
    for child in node.children() {
        match child.node_type() {
            NodeType::Element => children.push(child),
            NodeType::Text if !is_xml_whitespace(child.text().unwrap_or("")) => return None,
            _ => {}
        }
    }
    Some(children)
}

fn is_xml_whitespace(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

fn is_named(node: Node<'_, '_>, namespace: &str, name: &str) -> bool {
    node.tag_name().namespace() == Some(namespace) && node.tag_name().name() == name
}

/// The envelope's children are an optional `Header` then a `Body`, nothing else.
/// `Some(None)` when there is no header; `None` when the envelope is malformed.
fn envelope_header<'a, 'i>(envelope: Node<'a, 'i>, soap: &str) -> Option<Option<Node<'a, 'i>>> {
    let children = element_children(envelope)?;
    match children.as_slice() {
        [body] if is_named(*body, soap, "Body") => Some(None),
        [header, body] if is_named(*header, soap, "Header") && is_named(*body, soap, "Body") => {
            Some(Some(*header))
        }
        _ => None,
    }
}

/// The `CrmAuthenticationToken` header block: at most one (a repeated one is an error);
/// `xsi:nil="true"` means absent; other header blocks are ignored (docs/codecs.md).
/// `Some(None)` when there is none.
fn token_header<'a, 'i>(header: Option<Node<'a, 'i>>) -> Option<Option<Node<'a, 'i>>> {
    let header = match header {
        Some(header) => header,
        None => return Some(None),
    };
    let blocks = element_children(header)?;
    let tokens: Vec<Node<'a, 'i>> = blocks
        .into_iter()
        .filter(|block| is_named(*block, WEB_SERVICES, "CrmAuthenticationToken"))
        .collect();
    match tokens.as_slice() {
        [] => Some(None),
        [token] => {
            if is_nil(*token) {
                Some(None)
            } else {
                Some(Some(*token))
            }
        }
        _ => None,
    }
}

/// `xsi:nil="true"` (or `1`).
fn is_nil(element: Node<'_, '_>) -> bool {
    matches!(element.attribute((XSI, "nil")), Some("true") | Some("1"))
}

/// The token's children, in CoreTypes, in this order: `AuthenticationType` (required),
/// `CrmTicket`?, `OrganizationName`?, `CallerId` (required); anything else is an error
/// (PROTOCOL 2.1; docs/codecs.md).
fn read_token(token: Node<'_, '_>) -> Option<Token> {
    let children = element_children(token)?;
    for child in &children {
        if child.tag_name().namespace() != Some(CORE_TYPES) {
            return None;
        }
    }
    let names: Vec<&str> = children.iter().map(|c| c.tag_name().name()).collect();
    let mut index = 0;
    let authentication_type = if names.get(index) == Some(&"AuthenticationType") {
        index += 1;
        parse_authentication_type(&simple_text(children[index - 1])?)?
    } else {
        return None;
    };
    let crm_ticket = if names.get(index) == Some(&"CrmTicket") {
        index += 1;
        Some(simple_text(children[index - 1])?)
    } else {
        None
    };
    let organization_name = if names.get(index) == Some(&"OrganizationName") {
        index += 1;
        Some(simple_text(children[index - 1])?)
    } else {
        None
    };
    let caller_id = if names.get(index) == Some(&"CallerId") {
        index += 1;
        parse_guid(&simple_text(children[index - 1])?)?
    } else {
        return None;
    };
    if index != children.len() {
        return None;
    }
    Some(Token { authentication_type, crm_ticket, organization_name, caller_id })
}

/// The text of an element that has no element children.
fn simple_text(element: Node<'_, '_>) -> Option<String> {
    let mut text = String::new();
    for child in element.children() {
        match child.node_type() {
            NodeType::Element => return None,
            NodeType::Text => text.push_str(child.text().unwrap_or("")),
            _ => {}
        }
    }
    Some(text)
}

fn trim_xml_whitespace(text: &str) -> &str {
    text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// `AuthenticationType` (xs:int): 0 AD, 1 Passport, 2 Spla; surrounding whitespace allowed.
fn parse_authentication_type(text: &str) -> Option<AuthenticationType> {
    let number: i64 = trim_xml_whitespace(text).parse().ok()?;
    if number < 0 {
        return None;
    }
    AuthenticationType::from_number(number as u64)
}

/// `CallerId` (a GUID); surrounding whitespace allowed.
fn parse_guid(text: &str) -> Option<Uuid> {
    Uuid::try_parse(trim_xml_whitespace(text)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(soap: &str, header: &str) -> String {
        format!(
            "<s:Envelope xmlns:s=\"{soap}\"><s:Header>{header}</s:Header><s:Body/></s:Envelope>"
        )
    }

    fn token_xml(children: &str) -> String {
        format!("<t:CrmAuthenticationToken xmlns:t=\"{WEB_SERVICES}\" xmlns:c=\"{CORE_TYPES}\">{children}</t:CrmAuthenticationToken>")
    }

    const NIL: &str = "<c:CallerId>00000000-0000-0000-0000-000000000000</c:CallerId>";

    #[test]
    fn full_token_in_both_soap_versions() {
        for soap in [SOAP11, SOAP12] {
            let body = envelope(
                soap,
                &token_xml(&format!("<c:AuthenticationType>1</c:AuthenticationType><c:CrmTicket>T</c:CrmTicket><c:OrganizationName>Contoso</c:OrganizationName>{NIL}")),
            );
            let token = decode_token(&body).unwrap();
            assert_eq!(token.authentication_type, AuthenticationType::Passport);
            assert_eq!(token.crm_ticket.as_deref(), Some("T"));
            assert_eq!(token.organization_name.as_deref(), Some("Contoso"));
            assert!(token.caller_id.is_nil());
        }
    }

    #[test]
    fn no_header_or_no_token_is_none() {
        let no_header = format!("<s:Envelope xmlns:s=\"{SOAP11}\"><s:Body/></s:Envelope>");
        assert_eq!(decode_token(&no_header), None);
        assert_eq!(decode_token(&envelope(SOAP11, "<x xmlns=\"urn:x\"/>")), None);
    }

    #[test]
    fn malformed_tokens_are_none() {
        let cases = [
            // wrong order
            format!("{NIL}<c:AuthenticationType>0</c:AuthenticationType>"),
            // missing CallerId
            "<c:AuthenticationType>0</c:AuthenticationType>".to_string(),
            // bad type
            format!("<c:AuthenticationType>3</c:AuthenticationType>{NIL}"),
            // unknown child
            format!("<c:AuthenticationType>0</c:AuthenticationType><c:X/>{NIL}"),
            // wrong namespace
            format!("<t:AuthenticationType>0</t:AuthenticationType>{NIL}"),
            // bad GUID
            "<c:AuthenticationType>0</c:AuthenticationType><c:CallerId>x</c:CallerId>".to_string(),
        ];
        for children in cases {
            assert_eq!(decode_token(&envelope(SOAP11, &token_xml(&children))), None, "{children}");
        }
        let ok = token_xml(&format!("<c:AuthenticationType>0</c:AuthenticationType>{NIL}"));
        assert!(decode_token(&envelope(SOAP11, &ok)).is_some());
        let twice = format!("{ok}{ok}");
        assert_eq!(decode_token(&envelope(SOAP11, &twice)), None);
        assert_eq!(decode_token("not xml"), None);
        assert_eq!(decode_token(&envelope("urn:not-soap", &ok)), None);
    }

    #[test]
    fn doctype_is_refused() {
        let ok = token_xml(&format!("<c:AuthenticationType>0</c:AuthenticationType>{NIL}"));
        let body = format!("<!DOCTYPE x []>{}", envelope(SOAP11, &ok));
        assert_eq!(decode_token(&body), None);
    }
}
