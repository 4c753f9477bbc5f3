//! Strategies for the client codecs (PROTOCOL section 2): SOAP versions and arbitrary
//! prefixes, CRM headers, discovery and CrmService messages, fault documents (every
//! spelling of every code, and decoys), `Cookie` headers, and hostile bytes for the
//! decoders.
//!
//! Tickets and passwords are random text wrapped in [`Ticket`]/[`Secret`], so a
//! counterexample's `Debug` never shows them in full.

use crate::codec::cookie::{self, MsCrmSession};
use crate::codec::discovery::OrganizationDetail;
use crate::codec::discovery::{self, Credentials, DiscoveryRequest, DiscoveryResponse};
use crate::codec::fault::{self, ErrorCode, KNOWN_CODES};
use crate::codec::ns::{CORE_NS, DISCO_NS, QUERY_NS, WS_NS};
use crate::codec::service::{self, ServiceRequest, ServiceResponse};
use crate::codec::token::{
    self, AuthenticationType, CallerOrigin, CallerOriginToken, CorrelationToken,
    CrmAuthenticationToken, CrmHeaders,
};
use crate::codec::xml::{escape_attr, escape_text, Prefixes, XSD_NS, XSI_NS};
use crate::codec::{Secret, SoapVersion, Ticket};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use std::fmt;
use uuid::Uuid;

/// SOAP 1.1 or 1.2.
pub fn arb_soap_version() -> impl Strategy<Value = SoapVersion> {
    prop_oneof![Just(SoapVersion::V11), Just(SoapVersion::V12)]
}

/// A SOAP version and distinct arbitrary prefixes for every namespace a CRM message uses;
/// sometimes one element namespace is the default namespace instead.
pub fn arb_prefixes() -> impl Strategy<Value = (SoapVersion, Prefixes)> {
    (
        arb_soap_version(),
        prop::collection::btree_set("[a-wyz_][a-z0-9._-]{0,4}", 7),
        prop::option::of(0usize..6),
    )
        .prop_map(|(v, names, default)| {
            let nss = [v.namespace(), WS_NS, CORE_NS, DISCO_NS, QUERY_NS, XSD_NS, XSI_NS];
            let bindings: Vec<(&str, &str)> = nss
                .iter()
                .zip(names.iter())
                .enumerate()
                .map(|(i, (ns, p))| (*ns, if Some(i) == default { "" } else { p.as_str() }))
                .collect();
            // The names avoid `xml…` and are distinct NCNames, so this cannot fail; fall
            // back to the standard prefixes rather than panic.
            let prefixes = Prefixes::new(&bindings).unwrap_or_else(|_| service::prefixes(v));
            (v, prefixes)
        })
}

/// Short text with XML specials, whitespace (CR included) and non-ASCII characters.
pub fn arb_text() -> impl Strategy<Value = String> {
    "[\\t\\n\\r -~\u{e9}\u{4e2d}\u{1f600}]{0,24}"
}

/// Any GUID.
pub fn arb_uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

/// A `CrmAuthenticationToken` of any authentication type, with or without ticket and
/// organization.
pub fn arb_token() -> impl Strategy<Value = CrmAuthenticationToken> {
    (0i64..3, prop::option::of(arb_text()), prop::option::of(arb_text()), arb_uuid()).prop_map(
        |(a, t, o, c)| CrmAuthenticationToken {
            authentication_type: AuthenticationType::from_code(a).unwrap_or(AuthenticationType::Ad),
            crm_ticket: t.map(Ticket::new),
            organization_name: o,
            caller_id: c,
        },
    )
}

/// Any combination of the CRM headers: token, `CallerOriginToken`, `CorrelationToken`.
pub fn arb_headers() -> impl Strategy<Value = CrmHeaders> {
    let origin = prop_oneof![
        Just(CallerOrigin::ApplicationOrigin),
        Just(CallerOrigin::AsyncServiceOrigin),
        Just(CallerOrigin::WebServiceApiOrigin),
        prop::option::of(arb_text())
            .prop_map(|t| CallerOrigin::OfflineOrigin { offline_timestamp: t }),
    ];
    (
        prop::option::of(arb_token()),
        prop::option::of(
            prop::option::of(origin).prop_map(|o| CallerOriginToken { caller_origin: o }),
        ),
        prop::option::of((arb_uuid(), prop::option::of(arb_text()), any::<i32>()).prop_map(
            |(i, t, d)| CorrelationToken {
                correlation_id: i,
                correlation_updated_time: t,
                depth: d,
            },
        )),
    )
        .prop_map(|(token, caller_origin, correlation)| CrmHeaders {
            token,
            caller_origin,
            correlation,
        })
}

/// Discovery credentials: a Passport ticket, or a user and password.
pub fn arb_credentials() -> impl Strategy<Value = Credentials> {
    prop_oneof![
        arb_text().prop_map(|t| Credentials::Passport { passport_ticket: Ticket::new(t) }),
        (arb_text(), arb_text())
            .prop_map(|(u, p)| Credentials::UserPassword { user_id: u, password: Secret::new(p) }),
    ]
}

/// An `OrganizationDetail` with any optional field absent.
pub fn arb_organization_detail() -> impl Strategy<Value = OrganizationDetail> {
    (arb_uuid(), prop::collection::vec(prop::option::of(arb_text()), 5)).prop_map(|(id, f)| {
        OrganizationDetail {
            organization_id: id,
            organization_name: f[0].clone(),
            friendly_name: f[1].clone(),
            crm_metadata_service_url: f[2].clone(),
            crm_service_url: f[3].clone(),
            web_application_url: f[4].clone(),
        }
    })
}

/// Every discovery request (PROTOCOL 2.2).
pub fn arb_discovery_request() -> impl Strategy<Value = DiscoveryRequest> {
    prop_oneof![
        Just(DiscoveryRequest::RetrievePolicy),
        arb_credentials().prop_map(|c| DiscoveryRequest::RetrieveOrganizations { credentials: c }),
        (arb_text(), arb_credentials()).prop_map(|(o, c)| DiscoveryRequest::RetrieveCrmTicket {
            organization_name: o,
            credentials: c
        }),
        (arb_text(), arb_text(), arb_text()).prop_map(|(e, t, o)| {
            DiscoveryRequest::RetrieveCrmUserIdByExternalId {
                external_id: e,
                passport_ticket: Ticket::new(t),
                organization_name: o,
            }
        }),
    ]
}

/// Every discovery response (PROTOCOL 2.2).
pub fn arb_discovery_response() -> impl Strategy<Value = DiscoveryResponse> {
    prop_oneof![
        prop::option::of(arb_text()).prop_map(|p| DiscoveryResponse::RetrievePolicy { policy: p }),
        prop::collection::vec(arb_organization_detail(), 0..3)
            .prop_map(|o| DiscoveryResponse::RetrieveOrganizations { organization_details: o }),
        (
            prop::option::of(arb_text()),
            prop::option::of(arb_organization_detail()),
            prop::option::of(arb_text())
        )
            .prop_map(|(t, o, e)| DiscoveryResponse::RetrieveCrmTicket {
                crm_ticket: t.map(Ticket::new),
                organization_detail: o,
                expiration_date: e,
            }),
        arb_uuid()
            .prop_map(|u| DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id: u }),
    ]
}

/// `WhoAmI` or `Retrieve` (PROTOCOL 2.3 step 6).
pub fn arb_service_request() -> impl Strategy<Value = ServiceRequest> {
    prop_oneof![
        Just(ServiceRequest::WhoAmI),
        (arb_text(), arb_uuid(), prop::collection::vec(arb_text(), 0..3))
            .prop_map(|(e, id, c)| ServiceRequest::Retrieve { entity_name: e, id, columns: c }),
    ]
}

/// The `WhoAmI` and `Retrieve systemuser` responses.
pub fn arb_service_response() -> impl Strategy<Value = ServiceResponse> {
    prop_oneof![
        (arb_uuid(), arb_uuid(), arb_uuid()).prop_map(|(a, b, c)| ServiceResponse::WhoAmI {
            user_id: a,
            business_unit_id: b,
            organization_id: c
        }),
        prop::option::of(arb_text())
            .prop_map(|f| ServiceResponse::RetrieveSystemUser { fullname: f }),
    ]
}

/// An error code: mostly the expired-ticket code, often another known one, sometimes any.
pub fn arb_error_code() -> impl Strategy<Value = ErrorCode> {
    prop_oneof![
        2 => Just(ErrorCode::EXPIRED_TICKET),
        2 => select(KNOWN_CODES).prop_map(|(c, _)| ErrorCode(c)),
        1 => any::<u32>().prop_map(ErrorCode),
    ]
}

/// An error code other than 8004A101.
pub fn arb_other_error_code() -> impl Strategy<Value = ErrorCode> {
    arb_error_code().prop_filter("not the expired-ticket code", |c| !c.is_expired_ticket())
}

/// `code` as text in any spelling PROTOCOL 2.4 accepts: an optional `0x`/`0X`, hex digits
/// of mixed case, leading zeros dropped or kept, whitespace around.
pub fn arb_code_text(code: ErrorCode) -> impl Strategy<Value = String> {
    (
        select(vec!["", "0x", "0X"]),
        any::<u8>(),
        any::<bool>(),
        "[ \\t\\r\\n]{0,3}",
        "[ \\t\\r\\n]{0,3}",
    )
        .prop_map(move |(prefix, case_mask, strip_zeros, before, after)| {
            let hex: String = format!("{:08X}", code.0)
                .chars()
                .enumerate()
                .map(|(i, c)| if case_mask >> i & 1 == 1 { c.to_ascii_lowercase() } else { c })
                .collect();
            let hex = match hex.trim_start_matches('0') {
                "" if strip_zeros => "0",
                kept if strip_zeros => kept,
                _ => hex.as_str(),
            };
            format!("{before}{prefix}{hex}{after}")
        })
}

/// `code` as the content of an element (XML), spelled by [`arb_code_text`] and written as
/// plain text, CDATA, with one character as a character reference, or split by a comment.
pub fn arb_code_spelling(code: ErrorCode) -> impl Strategy<Value = String> {
    (arb_code_text(code), 0usize..4, any::<Index>()).prop_map(|(text, form, at)| {
        let code = text.trim();
        let start = text.find(code).unwrap_or(0);
        let (before, after) =
            (escape_text(&text[..start]), escape_text(&text[start + code.len()..]));
        let i = at.index(code.len().max(1)).min(code.len().saturating_sub(1));
        let (head, tail) = code.split_at(i);
        let inner = match form {
            0 => code.to_owned(),
            1 => format!("<![CDATA[{code}]]>"),
            2 => match tail.chars().next() {
                Some(c) => format!("{head}&#x{:X};{}", c as u32, &tail[c.len_utf8()..]),
                None => code.to_owned(),
            },
            _ => format!("{head}<!--x-->{tail}"),
        };
        format!("{before}{inner}{after}")
    })
}

/// A SOAP fault document and the code in its `detail/error/code` (None: no code there).
#[derive(Clone, PartialEq, Eq)]
pub struct FaultDoc {
    /// SOAP 1.1 or 1.2: the envelope namespace the document uses.
    pub version: SoapVersion,
    /// The code in `detail/error/code`, which the robust reader must return (PROTOCOL 2.4);
    /// `None` when there is none there (only decoys).
    pub code: Option<ErrorCode>,
    /// The whole envelope, as XML text.
    pub xml: String,
}

impl fmt::Debug for FaultDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code.map_or("none".to_owned(), |c| c.to_string());
        write!(f, "\nSOAP {:?}, detail code {code}:\n{}\n", self.version, self.xml)
    }
}

/// A CRM-shaped fault envelope with SOAP prefix `p` (non-empty), `faultstring` (escaped
/// here) and raw XML for the extra header blocks and the detail's content.
pub fn fault_document(
    v: SoapVersion,
    p: &str,
    faultstring: &str,
    header_xml: &str,
    detail_xml: &str,
) -> String {
    let ns = v.namespace();
    let fs = escape_text(faultstring);
    let header = if header_xml.is_empty() {
        String::new()
    } else {
        format!("<{p}:Header>{header_xml}</{p}:Header>")
    };
    let fault = match v {
        SoapVersion::V11 => format!(
            "<faultcode>{p}:Server</faultcode><faultstring>{fs}</faultstring><detail>{detail_xml}</detail>"
        ),
        SoapVersion::V12 => format!(
            "<{p}:Code><{p}:Value>{p}:Receiver</{p}:Value></{p}:Code><{p}:Reason><{p}:Text xml:lang=\"en\">{fs}</{p}:Text></{p}:Reason><{p}:Detail>{detail_xml}</{p}:Detail>"
        ),
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><{p}:Envelope xmlns:{p}=\"{ns}\">{header}<{p}:Body><{p}:Fault>{fault}</{p}:Fault></{p}:Body></{p}:Envelope>"
    )
}

fn arb_soap_prefix() -> impl Strategy<Value = String> {
    prop_oneof![Just("soap".to_owned()), Just("env".to_owned()), "[a-wyz_][a-z0-9._-]{0,4}"]
}

/// `detail/error` children (raw XML) in the order given by `order` (a permutation index).
fn permuted(mut parts: Vec<String>, order: usize) -> String {
    let mut out = String::new();
    let mut k = order;
    while !parts.is_empty() {
        let n = parts.len();
        out.push_str(&parts.remove(k % n));
        k /= n;
    }
    out
}

/// Fault documents whose detail code is any code in any spelling (weighted towards
/// 8004A101), SOAP 1.1 or 1.2, any SOAP prefix, `code`/`description`/`type` in any order.
pub fn arb_fault_spelling() -> impl Strategy<Value = FaultDoc> {
    arb_error_code()
        .prop_flat_map(|code| (Just(code), arb_code_spelling(code)))
        .prop_flat_map(|(code, spelled)| {
            (
                Just(code),
                Just(spelled),
                arb_soap_version(),
                arb_soap_prefix(),
                0usize..6,
                arb_text(),
            )
        })
        .prop_map(|(code, spelled, version, p, order, description)| {
            let parts = vec![
                format!("<code>{spelled}</code>"),
                format!("<description>{}</description>", escape_text(&description)),
                "<type>Platform</type>".to_owned(),
            ];
            let detail = format!("<error>{}</error>", permuted(parts, order));
            let xml = fault_document(version, &p, fault::FAULTSTRING, "", &detail);
            FaultDoc { version, code: Some(code), xml }
        })
}

/// Where a decoy 8004A101 is put in a fault whose real code is something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoy {
    /// The text of `description`.
    Description,
    /// CDATA in `description` that looks like a `code` element.
    DescriptionCdata,
    /// The fault string / reason text.
    Faultstring,
    /// An attribute of `error`.
    ErrorAttribute,
    /// An attribute of `code`.
    CodeAttribute,
    /// A `code` in another element of the detail, before `error`.
    OtherElement,
    /// A `code` nested deeper inside `error`.
    Nested,
    /// A `code` in another namespace, before the real one.
    Namespaced,
    /// A header block `<error><code>…</code></error>`.
    Header,
    /// A commented-out `code` in `error`.
    Comment,
    /// The `type` element.
    Type,
    /// A second `code` after the first (the first counts).
    SecondCode,
    /// A second `error` after the first (the first counts).
    SecondError,
}

/// Every decoy place.
pub const DECOYS: [Decoy; 13] = [
    Decoy::Description,
    Decoy::DescriptionCdata,
    Decoy::Faultstring,
    Decoy::ErrorAttribute,
    Decoy::CodeAttribute,
    Decoy::OtherElement,
    Decoy::Nested,
    Decoy::Namespaced,
    Decoy::Header,
    Decoy::Comment,
    Decoy::Type,
    Decoy::SecondCode,
    Decoy::SecondError,
];

/// Fault documents with 8004A101 (any spelling) planted in one to four decoy places and a
/// real detail code that is another code, or none.
pub fn arb_decoy_fault() -> impl Strategy<Value = FaultDoc> {
    (
        prop::option::of(arb_other_error_code()),
        arb_soap_version(),
        arb_soap_prefix(),
        prop::collection::vec(select(DECOYS.to_vec()), 1..5),
        arb_code_spelling(ErrorCode::EXPIRED_TICKET),
        arb_code_text(ErrorCode::EXPIRED_TICKET),
    )
        .prop_flat_map(|(code, v, p, decoys, spelled, text)| {
            let real = match code {
                Some(c) => arb_code_spelling(c).prop_map(Some).boxed(),
                None => Just(None).boxed(),
            };
            (Just(code), Just(v), Just(p), Just(decoys), Just((spelled, text)), real)
        })
        .prop_map(|(code, version, p, decoys, decoy, real)| {
            let xml = decoy_fault_xml(version, &p, real.as_deref(), &decoys, (&decoy.0, &decoy.1));
            FaultDoc { version, code, xml }
        })
}

fn decoy_fault_xml(
    v: SoapVersion,
    p: &str,
    real: Option<&str>,
    decoys: &[Decoy],
    (decoy, plain): (&str, &str),
) -> String {
    let has = |d: Decoy| decoys.contains(&d);
    let mut error = String::new();
    if has(Decoy::Comment) {
        error.push_str(&format!("<!--<code>{}</code>-->", plain.trim()));
    }
    if has(Decoy::Namespaced) {
        error.push_str(&format!("<code xmlns=\"urn:decoy\">{decoy}</code>"));
    }
    if has(Decoy::Nested) {
        error.push_str(&format!("<inner><code>{decoy}</code></inner>"));
    }
    if let Some(r) = real {
        let attr = if has(Decoy::CodeAttribute) {
            format!(" value=\"{}\"", escape_attr(plain))
        } else {
            String::new()
        };
        error.push_str(&format!("<code{attr}>{r}</code>"));
        if has(Decoy::SecondCode) {
            error.push_str(&format!("<code>{decoy}</code>"));
        }
    }
    let description = if has(Decoy::Description) {
        format!("The ticket {decoy} is not the problem.")
    } else {
        "Not the expired ticket.".to_owned()
    };
    error.push_str(&format!("<description>{description}"));
    if has(Decoy::DescriptionCdata) {
        error.push_str(&format!("<![CDATA[<code>{}</code>]]>", plain.trim()));
    }
    error.push_str("</description>");
    let kind = if has(Decoy::Type) { decoy } else { "Platform" };
    error.push_str(&format!("<type>{kind}</type>"));
    let error_attr = if has(Decoy::ErrorAttribute) {
        format!(" code=\"{}\"", escape_attr(plain))
    } else {
        String::new()
    };
    let mut detail = String::new();
    if has(Decoy::OtherElement) {
        detail.push_str(&format!("<other><code>{decoy}</code></other>"));
    }
    detail.push_str(&format!("<error{error_attr}>{error}</error>"));
    if has(Decoy::SecondError) {
        detail.push_str(&format!("<error><code>{decoy}</code></error>"));
    }
    let header = if has(Decoy::Header) {
        format!("<error><code>{decoy}</code></error>")
    } else {
        String::new()
    };
    let faultstring = if has(Decoy::Faultstring) {
        format!("{} {}", plain.trim(), fault::FAULTSTRING)
    } else {
        fault::FAULTSTRING.to_owned()
    };
    fault_document(v, p, &faultstring, &header, &detail)
}

/// Canonical server faults (`encode_fault`'s input): version, any code, and a description
/// that may mention 8004A101.
pub fn arb_canonical_fault() -> impl Strategy<Value = (SoapVersion, ErrorCode, String)> {
    let description = prop_oneof![
        arb_text(),
        arb_text().prop_map(|t| format!("{t} 0x8004A101 {t}")),
        Just("<code>0x8004A101</code>".to_owned()),
    ];
    (arb_soap_version(), arb_error_code(), description)
}

/// A `Cookie` header and the session it carries: `MSCRMSession` (any case of the name) as
/// `ticket=<enc>&expiration=<enc>` or bare `ticket=<CrmTicket>`, optionally quoted, among
/// other cookies, with optional whitespace and empty segments.
#[derive(Clone, PartialEq, Eq)]
pub struct CookieCase {
    /// The session the header carries, as the cookie decoder must return it (PROTOCOL 2.5).
    pub session: MsCrmSession,
    /// The `Cookie` header value (`;`-separated pairs).
    pub header: String,
}

impl fmt::Debug for CookieCase {
    /// The header with the ticket replaced by `<ticket>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut header = self.header.clone();
        let ticket = self.session.ticket.reveal();
        for written in [cookie::percent_encode(ticket), ticket.to_owned()] {
            header = header.replace(&format!("ticket={written}"), "ticket=<ticket>");
        }
        write!(f, "\nsession: {:?}\nheader: {header}\n", self.session)
    }
}

/// See [`CookieCase`].
pub fn arb_cookie_header() -> impl Strategy<Value = CookieCase> {
    let other = ("[A-Za-z][A-Za-z0-9_.-]{0,8}", "[!#-+.-:<-\\[\\]-~]{0,10}")
        .prop_filter("not the session cookie", |(n, _)| {
            !n.eq_ignore_ascii_case(cookie::SESSION_COOKIE)
        });
    let session = prop_oneof![
        (
            arb_text().prop_filter("a ticket is never empty", |t| !t.is_empty()),
            prop::option::of(arb_text())
        )
            .prop_map(|(t, e)| {
                let s = MsCrmSession { ticket: Ticket::new(t), expiration: e };
                let value = cookie::encode_session_value(&s);
                (s, value)
            }),
        "[A-Za-z0-9+/]{1,24}={0,2}".prop_map(|t| {
            let value = format!("ticket={t}");
            (MsCrmSession { ticket: Ticket::new(t), expiration: None }, value)
        }),
    ];
    (
        prop::collection::vec(other.clone(), 0..3),
        prop::collection::vec(other, 0..3),
        session,
        select(vec!["MSCRMSession", "mscrmsession", "MsCrmSession"]),
        any::<bool>(),
        select(vec!["; ", ";", " ;  ", ";;"]),
    )
        .prop_map(|(before, after, (session, value), name, quoted, sep)| {
            let value = if quoted { format!("\"{value}\"") } else { value };
            let mut pairs: Vec<String> = before.iter().map(|(n, v)| format!("{n}={v}")).collect();
            pairs.push(format!("{name}={value}"));
            pairs.extend(after.iter().map(|(n, v)| format!("{n}={v}")));
            CookieCase { session, header: pairs.join(sep) }
        })
}

/// Bytes for the decoders; `Debug` shows them as an escaped string.
#[derive(Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{} bytes: b\"{}\"\n", self.0.len(), self.0.escape_ascii())
    }
}

/// A well-formed message of every kind the codecs write: envelopes with CRM headers,
/// discovery requests and responses, CrmService responses, faults, cookie headers, RPS
/// input.
pub fn arb_valid_message() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (arb_prefixes(), arb_headers(), arb_service_request())
            .prop_map(|((v, p), h, r)| service::encode_request(&r, &h, v, &p)),
        (arb_soap_version(), arb_token())
            .prop_map(|(v, t)| token::encode_envelope_with_token(&t, v, "")),
        (arb_prefixes(), arb_discovery_request())
            .prop_map(|((v, p), r)| discovery::encode_request(&r, v, &p)),
        (arb_prefixes(), arb_discovery_response())
            .prop_map(|((v, p), r)| discovery::encode_response(&r, v, &p)),
        (arb_prefixes(), arb_service_response())
            .prop_map(|((v, p), r)| service::encode_response(&r, v, &p)),
        arb_canonical_fault().prop_map(|(v, c, d)| fault::encode_fault(v, c, &d)),
        arb_decoy_fault().prop_map(|d| d.xml),
        arb_cookie_header().prop_map(|c| c.header),
        Just(
            r#"{"auth_state":1,"ticket":{"validation":"valid","ticket_type":2,"hex_puid":"0003BFFD9E7A0C52","issue_instant":1230000000}}"#
                .to_owned()
        ),
    ]
    .prop_map(String::into_bytes)
}

/// Bytes that break XML, JSON and cookie syntax, or the decoders' limits.
fn arb_junk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8),
        select(vec![
            "<",
            ">",
            "&",
            "&amp",
            "&unknown;",
            "&#0;",
            "&#xD800;",
            "]]>",
            "<![CDATA[",
            "<!--",
            "<!DOCTYPE x [<!ENTITY a \"b\">]>",
            "<?pi?>",
            "xmlns:a=\"\"",
            " a=\"1\" a=\"2\"",
            "</x>",
            "<x>",
            "\"",
            "'",
            ";",
            "=",
            "%",
            "%zz",
            "\u{0}",
            "\u{feff}",
            "{",
            "}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        (1usize..200).prop_map(|n| "<a>".repeat(n).into_bytes()),
        (1usize..60)
            .prop_map(|n| (0..n).map(|i| format!(" a{i}=\"\"")).collect::<String>().into_bytes()),
    ]
}

/// A valid message with a slice cut out and junk spliced in (sometimes several times).
pub fn arb_mutated_message() -> impl Strategy<Value = Vec<u8>> {
    (arb_valid_message(), prop::collection::vec((any::<Index>(), 0usize..8, arb_junk()), 1..4))
        .prop_map(|(mut m, edits)| {
            for (at, cut, junk) in edits {
                let i = at.index(m.len() + 1);
                let end = (i + cut).min(m.len());
                m.splice(i..end, junk);
            }
            m
        })
}

/// Inputs for DECODE-TOTAL: arbitrary bytes, mutated valid messages, hostile nesting.
pub fn arb_decoder_input() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        arb_mutated_message(),
        (1usize..3000)
            .prop_map(|n| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n)).into_bytes()),
    ]
    .prop_map(Bytes)
}

/// One child of a hand-written token header: particle name, namespace choice, nil, text.
fn arb_token_child() -> BoxedStrategy<String> {
    (
        select(vec!["AuthenticationType", "CrmTicket", "OrganizationName", "CallerId", "Other"]),
        select(vec![CORE_NS, CORE_NS, CORE_NS, WS_NS, ""]),
        prop_oneof![6 => Just(""), 1 => Just(" i:nil=\"true\""), 1 => Just(" i:nil=\" 1 \""),
            1 => Just(" i:nil=\"false\"")],
        prop_oneof![
            select(vec![
                "0",
                "1",
                "2",
                " 2\n",
                "3",
                "+1",
                "-0",
                "x",
                "",
                "\u{a0}1\u{a0}",
                "a11ce000-0000-0000-0000-000000000001",
                " 00000000-0000-0000-0000-000000000000 ",
                "{a11ce000-0000-0000-0000-000000000001}",
                "a11ce0000000000000000000000000000001",
                "&lt;T&amp;&#x4e2d;",
                "<![CDATA[1]]>",
                "1<!--c-->",
                "<x/>",
                "<x>1</x>",
                "\r\n",
                "1&#xD;",
            ])
            .prop_map(str::to_owned),
            arb_text().prop_map(|t| escape_text(&t)),
        ],
    )
        .prop_map(|(name, ns, nil, text)| token_child(name, ns, nil, &text))
        .boxed()
}

fn token_child(name: &str, ns: &str, nil: &str, text: &str) -> String {
    if ns.is_empty() {
        format!(r#"<{name} xmlns=""{nil}>{text}</{name}>"#)
    } else {
        format!(r#"<c:{name} xmlns:c="{ns}"{nil}>{text}</c:{name}>"#)
    }
}

fn arb_nil() -> impl Strategy<Value = &'static str> {
    prop_oneof![20 => Just(""), 1 => Just(" i:nil=\"true\""), 1 => Just(" i:nil=\"0\"")]
}

/// The children of a token in schema order, values mostly valid, sometimes nil.
fn arb_ordered_token_children() -> BoxedStrategy<String> {
    (
        (
            prop_oneof![8 => select(vec!["0", "1", "2", " 1 ", "\n2\t"]), 1 => select(vec!["3", "x", "", "1.0"])],
            arb_nil(),
        ),
        prop::option::of((arb_text(), arb_nil())),
        prop::option::of((arb_text(), arb_nil())),
        (
            prop_oneof![
                8 => arb_uuid().prop_map(|u| u.to_string()),
                1 => arb_uuid().prop_map(|u| format!(" {} ", u.simple())),
                1 => select(vec!["nope", "", "<x/>"]).prop_map(str::to_owned),
            ],
            arb_nil(),
        ),
    )
        .prop_map(|((at, at_nil), ticket, org, (id, id_nil))| {
            let mut out = token_child("AuthenticationType", CORE_NS, at_nil, at);
            if let Some((t, nil)) = ticket {
                out += &token_child("CrmTicket", CORE_NS, nil, &escape_text(&t));
            }
            if let Some((o, nil)) = org {
                out += &token_child("OrganizationName", CORE_NS, nil, &escape_text(&o));
            }
            out + &token_child("CallerId", CORE_NS, id_nil, &id)
        })
        .boxed()
}

/// A header block: a hand-written token (children in any order, nil, bad values), an
/// encoded CRM header, or another block.
fn arb_header_block() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (
            prop_oneof![
                2 => arb_ordered_token_children(),
                1 => prop::collection::vec(arb_token_child(), 0..6).prop_map(|c| c.concat()),
            ],
            prop_oneof![8 => Just(""), 1 => Just(" i:nil=\"true\""), 1 => Just(" a=\"1\"")],
            prop_oneof![8 => Just(""), 1 => Just(" \r\n"), 1 => Just("x"), 1 => Just("&#xA0;")],
        )
            .prop_map(|(children, attrs, text)| format!(
                "<t:CrmAuthenticationToken xmlns:t=\"{WS_NS}\"{attrs}>{text}{children}</t:CrmAuthenticationToken>"
            )),
        2 => arb_headers().prop_map(|h| {
            // The blocks of an encoded envelope (prefixes ns0, ns1, xsi, xsd: declared on
            // the `Header` the caller writes).
            let xml = token::encode_envelope(&h, SoapVersion::V11, &token::crm_prefixes(SoapVersion::V11), vec![]);
            let start = xml.find("<soap:Header>").map(|i| i + "<soap:Header>".len());
            let end = xml.find("</soap:Header>");
            match (start, end) {
                (Some(s), Some(e)) if s <= e => xml[s..e].to_owned(),
                _ => String::new(),
            }
        }),
        1 => select(vec![
            "<Other xmlns=\"urn:o\"/>",
            "<CrmAuthenticationToken xmlns=\"urn:o\"><x/></CrmAuthenticationToken>",
            "<CallerOriginToken xmlns=\"http://schemas.microsoft.com/crm/2007/WebServices\" i:nil=\"true\"/>",
            "<CorrelationToken xmlns=\"http://schemas.microsoft.com/crm/2007/WebServices\"><x/></CorrelationToken>",
        ]).prop_map(str::to_owned),
    ]
    .boxed()
}

/// Envelopes around token headers for TOKEN-DECODE-AGREES: both SOAP versions, any
/// envelope prefix, zero or more header blocks (repeats included), optional `Header`,
/// odd structure (text, extra elements), and bodies with content.
pub fn arb_token_envelope() -> BoxedStrategy<String> {
    (
        arb_soap_version(),
        select(vec!["s", "soap", "E", ""]),
        prop::option::weighted(0.9, prop::collection::vec(arb_header_block(), 0..4)),
        select(vec![
            "",
            "<x xmlns=\"urn:x\">body</x>",
            "<x xmlns=\"urn:x\">body</x>",
            "<x xmlns=\"urn:x\">body</x>",
            "<x xmlns=\"urn:x\" a=\"&amp;\"><y>&lt;</y></x>",
            "<x xmlns=\"urn:x\" a=\"&bad;\"/>",
            "<q:x/>",
            "<x><![CDATA[]]></x>",
        ]),
        prop_oneof![
            12 => Just(""),
            1 => select(vec![" ", "text", "<s:Header/>", "<s:Body/>", "<Other/>", "&#xA0;"]),
        ],
    )
        .prop_map(|(v, p, headers, body, extra)| {
            let (decl, q) = if p.is_empty() {
                (format!(" xmlns=\"{}\"", v.namespace()), String::new())
            } else {
                (format!(" xmlns:{p}=\"{}\"", v.namespace()), format!("{p}:"))
            };
            let header = match headers {
                Some(blocks) => format!(
                    "<{q}Header xmlns:ns0=\"{WS_NS}\" xmlns:ns1=\"{CORE_NS}\" xmlns:xsi=\"{XSI_NS}\" xmlns:xsd=\"{XSD_NS}\">{}</{q}Header>",
                    blocks.concat()
                ),
                None => String::new(),
            };
            let extra = extra.replace("s:", &q);
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><{q}Envelope{decl} xmlns:i=\"{XSI_NS}\">{header}<{q}Body>{body}</{q}Body>{extra}</{q}Envelope>"
            )
        })
    .boxed()
}

/// Inputs for TOKEN-DECODE-AGREES: token envelopes (as written, and mutated), encoded
/// CrmService requests with every CRM header, arbitrary bytes and nesting. (Not
/// [`arb_decoder_input`] itself: nested in this union its strategy tree overflows a test
/// thread's stack in debug builds.)
pub fn arb_token_decoder_input() -> BoxedStrategy<Bytes> {
    let envelope = prop_oneof![
        arb_token_envelope(),
        (arb_prefixes(), arb_headers(), arb_service_request())
            .prop_map(|((v, p), h, r)| service::encode_request(&r, &h, v, &p)),
    ]
    .prop_map(String::into_bytes)
    .boxed();
    prop_oneof![
        3 => envelope.clone(),
        2 => (envelope, prop::collection::vec((any::<Index>(), 0usize..8, arb_junk()), 1..3))
            .prop_map(|(mut m, edits)| {
                for (at, cut, junk) in edits {
                    let i = at.index(m.len() + 1);
                    let end = (i + cut).min(m.len());
                    m.splice(i..end, junk);
                }
                m
            }),
        1 => prop::collection::vec(any::<u8>(), 0..600),
        1 => (1usize..100, 1usize..100).prop_map(|(n, m)| {
            format!("{}{}", "<a>".repeat(n), "</a>".repeat(m)).into_bytes()
        }),
    ]
    .prop_map(Bytes)
    .boxed()
}
