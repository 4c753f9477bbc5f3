//! The mock server's state: the compiled deployment, the environment (users, organizations,
//! issued tickets) on the server clock, counters, the audit log and test controls.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ServerConfig;
use crate::codec::fault::ErrorCode;
use crate::codec::redact::Ticket;
use crate::codec::wlid::PassportTicketScheme;
use crate::pipeline::json::{outcome_json, trace_json};
use crate::pipeline::outcome::{NoObserver, Outcome};
use crate::pipeline::request::IssuedTicket;
use crate::pipeline::strategy::Deployment;
use crate::pipeline::{CompiledPipeline, Environment, PreparedRequest, Trace};

/// At most this many audit entries are kept (oldest dropped first).
pub const MAX_AUDIT: usize = 100_000;
/// Issued tickets beyond this count trigger pruning of long-expired ones.
const PRUNE_AT: usize = 50_000;

/// One recorded change (PROTOCOL 1.4, CLIENT-IMPERSONATION): the record is owned by the
/// impersonated caller (or the acting user without impersonation); the acting user is the
/// authenticated account (the service account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub entity: String,
    pub attributes: Vec<(String, String)>,
    pub owner: Uuid,
    pub acting_user: Uuid,
    pub organization: String,
    /// Server clock, seconds since 1970.
    pub at: u64,
}

/// Counters, as `GET /_crmauth/stats` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ServerStats {
    pub requests: u64,
    /// CRM tickets issued by RetrieveCrmTicket.
    pub tickets_issued: u64,
    /// HTTP 401: no step handled the request.
    pub denied_401: u64,
    /// Faults returned (pipeline failures, discovery and service errors, injected).
    pub faults: u64,
    /// Faults injected by `--fault-rate` or the control endpoint.
    pub injected_faults: u64,
    pub changes: u64,
}

/// Test controls (`POST /_crmauth/control`, or [`super::RunningServer::control`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Make every ticket issued so far expire now.
    #[serde(default)]
    pub expire_all_tickets: bool,
    /// From now on issue tickets that are already expired (`Some(false)` turns it off).
    #[serde(default)]
    pub issue_expired_tickets: Option<bool>,
    /// Fail the next authenticated CrmService calls with these codes, in order.
    #[serde(default)]
    pub fail_next: Vec<ErrorCode>,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    tickets_issued: AtomicU64,
    denied_401: AtomicU64,
    faults: AtomicU64,
    injected_faults: AtomicU64,
    changes: AtomicU64,
}

/// What the pipeline decided, owned (the outcome borrows the environment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Authenticated { user: Option<Uuid>, organization: Option<String>, caller: Option<Uuid> },
    Redirect(String),
    Denied(Option<ErrorCode>),
}

/// The server clock: the environment's `now` (or the real time when it is 0) plus the time
/// since start.
#[derive(Debug)]
struct Clock {
    start: Instant,
    base: f64,
}

impl Clock {
    fn now_f(&self) -> f64 {
        self.base + self.start.elapsed().as_secs_f64()
    }
    fn now(&self) -> u64 {
        self.now_f() as u64
    }
}

#[derive(Debug, Default)]
struct Toggles {
    issue_expired: bool,
    fail_next: VecDeque<ErrorCode>,
}

/// Shared by all request handlers.
pub struct AppState {
    pub deployment: Deployment<CompiledPipeline>,
    env: Mutex<Environment>,
    clock: Clock,
    pub lifetime: Duration,
    pub scheme: PassportTicketScheme,
    pub policy: String,
    fault_rate: f64,
    rng: AtomicU64,
    counters: Counters,
    audit: Mutex<VecDeque<AuditEntry>>,
    toggles: Mutex<Toggles>,
    pub local_addr: SocketAddr,
    /// See [`ServerConfig::client_address_header`].
    pub client_address_header: bool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A handler never panics while holding a lock; recover the data if one ever did.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    pub fn new(config: ServerConfig, local_addr: SocketAddr) -> Self {
        let d = &config.deployment;
        let deployment = Deployment {
            strategy: d.strategy,
            authentication: CompiledPipeline::compile(&d.authentication),
            post_authentication: d.post_authentication.as_ref().map(CompiledPipeline::compile),
        };
        let base = if config.env.now == 0 {
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
        } else {
            config.env.now as f64
        };
        AppState {
            deployment,
            env: Mutex::new(config.env),
            clock: Clock { start: Instant::now(), base },
            lifetime: config.ticket_lifetime,
            scheme: PassportTicketScheme::new(&config.passport_secret),
            policy: config.policy,
            fault_rate: config.fault_rate,
            rng: AtomicU64::new(config.seed),
            counters: Counters::default(),
            audit: Mutex::new(VecDeque::new()),
            toggles: Mutex::new(Toggles::default()),
            local_addr,
            client_address_header: config.client_address_header,
        }
    }

    /// Server clock, seconds since 1970.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// SplitMix64: a seeded sequence shared by all handlers.
    pub fn random(&self) -> u64 {
        let mut z = self
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A random (version 4 shaped) id.
    pub fn new_id(&self) -> Uuid {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.random().to_le_bytes());
        b[8..].copy_from_slice(&self.random().to_le_bytes());
        uuid::Builder::from_random_bytes(b).into_uuid()
    }

    /// MapOrg and the strategy's pipelines on the server clock; the trace is logged at
    /// debug level.
    pub fn evaluate(&self, req: &PreparedRequest) -> Decision {
        let mut env = lock(&self.env);
        env.now = self.clock.now();
        let env = &*env;
        if tracing::enabled!(tracing::Level::DEBUG) {
            let (mut t, mut post) = (Trace::default(), Trace::default());
            let outcome = self.deployment.evaluate_observed(req, env, &mut t, &mut post);
            tracing::debug!(
                method = %req.request.method,
                path = %req.path(),
                outcome = %outcome_json(&outcome),
                trace = %trace_json(&t),
                post_trace = %trace_json(&post),
                "pipeline"
            );
            decision(&outcome)
        } else {
            let outcome =
                self.deployment.evaluate_observed(req, env, &mut NoObserver, &mut NoObserver);
            decision(&outcome)
        }
    }

    /// Read the environment under the lock.
    pub fn with_env<R>(&self, f: impl FnOnce(&Environment) -> R) -> R {
        let env = lock(&self.env);
        f(&env)
    }

    /// Issue a CRM ticket for `user` in `organization`: a random value, expiring after the
    /// lifetime (rounded up to whole seconds of the server clock; already expired while
    /// `issue_expired_tickets` is on). Returns the ticket and its expiry.
    pub fn issue_ticket(&self, user: Uuid, organization: &str) -> (Ticket, u64) {
        let ticket = Ticket::new(format!("CRMTKT.{:016x}{:016x}", self.random(), self.random()));
        let now_f = self.clock.now_f();
        let expires_at = if lock(&self.toggles).issue_expired {
            now_f as u64
        } else {
            (now_f + self.lifetime.as_secs_f64()).ceil() as u64
        };
        let mut env = lock(&self.env);
        if env.tickets.len() >= PRUNE_AT {
            let now = now_f as u64;
            env.tickets.retain(|t| t.expires_at.saturating_add(3600) > now);
        }
        env.tickets.push(IssuedTicket {
            ticket: ticket.clone(),
            user,
            organization: organization.to_owned(),
            expires_at,
        });
        self.counters.tickets_issued.fetch_add(1, Ordering::Relaxed);
        (ticket, expires_at)
    }

    /// A fault to inject into an authenticated CrmService call, if any.
    pub fn injected_fault(&self) -> Option<ErrorCode> {
        let queued = lock(&self.toggles).fail_next.pop_front();
        let code = queued.or_else(|| {
            (self.fault_rate > 0.0
                && ((self.random() >> 11) as f64 / (1u64 << 53) as f64) < self.fault_rate)
                .then_some(ErrorCode::EXPIRED_TICKET)
        });
        if code.is_some() {
            self.counters.injected_faults.fetch_add(1, Ordering::Relaxed);
        }
        code
    }

    pub fn record(&self, entry: AuditEntry) {
        let mut a = lock(&self.audit);
        if a.len() == MAX_AUDIT {
            a.pop_front();
        }
        a.push_back(entry);
        self.counters.changes.fetch_add(1, Ordering::Relaxed);
    }

    pub fn audit(&self) -> Vec<AuditEntry> {
        lock(&self.audit).iter().cloned().collect()
    }

    pub fn apply_control(&self, c: &Control) {
        if c.expire_all_tickets {
            let now = self.clock.now();
            for t in &mut lock(&self.env).tickets {
                t.expires_at = t.expires_at.min(now);
            }
        }
        let mut t = lock(&self.toggles);
        if let Some(on) = c.issue_expired_tickets {
            t.issue_expired = on;
        }
        t.fail_next.extend(c.fail_next.iter().copied());
    }

    pub fn count_request(&self) {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
    }
    pub fn count_401(&self) {
        self.counters.denied_401.fetch_add(1, Ordering::Relaxed);
    }
    pub fn count_fault(&self) {
        self.counters.faults.fetch_add(1, Ordering::Relaxed);
    }

    pub fn stats(&self) -> ServerStats {
        let c = &self.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ServerStats {
            requests: l(&c.requests),
            tickets_issued: l(&c.tickets_issued),
            denied_401: l(&c.denied_401),
            faults: l(&c.faults),
            injected_faults: l(&c.injected_faults),
            changes: l(&c.changes),
        }
    }
}

fn decision(o: &Outcome<'_>) -> Decision {
    match o {
        Outcome::Authenticated { identity, .. } => Decision::Authenticated {
            user: identity.user,
            organization: identity.organization.map(str::to_owned),
            caller: identity.caller,
        },
        Outcome::Redirect { location, .. } => Decision::Redirect(location.to_string()),
        Outcome::Denied { error, .. } => Decision::Denied(*error),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since 1970 (the `ExpirationDate` string).
pub fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_known_dates() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(super::iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }
}
