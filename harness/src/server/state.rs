//! The mock server's state: the compiled deployment, the environment (users, organizations,
//! issued tickets) on the server clock, counters, the audit log and test controls.

use std::collections::{HashMap, VecDeque};
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
use crate::pipeline::json::EvaluationReport;
use crate::pipeline::outcome::{NoObserver, Outcome};
use crate::pipeline::request::IssuedTicket;
use crate::pipeline::strategy::Deployment;
use crate::pipeline::{CompiledPipeline, Environment, PreparedRequest, Trace};

/// At most this many audit entries are kept (oldest dropped first).
pub const MAX_AUDIT: usize = 100_000;
/// When the ticket book holds this many tickets, issuing one first drops those expired for
/// more than [`PRUNE_GRACE`] seconds (see [`TicketBook`]).
pub const PRUNE_AT: usize = 50_000;
/// How long (seconds) an expired ticket is kept, so that it still reads as expired
/// (8004A101) rather than unknown (8004A100) for a while after its expiry.
pub const PRUNE_GRACE: u64 = 3600;

/// One recorded change (PROTOCOL 1.4, CLIENT-IMPERSONATION): the record is owned by the
/// impersonated caller (or the acting user without impersonation); the acting user is the
/// authenticated account (the service account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The id of the created record (returned as `CreateResult`).
    pub id: Uuid,
    /// The entity's logical name, e.g. `contact`.
    pub entity: String,
    /// The attributes of the `Create`, as (logical name, value) pairs in document order.
    pub attributes: Vec<(String, String)>,
    /// Who owns the record: the impersonated caller (`CallerId`), else the acting user.
    pub owner: Uuid,
    /// The authenticated account that did the work (the service account when impersonating).
    pub acting_user: Uuid,
    /// The organization the request was authenticated for.
    pub organization: String,
    /// Server clock, seconds since 1970.
    pub at: u64,
}

/// Counters, as `GET /_crmauth/stats` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ServerStats {
    /// Requests the server received.
    pub requests: u64,
    /// CRM tickets issued by RetrieveCrmTicket.
    pub tickets_issued: u64,
    /// HTTP 401: no step handled the request.
    pub denied_401: u64,
    /// Faults returned (pipeline failures, discovery and service errors, injected).
    pub faults: u64,
    /// Faults injected by `--fault-rate` or the control endpoint.
    pub injected_faults: u64,
    /// Records created (audit entries written, including those later dropped).
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

/// The tickets the server knows (the environment's, then every one issued), keyed by
/// ticket: the providers' lookup of a request's ticket is one hash lookup, not a scan of
/// every ticket ever issued (PROTOCOL 1.4; `pipeline::providers` reads the first issued
/// ticket equal to the request's, and so does this book: a later duplicate is ignored).
///
/// Pruning: when the book holds [`PRUNE_AT`] (50,000) tickets, [`TicketBook::issue`] first
/// drops every ticket expired for more than [`PRUNE_GRACE`] (an hour) on the server clock.
/// If that leaves more than half of them (the live ones), the next prune waits until the
/// book has doubled, so issuing stays amortized O(1) however many tickets are live; live
/// tickets and recently expired ones are never dropped.
#[derive(Debug, Default)]
pub struct TicketBook {
    by_ticket: HashMap<Ticket, IssuedTicket>,
    /// The size at which the next issue prunes.
    prune_at: usize,
}

impl TicketBook {
    /// A book holding `tickets` (the first of equal tickets wins, as in a scan).
    pub fn new(tickets: Vec<IssuedTicket>) -> Self {
        let mut by_ticket = HashMap::with_capacity(tickets.len());
        for t in tickets {
            by_ticket.entry(t.ticket.clone()).or_insert(t);
        }
        TicketBook { by_ticket, prune_at: PRUNE_AT }
    }

    /// The issued ticket equal to `ticket`.
    pub fn get(&self, ticket: &Ticket) -> Option<&IssuedTicket> {
        self.by_ticket.get(ticket)
    }

    /// How many tickets the book holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_ticket.len()
    }

    /// Adds an issued ticket at server time `now`, pruning first when the book is full
    /// (see the type's documentation). A ticket already in the book is kept as it was.
    pub fn issue(&mut self, t: IssuedTicket, now: u64) {
        if self.by_ticket.len() >= self.prune_at.max(PRUNE_AT) {
            self.by_ticket.retain(|_, t| t.expires_at.saturating_add(PRUNE_GRACE) > now);
            self.prune_at = PRUNE_AT.max(self.by_ticket.len().saturating_mul(2));
        }
        self.by_ticket.entry(t.ticket.clone()).or_insert(t);
    }

    /// Every ticket expires at `now` at the latest (the `expire_all_tickets` control).
    pub fn expire_all(&mut self, now: u64) {
        for t in self.by_ticket.values_mut() {
            t.expires_at = t.expires_at.min(now);
        }
    }

    /// Fills `into` with the book's tickets that `request` carries (its session cookie's,
    /// its token's): every ticket a provider can look up for it, so evaluating against an
    /// environment holding only these decides as against the whole book.
    pub fn carried_by(&self, request: &PreparedRequest, into: &mut Vec<IssuedTicket>) {
        into.clear();
        let token = request.token.as_ref().and_then(|t| t.crm_ticket.as_ref());
        for ticket in request.session.ticket().into_iter().chain(token) {
            if let Some(t) = self.get(ticket) {
                if !into.iter().any(|i| i.ticket == t.ticket) {
                    into.push(t.clone());
                }
            }
        }
    }
}

/// The environment the pipeline sees (its `tickets` filled per request from the book) and
/// the ticket book, under one lock.
#[derive(Debug)]
struct World {
    env: Environment,
    tickets: TicketBook,
}

/// Shared by all request handlers.
pub struct AppState {
    pub deployment: Deployment<CompiledPipeline>,
    world: Mutex<World>,
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
        let mut env = config.env;
        let tickets = TicketBook::new(std::mem::take(&mut env.tickets));
        AppState {
            deployment,
            world: Mutex::new(World { env, tickets }),
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
        let mut world = lock(&self.world);
        let World { env, tickets } = &mut *world;
        env.now = self.clock.now();
        tickets.carried_by(req, &mut env.tickets);
        let env = &*env;
        if tracing::enabled!(tracing::Level::DEBUG) {
            let (mut t, mut post) = (Trace::default(), Trace::default());
            let outcome = self.deployment.evaluate_observed(req, env, &mut t, &mut post);
            tracing::debug!(
                method = %req.request.method,
                path = %req.path(),
                report = %EvaluationReport { outcome, trace: &t, post_trace: Some(&post) },
                "pipeline"
            );
            decision(&outcome)
        } else {
            let outcome =
                self.deployment.evaluate_observed(req, env, &mut NoObserver, &mut NoObserver);
            decision(&outcome)
        }
    }

    /// Read the environment under the lock (organizations, users; its `tickets` are only
    /// those of the last request evaluated: the server's tickets are in the [`TicketBook`]).
    pub fn with_env<R>(&self, f: impl FnOnce(&Environment) -> R) -> R {
        let world = lock(&self.world);
        f(&world.env)
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
        let issued = IssuedTicket {
            ticket: ticket.clone(),
            user,
            organization: organization.to_owned(),
            expires_at,
        };
        lock(&self.world).tickets.issue(issued, now_f as u64);
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
            lock(&self.world).tickets.expire_all(now);
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
    use super::*;
    use crate::codec::token::{self, AuthenticationType, CrmAuthenticationToken};
    use crate::codec::SoapVersion;
    use crate::pipeline::Request;
    use std::collections::BTreeMap;

    fn issued(n: usize, expires_at: u64) -> IssuedTicket {
        IssuedTicket {
            ticket: Ticket::new(format!("T{n}")),
            user: Uuid::from_u128(n as u128),
            organization: "Contoso".into(),
            expires_at,
        }
    }

    #[test]
    fn the_book_prunes_at_50000_only_tickets_expired_for_more_than_an_hour() {
        let now = 100_000;
        // Half expired long ago, a few just expired (within the grace), the rest live.
        let tickets = (0..PRUNE_AT - 1).map(|n| {
            let expires_at = match n % 4 {
                0 | 1 => now - PRUNE_GRACE - 1,
                2 if n % 8 == 2 => now - PRUNE_GRACE + 1,
                _ => now + 30,
            };
            issued(n, expires_at)
        });
        let mut book = TicketBook::new(tickets.collect());
        assert_eq!(book.len(), PRUNE_AT - 1);
        book.issue(issued(PRUNE_AT - 1, now + 30), now);
        assert_eq!(book.len(), PRUNE_AT, "no pruning below {PRUNE_AT}");
        book.issue(issued(PRUNE_AT, now + 30), now);
        let kept = (0..PRUNE_AT - 1).filter(|n| n % 4 >= 2).count() + 2;
        assert_eq!(book.len(), kept, "the long-expired half is dropped");
        for n in 0..=PRUNE_AT {
            let t = book.get(&Ticket::new(format!("T{n}")));
            let long_expired = n < PRUNE_AT - 1 && n % 4 < 2;
            assert_eq!(t.is_none(), long_expired, "ticket {n}");
        }
    }

    #[test]
    fn a_book_of_live_tickets_grows_without_pruning_at_every_issue() {
        let now = 1_000;
        let mut book = TicketBook::new((0..PRUNE_AT).map(|n| issued(n, now + 60)).collect());
        // Full of live tickets: the prune keeps them all and waits for twice as many.
        book.issue(issued(PRUNE_AT, now + 60), now);
        assert_eq!(book.len(), PRUNE_AT + 1);
        assert_eq!(book.prune_at, 2 * PRUNE_AT);
        for n in PRUNE_AT + 1..PRUNE_AT + 100 {
            book.issue(issued(n, now + 60), now);
        }
        assert_eq!(book.len(), PRUNE_AT + 100);
        // A duplicate keeps the first, as the providers' scan found it.
        book.issue(IssuedTicket { expires_at: 0, ..issued(7, 0) }, now);
        assert_eq!(book.get(&Ticket::new("T7")).map(|t| t.expires_at), Some(now + 60));
    }

    /// The server's decision with the book equals the pipeline's on the whole environment
    /// (the plain scan), for tickets known, unknown, expired, in the cookie and the token.
    #[test]
    fn decisions_with_the_book_are_those_of_the_whole_environment() {
        let mut config = ServerConfig::passport_default().expect("the default config");
        config.env.now = 1_000_000;
        let bob: Uuid = "b0b00000-0000-0000-0000-000000000002".parse().expect("uuid");
        let dave: Uuid = "da7e0000-0000-0000-0000-000000000005".parse().expect("uuid");
        let mut env = config.env.clone();
        for (n, (user, org, expires_at)) in [
            (bob, "Contoso", 2_000_000_000),
            (bob, "Contoso", 10),
            (dave, "Fabrikam", 2_000_000_000),
            (bob, "Contoso", 2_000_000_000),
        ]
        .into_iter()
        .enumerate()
        {
            let t = Ticket::new(format!("TKT-{n}"));
            env.tickets.push(IssuedTicket {
                ticket: t,
                user,
                organization: org.into(),
                expires_at,
            });
        }
        config.env = env.clone();
        let state = AppState::new(config, SocketAddr::from(([127, 0, 0, 1], 0)));
        let whole = state.deployment.clone();
        for ticket in ["TKT-0", "TKT-1", "TKT-2", "TKT-3", "TKT-9"] {
            for (cookie, token_ticket) in
                [(Some(ticket), None), (None, Some(ticket)), (Some("TKT-1"), Some(ticket))]
            {
                let token = token_ticket.map(|t| CrmAuthenticationToken {
                    authentication_type: AuthenticationType::Passport,
                    crm_ticket: Some(Ticket::new(t)),
                    organization_name: Some("Contoso".into()),
                    caller_id: Uuid::nil(),
                });
                let request = Request {
                    method: "POST".into(),
                    path: "/MSCRMServices/2007/CrmService.asmx".into(),
                    client_address: "127.0.0.1".parse().expect("address"),
                    cookie: cookie.map(|t| format!("MSCRMSession=ticket={t}")),
                    headers: BTreeMap::new(),
                    body: token
                        .map(|t| token::encode_envelope_with_token(&t, SoapVersion::V11, "")),
                    windows_identity: None,
                }
                .prepare();
                env.now = state.now();
                let expected = decision(&whole.evaluate_observed(
                    &request,
                    &env,
                    &mut NoObserver,
                    &mut NoObserver,
                ));
                assert_eq!(state.evaluate(&request), expected, "{ticket} {cookie:?}");
            }
        }
        assert_eq!(lock(&state.world).tickets.len(), 4);
    }

    #[test]
    fn iso8601_known_dates() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(super::iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }
}
