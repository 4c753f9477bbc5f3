//! Client conformance cases for `crmauth check` (PROTOCOL 2.3, 2.4; CLIENT-RETRY-BOUND,
//! CLIENT-RETRY-ONLY-EXPIRED, CLIENT-IMPERSONATION): the built-in client run end to end
//! against a server. The retry and ownership cases steer the server through the mock's
//! `/_crmauth/` endpoints; a server without them fails those cases with a clear message.

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::client::error::ClientError;
use crate::client::flow::{run_impersonation_flow, CrmClient, FlowSettings};
use crate::client::ticket::{PassportTicketScheme, SharedSecretAcquirer};
use crate::client::transport::HttpTransport;
use crate::server::{self, defaults, AuditEntry, Control, ServerConfig, ServerStats};

/// What the cases need to know about the server's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceSettings {
    /// PUID (16 hex digits) of the service account, which holds act-on-behalf.
    pub service_account_puid: String,
    /// `FriendlyName` of the organization the flow picks (PROTOCOL 2.3 step 4).
    pub organization_friendly_name: String,
    /// PUID of the user to impersonate.
    pub user_puid: String,
    /// The impersonated user's CRM id, when known: the flow must put it in `CallerId`.
    pub expected_user_id: Option<Uuid>,
    /// The client's `max_retries` (attempts in all) and the bound CLIENT-RETRY-BOUND checks.
    pub max_retries: u32,
    /// Timeout of each HTTP call, of the client and of the cases' control requests.
    pub timeout: Duration,
    /// Shared secret of the Windows Live ticket scheme the server accepts.
    pub passport_secret: String,
}

impl Default for ConformanceSettings {
    /// The embedded default environment of the mock server.
    fn default() -> Self {
        ConformanceSettings {
            service_account_puid: defaults::SERVICE_ACCOUNT_PUID.into(),
            organization_friendly_name: defaults::ORGANIZATION_FRIENDLY_NAME.into(),
            user_puid: defaults::USER_PUID.into(),
            expected_user_id: Some(defaults::USER_ID),
            max_retries: 3,
            timeout: Duration::from_secs(10),
            passport_secret: crate::codec::wlid::DEFAULT_SECRET.into(),
        }
    }
}

/// One case's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCaseResult {
    /// A PROTOCOL invariant ID, or `CLIENT-FLOW-…` for the flow itself.
    pub id: &'static str,
    /// The PROTOCOL section.
    pub section: &'static str,
    /// What the case checks, in words.
    pub title: String,
    /// `Ok` when it passed; `Err` says what the server or client did instead.
    pub outcome: Result<(), String>,
}

/// The client cases, in the order they run: ID, PROTOCOL section, title.
pub const CASES: [(&str, &str, &str); 5] = [
    (
        "CLIENT-FLOW-IMPERSONATION",
        "2.3",
        "the seed's flow end to end: CallerId is the user, WhoAmI the service account",
    ),
    (
        "CLIENT-IMPERSONATION",
        "2.3",
        "a change made with the token is owned by the user and acted by the service account",
    ),
    (
        "CLIENT-RETRY-ONLY-EXPIRED",
        "2.4",
        "a fault other than 8004A101 is returned at once, unchanged",
    ),
    ("CLIENT-REFRESH", "2.3", "an expired ticket is replaced once and the call succeeds"),
    (
        "CLIENT-RETRY-BOUND",
        "2.3",
        "tickets that keep expiring: at most max_retries attempts, each with a fresh ticket",
    ),
];

/// Run the client cases. `server`: a base URL (`http://127.0.0.1:5555`); `None` starts the
/// built-in server on an ephemeral loopback port for the run and stops it afterwards.
pub async fn client_conformance(
    server: Option<&str>,
    settings: &ConformanceSettings,
) -> Vec<ClientCaseResult> {
    let (base, running) = match server {
        Some(url) => (url.trim_end_matches('/').to_owned(), None),
        None => {
            let started = match ServerConfig::passport_default() {
                Ok(mut c) => {
                    c.passport_secret = settings.passport_secret.clone();
                    server::start(c).await
                }
                Err(e) => Err(e),
            };
            match started {
                Ok(s) => (s.base_url(), Some(s)),
                Err(e) => {
                    return vec![ClientCaseResult {
                        id: "CLIENT-FLOW-IMPERSONATION",
                        section: "2.3",
                        title: "start the built-in server".into(),
                        outcome: Err(e.to_string()),
                    }]
                }
            }
        }
    };
    let results = run_cases(&base, settings).await;
    if let Some(s) = running {
        let _ = s.shutdown().await;
    }
    results
}

struct Ctx {
    base: String,
    http: reqwest::Client,
    settings: ConformanceSettings,
}

impl Ctx {
    fn client(&self) -> Result<CrmClient, String> {
        let transport = Arc::new(HttpTransport::new().map_err(|e| e.to_string())?);
        let acquirer = Arc::new(SharedSecretAcquirer::new(PassportTicketScheme::new(
            &self.settings.passport_secret,
        )));
        let mut fs = FlowSettings::new(
            &self.base,
            &self.settings.service_account_puid,
            &self.settings.organization_friendly_name,
            &self.settings.user_puid,
        );
        fs.max_retries = self.settings.max_retries;
        fs.timeout = self.settings.timeout;
        CrmClient::new(transport, acquirer, fs).map_err(|e| e.to_string())
    }

    async fn control(&self, c: &Control) -> Result<(), String> {
        let r = self
            .http
            .post(format!("{}/_crmauth/control", self.base))
            .header("Content-Type", "application/json")
            .body(serde_json::to_string(c).map_err(|e| e.to_string())?)
            .send()
            .await
            .map_err(|e| format!("control endpoint: {e}"))?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "the server has no usable /_crmauth/control endpoint (HTTP {})",
                r.status()
            ))
        }
    }

    /// The server's counters (`GET /_crmauth/stats`). The GET itself counts as a request.
    async fn stats(&self) -> Result<ServerStats, String> {
        let r = self
            .http
            .get(format!("{}/_crmauth/stats", self.base))
            .send()
            .await
            .map_err(|e| format!("stats endpoint: {e}"))?;
        if !r.status().is_success() {
            return Err(format!(
                "the server has no /_crmauth/stats endpoint (HTTP {})",
                r.status()
            ));
        }
        let bytes = r.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| format!("stats JSON: {e}"))
    }

    async fn audit(&self) -> Result<Vec<AuditEntry>, String> {
        let r = self
            .http
            .get(format!("{}/_crmauth/audit", self.base))
            .send()
            .await
            .map_err(|e| format!("audit endpoint: {e}"))?;
        if !r.status().is_success() {
            return Err(format!(
                "the server has no /_crmauth/audit endpoint (HTTP {})",
                r.status()
            ));
        }
        let bytes = r.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| format!("audit JSON: {e}"))
    }
}

fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

async fn run_cases(base: &str, settings: &ConformanceSettings) -> Vec<ClientCaseResult> {
    let ctx = Ctx {
        base: base.to_owned(),
        http: reqwest::Client::builder().timeout(settings.timeout).build().unwrap_or_default(),
        settings: settings.clone(),
    };
    let outcomes = [
        flow_case(&ctx).await,
        ownership_case(&ctx).await,
        only_expired_case(&ctx).await,
        refresh_case(&ctx).await,
        bound_case(&ctx).await,
    ];
    CASES
        .iter()
        .zip(outcomes)
        .map(|(&(id, section, title), outcome)| ClientCaseResult {
            id,
            section,
            title: title.into(),
            outcome,
        })
        .collect()
}

async fn flow_case(ctx: &Ctx) -> Result<(), String> {
    let mut c = ctx.client()?;
    let before = ctx.stats().await?;
    let r = run_impersonation_flow(&mut c).await.map_err(|e| e.to_string())?;
    let after = ctx.stats().await?;
    let issued = after.tickets_issued - before.tickets_issued;
    check(issued == 1 && after.faults == before.faults, || {
        format!("the server issued {issued} tickets and sent faults for a flow without expiry")
    })?;
    if let Some(want) = ctx.settings.expected_user_id {
        check(r.caller_id == want, || {
            format!("CallerId {} is not the user's CRM id {want}", r.caller_id)
        })?;
    }
    check(c.token().map(|t| t.caller_id) == Some(r.caller_id), || {
        "the token's CallerId differs".into()
    })?;
    check(r.who_am_i != r.caller_id, || {
        "WhoAmI returned the impersonated user, not the service account".into()
    })?;
    check(r.impersonated_fullname.is_some() && r.service_account_fullname.is_some(), || {
        "a fullname is missing".into()
    })
}

async fn ownership_case(ctx: &Ctx) -> Result<(), String> {
    let mut c = ctx.client()?;
    let acting = c.who_am_i().await.map_err(|e| e.to_string())?;
    let caller = c.caller_id().ok_or("no CallerId after connecting")?;
    let id = c.create_task("crmauth conformance").await.map_err(|e| e.to_string())?;
    let audit = ctx.audit().await?;
    let e = audit
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| format!("record {id} not in the audit log"))?;
    check(e.owner == caller, || {
        format!("owner {} is not the impersonated user {caller}", e.owner)
    })?;
    check(e.acting_user == acting, || {
        format!("acting user {} is not the service account {acting}", e.acting_user)
    })
}

/// The requests the server counted between two snapshots, less the `admin` requests this
/// suite made to `/_crmauth/` in between (the second stats GET included).
fn client_requests(before: &ServerStats, after: &ServerStats, admin: u64) -> u64 {
    (after.requests - before.requests).saturating_sub(admin)
}

// The retry cases are judged by the server's counters (CLIENT-CONFORMANCE): they assume
// nobody else uses the server during the case.
async fn only_expired_case(ctx: &Ctx) -> Result<(), String> {
    let mut c = ctx.client()?;
    c.connect().await.map_err(|e| e.to_string())?;
    let before = ctx.stats().await?;
    let code = crate::codec::fault::ErrorCode(0x8004_A104);
    ctx.control(&Control { fail_next: vec![code], ..Control::default() }).await?;
    let r = c.who_am_i().await;
    let after = ctx.stats().await?;
    match r {
        Err(ClientError::Fault { fault, .. }) => {
            check(fault.code == Some(code), || format!("fault code {:?}, sent {code}", fault.code))?
        }
        other => return Err(format!("expected the 8004A104 fault, got {other:?}")),
    }
    let calls = client_requests(&before, &after, 2);
    check(calls == 1, || format!("the server saw {calls} requests for one call: a retry"))?;
    check(after.tickets_issued == before.tickets_issued, || {
        "the server issued a new ticket after a non-expiry fault".into()
    })
}

async fn refresh_case(ctx: &Ctx) -> Result<(), String> {
    let mut c = ctx.client()?;
    c.connect().await.map_err(|e| e.to_string())?;
    let before = ctx.stats().await?;
    ctx.control(&Control { expire_all_tickets: true, ..Control::default() }).await?;
    c.who_am_i().await.map_err(|e| e.to_string())?;
    let after = ctx.stats().await?;
    let issued = after.tickets_issued - before.tickets_issued;
    check(issued == 1, || format!("the server issued {issued} tickets, expected 1"))?;
    let faults = after.faults - before.faults;
    check(faults == 1, || format!("the server sent {faults} faults, expected 1 (8004A101)"))?;
    // Every earlier ticket was expired, so the call's success shows the new one was used.
    let calls = client_requests(&before, &after, 2);
    check(calls == 3, || {
        format!("the server saw {calls} requests; expected call, RetrieveCrmTicket, call")
    })
}

async fn bound_case(ctx: &Ctx) -> Result<(), String> {
    let mut c = ctx.client()?;
    c.connect().await.map_err(|e| e.to_string())?;
    let before = ctx.stats().await?;
    let max = ctx.settings.max_retries;
    ctx.control(&Control {
        expire_all_tickets: true,
        issue_expired_tickets: Some(true),
        ..Control::default()
    })
    .await?;
    let r = c.who_am_i().await;
    ctx.control(&Control { issue_expired_tickets: Some(false), ..Control::default() }).await?;
    let after = ctx.stats().await?;
    match r {
        Err(ClientError::RetriesExhausted { .. }) => {}
        other => return Err(format!("expected to give up, got {other:?}")),
    }
    let max = u64::from(max);
    let faults = after.faults - before.faults;
    check(faults == max, || format!("{faults} CrmService attempts faulted, max_retries {max}"))?;
    let fresh = after.tickets_issued - before.tickets_issued;
    check(fresh == max - 1, || format!("{fresh} tickets issued for {} retries", max - 1))?;
    let calls = client_requests(&before, &after, 3);
    check(calls == 2 * max - 1, || {
        format!("the server saw {calls} requests; expected {max} calls and {} tickets", max - 1)
    })
}
