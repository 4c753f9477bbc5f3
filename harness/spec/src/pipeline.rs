//! The pipeline model and its XML reader (PROTOCOL 1.1; docs/pipeline.md "Document" and
//! "Configuration keys"; issue 11 rule 8).
//!
//! The reader is roxmltree (a DOM), not the engine's parser. It reads the whole document
//! into a tree, then walks it: wrappers `<steps>` and `<predicates>` are dissolved first,
//! then each element is checked against the rules, one function per rule.

use crate::error::SpecError;
use roxmltree::{Document, Node, NodeType, ParsingOptions};

/// A parsed pipeline: its steps, in document order (PROTOCOL 1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub steps: Vec<Step>,
}

/// One step: predicates in order, then exactly one provider (PROTOCOL 1.1, 1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub predicates: Vec<Predicate>,
    pub provider: Provider,
}

/// The built-in predicates (PROTOCOL 1.3) with their configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// True when the path equals one of `paths` (ASCII case-insensitive, query ignored).
    UrlPath { paths: Vec<String> },
    /// True when the method equals `method` (case-insensitive).
    HttpMethod { method: String },
    /// Always true.
    Always,
    /// True when `server_roles & roles != 0`.
    ServerRole { roles: u32 },
    /// True when an `MSCRMSession` cookie's value contains `ticket`.
    CookieExist,
    /// True when the client address is loopback or inside `IfdInternalNetworkAddress`.
    InternalRequestAddress,
    /// The negation of `InternalRequestAddress`.
    ExternalRequestAddress,
}

/// The token types of PROTOCOL 2.1 (`AuthenticationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthenticationType {
    Ad,
    Passport,
    Spla,
}

impl AuthenticationType {
    /// 0 → AD, 1 → Passport, 2 → Spla (PROTOCOL 2.1); anything else is none.
    pub fn from_number(number: u64) -> Option<AuthenticationType> {
        match number {
            0 => Some(AuthenticationType::Ad),
            1 => Some(AuthenticationType::Passport),
            2 => Some(AuthenticationType::Spla),
            _ => None,
        }
    }
}

/// The built-in providers (PROTOCOL 1.4) with their configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    PassThrough,
    Reject,
    Windows,
    AnyOrganizationWindows,
    ConfigDbWindows,
    CrmPostAuthentication,
    /// Redirect to the configured `url`.
    Redirect {
        url: String,
    },
    CrmServiceRedirect,
    IfdRedirect,
    /// `Crm2006.SingleOrganizationSoapHeaderAuthenticationProvider`.
    SingleOrganizationSoapHeader,
    /// `Crm2007.MultipleOrganizationSoapHeaderAuthenticationProvider` with the token types
    /// of its `authenticationTypeN` keys.
    MultipleOrganizationSoapHeader {
        types: Vec<AuthenticationType>,
    },
    /// `Crm2007.CookieAndSoapHeaderAuthenticationProvider`.
    CookieAndSoapHeader,
}

impl Provider {
    /// The short class name printed in an outcome's `provider`.
    pub fn class_name(&self) -> &'static str {
        match self {
            Provider::PassThrough => "PassThroughAuthenticationProvider",
            Provider::Reject => "RejectAuthenticationProvider",
            Provider::Windows => "WindowsAuthenticationProvider",
            Provider::AnyOrganizationWindows => "AnyOrganizationWindowsAuthenticationProvider",
            Provider::ConfigDbWindows => "ConfigDBWindowsAuthenticationProvider",
            Provider::CrmPostAuthentication => "CrmPostAuthenticationProvider",
            Provider::Redirect { .. } => "RedirectAuthenticationProvider",
            Provider::CrmServiceRedirect => "CrmServiceRedirectAuthenticationProvider",
            Provider::IfdRedirect => "IfdRedirectAuthenticationProvider",
            Provider::SingleOrganizationSoapHeader => {
                "SingleOrganizationSoapHeaderAuthenticationProvider"
            }
            Provider::MultipleOrganizationSoapHeader { .. } => {
                "MultipleOrganizationSoapHeaderAuthenticationProvider"
            }
            Provider::CookieAndSoapHeader => "CookieAndSoapHeaderAuthenticationProvider",
        }
    }
}

// ---------------------------------------------------------------------------------------
// Limits (docs/pipeline.md "Document": 4 MiB, depth 16, 10,000 steps, 64 predicates a
// step, 256 configuration entries per element).

const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;
const MAX_DEPTH: usize = 16;
const MAX_STEPS: usize = 10_000;
const MAX_PREDICATES_PER_STEP: usize = 64;
const MAX_CONFIGURATION_ENTRIES: usize = 256;

// Class names (PROTOCOL 1.3, 1.4). Types resolve by the full class name only.
const NS_AUTH: &str = "Microsoft.Crm.Authentication.";
const NS_CRM2006: &str = "Microsoft.Crm.WebServices.Crm2006.";
const NS_CRM2007: &str = "Microsoft.Crm.WebServices.Crm2007.";

/// Read a pipeline document (PROTOCOL 1.1; docs/pipeline.md "Document"; issue 11 rule 8).
/// Every violation is a [`SpecError::Pipeline`] with a line and column.
pub fn load_pipeline(xml: &str) -> Result<Pipeline, SpecError> {
    check_document_size(xml)?;
    // allow_dtd: false refuses any DOCTYPE declaration (docs/pipeline.md "Document").
    let options = ParsingOptions { allow_dtd: false, ..ParsingOptions::default() };
    let document =
        Document::parse_with_options(xml, options).map_err(|error| xml_error(xml, &error))?;
    let root = document.root_element();
    check_depth(root, 1)?;
    check_no_namespaces(root)?;
    check_element_name(root, "pipeline")?;
    check_attributes(root, &[])?;
    let steps = read_pipeline_children(root)?;
    if steps.len() > MAX_STEPS {
        return Err(config_error(root, format!("more than {MAX_STEPS} steps ({})", steps.len())));
    }
    Ok(Pipeline { steps })
}

/// A roxmltree error as a configuration error. roxmltree gives no position for a DOCTYPE
/// (the model points at the declaration) nor for a truncated document (the end).
fn xml_error(xml: &str, error: &roxmltree::Error) -> SpecError {
    let (line, column, message) = match error {
        roxmltree::Error::DtdDetected => {
            let offset = xml.find("<!DOCTYPE").unwrap_or(0);
            let (line, column) = crate::xml::line_column(xml, offset);
            (line, column, "DOCTYPE declarations are refused".to_string())
        }
        roxmltree::Error::UnclosedRootNode | roxmltree::Error::UnexpectedEndOfStream => {
            let (line, column) = crate::xml::line_column(xml, xml.len());
            (line, column, format!("not well-formed XML: {error}"))
        }
        other => {
            let position = other.pos();
            (position.row, position.col, format!("not well-formed XML: {other}"))
        }
    };
    SpecError::Pipeline { line, column, message }
}

/// Limit: at most 4 MiB.
fn check_document_size(xml: &str) -> Result<(), SpecError> {
    if xml.len() > MAX_DOCUMENT_BYTES {
        return Err(SpecError::Pipeline {
            line: 1,
            column: 1,
            message: format!("document larger than {MAX_DOCUMENT_BYTES} bytes"),
        });
    }
    Ok(())
}

/// A configuration error located at `node`'s start.
fn config_error(node: Node<'_, '_>, message: String) -> SpecError {
    let position = node.document().text_pos_at(node.range().start);
    SpecError::Pipeline { line: position.row, column: position.col, message }
}

/// Limit: element nesting depth at most 16 (the `<pipeline>` element is depth 1).
fn check_depth(element: Node<'_, '_>, depth: usize) -> Result<(), SpecError> {
    if depth > MAX_DEPTH {
        return Err(config_error(element, format!("nesting deeper than {MAX_DEPTH} elements")));
    }
    for child in element.children().filter(|n| n.is_element()) {
        check_depth(child, depth + 1)?;
    }
    Ok(())
}

/// Rule 8: an element in any XML namespace is a configuration error.
fn check_no_namespaces(element: Node<'_, '_>) -> Result<(), SpecError> {
    if let Some(uri) = element.tag_name().namespace() {
        return Err(config_error(
            element,
            format!(
                "element <{}> is in namespace {uri:?}; pipeline elements have none",
                element.tag_name().name()
            ),
        ));
    }
    for child in element.children().filter(|n| n.is_element()) {
        check_no_namespaces(child)?;
    }
    Ok(())
}

/// The element must be named `expected`.
fn check_element_name(element: Node<'_, '_>, expected: &str) -> Result<(), SpecError> {
    let name = element.tag_name().name();
    if name != expected {
        return Err(config_error(
            element,
            format!("unknown element <{name}> (expected <{expected}>)"),
        ));
    }
    Ok(())
}

/// Fail closed: the element may carry only the `allowed` attributes (namespace
/// declarations are not attributes). Each listed attribute is checked for presence by the
/// caller.
fn check_attributes(element: Node<'_, '_>, allowed: &[&str]) -> Result<(), SpecError> {
    for attribute in element.attributes() {
        let known = attribute.namespace().is_none() && allowed.contains(&attribute.name());
        if !known {
            return Err(config_error(
                element,
                format!(
                    "unknown attribute {:?} on <{}>",
                    attribute.name(),
                    element.tag_name().name()
                ),
            ));
        }
    }
    Ok(())
}

/// The content of `element` with `<steps>` and `<predicates>` wrappers dissolved, at any
/// nesting (PROTOCOL 1.1; rule 8): the element children, in document order. Text other
/// than whitespace is an error (docs/pipeline.md "Document"); comments and processing
/// instructions are ignored.
fn children_without_wrappers<'a, 'i>(
    element: Node<'a, 'i>,
) -> Result<Vec<Node<'a, 'i>>, SpecError> {
    let mut result = Vec::new();
    for child in element.children() {
        match child.node_type() {
            NodeType::Element => {
                let name = child.tag_name().name();
                if name == "steps" || name == "predicates" {
                    check_attributes(child, &[])?;
                    result.extend(children_without_wrappers(child)?);
                } else {
                    result.push(child);
                }
            }
            NodeType::Text => check_whitespace_text(child)?,
            _ => {}
        }
    }
    Ok(result)
}

/// Text inside pipeline elements may only be XML whitespace.
fn check_whitespace_text(text: Node<'_, '_>) -> Result<(), SpecError> {
    let content = text.text().unwrap_or("");
    let only_whitespace = content.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    if !only_whitespace {
        return Err(config_error(text, "unexpected text".to_string()));
    }
    Ok(())
}

/// `<pipeline>` content: `<step>` elements, or the flat form (predicates and providers
/// straight under `<pipeline>`, each provider closing a step) (docs/pipeline.md
/// "Document").
fn read_pipeline_children(pipeline: Node<'_, '_>) -> Result<Vec<Step>, SpecError> {
    let mut steps = Vec::new();
    let mut pending_predicates: Vec<Predicate> = Vec::new();
    let mut first_pending: Option<Node<'_, '_>> = None;
    for child in children_without_wrappers(pipeline)? {
        match child.tag_name().name() {
            "step" => {
                if let Some(open) = first_pending {
                    return Err(config_error(
                        open,
                        "a step of the flat form has no provider".to_string(),
                    ));
                }
                steps.push(read_step(child)?);
            }
            "predicate" => {
                pending_predicates.push(read_predicate(child)?);
                check_predicate_count(child, pending_predicates.len())?;
                first_pending.get_or_insert(child);
            }
            "provider" => {
                let provider = read_provider(child)?;
                steps.push(Step { predicates: std::mem::take(&mut pending_predicates), provider });
                first_pending = None;
            }
            other => {
                return Err(config_error(child, format!("unknown element <{other}> in <pipeline>")))
            }
        }
    }
    if let Some(open) = first_pending {
        return Err(config_error(open, "a step of the flat form has no provider".to_string()));
    }
    Ok(steps)
}

/// Limit: at most 64 predicates a step.
fn check_predicate_count(at: Node<'_, '_>, count: usize) -> Result<(), SpecError> {
    if count > MAX_PREDICATES_PER_STEP {
        return Err(config_error(
            at,
            format!("more than {MAX_PREDICATES_PER_STEP} predicates in a step"),
        ));
    }
    Ok(())
}

/// `<step>`: predicates, then exactly one provider; a predicate after the provider, no
/// provider, or two providers is an error (PROTOCOL 1.1).
fn read_step(step: Node<'_, '_>) -> Result<Step, SpecError> {
    check_attributes(step, &[])?;
    let mut predicates = Vec::new();
    let mut provider: Option<Provider> = None;
    for child in children_without_wrappers(step)? {
        match child.tag_name().name() {
            "predicate" => {
                if provider.is_some() {
                    return Err(config_error(child, "a predicate after the provider".to_string()));
                }
                predicates.push(read_predicate(child)?);
                check_predicate_count(child, predicates.len())?;
            }
            "provider" => {
                if provider.is_some() {
                    return Err(config_error(child, "a step with two providers".to_string()));
                }
                provider = Some(read_provider(child)?);
            }
            other => {
                return Err(config_error(child, format!("unknown element <{other}> in <step>")))
            }
        }
    }
    match provider {
        Some(provider) => Ok(Step { predicates, provider }),
        None => Err(config_error(step, "a step with no provider".to_string())),
    }
}

/// The full class name of a type string: the text before the first `,`, trimmed
/// (docs/pipeline.md: types resolve by the full class name only).
fn class_name_of(type_string: &str) -> &str {
    let before_comma = match type_string.split_once(',') {
        Some((name, _rest)) => name,
        None => type_string,
    };
    before_comma.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// The `type` attribute (required).
fn read_type_attribute<'a>(element: Node<'a, '_>) -> Result<&'a str, SpecError> {
    check_attributes(element, &["type"])?;
    match element.attribute("type") {
        Some(value) => Ok(class_name_of(value)),
        None => {
            Err(config_error(element, format!("<{}> without a type", element.tag_name().name())))
        }
    }
}

/// One `<configuration key=… value=…/>` entry.
struct Entry<'a, 'i> {
    node: Node<'a, 'i>,
    key: &'a str,
    value: &'a str,
}

/// The `<configuration>` children of a predicate or provider: only those, each with `key`
/// and `value`, no content, no key twice, at most 256.
fn read_configuration<'a, 'i>(element: Node<'a, 'i>) -> Result<Vec<Entry<'a, 'i>>, SpecError> {
    let mut entries: Vec<Entry<'a, 'i>> = Vec::new();
    for child in element.children() {
        match child.node_type() {
            NodeType::Element => {}
            NodeType::Text => {
                check_whitespace_text(child)?;
                continue;
            }
            _ => continue,
        }
        check_element_name(child, "configuration")?;
        check_attributes(child, &["key", "value"])?;
        check_empty_configuration(child)?;
        let key = match child.attribute("key") {
            Some(key) => key,
            None => return Err(config_error(child, "configuration without a key".into())),
        };
        let value = match child.attribute("value") {
            Some(value) => value,
            None => {
                return Err(config_error(child, format!("configuration {key:?} without a value")))
            }
        };
        if entries.iter().any(|entry| entry.key == key) {
            return Err(config_error(child, format!("duplicate key {key:?}")));
        }
        entries.push(Entry { node: child, key, value });
        if entries.len() > MAX_CONFIGURATION_ENTRIES {
            return Err(config_error(
                child,
                format!("more than {MAX_CONFIGURATION_ENTRIES} configuration entries"),
            ));
        }
    }
    Ok(entries)
}

/// `<configuration>` has no element children and no text other than whitespace.
fn check_empty_configuration(configuration: Node<'_, '_>) -> Result<(), SpecError> {
    for child in configuration.children() {
        match child.node_type() {
            NodeType::Element => {
                return Err(config_error(
                    child,
                    format!("unknown element <{}> in <configuration>", child.tag_name().name()),
                ))
            }
            NodeType::Text => check_whitespace_text(child)?,
            _ => {}
        }
    }
    Ok(())
}

/// A class that takes no configuration: any entry is an unknown key.
fn expect_no_configuration(entries: &[Entry<'_, '_>]) -> Result<(), SpecError> {
    match entries.first() {
        Some(entry) => Err(config_error(entry.node, format!("unknown key {:?}", entry.key))),
        None => Ok(()),
    }
}

/// A class that takes exactly the one key `key`: returns its value.
fn expect_single_key<'a>(
    element: Node<'_, '_>,
    entries: &[Entry<'a, '_>],
    key: &str,
) -> Result<&'a str, SpecError> {
    for entry in entries {
        if entry.key != key {
            return Err(config_error(entry.node, format!("unknown key {:?}", entry.key)));
        }
    }
    match entries.first() {
        Some(entry) => Ok(entry.value),
        None => Err(config_error(element, format!("missing key {key:?}"))),
    }
}

/// Rule 8: an integer configuration value is ASCII digits only (no sign, no spaces),
/// within `max`.
fn parse_digits(value: &str, max: u64) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut number: u64 = 0;
    for byte in value.bytes() {
        number = number.checked_mul(10)?;
        number = number.checked_add(u64::from(byte - b'0'))?;
    }
    if number > max {
        return None;
    }
    Some(number)
}

/// RFC 9110 `token`: one or more tchar.
fn is_http_token(value: &str) -> bool {
    !value.is_empty()
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// `<predicate type=…>` (PROTOCOL 1.3; docs/pipeline.md "Configuration keys").
fn read_predicate(element: Node<'_, '_>) -> Result<Predicate, SpecError> {
    let class = read_type_attribute(element)?;
    let entries = read_configuration(element)?;
    let short = match class.strip_prefix(NS_AUTH) {
        Some(short) => short,
        None => return Err(unknown_type(element, class)),
    };
    match short {
        "UrlPathPredicate" => read_url_path(element, &entries),
        "HttpMethodPredicate" => {
            let method = expect_single_key(element, &entries, "method")?;
            if !is_http_token(method) {
                return Err(config_error(
                    entries[0].node,
                    format!("method {method:?} is not an HTTP token"),
                ));
            }
            Ok(Predicate::HttpMethod { method: method.to_string() })
        }
        "AlwaysAuthenticationPredicate" => {
            expect_no_configuration(&entries)?;
            Ok(Predicate::Always)
        }
        "ServerRolePredicate" => {
            let roles = expect_single_key(element, &entries, "roles")?;
            match parse_digits(roles, u64::from(u32::MAX)) {
                Some(number) => Ok(Predicate::ServerRole { roles: number as u32 }),
                None => Err(config_error(
                    entries[0].node,
                    format!("roles {roles:?} is not an unsigned 32-bit integer"),
                )),
            }
        }
        "CookieExistPredicate" => {
            expect_no_configuration(&entries)?;
            Ok(Predicate::CookieExist)
        }
        "InternalRequestAddressPredicate" => {
            expect_no_configuration(&entries)?;
            Ok(Predicate::InternalRequestAddress)
        }
        "ExternalRequestAddressPredicate" => {
            expect_no_configuration(&entries)?;
            Ok(Predicate::ExternalRequestAddress)
        }
        _ => Err(unknown_type(element, class)),
    }
}

/// `UrlPathPredicate`: any keys; every value a path starting with `/`; at least one.
fn read_url_path(element: Node<'_, '_>, entries: &[Entry<'_, '_>]) -> Result<Predicate, SpecError> {
    if entries.is_empty() {
        return Err(config_error(element, "UrlPathPredicate without a path".to_string()));
    }
    let mut paths = Vec::new();
    for entry in entries {
        if !entry.value.starts_with('/') {
            return Err(config_error(
                entry.node,
                format!("path {:?} does not start with '/'", entry.value),
            ));
        }
        paths.push(entry.value.to_string());
    }
    Ok(Predicate::UrlPath { paths })
}

fn unknown_type(element: Node<'_, '_>, class: &str) -> SpecError {
    config_error(element, format!("unknown {} type {class:?}", element.tag_name().name()))
}

/// `<provider type=…>` (PROTOCOL 1.4; docs/pipeline.md "Configuration keys").
fn read_provider(element: Node<'_, '_>) -> Result<Provider, SpecError> {
    let class = read_type_attribute(element)?;
    let entries = read_configuration(element)?;
    if let Some(short) = class.strip_prefix(NS_AUTH) {
        let provider = match short {
            "PassThroughAuthenticationProvider" => Provider::PassThrough,
            "RejectAuthenticationProvider" => Provider::Reject,
            "WindowsAuthenticationProvider" => Provider::Windows,
            "AnyOrganizationWindowsAuthenticationProvider" => Provider::AnyOrganizationWindows,
            "ConfigDBWindowsAuthenticationProvider" => Provider::ConfigDbWindows,
            "CrmPostAuthenticationProvider" => Provider::CrmPostAuthentication,
            "CrmServiceRedirectAuthenticationProvider" => Provider::CrmServiceRedirect,
            "IfdRedirectAuthenticationProvider" => Provider::IfdRedirect,
            "RedirectAuthenticationProvider" => {
                let url = expect_single_key(element, &entries, "url")?;
                return Ok(Provider::Redirect { url: url.to_string() });
            }
            _ => return Err(unknown_type(element, class)),
        };
        expect_no_configuration(&entries)?;
        return Ok(provider);
    }
    if class.strip_prefix(NS_CRM2006) == Some("SingleOrganizationSoapHeaderAuthenticationProvider")
    {
        expect_no_configuration(&entries)?;
        return Ok(Provider::SingleOrganizationSoapHeader);
    }
    match class.strip_prefix(NS_CRM2007) {
        Some("MultipleOrganizationSoapHeaderAuthenticationProvider") => {
            read_multiple_organization(element, &entries)
        }
        Some("CookieAndSoapHeaderAuthenticationProvider") => {
            expect_no_configuration(&entries)?;
            Ok(Provider::CookieAndSoapHeader)
        }
        _ => Err(unknown_type(element, class)),
    }
}

/// `MultipleOrganizationSoapHeaderAuthenticationProvider`: keys `authenticationTypeN`
/// (N ASCII digits), values 0, 1 or 2 (ASCII digits only); at least one key (ours: a
/// provider that accepts no token type is taken for a mistake, fail closed).
fn read_multiple_organization(
    element: Node<'_, '_>,
    entries: &[Entry<'_, '_>],
) -> Result<Provider, SpecError> {
    let mut types = Vec::new();
    for entry in entries {
        let index = entry.key.strip_prefix("authenticationType");
        let index_is_digits = match index {
            Some(digits) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
            None => false,
        };
        if !index_is_digits {
            return Err(config_error(entry.node, format!("unknown key {:?}", entry.key)));
        }
        let number = parse_digits(entry.value, 2);
        match number.and_then(AuthenticationType::from_number) {
            Some(kind) => types.push(kind),
            None => {
                return Err(config_error(
                    entry.node,
                    format!(
                        "{} = {:?} is not an authentication type (0, 1 or 2)",
                        entry.key, entry.value
                    ),
                ))
            }
        }
    }
    if types.is_empty() {
        return Err(config_error(element, "missing key \"authenticationType0\"".to_string()));
    }
    Ok(Provider::MultipleOrganizationSoapHeader { types })
}
