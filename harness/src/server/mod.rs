//! The mock CRM 4.0 server (PROTOCOL sections 1 and 2): HTTP wired to the real pipeline
//! engine ([`crate::pipeline::CompiledPipeline`], MapOrg, strategy) and to the codecs.
//!
//! It speaks the discovery service (the four requests, at the AD, SPLA and Passport paths)
//! and CrmService (`Execute(WhoAmI)`, `Retrieve systemuser`, `Create`); issues CRM tickets
//! that expire on the server clock; answers denied requests with HTTP 401 (no handling
//! step) or the failing provider's fault; records the owner and acting user of each change
//! (CLIENT-IMPERSONATION); and serves a generated WSDL at `?wsdl`. See `docs/mock-server.md`.

mod handler;
pub mod script;
mod state;
pub mod wsdl;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::pipeline::strategy::Deployment;
use crate::pipeline::{xml, Environment, Pipeline, Strategy};

pub use state::{AuditEntry, Control, ServerStats};

/// The standard Passport pipeline (PROTOCOL 1.6), embedded so `serve` runs anywhere.
pub const DEFAULT_PIPELINE: &str =
    include_str!("../../../corpus/pipelines/passport.crmpassport.xml");
/// The embedded default environment: organization Contoso ("Contoso Ltd"), a service
/// account with act-on-behalf, users with PUIDs, no tickets, the real clock.
pub const DEFAULT_ENV: &str = include_str!("default_env.json");

/// Facts of the embedded default environment, for clients and tests.
pub mod defaults {
    use uuid::Uuid;
    /// The service account's PUID (it holds act-on-behalf).
    pub const SERVICE_ACCOUNT_PUID: &str = "0003BFFD5E5E0001";
    /// The service account's CRM user id.
    pub const SERVICE_ACCOUNT_ID: Uuid = Uuid::from_u128(0x5e000000_0000_0000_0000_000000000001);
    /// The service account's `fullname`.
    pub const SERVICE_ACCOUNT_NAME: &str = "ISV Service Account";
    /// The user to impersonate.
    pub const USER_PUID: &str = "0003BFFD00000B0B";
    /// The impersonated user's CRM user id: the `CallerId` the client must send.
    pub const USER_ID: Uuid = Uuid::from_u128(0xb0b00000_0000_0000_0000_000000000002);
    /// The impersonated user's `fullname`.
    pub const USER_NAME: &str = "Bob User";
    /// A user without act-on-behalf.
    pub const NO_PRIVILEGE_PUID: &str = "0003BFFD0000A1B0";
    /// The organization's `OrganizationName`.
    pub const ORGANIZATION: &str = "Contoso";
    /// The organization's `FriendlyName` (what the seed's client matches on, PROTOCOL 2.3).
    pub const ORGANIZATION_FRIENDLY_NAME: &str = "Contoso Ltd";
    /// The policy the discovery service returns.
    pub const POLICY: &str = "MBI_SSL";
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configured address is not loopback; the mock never listens elsewhere.
    #[error("refusing to listen on {0}: the mock server binds loopback addresses only")]
    NotLoopback(SocketAddr),
    /// Binding the listening socket failed (e.g. the port is taken).
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error, as text.
        message: String,
    },
    /// The pipeline XML did not load; holds the [`crate::pipeline::ConfigError`] text.
    #[error("pipeline: {0}")]
    Pipeline(String),
    /// The environment JSON did not parse; holds the parser's message.
    #[error("environment: {0}")]
    Environment(String),
    /// A setting is out of range (e.g. a fault rate outside 0..=1).
    #[error("invalid setting: {0}")]
    Setting(String),
    /// Reading the local address or serving failed, or shutdown took longer than 10 s.
    #[error("server: {0}")]
    Io(String),
}

/// Everything the server runs with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// A loopback address; port 0 picks a free port.
    pub addr: SocketAddr,
    /// The strategy and its pipelines (PROTOCOL 1.1, 1.6).
    pub deployment: Deployment<Pipeline>,
    /// The environment: organizations, users, issued tickets, server roles, internal networks.
    pub env: Environment,
    /// How long an issued CRM ticket lives (server clock; whole seconds are rounded up).
    pub ticket_lifetime: Duration,
    /// Probability that a CrmService call gets an injected 8004A101 fault.
    pub fault_rate: f64,
    /// Seed of the server's random numbers (ticket values, ids, fault injection).
    pub seed: u64,
    /// The shared secret of the Windows Live ticket scheme
    /// ([`crate::codec::wlid::PassportTicketScheme`]).
    pub passport_secret: String,
    /// What `RetrievePolicy` returns.
    pub policy: String,
    /// Take the client address from the `X-Crmauth-Client-Address` header (a stand-in for
    /// the address a proxy reports), so that tests on loopback can make external requests.
    /// Off by default: the peer address counts.
    pub client_address_header: bool,
}

impl ServerConfig {
    /// The default: Passport strategy with the embedded pipeline and environment, on
    /// `127.0.0.1:0`, tickets living 30 s, no injected faults.
    pub fn passport_default() -> Result<Self, ServerError> {
        let pipeline =
            xml::parse(DEFAULT_PIPELINE).map_err(|e| ServerError::Pipeline(e.to_string()))?;
        let env = serde_json::from_str(DEFAULT_ENV)
            .map_err(|e| ServerError::Environment(e.to_string()))?;
        Ok(ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            deployment: Deployment {
                strategy: Strategy::Passport,
                authentication: pipeline,
                post_authentication: None,
            },
            env,
            ticket_lifetime: Duration::from_secs(30),
            fault_rate: 0.0,
            seed: 0,
            passport_secret: crate::codec::wlid::DEFAULT_SECRET.into(),
            policy: defaults::POLICY.into(),
            client_address_header: false,
        })
    }
}

/// A server running on a tokio task; stop it with [`RunningServer::shutdown`].
pub struct RunningServer {
    addr: SocketAddr,
    state: Arc<state::AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServerError>>,
    script: Option<Arc<script::Scripted>>,
}

impl RunningServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Counters so far.
    pub fn stats(&self) -> ServerStats {
        self.state.stats()
    }
    /// The recorded changes (CLIENT-IMPERSONATION).
    pub fn audit(&self) -> Vec<AuditEntry> {
        self.state.audit()
    }
    /// What a scripted server ([`start_scripted`]) recorded so far; `None` otherwise.
    pub fn record(&self) -> Option<script::CaseRecord> {
        self.script.as_ref().map(|s| s.record())
    }
    /// Change test controls (expire tickets, queue faults).
    pub fn control(&self, c: &Control) {
        self.state.apply_control(c);
    }
    /// Stop accepting, finish in-flight requests, and wait for the server task.
    pub async fn shutdown(mut self) -> Result<(), ServerError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match tokio::time::timeout(Duration::from_secs(10), &mut self.task).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(ServerError::Io(e.to_string())),
            Err(_) => {
                self.task.abort();
                Err(ServerError::Io("shutdown took longer than 10 s; aborted".into()))
            }
        }
    }
}

async fn bind(
    config: ServerConfig,
) -> Result<(tokio::net::TcpListener, SocketAddr, Arc<state::AppState>), ServerError> {
    if !config.addr.ip().is_loopback() {
        return Err(ServerError::NotLoopback(config.addr));
    }
    if !(0.0..=1.0).contains(&config.fault_rate) {
        return Err(ServerError::Setting(format!(
            "fault rate {} is not in 0..=1",
            config.fault_rate
        )));
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| ServerError::Bind { addr: config.addr, message: e.to_string() })?;
    let addr = listener.local_addr().map_err(|e| ServerError::Io(e.to_string()))?;
    let state = Arc::new(state::AppState::new(config, addr));
    Ok((listener, addr, state))
}

async fn run(
    listener: tokio::net::TcpListener,
    state: Arc<state::AppState>,
    signal: impl Future<Output = ()> + Send + 'static,
    script: Option<Arc<script::Scripted>>,
) -> Result<(), ServerError> {
    let mut app = handler::router(state);
    if let Some(s) = script {
        app = app.layer(axum::middleware::from_fn_with_state(s, script::layer));
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(signal)
        .await
        .map_err(|e| ServerError::Io(e.to_string()))
}

/// Start the server on its loopback address (port 0: an ephemeral port) and return at once.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let (listener, addr, state) = bind(config).await?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(run(
        listener,
        state.clone(),
        async move {
            let _ = rx.await;
        },
        None,
    ));
    Ok(RunningServer { addr, state, shutdown: Some(tx), task, script: None })
}

/// Like [`start`], with `script` played in front of the mock and every exchange recorded
/// ([`RunningServer::record`]); adds the Windows Live stand-in at [`script::WLID_PATH`]
/// (client conformance, `docs/client-conformance.md`).
pub async fn start_scripted(
    config: ServerConfig,
    script: script::Script,
) -> Result<RunningServer, ServerError> {
    let (listener, addr, state) = bind(config).await?;
    let scripted = Arc::new(script::Scripted::new(script, state.clone()));
    let (tx, rx) = oneshot::channel::<()>();
    let signal = async move {
        let _ = rx.await;
    };
    let task = tokio::spawn(run(listener, state.clone(), signal, Some(scripted.clone())));
    Ok(RunningServer { addr, state, shutdown: Some(tx), task, script: Some(scripted) })
}

/// Run the server until `signal` completes (the CLI passes Ctrl-C); `on_bound` is told the
/// bound address first.
pub async fn serve_until(
    config: ServerConfig,
    on_bound: impl FnOnce(SocketAddr),
    signal: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let (listener, addr, state) = bind(config).await?;
    on_bound(addr);
    run(listener, state, signal, None).await
}
