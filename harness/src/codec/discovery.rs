//! The discovery service (PROTOCOL 2.2): `Execute` with an `xsi:type`d `Request`, and
//! `ExecuteResponse` with an `xsi:type`d `Response`, in
//! `http://schemas.microsoft.com/crm/2007/CrmDiscoveryService`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ns::DISCO_NS;
use super::redact::{Secret, Ticket};
use super::schema::{self, leaf, node, Definition};
use super::soap::{self, SoapVersion};
use super::xml::{DecodeError, DecodeErrorKind, Element, Prefixes};

/// The one SOAPAction of the discovery service.
pub const SOAP_ACTION: &str = "http://schemas.microsoft.com/crm/2007/CrmDiscoveryService/Execute";

/// How a discovery request authenticates. The WSDL makes `PassportTicket`, `UserId` and
/// `Password` all optional, and every combination decodes (the mock judges them, never the
/// decoder): `PassportTicket` alone, `UserId` with `Password`, none at all (an on-premise
/// client authenticated by its Windows identity), or any other mix ([`Credentials::Mixed`]).
/// JSON: `{"passport_ticket"}`, `{"user_id","password"}`, `null`, or the three as options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Credentials {
    /// `PassportTicket` alone (Passport discovery, as in the seed).
    Passport {
        /// `PassportTicket`: the Windows Live ticket (redacted when shown).
        passport_ticket: Ticket,
    },
    /// `UserId` with `Password` (SPLA / IFD discovery).
    UserPassword {
        /// `UserId`: the user name.
        user_id: String,
        /// `Password` (redacted when shown).
        password: Secret,
    },
    /// No credential element: the caller is who IIS authenticated (AD discovery).
    Windows,
    /// Any other combination the WSDL allows (e.g. `UserId` alone, or all three).
    Mixed {
        /// `PassportTicket`, when present.
        passport_ticket: Option<Ticket>,
        /// `UserId`, when present.
        user_id: Option<String>,
        /// `Password`, when present.
        password: Option<Secret>,
    },
}

/// A discovery request: the `Request` of `Execute`, by its `xsi:type` (PROTOCOL 2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DiscoveryRequest {
    /// `RetrievePolicyRequest`: no fields.
    RetrievePolicy,
    /// `RetrieveOrganizationsRequest`.
    RetrieveOrganizations {
        /// `PassportTicket` / `UserId` / `Password`.
        credentials: Credentials,
    },
    /// `RetrieveCrmTicketRequest`.
    RetrieveCrmTicket {
        /// `OrganizationName` (optional in the WSDL; required by this decoder).
        organization_name: String,
        /// `PassportTicket` / `UserId` / `Password`.
        credentials: Credentials,
    },
    /// CRM Online only (absent from the on-premise WSDL); modelled as the seed shows.
    RetrieveCrmUserIdByExternalId {
        /// `ExternalId`: the user's PUID (16 hex digits, PROTOCOL 2.6).
        external_id: String,
        /// `PassportTicket`: the service account's Windows Live ticket.
        passport_ticket: Ticket,
        /// `OrganizationName`.
        organization_name: String,
    },
}

/// `OrganizationDetail` (field order as in the WSDL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationDetail {
    /// `OrganizationId` (GUID, required).
    pub organization_id: Uuid,
    /// `OrganizationName`: the unique name a `CrmAuthenticationToken` carries.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// `FriendlyName`: the display name the seed's client matches on (PROTOCOL 2.3).
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// `CrmMetadataServiceUrl`.
    #[serde(default)]
    pub crm_metadata_service_url: Option<String>,
    /// `CrmServiceUrl`: where the client sends CrmService calls.
    #[serde(default)]
    pub crm_service_url: Option<String>,
    /// `WebApplicationUrl`.
    #[serde(default)]
    pub web_application_url: Option<String>,
}

/// A discovery response: the `Response` of `ExecuteResponse`, by its `xsi:type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DiscoveryResponse {
    /// `RetrievePolicyResponse`.
    RetrievePolicy {
        /// `Policy`, e.g. `MBI_SSL` (optional in the WSDL).
        policy: Option<String>,
    },
    /// An absent `OrganizationDetails` decodes as an empty list.
    RetrieveOrganizations {
        /// `OrganizationDetails`: each `OrganizationDetail`, in document order.
        organization_details: Vec<OrganizationDetail>,
    },
    /// `RetrieveCrmTicketResponse`.
    RetrieveCrmTicket {
        /// `CrmTicket`: the ticket for the `CrmAuthenticationToken` (redacted when shown).
        crm_ticket: Option<Ticket>,
        /// `OrganizationDetail` of the organization the ticket is for.
        organization_detail: Option<OrganizationDetail>,
        /// A string, as in the WSDL.
        expiration_date: Option<String>,
    },
    /// `RetrieveCrmUserIdByExternalIdResponse` (CRM Online only, as the seed shows).
    RetrieveCrmUserIdByExternalId {
        /// `CrmUserId`: the user's CRM id (GUID), the `CallerId` to impersonate.
        crm_user_id: Uuid,
    },
}

/// Either side of the discovery conversation (for `crmauth decode discovery`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveryMessage {
    /// An `Execute` request.
    Request(DiscoveryRequest),
    /// An `ExecuteResponse`.
    Response(DiscoveryResponse),
}

const REQUESTS: &[&Definition] = &[
    &schema::RETRIEVE_POLICY_REQUEST,
    &schema::RETRIEVE_ORGANIZATIONS_REQUEST,
    &schema::RETRIEVE_CRM_TICKET_REQUEST,
    &schema::RETRIEVE_USER_ID_REQUEST,
];
const RESPONSES: &[&Definition] = &[
    &schema::RETRIEVE_POLICY_RESPONSE,
    &schema::RETRIEVE_ORGANIZATIONS_RESPONSE,
    &schema::RETRIEVE_CRM_TICKET_RESPONSE,
    &schema::RETRIEVE_USER_ID_RESPONSE,
];

/// Default prefixes for discovery envelopes (`soap`, `xsi`, `xsd`, and a generated prefix
/// for the discovery namespace).
pub fn prefixes(version: SoapVersion) -> Prefixes {
    let mut p = soap::standard_prefixes(version);
    p.ensure(DISCO_NS);
    p
}

/// Encode a request envelope.
pub fn encode_request(req: &DiscoveryRequest, version: SoapVersion, prefixes: &Prefixes) -> String {
    let exec = Element::new(Some(DISCO_NS), "Execute").child(request_element(req));
    soap::write_envelope(version, prefixes, vec![], vec![exec])
}

/// Encode a response envelope.
pub fn encode_response(
    resp: &DiscoveryResponse,
    version: SoapVersion,
    prefixes: &Prefixes,
) -> String {
    let exec = Element::new(Some(DISCO_NS), "ExecuteResponse").child(response_element(resp));
    soap::write_envelope(version, prefixes, vec![], vec![exec])
}

fn credentials(def: &Definition, mut e: Element, c: &Credentials) -> Element {
    match c {
        Credentials::Windows => {}
        Credentials::Mixed { passport_ticket, user_id, password } => {
            if let Some(t) = passport_ticket {
                e = e.child(leaf(def, "PassportTicket", t.reveal()));
            }
            if let Some(u) = user_id {
                e = e.child(leaf(def, "UserId", u));
            }
            if let Some(p) = password {
                e = e.child(leaf(def, "Password", p.reveal()));
            }
        }
        Credentials::Passport { passport_ticket } => {
            e = e.child(leaf(def, "PassportTicket", passport_ticket.reveal()))
        }
        Credentials::UserPassword { user_id, password } => {
            e = e.child(leaf(def, "UserId", user_id)).child(leaf(
                def,
                "Password",
                password.reveal(),
            ))
        }
    }
    e
}

fn request_element(req: &DiscoveryRequest) -> Element {
    let typed = |d: &Definition| node(&schema::DISCO_EXECUTE, "Request").typed(d.ns, d.name);
    match req {
        DiscoveryRequest::RetrievePolicy => typed(&schema::RETRIEVE_POLICY_REQUEST),
        DiscoveryRequest::RetrieveOrganizations { credentials: c } => {
            let d = &schema::RETRIEVE_ORGANIZATIONS_REQUEST;
            credentials(d, typed(d), c)
        }
        DiscoveryRequest::RetrieveCrmTicket { organization_name, credentials: c } => {
            let d = &schema::RETRIEVE_CRM_TICKET_REQUEST;
            credentials(d, typed(d).child(leaf(d, "OrganizationName", organization_name)), c)
        }
        DiscoveryRequest::RetrieveCrmUserIdByExternalId {
            external_id,
            passport_ticket,
            organization_name,
        } => {
            let d = &schema::RETRIEVE_USER_ID_REQUEST;
            typed(d)
                .child(leaf(d, "ExternalId", external_id))
                .child(leaf(d, "PassportTicket", passport_ticket.reveal()))
                .child(leaf(d, "OrganizationName", organization_name))
        }
    }
}

fn organization_detail_children(mut e: Element, o: &OrganizationDetail) -> Element {
    let d = &schema::ORGANIZATION_DETAIL;
    e = e.child(leaf(d, "OrganizationId", &o.organization_id.to_string()));
    for (name, v) in [
        ("OrganizationName", &o.organization_name),
        ("FriendlyName", &o.friendly_name),
        ("CrmMetadataServiceUrl", &o.crm_metadata_service_url),
        ("CrmServiceUrl", &o.crm_service_url),
        ("WebApplicationUrl", &o.web_application_url),
    ] {
        if let Some(v) = v {
            e = e.child(leaf(d, name, v));
        }
    }
    e
}

fn response_element(resp: &DiscoveryResponse) -> Element {
    let typed =
        |d: &Definition| node(&schema::DISCO_EXECUTE_RESPONSE, "Response").typed(d.ns, d.name);
    match resp {
        DiscoveryResponse::RetrievePolicy { policy } => {
            let d = &schema::RETRIEVE_POLICY_RESPONSE;
            let e = typed(d);
            match policy {
                Some(p) => e.child(leaf(d, "Policy", p)),
                None => e,
            }
        }
        DiscoveryResponse::RetrieveOrganizations { organization_details } => {
            let d = &schema::RETRIEVE_ORGANIZATIONS_RESPONSE;
            let mut arr = node(d, "OrganizationDetails");
            for o in organization_details {
                arr = arr.child(organization_detail_children(
                    node(&schema::ARRAY_OF_ORGANIZATION_DETAIL, "OrganizationDetail"),
                    o,
                ));
            }
            typed(d).child(arr)
        }
        DiscoveryResponse::RetrieveCrmTicket {
            crm_ticket,
            organization_detail,
            expiration_date,
        } => {
            let d = &schema::RETRIEVE_CRM_TICKET_RESPONSE;
            let mut e = typed(d);
            if let Some(t) = crm_ticket {
                e = e.child(leaf(d, "CrmTicket", t.reveal()));
            }
            if let Some(o) = organization_detail {
                e = e.child(organization_detail_children(node(d, "OrganizationDetail"), o));
            }
            if let Some(x) = expiration_date {
                e = e.child(leaf(d, "ExpirationDate", x));
            }
            e
        }
        DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id } => {
            let d = &schema::RETRIEVE_USER_ID_RESPONSE;
            typed(d).child(leaf(d, "CrmUserId", &crm_user_id.to_string()))
        }
    }
}

/// The single `Execute`/`ExecuteResponse` body element and its `Request`/`Response` child.
fn body_child<'a>(
    env: &'a soap::Envelope,
    wrapper: &'static Definition,
    child: &str,
) -> Result<&'a Element, DecodeError> {
    let body = env.body_element()?;
    if let Some(extra) = env.body.get(1) {
        return Err(DecodeError::unexpected(extra.offset, extra.local.clone()));
    }
    if !body.is(Some(wrapper.ns), wrapper.name) {
        return Err(DecodeError::unexpected(body.offset, body.local.clone()));
    }
    let f = schema::read(body, wrapper)?;
    f.get(child).ok_or_else(|| DecodeError::missing(body.offset, child))
}

fn read_credentials(f: &schema::Fields<'_>) -> Result<Credentials, DecodeError> {
    let passport = f.text("PassportTicket")?;
    let user = f.text("UserId")?;
    let password = f.text("Password")?;
    Ok(match (passport, user, password) {
        (None, None, None) => Credentials::Windows,
        (Some(t), None, None) => Credentials::Passport { passport_ticket: Ticket::new(t) },
        (None, Some(u), Some(p)) => {
            Credentials::UserPassword { user_id: u, password: Secret::new(p) }
        }
        (t, u, p) => Credentials::Mixed {
            passport_ticket: t.map(Ticket::new),
            user_id: u,
            password: p.map(Secret::new),
        },
    })
}

fn required(f: &schema::Fields<'_>, name: &str) -> Result<String, DecodeError> {
    f.required_text(name).map(|(s, _)| s)
}

/// Decode a request envelope (SOAP 1.1 or 1.2). `xsi:type` is resolved through namespaces:
/// it must name a request type in the discovery namespace.
pub fn decode_request(xml: &[u8]) -> Result<DiscoveryRequest, DecodeError> {
    let env = soap::parse_envelope(xml)?;
    read_request(body_child(&env, &schema::DISCO_EXECUTE, "Request")?)
}

/// The `BadValue` field that marks a request type in the discovery namespace that we do
/// not implement (e.g. the WSDL's `RetrieveClientPatchesRequest`).
pub const UNIMPLEMENTED_REQUEST: &str = "Request/@xsi:type (not implemented)";

fn read_request(r: &Element) -> Result<DiscoveryRequest, DecodeError> {
    let def = match schema::dispatch(r, REQUESTS) {
        Err(e)
            if matches!(e.kind, DecodeErrorKind::BadValue { .. })
                && r.xsi_type
                    .as_ref()
                    .is_some_and(|t| t.namespace.as_deref() == Some(DISCO_NS)) =>
        {
            let ty = r.xsi_type.as_ref().map(|t| t.local.as_str()).unwrap_or_default();
            return Err(DecodeError::bad_value(r.offset, UNIMPLEMENTED_REQUEST, ty));
        }
        other => other?,
    };
    let f = schema::read(r, def)?;
    Ok(match def.name {
        "RetrievePolicyRequest" => DiscoveryRequest::RetrievePolicy,
        "RetrieveOrganizationsRequest" => {
            DiscoveryRequest::RetrieveOrganizations { credentials: read_credentials(&f)? }
        }
        "RetrieveCrmTicketRequest" => DiscoveryRequest::RetrieveCrmTicket {
            organization_name: required(&f, "OrganizationName")?,
            credentials: read_credentials(&f)?,
        },
        _ => DiscoveryRequest::RetrieveCrmUserIdByExternalId {
            external_id: required(&f, "ExternalId")?,
            passport_ticket: Ticket::new(required(&f, "PassportTicket")?),
            organization_name: required(&f, "OrganizationName")?,
        },
    })
}

fn read_organization_detail(e: &Element) -> Result<OrganizationDetail, DecodeError> {
    let f = schema::read(e, &schema::ORGANIZATION_DETAIL)?;
    Ok(OrganizationDetail {
        organization_id: f.guid("OrganizationId")?,
        organization_name: f.text("OrganizationName")?,
        friendly_name: f.text("FriendlyName")?,
        crm_metadata_service_url: f.text("CrmMetadataServiceUrl")?,
        crm_service_url: f.text("CrmServiceUrl")?,
        web_application_url: f.text("WebApplicationUrl")?,
    })
}

/// The entries of `OrganizationDetails`, nil entries (`xsi:nil="true"`; the WSDL marks
/// them nillable) as `None`, in document order.
fn organization_entries(
    f: &schema::Fields<'_>,
) -> Result<Vec<Option<OrganizationDetail>>, DecodeError> {
    let mut out = Vec::new();
    if let Some(arr) = f.get("OrganizationDetails") {
        let af = schema::read(arr, &schema::ARRAY_OF_ORGANIZATION_DETAIL)?;
        for o in af.all("OrganizationDetail") {
            out.push(if o.nil { None } else { Some(read_organization_detail(o)?) });
        }
    }
    Ok(out)
}

/// The `OrganizationDetails` of a `RetrieveOrganizationsResponse` envelope with nothing
/// dropped: a nil entry is `None`. ([`decode_response`] gives the client's view, where a
/// nil entry names no organization and is left out of `organization_details`: ours,
/// docs/codecs.md.)
pub fn decode_organization_entries(
    xml: &[u8],
) -> Result<Vec<Option<OrganizationDetail>>, DecodeError> {
    let env = soap::parse_envelope(xml)?;
    let r = body_child(&env, &schema::DISCO_EXECUTE_RESPONSE, "Response")?;
    let def = schema::dispatch(r, &[&schema::RETRIEVE_ORGANIZATIONS_RESPONSE])?;
    organization_entries(&schema::read(r, def)?)
}

/// A `RetrieveOrganizationsResponse` envelope whose entries may be nil (`None`).
pub fn encode_organization_entries(
    entries: &[Option<OrganizationDetail>],
    version: SoapVersion,
    prefixes: &Prefixes,
) -> String {
    let d = &schema::RETRIEVE_ORGANIZATIONS_RESPONSE;
    let mut arr = node(d, "OrganizationDetails");
    for o in entries {
        let entry = node(&schema::ARRAY_OF_ORGANIZATION_DETAIL, "OrganizationDetail");
        arr = arr.child(match o {
            Some(o) => organization_detail_children(entry, o),
            None => {
                let mut e = entry;
                e.nil = true;
                e
            }
        });
    }
    let resp = node(&schema::DISCO_EXECUTE_RESPONSE, "Response").typed(d.ns, d.name).child(arr);
    let exec = Element::new(Some(DISCO_NS), "ExecuteResponse").child(resp);
    soap::write_envelope(version, prefixes, vec![], vec![exec])
}

/// Decode a response envelope (SOAP 1.1 or 1.2).
pub fn decode_response(xml: &[u8]) -> Result<DiscoveryResponse, DecodeError> {
    let env = soap::parse_envelope(xml)?;
    read_response(body_child(&env, &schema::DISCO_EXECUTE_RESPONSE, "Response")?)
}

fn read_response(r: &Element) -> Result<DiscoveryResponse, DecodeError> {
    let def = schema::dispatch(r, RESPONSES)?;
    let f = schema::read(r, def)?;
    Ok(match def.name {
        "RetrievePolicyResponse" => DiscoveryResponse::RetrievePolicy { policy: f.text("Policy")? },
        "RetrieveOrganizationsResponse" => {
            let organization_details = organization_entries(&f)?.into_iter().flatten().collect();
            DiscoveryResponse::RetrieveOrganizations { organization_details }
        }
        "RetrieveCrmTicketResponse" => DiscoveryResponse::RetrieveCrmTicket {
            crm_ticket: f.text("CrmTicket")?.map(Ticket::new),
            organization_detail: f
                .get("OrganizationDetail")
                .map(read_organization_detail)
                .transpose()?,
            expiration_date: f.text("ExpirationDate")?,
        },
        _ => DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id: f.guid("CrmUserId")? },
    })
}

/// Decode either a request or a response, by the body element.
pub fn decode_message(xml: &[u8]) -> Result<DiscoveryMessage, DecodeError> {
    let env = soap::parse_envelope(xml)?;
    let body = env.body_element()?;
    if body.is(Some(DISCO_NS), "ExecuteResponse") {
        read_response(body_child(&env, &schema::DISCO_EXECUTE_RESPONSE, "Response")?)
            .map(DiscoveryMessage::Response)
    } else {
        read_request(body_child(&env, &schema::DISCO_EXECUTE, "Request")?)
            .map(DiscoveryMessage::Request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::xml::DecodeErrorKind;

    #[test]
    fn xsi_type_prefix_resolves_through_namespaces() {
        let x = format!(
            r#"<e:Envelope xmlns:e="{}"><e:Body><d:Execute xmlns:d="{DISCO_NS}"><d:Request xmlns:zz="{DISCO_NS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="zz:RetrievePolicyRequest"/></d:Execute></e:Body></e:Envelope>"#,
            soap::SOAP11_NS
        );
        assert_eq!(decode_request(x.as_bytes()).unwrap(), DiscoveryRequest::RetrievePolicy);
        let wrong = x.replace(&format!("xmlns:zz=\"{DISCO_NS}\""), "xmlns:zz=\"urn:other\"");
        assert!(matches!(
            decode_request(wrong.as_bytes()).unwrap_err().kind,
            DecodeErrorKind::WrongNamespace { .. }
        ));
        let unknown = x.replace("zz:RetrievePolicyRequest", "zz:RetrieveClientPatchesRequest");
        assert!(matches!(
            decode_request(unknown.as_bytes()).unwrap_err().kind,
            DecodeErrorKind::BadValue { .. }
        ));
    }

    #[test]
    fn every_credential_combination_decodes() {
        let make = |inner: &str| {
            format!(
                r#"<e:Envelope xmlns:e="{}"><e:Body><Execute xmlns="{DISCO_NS}"><Request xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="RetrieveOrganizationsRequest">{inner}</Request></Execute></e:Body></e:Envelope>"#,
                soap::SOAP12_NS
            )
        };
        let creds = |inner: &str| match decode_request(make(inner).as_bytes()).unwrap() {
            DiscoveryRequest::RetrieveOrganizations { credentials } => credentials,
            other => panic!("{other:?}"),
        };
        assert!(matches!(
            creds("<PassportTicket>t</PassportTicket>"),
            Credentials::Passport { .. }
        ));
        assert!(matches!(
            creds("<UserId>u</UserId><Password>p</Password>"),
            Credentials::UserPassword { .. }
        ));
        assert_eq!(creds(""), Credentials::Windows);
        assert!(matches!(creds("<UserId>u</UserId>"), Credentials::Mixed { .. }));
        assert!(matches!(
            creds("<PassportTicket>t</PassportTicket><UserId>u</UserId><Password>p</Password>"),
            Credentials::Mixed { .. }
        ));
        // Order is the WSDL's: still an error.
        assert!(
            decode_request(make("<Password>p</Password><UserId>u</UserId>").as_bytes()).is_err()
        );
        for c in [Credentials::Windows, creds("<UserId>u</UserId>")] {
            let r = DiscoveryRequest::RetrieveOrganizations { credentials: c };
            let x = encode_request(&r, SoapVersion::V11, &prefixes(SoapVersion::V11));
            assert_eq!(decode_request(x.as_bytes()).unwrap(), r);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<DiscoveryRequest>(&json).unwrap(), r, "{json}");
        }
    }
}
