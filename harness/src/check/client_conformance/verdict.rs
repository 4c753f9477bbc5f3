//! The verdict of a case from the server's record and the client's exit only
//! (CLIENT-CONFORMANCE): nothing the client prints about itself counts.

use serde::Serialize;
use uuid::Uuid;

use super::runner::ClientExit;
use super::{CaseSpec, Expectation};
use crate::server::defaults;
use crate::server::script::{CaseRecord, Exchange, Operation, TicketSeen};

/// A rule a case checks, with the PROTOCOL section it comes from (serialized as its ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The client could be started.
    Runs,
    /// It finished within the case's time limit.
    TimeLimit,
    /// It implements what the case needs (exit 89 = not implemented; `--strict` only).
    Implemented,
    /// Exit 0.
    ExitSuccess,
    /// Exit non-zero (and not 89): it gave up.
    ExitGaveUp,
    /// It reached CrmService, and the scripted fault was sent.
    ReachedService,
    /// Every CrmService call presents a CRM ticket this case's server issued.
    KnownTicket,
    /// Every CrmService call carries `CallerId` = the impersonated user's CRM id.
    CallerId,
    /// Exactly one Create, of a `task` whose subject is the case ID.
    OneCreate,
    /// That Create is owned by the user and acted by the service account.
    Impersonation,
    /// After the expired-ticket fault, exactly one new RetrieveCrmTicket.
    OneNewTicket,
    /// Each retry presents a ticket issued after the fault and never presented before.
    FreshTicket,
    /// At most `MAX_RETRIES` CrmService attempts in all.
    RetryBound,
    /// After a fault other than 8004A101: no further CrmService call and no new ticket.
    NoRetry,
    /// No Create recorded.
    NoCreate,
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl Rule {
    /// Stable rule ID for reports.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Runs => "R-RUNS",
            Rule::TimeLimit => "R-TIME-LIMIT",
            Rule::Implemented => "R-IMPLEMENTED",
            Rule::ExitSuccess => "R-EXIT-SUCCESS",
            Rule::ExitGaveUp => "R-EXIT-GAVE-UP",
            Rule::ReachedService => "R-REACHED-SERVICE",
            Rule::KnownTicket => "R-KNOWN-TICKET",
            Rule::CallerId => "R-CALLER-ID",
            Rule::OneCreate => "R-ONE-CREATE",
            Rule::Impersonation => "R-IMPERSONATION",
            Rule::OneNewTicket => "R-ONE-NEW-TICKET",
            Rule::FreshTicket => "R-FRESH-TICKET",
            Rule::RetryBound => "R-RETRY-BOUND",
            Rule::NoRetry => "R-NO-RETRY",
            Rule::NoCreate => "R-NO-CREATE",
        }
    }
    /// The PROTOCOL section (and invariant) the rule comes from.
    pub fn source(self) -> &'static str {
        match self {
            Rule::Runs | Rule::TimeLimit | Rule::Implemented => "3 CLIENT-CONFORMANCE",
            Rule::ExitSuccess | Rule::ExitGaveUp | Rule::ReachedService => "2.3",
            Rule::KnownTicket => "2.3 step 6",
            Rule::CallerId | Rule::Impersonation => "1.4, 2.3 CLIENT-IMPERSONATION",
            Rule::OneCreate | Rule::NoCreate => "2.3, 1.4",
            Rule::OneNewTicket | Rule::FreshTicket | Rule::RetryBound => "2.3 CLIENT-RETRY-BOUND",
            Rule::NoRetry => "2.4 CLIENT-RETRY-ONLY-EXPIRED",
        }
    }
}

/// A broken rule and what the record shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The rule broken.
    pub rule: Rule,
    /// What the record shows, in words (tickets by number).
    pub detail: String,
}

/// The verdict of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Verdict {
    /// Every rule held.
    Pass,
    /// Every rule that failed, in the order checked.
    Fail {
        /// The broken rules, at least one.
        violations: Vec<Violation>,
    },
    /// The client exited 89 (not implemented), without `--strict`.
    Skip {
        /// Why, for the report.
        reason: String,
    },
    /// The case could not run (the server did not start).
    Error {
        /// What went wrong, e.g. the server's start error.
        message: String,
    },
}

impl Verdict {
    /// The short label in the text report: `pass`, `FAIL`, `skip` or `ERROR`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail { .. } => "FAIL",
            Verdict::Skip { .. } => "skip",
            Verdict::Error { .. } => "ERROR",
        }
    }
    /// The rules that failed (empty unless `Fail`).
    pub fn failed_rules(&self) -> Vec<Rule> {
        match self {
            Verdict::Fail { violations } => violations.iter().map(|v| v.rule).collect(),
            _ => Vec::new(),
        }
    }
}

struct Judge<'a> {
    record: &'a CaseRecord,
    violations: Vec<Violation>,
}

impl Judge<'_> {
    fn rule(&mut self, ok: bool, rule: Rule, detail: impl FnOnce() -> String) {
        if !ok {
            self.violations.push(Violation { rule, detail: detail() });
        }
    }
}

fn ticket_text(t: &Option<TicketSeen>) -> String {
    match t {
        Some(TicketSeen::Issued { number }) => format!("T{number}"),
        Some(TicketSeen::Unknown { redacted }) => format!("an unknown ticket ({redacted})"),
        None => "no ticket".into(),
    }
}

/// The verdict of `spec` from the server's `record` and the client's `exit`
/// (`max_retries` = the bound given to the client; `strict`: exit 89 fails).
pub fn judge(
    spec: &CaseSpec,
    record: &CaseRecord,
    exit: &ClientExit,
    max_retries: u32,
    strict: bool,
) -> Verdict {
    let mut j = Judge { record, violations: Vec::new() };
    match exit {
        ClientExit::SpawnFailed(why) => {
            j.rule(false, Rule::Runs, || why.clone());
            return Verdict::Fail { violations: j.violations };
        }
        ClientExit::Code(c) if *c == super::EXIT_NOT_IMPLEMENTED => {
            if !strict {
                return Verdict::Skip {
                    reason: "the client does not implement what this case needs (exit 89)".into(),
                };
            }
            j.rule(false, Rule::Implemented, || "exit 89 (not implemented) under --strict".into());
            return Verdict::Fail { violations: j.violations };
        }
        ClientExit::TimedOut(limit) => {
            j.rule(false, Rule::TimeLimit, || format!("still running after {limit:?}; killed"))
        }
        _ => {}
    }
    let calls: Vec<&Exchange> =
        record.exchanges.iter().filter(|e| e.operation.is_crm_service()).collect();
    let user = defaults::USER_ID;
    // Rules every case shares.
    for c in &calls {
        let known = matches!(c.ticket, Some(TicketSeen::Issued { .. }));
        j.rule(known, Rule::KnownTicket, || {
            format!("call #{} ({:?}) presented {}", c.seq, c.operation, ticket_text(&c.ticket))
        });
        if !known {
            break;
        }
    }
    if let Some(c) = calls.iter().find(|c| c.caller_id != Some(user)) {
        let got = c.caller_id.map_or("none".to_string(), |u| u.to_string());
        j.rule(false, Rule::CallerId, || {
            format!("call #{} ({:?}) has CallerId {got}, the user is {user}", c.seq, c.operation)
        });
    }
    let first_fault = calls.iter().position(|c| c.fault.is_some_and(|f| f.scripted.is_some()));
    let first_expired = calls.iter().position(|c| c.fault.is_some_and(|f| f.is_expired()));
    match spec.expect {
        Expectation::Succeed | Expectation::RecoverOnce => {
            j.rule(exit.is_success(), Rule::ExitSuccess, || format!("the client {exit}"));
            if spec.expect == Expectation::RecoverOnce {
                match first_expired {
                    None => j.rule(false, Rule::ReachedService, || {
                        "no CrmService call met the case's expired ticket".into()
                    }),
                    Some(i) => recovery(&mut j, &calls, i),
                }
            }
            created_once(&mut j, spec);
        }
        Expectation::GiveUpBounded => {
            gave_up(&mut j, exit);
            j.rule(!calls.is_empty(), Rule::ReachedService, || "no CrmService call".into());
            let n = calls.len() + record.dropped;
            j.rule(n <= max_retries as usize, Rule::RetryBound, || {
                format!("{n} CrmService attempts, MAX_RETRIES is {max_retries}")
            });
            for w in 1..calls.len() {
                fresh_after(&mut j, &calls, w - 1, w);
            }
            no_create(&mut j);
        }
        Expectation::FailAtOnce => {
            gave_up(&mut j, exit);
            match first_fault {
                None => j.rule(false, Rule::ReachedService, || "no CrmService call".into()),
                Some(i) => {
                    let f = calls[i];
                    let later_calls = calls.len() - i - 1;
                    let later_tickets = record
                        .exchanges
                        .iter()
                        .filter(|e| e.seq > f.seq && e.operation == Operation::RetrieveCrmTicket)
                        .count();
                    j.rule(later_calls == 0 && later_tickets == 0, Rule::NoRetry, || {
                        format!(
                            "after the fault in call #{}: {later_calls} more CrmService calls, \
                             {later_tickets} RetrieveCrmTicket",
                            f.seq
                        )
                    });
                }
            }
            no_create(&mut j);
        }
    }
    if j.violations.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail { violations: j.violations }
    }
}

fn gave_up(j: &mut Judge<'_>, exit: &ClientExit) {
    let ok =
        matches!(exit, ClientExit::Code(c) if *c != 0) || matches!(exit, ClientExit::Signal(_));
    j.rule(ok, Rule::ExitGaveUp, || format!("the client {exit}"));
}

fn no_create(j: &mut Judge<'_>) {
    let n = j.record.audit.len();
    j.rule(n == 0, Rule::NoCreate, || format!("{n} records created"));
}

/// After the expired fault in `calls[i]`: exactly one new RetrieveCrmTicket before the
/// next CrmService call, and that call presents it.
fn recovery(j: &mut Judge<'_>, calls: &[&Exchange], i: usize) {
    let f = calls[i];
    let record = j.record;
    let new_tickets = record
        .exchanges
        .iter()
        .filter(|e| e.seq > f.seq && e.operation == Operation::RetrieveCrmTicket)
        .count();
    j.rule(new_tickets == 1, Rule::OneNewTicket, || {
        format!("{new_tickets} RetrieveCrmTicket after the expired fault in call #{}", f.seq)
    });
    if i + 1 < calls.len() {
        fresh_after(j, calls, i, i + 1);
    } else {
        j.rule(false, Rule::FreshTicket, || {
            format!("no CrmService call after the expired fault in call #{}", f.seq)
        });
    }
}

/// `calls[w]` (a retry after `calls[prev]`) presents a ticket issued after `calls[prev]`
/// and presented by no earlier call.
fn fresh_after(j: &mut Judge<'_>, calls: &[&Exchange], prev: usize, w: usize) {
    let (p, c) = (calls[prev], calls[w]);
    let Some(TicketSeen::Issued { number }) = c.ticket else {
        return; // KnownTicket already failed
    };
    let record = j.record;
    let issued_after =
        record.exchanges.iter().any(|e| e.seq > p.seq && e.seq < c.seq && e.issued == Some(number));
    let reused = calls[..w].iter().any(|e| e.ticket == c.ticket);
    j.rule(issued_after && !reused, Rule::FreshTicket, || {
        format!(
            "call #{} after the fault in call #{} presented T{number}, {}",
            c.seq,
            p.seq,
            if reused { "already presented before" } else { "not issued after the fault" }
        )
    });
}

fn created_once(j: &mut Judge<'_>, spec: &CaseSpec) {
    let record = j.record;
    let creates: Vec<_> = record.audit.iter().collect();
    let n = creates.len();
    let subject_ok = creates.first().is_some_and(|a| {
        a.entity == "task"
            && a.attributes.iter().any(|(k, v)| k == "subject" && v == spec.id.as_str())
    });
    j.rule(n == 1 && subject_ok, Rule::OneCreate, || match creates.first() {
        None => "no record created".into(),
        Some(a) if n == 1 => format!(
            "one {} created, subject {:?}; expected a task with subject {}",
            a.entity,
            a.attributes.iter().find(|(k, _)| k == "subject").map(|(_, v)| v.as_str()),
            spec.id
        ),
        Some(_) => format!("{n} records created"),
    });
    if let Some(a) = creates.first() {
        let (owner, acting): (Uuid, Uuid) = (a.owner, a.acting_user);
        j.rule(
            owner == defaults::USER_ID && acting == defaults::SERVICE_ACCOUNT_ID,
            Rule::Impersonation,
            || {
                format!(
                    "owner {owner} (the user is {}), acting user {acting} (the service account \
                     is {})",
                    defaults::USER_ID,
                    defaults::SERVICE_ACCOUNT_ID
                )
            },
        );
    }
}
