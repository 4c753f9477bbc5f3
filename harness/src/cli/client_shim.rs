//! `crmauth client-shim`: crmauth's own client (`crmauth::client`) behind the client
//! conformance contract (`docs/client-conformance.md`): it reads the `CRMAUTH_*`
//! environment, runs the seed's flow (PROTOCOL 2.3) with a Windows Live ticket from the
//! stand-in at `CRMAUTH_WLID_URL`, then creates one `task` whose subject is `CRMAUTH_CASE`.
//! Exit 0 on success, 1 when it gives up, 2 on a bad environment.
//!
//! `--broken KIND` (tests only) makes it a deliberately wrong client, so the suite can be
//! shown to catch each mistake.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use uuid::Uuid;

use crate::client::flow::ServiceCall;
use crate::client::transport::{BoxFuture, HttpReply, SoapCall, Transport, TransportError};
use crate::client::{
    run_impersonation_flow, ClientError, CrmClient, FlowSettings, HttpTransport, TicketAcquirer,
};
use crate::codec::create::CreateRequest;
use crate::codec::redact::{Secret, Ticket};
use crate::server::script::form_encode;

use super::{CliError, Exit};

/// Deliberately broken behaviours (for the suite's own tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BrokenKind {
    /// Retries after any fault, not only 8004A101.
    RetriesAnyFault,
    /// Never retries.
    NeverRetries,
    /// Retries 8004A101 with the same (stale) ticket.
    StaleTicket,
    /// Sends the empty GUID as `CallerId`.
    NoCallerId,
    /// Ignores `CRMAUTH_MAX_RETRIES` (retries up to 20 times).
    UnboundedRetries,
    /// Retries when "8004A101" appears anywhere in the reply body.
    MatchesAnywhere,
    /// Exits 89 (not implemented) at once.
    NotImplemented,
}

/// Arguments of `crmauth client-shim`.
#[derive(Debug, clap::Args)]
pub struct ShimArgs {
    /// Behave like a deliberately broken client (tests of the suite).
    #[arg(long, value_enum)]
    pub broken: Option<BrokenKind>,
}

/// Bad environment: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EnvError(String);

struct Env {
    url: String,
    organization: String,
    max_retries: u32,
    wlid_url: String,
    username: String,
    password: Secret,
    puid: String,
    case: String,
}

fn var(name: &str) -> Result<String, EnvError> {
    std::env::var(name).map_err(|_| EnvError(format!("{name} is not set")))
}

fn read_env() -> Result<Env, EnvError> {
    let max = var("CRMAUTH_MAX_RETRIES")?;
    Ok(Env {
        url: var("CRMAUTH_URL")?,
        organization: var("CRMAUTH_ORGANIZATION")?,
        max_retries: max
            .trim()
            .parse()
            .ok()
            .filter(|m| *m >= 1)
            .ok_or_else(|| EnvError(format!("CRMAUTH_MAX_RETRIES {max:?} is not a count ≥ 1")))?,
        wlid_url: var("CRMAUTH_WLID_URL")?,
        username: var("CRMAUTH_WLID_USERNAME")?,
        password: Secret::new(var("CRMAUTH_WLID_PASSWORD")?),
        puid: var("CRMAUTH_IMPERSONATE_PUID")?,
        case: var("CRMAUTH_CASE")?,
    })
}

/// The Windows Live stand-in as a [`TicketAcquirer`]: `POST` form `username`, `password`,
/// `policy` → `{"ticket": …}`.
struct FormAcquirer {
    http: reqwest::Client,
    url: String,
    password: Secret,
}

impl TicketAcquirer for FormAcquirer {
    fn acquire<'a>(
        &'a self,
        service_account: &'a str,
        policy: &'a str,
    ) -> BoxFuture<'a, Result<Ticket, String>> {
        Box::pin(async move {
            let body = format!(
                "username={}&password={}&policy={}",
                form_encode(service_account),
                form_encode(self.password.reveal()),
                form_encode(policy)
            );
            let r = self
                .http
                .post(&self.url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = r.status();
            let bytes = r.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("the Windows Live stand-in answered HTTP {status}"));
            }
            let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            v.get("ticket")
                .and_then(|t| t.as_str())
                .map(Ticket::new)
                .ok_or_else(|| "no \"ticket\" in the reply".into())
        })
    }
}

/// A transport that can blank `CallerId` in what it sends and remembers the last reply
/// (for the broken kinds).
struct ShimTransport {
    inner: HttpTransport,
    blank: Mutex<Option<String>>,
    last_reply: Mutex<Vec<u8>>,
}

impl Transport for ShimTransport {
    fn post(&self, mut call: SoapCall) -> BoxFuture<'_, Result<HttpReply, TransportError>> {
        Box::pin(async move {
            let blank = self.blank.lock().map(|b| b.clone()).unwrap_or(None);
            if let Some(id) = blank {
                call.body = call.body.replace(&id, &Uuid::nil().to_string());
            }
            let reply = self.inner.post(call).await?;
            if let Ok(mut l) = self.last_reply.lock() {
                l.clone_from(&reply.body);
            }
            Ok(reply)
        })
    }
}

/// Run the shim: exit 0 when the task was created (noted on standard error), else the
/// error's exit code (1 the client gave up, 2 a bad environment, 89 not implemented).
pub fn run(args: &ShimArgs) -> Result<Exit, CliError> {
    if args.broken == Some(BrokenKind::NotImplemented) {
        return Err(CliError::ShimNotImplemented);
    }
    let env = read_env().map_err(|EnvError(e)| CliError::ShimEnvironment(e))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::ShimRuntime)?;
    // ClientError never shows a full ticket.
    let id = rt.block_on(flow(&env, args.broken)).map_err(CliError::ShimGaveUp)?;
    eprintln!("crmauth client-shim: created task {id}");
    Ok(Exit::Success)
}

async fn flow(env: &Env, broken: Option<BrokenKind>) -> Result<Uuid, ClientError> {
    let inner = HttpTransport::new().map_err(|e| ClientError::Settings(e.to_string()))?;
    let transport = Arc::new(ShimTransport {
        inner,
        blank: Mutex::new(None),
        last_reply: Mutex::new(Vec::new()),
    });
    let acquirer = Arc::new(FormAcquirer {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::Settings(e.to_string()))?,
        url: env.wlid_url.clone(),
        password: env.password.clone(),
    });
    let mut fs = FlowSettings::new(&env.url, &env.username, &env.organization, &env.puid);
    let Some(kind) = broken else {
        // The client under test, unchanged: the library's flow and retry.
        fs.max_retries = env.max_retries;
        let mut client = CrmClient::new(transport, acquirer, fs)?;
        run_impersonation_flow(&mut client).await?;
        return client.create_task(&env.case).await;
    };
    // Broken kinds: the library client without its own retry, and a wrong retry loop.
    fs.max_retries = 1;
    let bound = if kind == BrokenKind::UnboundedRetries { 20 } else { env.max_retries };
    let mut client = CrmClient::new(transport.clone(), acquirer, fs)?;
    client.connect().await?;
    if kind == BrokenKind::NoCallerId {
        if let (Some(id), Ok(mut b)) = (client.caller_id(), transport.blank.lock()) {
            *b = Some(id.to_string());
        }
    }
    broken_call(&mut client, &transport, kind, bound, &ServiceCall::WhoAmI).await?;
    let create = ServiceCall::Create(CreateRequest {
        entity_name: "task".into(),
        attributes: vec![("subject".into(), env.case.clone())],
    });
    match broken_call(&mut client, &transport, kind, bound, &create).await? {
        crate::client::flow::ServiceReply::Created(id) => Ok(id),
        _ => {
            Err(ClientError::Incomplete { step: crate::client::Step::Create, what: "CreateResult" })
        }
    }
}

async fn broken_call(
    client: &mut CrmClient,
    transport: &ShimTransport,
    kind: BrokenKind,
    bound: u32,
    call: &ServiceCall,
) -> Result<crate::client::flow::ServiceReply, ClientError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let e = match client.call(call).await {
            Ok(r) => return Ok(r),
            Err(e) => e,
        };
        let expired = e.fault().is_some_and(|f| f.is_expired_ticket());
        let retry = match kind {
            BrokenKind::RetriesAnyFault => e.fault().is_some(),
            BrokenKind::NeverRetries | BrokenKind::NotImplemented => false,
            BrokenKind::StaleTicket | BrokenKind::NoCallerId | BrokenKind::UnboundedRetries => {
                expired
            }
            BrokenKind::MatchesAnywhere => transport
                .last_reply
                .lock()
                .map(|b| String::from_utf8_lossy(&b).contains("8004A101"))
                .unwrap_or(false),
        };
        if !retry || attempt >= bound {
            return Err(e);
        }
        if kind != BrokenKind::StaleTicket {
            client.refresh_ticket().await?;
        }
    }
}
