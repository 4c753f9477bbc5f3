//! HTTP → pipeline → codecs. Every SOAP request runs through MapOrg and the deployment's
//! pipelines first; only an authenticated request reaches the discovery or CrmService
//! handler. `?wsdl` and `/_crmauth/…` are the mock's own endpoints, outside the pipeline.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use uuid::Uuid;

use super::state::{iso8601, AppState, AuditEntry, Control, Decision};
use super::wsdl::{self, Service};
use crate::codec::create;
use crate::codec::discovery::{
    self, Credentials, DiscoveryRequest, DiscoveryResponse, OrganizationDetail,
};
use crate::codec::fault::{encode_fault, ErrorCode};
use crate::codec::{DecodeError, DecodeErrorKind};

use crate::codec::ns::WS_NS;
use crate::codec::service::{self, ColumnSetBase, ServiceCall, ServiceResponse};
use crate::codec::soap::{self, SoapVersion};
use crate::pipeline::providers::codes;
use crate::pipeline::request::{Organization, User};
use crate::pipeline::Request;

/// CrmService 2007 path.
pub const CRM_SERVICE_PATH: &str = "/MSCRMServices/2007/CrmService.asmx";
/// The three discovery paths (PROTOCOL 2.2).
pub const DISCOVERY_PATHS: [&str; 3] = [
    "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx",
    "/MSCRMServices/2007/SPLA/CrmDiscoveryService.asmx",
    "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx",
];
/// Header naming the Windows account IIS would have authenticated (ours, for AD tests).
pub const WINDOWS_IDENTITY_HEADER: &str = "x-crmauth-windows-identity";

/// The stand-in for a proxy's client address, honoured only when the server is started
/// with [`super::ServerConfig::client_address_header`].
pub const CLIENT_ADDRESS_HEADER: &str = "x-crmauth-client-address";

/// 0x80040203: invalid argument (a request the mock cannot read).
const INVALID_ARGUMENT: ErrorCode = ErrorCode(0x8004_0203);
/// 0x80040217: object does not exist.
const NOT_FOUND: ErrorCode = ErrorCode(0x8004_0217);
/// 0x80040216 (ours for this use): a request type the WSDL defines but the mock does not
/// implement. Never 0x80040203, which is for requests the WSDL does not allow.
const NOT_IMPLEMENTED: ErrorCode = ErrorCode(0x8004_0216);

/// The fault for a request the codecs refused: "not implemented" for a well-namespaced
/// request type we do not speak, else invalid argument.
fn unreadable(st: &AppState, v: SoapVersion, e: &DecodeError) -> Response {
    match &e.kind {
        DecodeErrorKind::BadValue { field, value }
            if field == service::UNIMPLEMENTED_REQUEST
                || field == discovery::UNIMPLEMENTED_REQUEST =>
        {
            fault(st, v, NOT_IMPLEMENTED, &format!("the mock does not implement {value}"))
        }
        _ => fault(st, v, INVALID_ARGUMENT, &format!("cannot read the request: {e}")),
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

fn soap_version(headers: &HeaderMap) -> SoapVersion {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.trim_start().to_ascii_lowercase().starts_with("application/soap+xml") {
        SoapVersion::V12
    } else {
        SoapVersion::V11
    }
}

fn xml_reply(status: StatusCode, v: SoapVersion, body: String) -> Response {
    let ct = match v {
        SoapVersion::V11 => "text/xml; charset=utf-8",
        SoapVersion::V12 => "application/soap+xml; charset=utf-8",
    };
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(ct))], body).into_response()
}

fn fault(st: &AppState, v: SoapVersion, code: ErrorCode, description: &str) -> Response {
    st.count_fault();
    let d = if description.is_empty() { code.meaning().unwrap_or("error") } else { description };
    xml_reply(StatusCode::INTERNAL_SERVER_ERROR, v, encode_fault(v, code, d))
}

/// Every `Cookie` header of the request as one (RFC 6265 5.4, RFC 9113 8.2.3: joined with
/// `; `), so that a second header can never hide from the pipeline. Bytes that are not
/// UTF-8 are replaced, which the cookie parser then refuses as a whole (fail closed).
fn cookie_header(headers: &HeaderMap) -> Option<String> {
    let all: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .map(|c| String::from_utf8_lossy(c.as_bytes()).into_owned())
        .collect();
    (!all.is_empty()).then(|| all.join("; "))
}

/// The peer's address, or the stand-in header's when the server is configured to trust it;
/// a stand-in that is not an IP address is a bad request, never the peer (fail closed).
fn client_address(
    st: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<std::net::IpAddr, &'static str> {
    if !st.client_address_header {
        return Ok(peer.ip());
    }
    match headers.get(CLIENT_ADDRESS_HEADER) {
        None => Ok(peer.ip()),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or("X-Crmauth-Client-Address is not an IP address"),
    }
}

fn is_path(path: &str, p: &str) -> bool {
    path.eq_ignore_ascii_case(p)
}

async fn handle(
    State(st): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    st.count_request();
    let path = uri.path();
    if path.starts_with("/_crmauth/") {
        return admin(&st, &method, path, &body);
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.len() <= 255 && h.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| st.local_addr.to_string(), str::to_owned);
    if method == Method::GET && uri.query().is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
        let service = if is_path(path, CRM_SERVICE_PATH) {
            Service::Crm
        } else if DISCOVERY_PATHS.iter().any(|p| is_path(path, p)) {
            Service::Discovery
        } else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let location = format!("http://{host}{path}");
        return xml_reply(StatusCode::OK, SoapVersion::V11, wsdl::generate(service, &location));
    }
    let v = soap_version(&headers);
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return (StatusCode::BAD_REQUEST, "the body is not UTF-8").into_response();
    };
    let client_address = match client_address(&st, &headers, peer) {
        Ok(a) => a,
        Err(why) => return (StatusCode::BAD_REQUEST, why).into_response(),
    };
    let request = Request {
        method: method.as_str().to_owned(),
        path: uri.path_and_query().map_or(path, |p| p.as_str()).to_owned(),
        client_address,
        cookie: cookie_header(&headers),
        headers: Default::default(),
        body: (!text.is_empty()).then_some(text),
        windows_identity: headers
            .get(WINDOWS_IDENTITY_HEADER)
            .and_then(|c| c.to_str().ok())
            .map(str::to_owned),
    };
    let prepared = request.prepare();
    match st.evaluate(&prepared) {
        Decision::Denied(Some(code)) => fault(&st, v, code, ""),
        Decision::Denied(None) => {
            st.count_401();
            (StatusCode::UNAUTHORIZED, "401 Unauthorized: no pipeline step handled the request")
                .into_response()
        }
        Decision::Redirect(location) => {
            let loc = HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/"));
            (StatusCode::FOUND, [(header::LOCATION, loc)]).into_response()
        }
        Decision::Authenticated { user, organization, caller } => {
            let body = prepared.request.body.as_deref().unwrap_or("").as_bytes();
            if DISCOVERY_PATHS.iter().any(|p| is_path(path, p)) {
                if method != Method::POST {
                    return StatusCode::METHOD_NOT_ALLOWED.into_response();
                }
                // Windows-authenticated (AD discovery): the user the pipeline found.
                let windows_user = user.filter(|_| is_path(path, DISCOVERY_PATHS[0]));
                discovery_call(&st, v, &host, body, windows_user)
            } else if is_path(path, CRM_SERVICE_PATH) {
                if method != Method::POST {
                    return StatusCode::METHOD_NOT_ALLOWED.into_response();
                }
                let Some(user) = user else {
                    return fault(&st, v, codes::INVALID_USER_AUTH, "no CRM user for this request");
                };
                let org = organization.unwrap_or_default();
                service_call(&st, v, body, Identity { user, organization: org, caller })
            } else {
                (StatusCode::NOT_FOUND, "authenticated, but the mock has nothing at this path")
                    .into_response()
            }
        }
    }
}

fn admin(st: &AppState, method: &Method, path: &str, body: &[u8]) -> Response {
    let json = |v: serde_json::Value| {
        ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], v.to_string())
            .into_response()
    };
    match (method.as_str(), path) {
        ("GET", "/_crmauth/health") => "ok".into_response(),
        ("GET", "/_crmauth/stats") => json(serde_json::to_value(st.stats()).unwrap_or_default()),
        ("GET", "/_crmauth/audit") => json(serde_json::to_value(st.audit()).unwrap_or_default()),
        ("POST", "/_crmauth/control") => match serde_json::from_slice::<Control>(body) {
            Ok(c) => {
                st.apply_control(&c);
                StatusCode::NO_CONTENT.into_response()
            }
            Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        },
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn org_detail(o: &Organization, host: &str) -> OrganizationDetail {
    OrganizationDetail {
        organization_id: o.id,
        organization_name: Some(o.name.clone()),
        friendly_name: o.friendly_name.clone(),
        crm_metadata_service_url: Some(format!(
            "http://{host}/MSCRMServices/2007/MetadataService.asmx"
        )),
        crm_service_url: Some(format!("http://{host}{CRM_SERVICE_PATH}")),
        web_application_url: Some(format!("http://{host}/{}/", o.name)),
    }
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The discovery service (PROTOCOL 2.2). Windows Live tickets are checked with the
/// shared-secret scheme; user name and password credentials are not supported (ours).
/// A request without credentials is the caller IIS authenticated: accepted on the AD path
/// when the pipeline found the Windows identity's user (`windows_user`), else 80040204.
fn discovery_call(
    st: &AppState,
    v: SoapVersion,
    host: &str,
    body: &[u8],
    windows_user: Option<Uuid>,
) -> Response {
    let req = match discovery::decode_request(body) {
        Ok(r) => r,
        Err(e) => return unreadable(st, v, &e),
    };
    // Who the credentials name: a PUID (Passport) or a Windows account (AD).
    let who_of = |c: &Credentials| match c {
        Credentials::Passport { passport_ticket } => st
            .scheme
            .verify(passport_ticket)
            .map(Caller::Puid)
            .ok_or((codes::INVALID_USER_AUTH, "the Windows Live ticket is not valid")),
        Credentials::UserPassword { .. } => {
            Err((codes::INVALID_USER_AUTH, "user name and password are not supported"))
        }
        Credentials::Mixed { .. } => Err((
            codes::INVALID_USER_AUTH,
            "credentials must be PassportTicket alone or UserId with Password",
        )),
        Credentials::Windows => windows_user
            .and_then(|id| {
                st.with_env(|env| {
                    env.users.iter().find(|u| u.id == id).and_then(|u| u.windows_account.clone())
                })
            })
            .map(Caller::Windows)
            .ok_or((codes::INVALID_USER_AUTH, "no credentials and no Windows identity")),
    };
    let result: Result<DiscoveryResponse, (ErrorCode, &str)> = match &req {
        DiscoveryRequest::RetrievePolicy => {
            Ok(DiscoveryResponse::RetrievePolicy { policy: Some(st.policy.clone()) })
        }
        DiscoveryRequest::RetrieveOrganizations { credentials } => match who_of(credentials) {
            Err(e) => Err(e),
            Ok(who) => Ok(st.with_env(|env| {
                let orgs = env
                    .organizations
                    .iter()
                    .filter(|o| {
                        env.users.iter().any(|u| who.is(u) && same(&u.organization, &o.name))
                    })
                    .map(|o| org_detail(o, host))
                    .collect();
                DiscoveryResponse::RetrieveOrganizations { organization_details: orgs }
            })),
        },
        DiscoveryRequest::RetrieveCrmUserIdByExternalId {
            external_id,
            passport_ticket,
            organization_name,
        } => match st.scheme.verify(passport_ticket) {
            None => Err((codes::INVALID_USER_AUTH, "the Windows Live ticket is not valid")),
            Some(puid) => st.with_env(|env| {
                let member = |p: &str| {
                    env.users
                        .iter()
                        .find(|u| has_puid(u, p) && same(&u.organization, organization_name))
                };
                if member(&puid).is_none_or(|u| u.disabled) {
                    return Err((
                        codes::INVALID_USER_AUTH,
                        "the caller is not a user of the organization",
                    ));
                }
                match member(external_id) {
                    Some(u) => {
                        Ok(DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id: u.id })
                    }
                    None => Err((NOT_FOUND, "no user with that external id in the organization")),
                }
            }),
        },
        DiscoveryRequest::RetrieveCrmTicket { organization_name, credentials } => {
            match who_of(credentials) {
                Err(e) => Err(e),
                Ok(who) => {
                    let found = st.with_env(|env| {
                        let org = env
                            .organizations
                            .iter()
                            .find(|o| same(&o.name, organization_name))
                            .cloned();
                        let user = env
                            .users
                            .iter()
                            .find(|u| who.is(u) && same(&u.organization, organization_name))
                            .cloned();
                        (org, user)
                    });
                    match found {
                        (None, _) | (_, None) => {
                            Err((codes::INVALID_USER_AUTH, "not a user of that organization"))
                        }
                        (Some(o), _) if o.disabled => Err((codes::ORGANIZATION_DISABLED, "")),
                        (_, Some(u)) if u.disabled => Err((codes::USER_DISABLED, "")),
                        (Some(o), Some(u)) => {
                            let (ticket, expires) = st.issue_ticket(u.id, &o.name);
                            Ok(DiscoveryResponse::RetrieveCrmTicket {
                                crm_ticket: Some(ticket),
                                organization_detail: Some(org_detail(&o, host)),
                                expiration_date: Some(iso8601(expires)),
                            })
                        }
                    }
                }
            }
        }
    };
    match result {
        Ok(r) => {
            xml_reply(StatusCode::OK, v, discovery::encode_response(&r, v, &discovery::prefixes(v)))
        }
        Err((code, why)) => fault(st, v, code, why),
    }
}

fn has_puid(u: &User, puid: &str) -> bool {
    u.puid.as_deref().is_some_and(|p| same(p, puid))
}

/// The caller a discovery request's credentials name.
enum Caller {
    Puid(String),
    Windows(String),
}

impl Caller {
    fn is(&self, u: &User) -> bool {
        match self {
            Caller::Puid(p) => has_puid(u, p),
            Caller::Windows(a) => u.windows_account.as_deref().is_some_and(|w| same(w, a)),
        }
    }
}

/// Who an authenticated CrmService request runs as.
struct Identity {
    user: Uuid,
    organization: String,
    caller: Option<Uuid>,
}

enum Call {
    Service(ServiceCall),
    Create(create::CreateRequest),
}

fn read_call(body: &[u8]) -> Result<Call, DecodeError> {
    let env = soap::parse_envelope(body)?;
    let b = env.body_element()?;
    if b.is(Some(WS_NS), "Create") {
        create::read_request(b).map(Call::Create)
    } else {
        service::decode_call(body).map(|(_, r)| Call::Service(r))
    }
}

/// CrmService: WhoAmI (the acting user), Retrieve systemuser fullname, Create (recorded
/// with owner = the impersonated caller, acting user = the authenticated account).
fn service_call(st: &AppState, v: SoapVersion, body: &[u8], who: Identity) -> Response {
    let call = match read_call(body) {
        Ok(c) => c,
        Err(e) => return unreadable(st, v, &e),
    };
    if let Some(code) = st.injected_fault() {
        return fault(st, v, code, "injected by the mock server");
    }
    let prefixes = service::prefixes(v);
    match call {
        // Optional parameters are decoded and ignored: none changes these answers.
        Call::Service(ServiceCall::WhoAmI { .. }) => {
            let org_id = st.with_env(|env| {
                env.organizations.iter().find(|o| same(&o.name, &who.organization)).map(|o| o.id)
            });
            let org_id = org_id.unwrap_or_default();
            let r = ServiceResponse::WhoAmI {
                user_id: who.user,
                business_unit_id: org_id,
                organization_id: org_id,
            };
            xml_reply(StatusCode::OK, v, service::encode_response(&r, v, &prefixes))
        }
        Call::Service(ServiceCall::Retrieve { entity_name, id, column_set }) => {
            if entity_name.as_deref() != Some("systemuser") {
                return fault(st, v, NOT_FOUND, "the mock stores only systemuser records");
            }
            let name = st.with_env(|env| {
                env.users
                    .iter()
                    .find(|u| u.id == id && same(&u.organization, &who.organization))
                    .map(|u| u.full_name.clone())
            });
            match name {
                Some(fullname) => {
                    // The mock stores one attribute, fullname: AllColumns or an absent
                    // column set returns it; a ColumnSet only when it names it.
                    let wanted = match &column_set {
                        None | Some(ColumnSetBase::AllColumns) => true,
                        Some(ColumnSetBase::ColumnSet(c)) => c.iter().any(|a| a == "fullname"),
                    };
                    let fullname = fullname.filter(|_| wanted);
                    let r = ServiceResponse::RetrieveSystemUser { fullname };
                    xml_reply(StatusCode::OK, v, service::encode_response(&r, v, &prefixes))
                }
                None => fault(st, v, NOT_FOUND, "systemuser does not exist"),
            }
        }
        Call::Create(c) => {
            let id = st.new_id();
            st.record(AuditEntry {
                id,
                entity: c.entity_name,
                attributes: c.attributes,
                owner: who.caller.unwrap_or(who.user),
                acting_user: who.user,
                organization: who.organization,
                at: st.now(),
            });
            xml_reply(StatusCode::OK, v, create::encode_response(id, v))
        }
    }
}
