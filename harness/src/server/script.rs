//! The scripted mock of the client conformance suite (issue 15, PROTOCOL 3
//! `CLIENT-CONFORMANCE`): one [`Script`] per case says which CrmService calls get which
//! fault, whether the first CRM ticket expires before it is used, and how slow CrmService
//! is. A layer in front of the mock's router plays the script, serves the Windows Live
//! stand-in ([`WLID_PATH`]) and keeps a [`CaseRecord`]: every request, the CRM tickets
//! issued and presented (by number, never by value), the faults sent, and the audit. The
//! verdict of a case is computed from that record and the client's exit code only.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use super::handler::{CRM_SERVICE_PATH, DISCOVERY_PATHS};
use super::state::{AppState, AuditEntry, Control, ServerStats};
use crate::codec::discovery::{self, DiscoveryRequest, DiscoveryResponse};
use crate::codec::fault::{encode_fault, read_fault, ErrorCode, FAULTSTRING};
use crate::codec::ns::WS_NS;
use crate::codec::redact::Ticket;
use crate::codec::soap::{self, SoapVersion, SOAP11_NS};
use crate::codec::token;

/// The Windows Live stand-in: `POST` form `username`, `password`, `policy` →
/// `{"ticket": "…"}` (200), 401 on bad credentials, 400 on a missing field or a policy
/// other than the one `RetrievePolicy` returns.
pub const WLID_PATH: &str = "/_crmauth/wlid";
/// `GET`: the case record so far as JSON (tickets by number).
pub const RECORD_PATH: &str = "/_crmauth/record";
/// Largest request or reply body the recorder buffers (the client's own limit: 4 MiB).
const MAX_BODY: usize = 4 << 20;
/// At most this many exchanges are recorded per case (later ones are only counted).
pub const MAX_EXCHANGES: usize = 10_000;

/// How a scripted fault is written on the wire (PROTOCOL 2.4, FAULT-EXPIRED,
/// FAULT-NO-FALSE-POSITIVE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultSpelling {
    /// As the real server writes it, in the request's SOAP version (`0x8004A101`).
    Canonical,
    /// A SOAP 1.2 envelope (`Code/Value`, `Reason/Text`, `Detail`) whatever the request's
    /// version.
    Soap12,
    /// SOAP 1.1 with other prefixes (`E:` for the envelope, a declared prefix on
    /// `faultcode`).
    OtherPrefixes,
    /// Lower-case hex (`0x8004a101`).
    LowerCase,
    /// Whitespace around the code, and `description` before `code`.
    Whitespace,
    /// The code of the fault is the given one, but `8004A101` appears in its
    /// `faultstring` and `description`: not an expired ticket.
    Decoy,
}

/// A fault the script answers a CrmService call with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScriptedFault {
    /// The error code written in the fault's `<detail><error><code>`.
    pub code: ErrorCode,
    /// How the fault is spelled on the wire.
    pub spelling: FaultSpelling,
}

/// Which CrmService calls get the scripted fault (before the pipeline sees them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultPlan {
    /// No scripted fault: every call reaches the mock's pipeline and service.
    #[default]
    None,
    /// Only the first CrmService call of the case.
    First(ScriptedFault),
    /// Every CrmService call.
    Every(ScriptedFault),
}

/// The account the Windows Live stand-in knows: its user name and password, and the PUID
/// its tickets name (the service account's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WlidAccount {
    /// The user name the stand-in accepts (form field `username`).
    pub username: String,
    /// The password the stand-in accepts (form field `password`).
    pub password: String,
    /// The PUID (16 hex digits, PROTOCOL 2.6) its Windows Live tickets carry.
    pub puid: String,
}

/// One case's script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Which CrmService calls get a scripted fault.
    pub faults: FaultPlan,
    /// The first CRM ticket issued expires right after it is issued (its `ExpirationDate`
    /// still says otherwise): the first call with it meets the pipeline's real 8004A101.
    pub expire_first_ticket: bool,
    /// Each CrmService call is answered this much later.
    pub service_delay: Duration,
    /// The one account the Windows Live stand-in ([`WLID_PATH`]) knows.
    pub wlid: WlidAccount,
}

/// What a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Operation {
    /// Discovery `RetrievePolicyRequest` (PROTOCOL 2.2).
    RetrievePolicy,
    /// Discovery `RetrieveOrganizationsRequest`.
    RetrieveOrganizations,
    /// Discovery `RetrieveCrmUserIdByExternalIdRequest`.
    RetrieveCrmUserIdByExternalId,
    /// Discovery `RetrieveCrmTicketRequest`.
    RetrieveCrmTicket,
    /// A discovery request the recorder could not read.
    Discovery,
    /// CrmService `Execute` (the `WhoAmI` request of the seed flow).
    WhoAmI,
    /// CrmService `Retrieve`.
    Retrieve,
    /// CrmService `Create`.
    Create,
    /// A CrmService request the recorder could not read.
    CrmService,
    /// A `GET …?wsdl`.
    Wsdl,
    /// A call to the Windows Live stand-in ([`WLID_PATH`]).
    WindowsLive,
    /// A request to any other path.
    Other,
}

impl Operation {
    /// A call to CrmService (any operation).
    pub fn is_crm_service(self) -> bool {
        matches!(
            self,
            Operation::WhoAmI | Operation::Retrieve | Operation::Create | Operation::CrmService
        )
    }
}

/// The CRM ticket a request presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TicketSeen {
    /// The n-th ticket this case's server issued (from 1).
    Issued {
        /// Its number, from 1, in issue order.
        number: usize,
    },
    /// A ticket this server never issued (redacted).
    Unknown {
        /// The ticket's redacted short prefix (never the full value).
        redacted: String,
    },
}

/// A fault the server sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FaultSent {
    /// The code as the robust reader reads it from what was sent.
    pub code: Option<ErrorCode>,
    /// `Some` when the script wrote it; `None` when the mock (pipeline, service) did.
    pub scripted: Option<FaultSpelling>,
}

impl FaultSent {
    /// Whether the fault sent means "expired ticket" (FAULT-EXPIRED).
    pub fn is_expired(&self) -> bool {
        self.code.is_some_and(ErrorCode::is_expired_ticket)
    }
}

/// One request and its reply, as the server saw them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// From 1, in arrival order.
    pub seq: usize,
    /// Milliseconds since the case's server started.
    pub at_ms: u64,
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The request path, without the query.
    pub path: String,
    /// What the request asked for.
    pub operation: Operation,
    /// The request's SOAP version (from its `Content-Type`); `None` for WSDL, Windows Live
    /// and other requests.
    pub soap: Option<SoapVersion>,
    /// The token's CRM ticket (CrmService calls).
    pub ticket: Option<TicketSeen>,
    /// The token's `CallerId` (CrmService calls).
    pub caller_id: Option<Uuid>,
    /// The HTTP status of the reply.
    pub status: u16,
    /// The fault in the reply, when it was not successful and carried a readable fault.
    pub fault: Option<FaultSent>,
    /// The number of the CRM ticket a `RetrieveCrmTicket` reply issued.
    pub issued: Option<usize>,
}

/// Everything the server recorded in one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRecord {
    /// The recorded exchanges, in arrival order (at most [`MAX_EXCHANGES`]).
    pub exchanges: Vec<Exchange>,
    /// Requests beyond [`MAX_EXCHANGES`], not recorded one by one.
    pub dropped: usize,
    /// How many CRM tickets `RetrieveCrmTicket` replies issued.
    pub tickets_issued: usize,
    /// Windows Live tickets the stand-in issued.
    pub wlid_tickets: usize,
    /// The mock's audit of data changes: owner and acting user of each created record.
    pub audit: Vec<AuditEntry>,
    /// The mock's counters at the time of the record.
    pub stats: ServerStats,
}

#[derive(Debug, Default)]
struct Log {
    exchanges: Vec<Exchange>,
    dropped: usize,
    /// Issued CRM ticket values, in order (private: only their numbers leave).
    tickets: Vec<String>,
    wlid_tickets: usize,
    crm_calls: usize,
}

impl Log {
    fn ticket_seen(&self, t: &Ticket) -> TicketSeen {
        match self.tickets.iter().position(|v| v == t.reveal()) {
            Some(i) => TicketSeen::Issued { number: i + 1 },
            None => TicketSeen::Unknown { redacted: t.redacted() },
        }
    }
    fn push(&mut self, mut e: Exchange) {
        if self.exchanges.len() < MAX_EXCHANGES {
            e.seq = self.exchanges.len() + self.dropped + 1;
            self.exchanges.push(e);
        } else {
            self.dropped += 1;
        }
    }
}

/// A script being played on a running server, with its record.
pub struct Scripted {
    script: Script,
    app: Arc<AppState>,
    start: Instant,
    log: Mutex<Log>,
}

fn lock(m: &Mutex<Log>) -> std::sync::MutexGuard<'_, Log> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Scripted {
    pub(super) fn new(script: Script, app: Arc<AppState>) -> Self {
        Scripted { script, app, start: Instant::now(), log: Mutex::new(Log::default()) }
    }

    /// The record so far (with the server's audit and counters).
    pub fn record(&self) -> CaseRecord {
        let log = lock(&self.log);
        CaseRecord {
            exchanges: log.exchanges.clone(),
            dropped: log.dropped,
            tickets_issued: log.tickets.len(),
            wlid_tickets: log.wlid_tickets,
            audit: self.app.audit(),
            stats: self.app.stats(),
        }
    }

    fn exchange(&self, method: &Method, path: &str, operation: Operation) -> Exchange {
        Exchange {
            seq: 0,
            at_ms: self.start.elapsed().as_millis() as u64,
            method: method.as_str().to_owned(),
            path: path.to_owned(),
            operation,
            soap: None,
            ticket: None,
            caller_id: None,
            status: 0,
            fault: None,
            issued: None,
        }
    }

    /// Count a CrmService call; the scripted fault it gets, if any.
    fn next_crm_call(&self) -> Option<ScriptedFault> {
        let mut log = lock(&self.log);
        let n = log.crm_calls;
        log.crm_calls += 1;
        match self.script.faults {
            FaultPlan::First(f) if n == 0 => Some(f),
            FaultPlan::Every(f) => Some(f),
            _ => None,
        }
    }

    /// Note an issued CRM ticket; its number (from 1).
    fn issued(&self, t: &Ticket) -> usize {
        let mut log = lock(&self.log);
        log.tickets.push(t.reveal().to_owned());
        log.tickets.len()
    }

    /// The Windows Live stand-in.
    fn wlid(&self, method: &Method, body: &[u8]) -> (StatusCode, String) {
        if method != Method::POST {
            return (StatusCode::METHOD_NOT_ALLOWED, "POST a form".into());
        }
        let form = parse_form(body);
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let (Some(user), Some(password), Some(policy)) =
            (field("username"), field("password"), field("policy"))
        else {
            return (StatusCode::BAD_REQUEST, "username, password and policy are required".into());
        };
        let a = &self.script.wlid;
        if user != a.username || password != a.password {
            return (StatusCode::UNAUTHORIZED, "bad user name or password".into());
        }
        if policy != self.app.policy {
            return (
                StatusCode::BAD_REQUEST,
                "policy is not the one RetrievePolicy returns".into(),
            );
        }
        match self.app.scheme.issue(&a.puid, self.app.random()) {
            Some(t) => {
                lock(&self.log).wlid_tickets += 1;
                (StatusCode::OK, serde_json::json!({ "ticket": t.reveal() }).to_string())
            }
            None => (StatusCode::INTERNAL_SERVER_ERROR, "the account's PUID is not valid".into()),
        }
    }
}

/// What the recorder reads from a request body.
fn classify(path: &str, method: &Method, query: Option<&str>, body: &[u8]) -> Operation {
    let is = |p: &str| path.eq_ignore_ascii_case(p);
    if method == Method::GET && query.is_some_and(|q| q.eq_ignore_ascii_case("wsdl")) {
        return Operation::Wsdl;
    }
    if DISCOVERY_PATHS.iter().any(|p| is(p)) {
        return match discovery::decode_request(body) {
            Ok(DiscoveryRequest::RetrievePolicy) => Operation::RetrievePolicy,
            Ok(DiscoveryRequest::RetrieveOrganizations { .. }) => Operation::RetrieveOrganizations,
            Ok(DiscoveryRequest::RetrieveCrmTicket { .. }) => Operation::RetrieveCrmTicket,
            Ok(DiscoveryRequest::RetrieveCrmUserIdByExternalId { .. }) => {
                Operation::RetrieveCrmUserIdByExternalId
            }
            Err(_) => Operation::Discovery,
        };
    }
    if is(CRM_SERVICE_PATH) {
        let Ok(env) = soap::parse_envelope(body) else { return Operation::CrmService };
        return match env.body_element() {
            Ok(b) if b.is(Some(WS_NS), "Create") => Operation::Create,
            Ok(b) if b.is(Some(WS_NS), "Retrieve") => Operation::Retrieve,
            Ok(b) if b.is(Some(WS_NS), "Execute") => Operation::WhoAmI,
            _ => Operation::CrmService,
        };
    }
    Operation::Other
}

fn version_of(headers: &axum::http::HeaderMap) -> SoapVersion {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.trim_start().to_ascii_lowercase().starts_with("application/soap+xml") {
        SoapVersion::V12
    } else {
        SoapVersion::V11
    }
}

fn soap_reply(status: StatusCode, v: SoapVersion, body: String) -> Response {
    let ct = match v {
        SoapVersion::V11 => "text/xml; charset=utf-8",
        SoapVersion::V12 => "application/soap+xml; charset=utf-8",
    };
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(ct))], body).into_response()
}

/// The text of a scripted fault and the SOAP version it is written in.
pub fn spell_fault(f: ScriptedFault, request: SoapVersion) -> (SoapVersion, String) {
    let code = f.code;
    let meaning = code.meaning().unwrap_or("error");
    match f.spelling {
        FaultSpelling::Canonical => (request, encode_fault(request, code, meaning)),
        FaultSpelling::Soap12 => (SoapVersion::V12, encode_fault(SoapVersion::V12, code, meaning)),
        FaultSpelling::OtherPrefixes => (
            SoapVersion::V11,
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><E:Envelope xmlns:E=\"{SOAP11_NS}\" \
                 xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><E:Body><E:Fault>\
                 <faultcode xmlns:q0=\"{SOAP11_NS}\">q0:Server</faultcode>\
                 <faultstring>{FAULTSTRING}</faultstring><detail><error>\
                 <code>{}</code><description>{meaning}</description><type>Platform</type>\
                 </error></detail></E:Fault></E:Body></E:Envelope>",
                code.wire()
            ),
        ),
        FaultSpelling::LowerCase => (
            SoapVersion::V11,
            encode_fault(SoapVersion::V11, code, meaning)
                .replace(&code.wire(), &code.wire().to_ascii_lowercase()),
        ),
        FaultSpelling::Whitespace => (
            SoapVersion::V11,
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<soap:Envelope \
                 xmlns:soap=\"{SOAP11_NS}\">\n  <soap:Body>\n    <soap:Fault>\n      \
                 <faultcode>soap:Server</faultcode>\n      <faultstring>{FAULTSTRING}\
                 </faultstring>\n      <detail>\n        <error>\n          <description>\
                 {meaning}</description>\n          <code>\n            {}\t\n          </code>\n   \
                       <type>Platform</type>\n        </error>\n      </detail>\n    </soap:Fault>\n  \
                 </soap:Body>\n</soap:Envelope>\n",
                code.wire()
            ),
        ),
        FaultSpelling::Decoy => (
            SoapVersion::V11,
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope \
                 xmlns:soap=\"{SOAP11_NS}\"><soap:Body><soap:Fault>\
                 <faultcode>soap:Server</faultcode>\
                 <faultstring>{FAULTSTRING} (not 0x8004A101)</faultstring><detail><error>\
                 <code>{}</code><description>Generic error; this is not 0x8004A101, the \
                 ticket is fine</description><type>Platform</type></error></detail>\
                 </soap:Fault></soap:Body></soap:Envelope>",
                code.wire()
            ),
        ),
    }
}

/// The layer in front of the mock's router: plays the script and records the exchange.
pub(super) async fn layer(State(s): State<Arc<Scripted>>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    let path = parts.uri.path().to_owned();
    let method = parts.method.clone();
    if path == WLID_PATH {
        let mut e = s.exchange(&method, &path, Operation::WindowsLive);
        let (status, text) = s.wlid(&method, &bytes);
        e.status = status.as_u16();
        lock(&s.log).push(e);
        let ct = if status == StatusCode::OK { "application/json" } else { "text/plain" };
        return (status, [(header::CONTENT_TYPE, HeaderValue::from_static(ct))], text)
            .into_response();
    }
    if path == RECORD_PATH && method == Method::GET {
        let json = serde_json::to_string(&s.record()).unwrap_or_default();
        return ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json)
            .into_response();
    }
    if path.starts_with("/_crmauth/") {
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    let operation = classify(&path, &method, parts.uri.query(), &bytes);
    let v = version_of(&parts.headers);
    let mut e = s.exchange(&method, &path, operation);
    if operation != Operation::Wsdl && operation != Operation::Other {
        e.soap = Some(v);
    }
    let mut scripted = None;
    if operation.is_crm_service() {
        if let Ok(Some(t)) = token::decode_token_from_envelope_tree(&bytes) {
            e.caller_id = Some(t.caller_id);
            e.ticket = t.crm_ticket.as_ref().map(|t| lock(&s.log).ticket_seen(t));
        }
        scripted = s.next_crm_call();
        if !s.script.service_delay.is_zero() {
            tokio::time::sleep(s.script.service_delay).await;
        }
    }
    if let Some(f) = scripted {
        let (sv, text) = spell_fault(f, v);
        s.app.count_fault();
        e.status = 500;
        e.fault = Some(FaultSent {
            code: read_fault(text.as_bytes()).ok().and_then(|r| r.code),
            scripted: Some(f.spelling),
        });
        lock(&s.log).push(e);
        return soap_reply(StatusCode::INTERNAL_SERVER_ERROR, sv, text);
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (rparts, rbody) = response.into_parts();
    let rbytes: Bytes = axum::body::to_bytes(rbody, MAX_BODY).await.unwrap_or_default();
    e.status = rparts.status.as_u16();
    if !rparts.status.is_success() {
        if let Ok(f) = read_fault(&rbytes) {
            e.fault = Some(FaultSent { code: f.code, scripted: None });
        }
    } else if operation == Operation::RetrieveCrmTicket {
        if let Ok(DiscoveryResponse::RetrieveCrmTicket { crm_ticket: Some(t), .. }) =
            discovery::decode_response(&rbytes)
        {
            let number = s.issued(&t);
            e.issued = Some(number);
            if number == 1 && s.script.expire_first_ticket {
                s.app.apply_control(&Control { expire_all_tickets: true, ..Control::default() });
            }
        }
    }
    lock(&s.log).push(e);
    Response::from_parts(rparts, Body::from(rbytes))
}

/// `application/x-www-form-urlencoded` pairs (`+` is a space, `%XX` a byte).
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => match crate::codec::hex::byte(&s[i + 1..i + 3]) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(i) => (decode(&p[..i]), decode(&p[i + 1..])),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// Percent-encode a form value (everything but unreserved characters).
pub fn form_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expired(spelling: FaultSpelling) -> ScriptedFault {
        ScriptedFault { code: ErrorCode::EXPIRED_TICKET, spelling }
    }

    #[test]
    fn every_expired_spelling_reads_as_expired() {
        for sp in [
            FaultSpelling::Canonical,
            FaultSpelling::Soap12,
            FaultSpelling::OtherPrefixes,
            FaultSpelling::LowerCase,
            FaultSpelling::Whitespace,
        ] {
            for v in [SoapVersion::V11, SoapVersion::V12] {
                let (sv, text) = spell_fault(expired(sp), v);
                let f = read_fault(text.as_bytes()).unwrap_or_else(|e| panic!("{sp:?}: {e}"));
                assert!(f.is_expired_ticket(), "{sp:?} {v:?}: {f:?}");
                assert_eq!(f.soap_version, sv);
            }
        }
    }

    #[test]
    fn decoy_is_not_expired_but_mentions_the_code() {
        let (_, text) = spell_fault(
            ScriptedFault { code: ErrorCode(0x8004_0216), spelling: FaultSpelling::Decoy },
            SoapVersion::V11,
        );
        let f = read_fault(text.as_bytes()).unwrap();
        assert_eq!(f.code, Some(ErrorCode(0x8004_0216)));
        assert!(f.faultstring.unwrap().contains("8004A101"));
        assert!(f.description.unwrap().contains("8004A101"));
    }

    #[test]
    fn form_round_trip() {
        let body =
            format!("username={}&password={}&policy=MBI_SSL", form_encode("a b&c"), "p%2Bq+r");
        let f = parse_form(body.as_bytes());
        assert_eq!(f[0], ("username".into(), "a b&c".into()));
        assert_eq!(f[1], ("password".into(), "p+q r".into()));
        assert_eq!(f[2], ("policy".into(), "MBI_SSL".into()));
        assert_eq!(parse_form(b"a=%4")[0].1, "%4");
    }
}
