//! The impersonation flow of PROTOCOL 2.3 and the long-lived [`CrmClient`].
//!
//! Retry rule (CLIENT-RETRY-BOUND, CLIENT-RETRY-ONLY-EXPIRED): a fault whose code the robust
//! reader reads as 8004A101 (its streaming form, [`crate::codec::fault_stream`], which
//! agrees with [`crate::codec::fault::read_fault`] on every input) makes the client obtain a
//! new Windows Live ticket and a new CRM ticket and try again, at most `max_retries`
//! attempts in all; every other error is returned at once, unchanged.

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use super::error::{ClientError, Step};
use super::ticket::TicketAcquirer;
use super::transport::{HttpReply, SoapCall, Transport, TransportError};
use crate::codec::create::{self, CreateRequest};
use crate::codec::discovery::{
    self, Credentials, DiscoveryRequest, DiscoveryResponse, OrganizationDetail,
};
use crate::codec::fault::Fault;
use crate::codec::fault_stream::read_fault_stream;
use crate::codec::redact::Ticket;
use crate::codec::service::{self, ServiceRequest, ServiceResponse};
use crate::codec::soap::SoapVersion;
use crate::codec::token::{AuthenticationType, CrmAuthenticationToken, CrmHeaders};
use crate::codec::xml::DecodeError;

/// The Passport discovery endpoint path (PROTOCOL 2.2).
pub const PASSPORT_DISCOVERY_PATH: &str = "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx";

/// Default for `max_retries` (PROTOCOL 2.3: `MAX_RETRIES`).
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// What the client needs to know (PROTOCOL 2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSettings {
    /// Full URL of the discovery service, e.g.
    /// `http://127.0.0.1:5555/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx`.
    pub discovery_url: String,
    /// The service account's Windows Live identity (for the built-in acquirer: its PUID).
    pub service_account: String,
    /// The organization's `FriendlyName`, compared exactly.
    pub organization_friendly_name: String,
    /// The impersonated user's PUID (step 1, from the RPS ticket).
    pub user_puid: String,
    /// At most this many attempts in all (CLIENT-RETRY-BOUND); at least 1.
    pub max_retries: u32,
    /// Per HTTP call.
    pub timeout: Duration,
    /// The SOAP version of every request (1.1 or 1.2).
    pub soap_version: SoapVersion,
}

impl FlowSettings {
    /// Settings for the Passport discovery endpoint under `base_url` (`http://host:port`),
    /// with 3 attempts, a 30 s timeout and SOAP 1.1.
    pub fn new(
        base_url: &str,
        service_account: &str,
        organization_friendly_name: &str,
        user_puid: &str,
    ) -> Self {
        FlowSettings {
            discovery_url: format!("{}{PASSPORT_DISCOVERY_PATH}", base_url.trim_end_matches('/')),
            service_account: service_account.into(),
            organization_friendly_name: organization_friendly_name.into(),
            user_puid: user_puid.into(),
            max_retries: DEFAULT_MAX_RETRIES,
            timeout: Duration::from_secs(30),
            soap_version: SoapVersion::V11,
        }
    }
}

/// What a successful flow found (PROTOCOL 2.3 step 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowReport {
    /// The policy `RetrievePolicy` returned (e.g. `MBI_SSL`, PROTOCOL 2.2).
    pub policy: String,
    /// The organization picked by `FriendlyName` (PROTOCOL 2.3 step 4).
    pub organization: OrganizationDetail,
    /// The impersonated user's CRM id: the token's `CallerId`.
    pub caller_id: Uuid,
    /// `WhoAmI`'s `UserId`: the service account.
    pub who_am_i: Uuid,
    /// The service account's `fullname` (`Retrieve systemuser`), if it has one.
    pub service_account_fullname: Option<String>,
    /// The impersonated user's `fullname`, if it has one.
    pub impersonated_fullname: Option<String>,
    /// Attempts made (1 when no ticket expired).
    pub attempts: u32,
}

/// Counters of one client, for tests and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientStats {
    /// Windows Live tickets obtained.
    pub wlid_tickets: u64,
    /// CRM tickets obtained (RetrieveCrmTicket replies).
    pub crm_tickets: u64,
    /// CrmService calls sent (each retry counts).
    pub service_calls: u64,
    /// Expired-ticket faults met.
    pub expired_faults: u64,
}

/// The discovery results a CrmService session runs on.
#[derive(Debug, Clone)]
struct Session {
    policy: String,
    organization: OrganizationDetail,
    service_url: String,
    caller_id: Uuid,
    token: CrmAuthenticationToken,
}

/// A CrmService call the client makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceCall {
    /// `Execute(WhoAmIRequest)`.
    WhoAmI,
    /// `Retrieve("systemuser", id, {fullname})`.
    RetrieveFullname(Uuid),
    /// `Create` of an entity, owned by the impersonated caller (PROTOCOL 1.4).
    Create(CreateRequest),
}

/// The reply to a [`ServiceCall`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceReply {
    /// `WhoAmIResponse`.
    WhoAmI {
        /// The user the call ran as (the service account under impersonation).
        user_id: Uuid,
        /// That user's business unit.
        business_unit_id: Uuid,
        /// The organization of the session.
        organization_id: Uuid,
    },
    /// The `fullname` attribute, `None` when the record has none.
    Fullname(Option<String>),
    /// The id of the created record.
    Created(Uuid),
}

/// A long-lived client: discovery once, then many CrmService calls with the impersonation
/// token; on an expired ticket it obtains a new one and retries (CLIENT-RETRY-BOUND).
pub struct CrmClient {
    transport: Arc<dyn Transport>,
    acquirer: Arc<dyn TicketAcquirer>,
    settings: FlowSettings,
    session: Option<Session>,
    stats: ClientStats,
}

impl std::fmt::Debug for CrmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrmClient")
            .field("settings", &self.settings)
            .field("connected", &self.session.is_some())
            .field("stats", &self.stats)
            .finish()
    }
}

impl CrmClient {
    /// A client; nothing is sent until the first call (or [`CrmClient::connect`]).
    pub fn new(
        transport: Arc<dyn Transport>,
        acquirer: Arc<dyn TicketAcquirer>,
        settings: FlowSettings,
    ) -> Result<Self, ClientError> {
        if settings.max_retries == 0 {
            return Err(ClientError::Settings("max_retries must be at least 1".into()));
        }
        Ok(CrmClient {
            transport,
            acquirer,
            settings,
            session: None,
            stats: ClientStats::default(),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &FlowSettings {
        &self.settings
    }

    /// Counters so far.
    pub fn stats(&self) -> ClientStats {
        self.stats
    }

    /// The token the next call carries (ticket redacted in Debug), once connected.
    pub fn token(&self) -> Option<&CrmAuthenticationToken> {
        self.session.as_ref().map(|s| &s.token)
    }

    /// The organization chosen, once connected.
    pub fn organization(&self) -> Option<&OrganizationDetail> {
        self.session.as_ref().map(|s| &s.organization)
    }

    /// The impersonated user's CRM id (the token's `CallerId`), once connected.
    pub fn caller_id(&self) -> Option<Uuid> {
        self.session.as_ref().map(|s| s.caller_id)
    }

    /// Forget the session: the next call runs discovery again.
    pub fn disconnect(&mut self) {
        self.session = None;
    }

    async fn send(
        &self,
        step: Step,
        url: &str,
        action: &'static str,
        body: String,
    ) -> Result<HttpReply, ClientError> {
        let call =
            SoapCall { url: url.to_owned(), action, version: self.settings.soap_version, body };
        let timeout = self.settings.timeout;
        match tokio::time::timeout(timeout, self.transport.post(call)).await {
            Err(_) | Ok(Err(TransportError::Timeout)) => {
                Err(ClientError::Timeout { step, timeout })
            }
            Ok(Err(e)) => Err(ClientError::Transport { step, message: e.to_string() }),
            Ok(Ok(reply)) => Ok(reply),
        }
    }

    async fn discovery(
        &self,
        step: Step,
        req: &DiscoveryRequest,
    ) -> Result<DiscoveryResponse, ClientError> {
        let v = self.settings.soap_version;
        let body = discovery::encode_request(req, v, &discovery::prefixes(v));
        let reply =
            self.send(step, &self.settings.discovery_url, discovery::SOAP_ACTION, body).await?;
        interpret(step, &reply, discovery::decode_response)
    }

    async fn acquire_wlid(&mut self, policy: &str) -> Result<Ticket, ClientError> {
        let t = self
            .acquirer
            .acquire(&self.settings.service_account, policy)
            .await
            .map_err(ClientError::Acquire)?;
        self.stats.wlid_tickets += 1;
        Ok(t)
    }

    async fn crm_ticket(
        &mut self,
        org: &str,
        wlid: &Ticket,
    ) -> Result<(Ticket, OrganizationDetail), ClientError> {
        let req = DiscoveryRequest::RetrieveCrmTicket {
            organization_name: org.to_owned(),
            credentials: Credentials::Passport { passport_ticket: wlid.clone() },
        };
        let step = Step::RetrieveCrmTicket;
        match self.discovery(step, &req).await? {
            DiscoveryResponse::RetrieveCrmTicket { crm_ticket, organization_detail, .. } => {
                self.stats.crm_tickets += 1;
                let t = crm_ticket.ok_or(ClientError::Incomplete { step, what: "CrmTicket" })?;
                let o = organization_detail
                    .ok_or(ClientError::Incomplete { step, what: "OrganizationDetail" })?;
                Ok((t, o))
            }
            other => Err(unexpected(step, &other)),
        }
    }

    /// PROTOCOL 2.3 steps 2–6: policy, Windows Live ticket, organizations (by exact
    /// `FriendlyName`), the user's CRM id, the CRM ticket, and the impersonation token.
    pub async fn connect(&mut self) -> Result<(), ClientError> {
        self.session = None;
        let policy = match self
            .discovery(Step::RetrievePolicy, &DiscoveryRequest::RetrievePolicy)
            .await?
        {
            DiscoveryResponse::RetrievePolicy { policy } => policy
                .ok_or(ClientError::Incomplete { step: Step::RetrievePolicy, what: "Policy" })?,
            other => return Err(unexpected(Step::RetrievePolicy, &other)),
        };
        let wlid = self.acquire_wlid(&policy).await?;
        let orgs_req = DiscoveryRequest::RetrieveOrganizations {
            credentials: Credentials::Passport { passport_ticket: wlid.clone() },
        };
        let orgs = match self.discovery(Step::RetrieveOrganizations, &orgs_req).await? {
            DiscoveryResponse::RetrieveOrganizations { organization_details } => {
                organization_details
            }
            other => return Err(unexpected(Step::RetrieveOrganizations, &other)),
        };
        let wanted = &self.settings.organization_friendly_name;
        let Some(org) = orgs.iter().find(|o| o.friendly_name.as_deref() == Some(wanted.as_str()))
        else {
            return Err(ClientError::OrganizationNotFound {
                friendly_name: wanted.clone(),
                available: orgs.iter().filter_map(|o| o.friendly_name.clone()).collect(),
            });
        };
        let org_name = org.organization_name.clone().ok_or(ClientError::Incomplete {
            step: Step::RetrieveOrganizations,
            what: "OrganizationName",
        })?;
        let uid_req = DiscoveryRequest::RetrieveCrmUserIdByExternalId {
            external_id: self.settings.user_puid.clone(),
            passport_ticket: wlid.clone(),
            organization_name: org_name.clone(),
        };
        let caller_id = match self.discovery(Step::RetrieveCrmUserId, &uid_req).await? {
            DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id } => crm_user_id,
            other => return Err(unexpected(Step::RetrieveCrmUserId, &other)),
        };
        let (ticket, detail) = self.crm_ticket(&org_name, &wlid).await?;
        let service_url = detail.crm_service_url.clone().ok_or(ClientError::Incomplete {
            step: Step::RetrieveCrmTicket,
            what: "OrganizationDetail.CrmServiceUrl",
        })?;
        // PROTOCOL 2.3 step 6: the token names `OrganizationDetail.OrganizationName`; a
        // reply without it is incomplete (never a token for no organization).
        let token_organization =
            detail.organization_name.clone().ok_or(ClientError::Incomplete {
                step: Step::RetrieveCrmTicket,
                what: "OrganizationDetail.OrganizationName",
            })?;
        let token = CrmAuthenticationToken {
            authentication_type: AuthenticationType::Passport,
            crm_ticket: Some(ticket),
            organization_name: Some(token_organization),
            caller_id,
        };
        #[cfg(feature = "mutants")]
        let token = planted::token(token);
        self.session =
            Some(Session { policy, organization: detail, service_url, caller_id, token });
        Ok(())
    }

    /// A fresh CRM ticket for the current session (a new Windows Live ticket first).
    pub async fn refresh_ticket(&mut self) -> Result<(), ClientError> {
        let Some(s) = &self.session else {
            return self.connect().await;
        };
        let policy = s.policy.clone();
        // The session's token always names its organization (see `connect`); refresh for
        // that one, never for a guessed one.
        let org = s.token.organization_name.clone().ok_or(ClientError::Incomplete {
            step: Step::RetrieveCrmTicket,
            what: "OrganizationDetail.OrganizationName",
        })?;
        let wlid = self.acquire_wlid(&policy).await?;
        let (ticket, _) = self.crm_ticket(&org, &wlid).await?;
        if let Some(s) = &mut self.session {
            s.token.crm_ticket = Some(ticket);
        }
        Ok(())
    }

    async fn call_once(&mut self, call: &ServiceCall) -> Result<ServiceReply, ClientError> {
        let s = self.session.as_ref().ok_or(ClientError::Settings("not connected".into()))?;
        let headers = CrmHeaders { token: Some(s.token.clone()), ..CrmHeaders::default() };
        let v = self.settings.soap_version;
        let url = s.service_url.clone();
        self.stats.service_calls += 1;
        match call {
            ServiceCall::WhoAmI | ServiceCall::RetrieveFullname(_) => {
                let (req, step) = match call {
                    ServiceCall::WhoAmI => (ServiceRequest::WhoAmI, Step::WhoAmI),
                    ServiceCall::RetrieveFullname(id) => (
                        ServiceRequest::Retrieve {
                            entity_name: "systemuser".into(),
                            id: *id,
                            columns: vec!["fullname".into()],
                        },
                        Step::RetrieveSystemUser,
                    ),
                    ServiceCall::Create(_) => unreachable!("matched above"),
                };
                let body = service::encode_request(&req, &headers, v, &service::prefixes(v));
                let reply = self.send(step, &url, req.soap_action(), body).await?;
                match (interpret(step, &reply, service::decode_response)?, call) {
                    (
                        ServiceResponse::WhoAmI { user_id, business_unit_id, organization_id },
                        ServiceCall::WhoAmI,
                    ) => Ok(ServiceReply::WhoAmI { user_id, business_unit_id, organization_id }),
                    (
                        ServiceResponse::RetrieveSystemUser { fullname },
                        ServiceCall::RetrieveFullname(_),
                    ) => Ok(ServiceReply::Fullname(fullname)),
                    (other, _) => Err(ClientError::NotSoap {
                        step,
                        status: reply.status,
                        detail: format!("unexpected response {}", response_name(&other)),
                    }),
                }
            }
            ServiceCall::Create(req) => {
                let body = create::encode_request(req, &headers, v);
                let reply = self.send(Step::Create, &url, create::ACTION_CREATE, body).await?;
                interpret(Step::Create, &reply, create::decode_response).map(ServiceReply::Created)
            }
        }
    }

    /// One CrmService call with the expired-ticket retry: connects first if needed; on
    /// 8004A101 obtains a fresh ticket and tries again, at most `max_retries` attempts.
    pub async fn call(&mut self, call: &ServiceCall) -> Result<ServiceReply, ClientError> {
        let max = self.settings.max_retries;
        #[cfg(feature = "mutants")]
        let max = planted::bound(max);
        let mut attempt = 0;
        loop {
            attempt += 1;
            if self.session.is_none() {
                self.connect().await?;
            }
            match self.call_once(call).await {
                Err(e) if retried(&e) => {
                    self.stats.expired_faults += 1;
                    if attempt >= max {
                        return Err(exhausted(attempt, e));
                    }
                    self.refresh_ticket().await?;
                }
                other => return other,
            }
        }
    }

    /// `Execute(WhoAmI)`: the acting user's id (the service account).
    pub async fn who_am_i(&mut self) -> Result<Uuid, ClientError> {
        match self.call(&ServiceCall::WhoAmI).await? {
            ServiceReply::WhoAmI { user_id, .. } => Ok(user_id),
            _ => Err(ClientError::Incomplete { step: Step::WhoAmI, what: "WhoAmIResponse" }),
        }
    }

    /// `Retrieve systemuser {fullname}`.
    pub async fn fullname(&mut self, id: Uuid) -> Result<Option<String>, ClientError> {
        match self.call(&ServiceCall::RetrieveFullname(id)).await? {
            ServiceReply::Fullname(n) => Ok(n),
            _ => Err(ClientError::Incomplete { step: Step::RetrieveSystemUser, what: "fullname" }),
        }
    }

    /// `Create` a `task` with a subject; the id of the new record.
    pub async fn create_task(&mut self, subject: &str) -> Result<Uuid, ClientError> {
        let req = CreateRequest {
            entity_name: "task".into(),
            attributes: vec![("subject".into(), subject.into())],
        };
        match self.call(&ServiceCall::Create(req)).await? {
            ServiceReply::Created(id) => Ok(id),
            _ => Err(ClientError::Incomplete { step: Step::Create, what: "CreateResult" }),
        }
    }
}

/// Whether an error is retried with a fresh ticket: the expired-ticket fault, and nothing
/// else (CLIENT-RETRY-ONLY-EXPIRED).
fn retried(e: &ClientError) -> bool {
    #[cfg(feature = "mutants")]
    if planted::retries_any_fault(e) {
        return true;
    }
    e.is_expired_ticket()
}

fn exhausted(attempts: u32, e: ClientError) -> ClientError {
    match e {
        ClientError::Fault { fault, .. } => ClientError::RetriesExhausted { attempts, last: fault },
        other => other,
    }
}

/// The seed's `InvokeServiceMethod` (PROTOCOL 2.3): the whole flow — policy, Windows Live
/// ticket, organizations, user id, CRM ticket, WhoAmI, both fullnames — restarted from step 2
/// on an expired ticket, at most `max_retries` attempts in all; any other error at once.
pub async fn run_impersonation_flow(client: &mut CrmClient) -> Result<FlowReport, ClientError> {
    let max = client.settings.max_retries;
    #[cfg(feature = "mutants")]
    let max = planted::bound(max);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match flow_once(client).await {
            Ok(mut r) => {
                r.attempts = attempt;
                return Ok(r);
            }
            Err(e) if retried(&e) => {
                client.stats.expired_faults += 1;
                client.disconnect();
                if attempt >= max {
                    return Err(exhausted(attempt, e));
                }
            }
            Err(e) => return Err(e),
        }
    }
}

async fn flow_once(c: &mut CrmClient) -> Result<FlowReport, ClientError> {
    c.connect().await?;
    let who = match c.call_once(&ServiceCall::WhoAmI).await? {
        ServiceReply::WhoAmI { user_id, .. } => user_id,
        _ => return Err(ClientError::Incomplete { step: Step::WhoAmI, what: "UserId" }),
    };
    let caller = c.caller_id().unwrap_or_default();
    let mut names = Vec::with_capacity(2);
    for id in [who, caller] {
        match c.call_once(&ServiceCall::RetrieveFullname(id)).await? {
            ServiceReply::Fullname(n) => names.push(n),
            _ => {
                return Err(ClientError::Incomplete {
                    step: Step::RetrieveSystemUser,
                    what: "fullname",
                })
            }
        }
    }
    let s = c.session.as_ref().ok_or(ClientError::Settings("not connected".into()))?;
    let impersonated_fullname = names.pop().flatten();
    Ok(FlowReport {
        policy: s.policy.clone(),
        organization: s.organization.clone(),
        caller_id: caller,
        who_am_i: who,
        service_account_fullname: names.pop().flatten(),
        impersonated_fullname,
        attempts: 1,
    })
}

fn response_name(r: &ServiceResponse) -> &'static str {
    match r {
        ServiceResponse::WhoAmI { .. } => "WhoAmIResponse",
        ServiceResponse::RetrieveSystemUser { .. } => "RetrieveResponse",
    }
}

fn unexpected(step: Step, r: &DiscoveryResponse) -> ClientError {
    let name = match r {
        DiscoveryResponse::RetrievePolicy { .. } => "RetrievePolicyResponse",
        DiscoveryResponse::RetrieveOrganizations { .. } => "RetrieveOrganizationsResponse",
        DiscoveryResponse::RetrieveCrmTicket { .. } => "RetrieveCrmTicketResponse",
        DiscoveryResponse::RetrieveCrmUserIdByExternalId { .. } => {
            "RetrieveCrmUserIdByExternalIdResponse"
        }
    };
    ClientError::NotSoap { step, status: 200, detail: format!("unexpected response {name}") }
}

/// Turns an HTTP reply into the decoded message or a typed error: a SOAP fault (any
/// status) is [`ClientError::Fault`]; an error status without one is
/// [`ClientError::Http`]; an undecodable 2xx body is [`ClientError::NotSoap`].
pub fn interpret<T>(
    step: Step,
    reply: &HttpReply,
    decode: impl Fn(&[u8]) -> Result<T, DecodeError>,
) -> Result<T, ClientError> {
    let status = reply.status;
    if (200..300).contains(&status) {
        match decode(&reply.body) {
            Ok(v) => Ok(v),
            Err(e) => match read_fault_stream(&reply.body) {
                Ok(f) => Err(ClientError::Fault { step, status, fault: Box::new(f) }),
                Err(_) => Err(ClientError::NotSoap { step, status, detail: e.to_string() }),
            },
        }
    } else {
        match read_fault_stream(&reply.body) {
            Ok(f) => Err(ClientError::Fault { step, status, fault: Box::new(f) }),
            Err(_) => Err(ClientError::Http { step, status }),
        }
    }
}

/// Read a fault from a reply body, if it is one (for tests and reports).
pub fn reply_fault(reply: &HttpReply) -> Option<Fault> {
    read_fault_stream(&reply.body).ok()
}

/// Deliberate faults in the client flow (feature `mutants`, tests only), planted for the
/// current thread ([`crate::codec::planted`]), each breaking one CLIENT-* invariant of
/// PROTOCOL section 3, so that tests can show `crmauth check --suite client` catches it.
#[cfg(feature = "mutants")]
pub mod planted {
    use super::{ClientError, CrmAuthenticationToken};
    pub use crate::codec::planted::with;
    use crate::codec::planted::{is, Plant};
    use std::cell::Cell;
    use std::thread::LocalKey;

    /// A fault in the client.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ClientFault {
        /// One attempt more than `max_retries` (breaks CLIENT-RETRY-BOUND).
        RetryBeyondBound,
        /// Retries after any fault, not only 8004A101 (breaks CLIENT-RETRY-ONLY-EXPIRED).
        RetriesAnyFault,
        /// Sends the nil GUID as `CallerId` (breaks CLIENT-IMPERSONATION).
        NilCallerId,
    }

    impl Plant for ClientFault {
        fn slot() -> &'static LocalKey<Cell<Option<Self>>> {
            thread_local! {
                static SLOT: Cell<Option<ClientFault>> = const { Cell::new(None) };
            }
            &SLOT
        }
    }

    pub(super) fn bound(max: u32) -> u32 {
        if is(ClientFault::RetryBeyondBound) {
            max + 1
        } else {
            max
        }
    }

    pub(super) fn retries_any_fault(e: &ClientError) -> bool {
        is(ClientFault::RetriesAnyFault) && e.fault().is_some()
    }

    pub(super) fn token(mut t: CrmAuthenticationToken) -> CrmAuthenticationToken {
        if is(ClientFault::NilCallerId) {
            t.caller_id = uuid::Uuid::nil();
        }
        t
    }
}
