//! Client conformance (issue 15; PROTOCOL 3 `CLIENT-CONFORMANCE`): any client, plugged in
//! as a command, is run once per scripted case against a fresh mock and judged only by
//! what that mock recorded and by the client's exit code. The contract is
//! `docs/client-conformance.md`; the cases, their IDs and rules are below.

pub mod report;
pub mod runner;
pub mod verdict;

use std::time::Duration;

use serde::Serialize;

use crate::codec::fault::ErrorCode;
use crate::server::script::{FaultPlan, FaultSpelling, Script, ScriptedFault, WlidAccount};

pub use runner::{run_cases, CaseResult, ClientExit, RunError, RunSettings};
pub use verdict::{judge, Rule, Verdict};

/// Exit code of a client that does not implement what a case needs (BoGo's convention).
pub const EXIT_NOT_IMPLEMENTED: i32 = 89;

/// The cases, by stable ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CaseId {
    /// `CC-HAPPY-PATH`: the flow, then one Create owned by the user, acted by the service account.
    HappyPath,
    /// `CC-EXPIRED-ONCE`: the first CrmService call gets 8004A101; one new ticket, then success.
    ExpiredOnce,
    /// `CC-EXPIRED-ALWAYS`: every CrmService call gets 8004A101; bounded retries, then give up.
    ExpiredAlways,
    /// `CC-FAULT-8004A104`: organization disabled; no retry.
    Fault8004A104,
    /// `CC-FAULT-80040220`: privilege denied; no retry.
    Fault80040220,
    /// `CC-FAULT-8004A110`: cannot act on behalf of another user; no retry.
    Fault8004A110,
    /// `CC-DECOY-80040216`: `8004A101` only in `faultstring` and `description`; no retry.
    Decoy80040216,
    /// `CC-EXPIRED-SOAP12`: 8004A101 in a SOAP 1.2 fault; retried.
    ExpiredSoap12,
    /// `CC-EXPIRED-PREFIXES`: 8004A101 with other prefixes; retried.
    ExpiredPrefixes,
    /// `CC-EXPIRED-LOWERCASE`: 8004A101 as `0x8004a101`; retried.
    ExpiredLowerCase,
    /// `CC-EXPIRED-WHITESPACE`: 8004A101 with whitespace, `description` first; retried.
    ExpiredWhitespace,
    /// `CC-EXPIRES-BEFORE-CALL`: the first ticket expires before its first use (the
    /// pipeline's own 8004A101); retried.
    ExpiresBeforeCall,
    /// `CC-SLOW-SERVER`: every CrmService reply comes [`SLOW_DELAY`] late; success.
    SlowServer,
}

impl CaseId {
    /// The stable ID (`CC-…`), also the task's subject.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseId::HappyPath => "CC-HAPPY-PATH",
            CaseId::ExpiredOnce => "CC-EXPIRED-ONCE",
            CaseId::ExpiredAlways => "CC-EXPIRED-ALWAYS",
            CaseId::Fault8004A104 => "CC-FAULT-8004A104",
            CaseId::Fault80040220 => "CC-FAULT-80040220",
            CaseId::Fault8004A110 => "CC-FAULT-8004A110",
            CaseId::Decoy80040216 => "CC-DECOY-80040216",
            CaseId::ExpiredSoap12 => "CC-EXPIRED-SOAP12",
            CaseId::ExpiredPrefixes => "CC-EXPIRED-PREFIXES",
            CaseId::ExpiredLowerCase => "CC-EXPIRED-LOWERCASE",
            CaseId::ExpiredWhitespace => "CC-EXPIRED-WHITESPACE",
            CaseId::ExpiresBeforeCall => "CC-EXPIRES-BEFORE-CALL",
            CaseId::SlowServer => "CC-SLOW-SERVER",
        }
    }

    /// The case with this ID (exact, case-sensitive).
    pub fn parse(id: &str) -> Option<CaseId> {
        CASES.iter().map(|c| c.id).find(|c| c.as_str() == id)
    }
}

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a conforming client does in a case (the rules of each are in [`verdict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// Exit 0; exactly one Create, owned by the user, acted by the service account.
    Succeed,
    /// One expired-ticket fault: exactly one new CRM ticket, the retry presents it, then
    /// as [`Expectation::Succeed`].
    RecoverOnce,
    /// Every CrmService call expires: at most `MAX_RETRIES` calls, each retry with a fresh
    /// ticket, exit non-zero, no Create.
    GiveUpBounded,
    /// Another fault: no retry, no new ticket, exit non-zero, no Create.
    FailAtOnce,
}

/// What the scripted server does in a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// Which CrmService calls get a scripted fault.
    pub faults: FaultPlan,
    /// Whether the first CRM ticket expires right after it is issued.
    pub expire_first_ticket: bool,
    /// How late each CrmService reply comes.
    pub service_delay: Duration,
}

/// One case: ID, PROTOCOL section and invariant, title, script, expectation.
#[derive(Debug, Clone, Copy)]
pub struct CaseSpec {
    /// The stable ID.
    pub id: CaseId,
    /// The PROTOCOL section the case tests, e.g. `"2.3"`.
    pub section: &'static str,
    /// The PROTOCOL 3 invariant ID the case tests, e.g. `"CLIENT-RETRY-BOUND"`.
    pub invariant: &'static str,
    /// One line saying what happens and what is expected.
    pub title: &'static str,
    /// What the scripted server does.
    pub scenario: Scenario,
    /// What a conforming client does.
    pub expect: Expectation,
}

const fn fault(code: u32, spelling: FaultSpelling) -> ScriptedFault {
    ScriptedFault { code: ErrorCode(code), spelling }
}
const EXPIRED: u32 = 0x8004_A101;
const PLAIN: Scenario =
    Scenario { faults: FaultPlan::None, expire_first_ticket: false, service_delay: Duration::ZERO };
const fn first(code: u32, spelling: FaultSpelling) -> Scenario {
    Scenario { faults: FaultPlan::First(fault(code, spelling)), ..PLAIN }
}
const fn every(code: u32, spelling: FaultSpelling) -> Scenario {
    Scenario { faults: FaultPlan::Every(fault(code, spelling)), ..PLAIN }
}

/// How late each CrmService reply comes in `CC-SLOW-SERVER`.
pub const SLOW_DELAY: Duration = Duration::from_secs(1);

/// Every case, in the order they run.
pub const CASES: [CaseSpec; 13] = [
    CaseSpec {
        id: CaseId::HappyPath,
        section: "2.3",
        invariant: "CLIENT-IMPERSONATION",
        title: "the flow, then one Create of a task owned by the user, acted by the service account",
        scenario: PLAIN,
        expect: Expectation::Succeed,
    },
    CaseSpec {
        id: CaseId::ExpiredOnce,
        section: "2.3",
        invariant: "CLIENT-RETRY-BOUND",
        title: "the first CrmService call gets 8004A101: one new ticket, then success",
        scenario: first(EXPIRED, FaultSpelling::Canonical),
        expect: Expectation::RecoverOnce,
    },
    CaseSpec {
        id: CaseId::ExpiredAlways,
        section: "2.3",
        invariant: "CLIENT-RETRY-BOUND",
        title: "every CrmService call gets 8004A101: at most MAX_RETRIES attempts, fresh tickets, give up",
        scenario: every(EXPIRED, FaultSpelling::Canonical),
        expect: Expectation::GiveUpBounded,
    },
    CaseSpec {
        id: CaseId::Fault8004A104,
        section: "2.4",
        invariant: "CLIENT-RETRY-ONLY-EXPIRED",
        title: "8004A104 (organization disabled): no retry, give up",
        scenario: every(0x8004_A104, FaultSpelling::Canonical),
        expect: Expectation::FailAtOnce,
    },
    CaseSpec {
        id: CaseId::Fault80040220,
        section: "2.4",
        invariant: "CLIENT-RETRY-ONLY-EXPIRED",
        title: "80040220 (privilege denied): no retry, give up",
        scenario: every(0x8004_0220, FaultSpelling::Canonical),
        expect: Expectation::FailAtOnce,
    },
    CaseSpec {
        id: CaseId::Fault8004A110,
        section: "2.4",
        invariant: "CLIENT-RETRY-ONLY-EXPIRED",
        title: "8004A110 (cannot act on behalf): no retry, give up",
        scenario: every(0x8004_A110, FaultSpelling::Canonical),
        expect: Expectation::FailAtOnce,
    },
    CaseSpec {
        id: CaseId::Decoy80040216,
        section: "2.4",
        invariant: "FAULT-NO-FALSE-POSITIVE",
        title: "80040216 with \"8004A101\" in faultstring and description: no retry",
        scenario: every(0x8004_0216, FaultSpelling::Decoy),
        expect: Expectation::FailAtOnce,
    },
    CaseSpec {
        id: CaseId::ExpiredSoap12,
        section: "2.4",
        invariant: "FAULT-EXPIRED",
        title: "8004A101 in a SOAP 1.2 fault: retried",
        scenario: first(EXPIRED, FaultSpelling::Soap12),
        expect: Expectation::RecoverOnce,
    },
    CaseSpec {
        id: CaseId::ExpiredPrefixes,
        section: "2.4",
        invariant: "FAULT-EXPIRED",
        title: "8004A101 with other prefixes: retried",
        scenario: first(EXPIRED, FaultSpelling::OtherPrefixes),
        expect: Expectation::RecoverOnce,
    },
    CaseSpec {
        id: CaseId::ExpiredLowerCase,
        section: "2.4",
        invariant: "FAULT-EXPIRED",
        title: "8004A101 in lower-case hex (0x8004a101): retried",
        scenario: first(EXPIRED, FaultSpelling::LowerCase),
        expect: Expectation::RecoverOnce,
    },
    CaseSpec {
        id: CaseId::ExpiredWhitespace,
        section: "2.4",
        invariant: "FAULT-EXPIRED",
        title: "8004A101 with whitespace around it, description first: retried",
        scenario: first(EXPIRED, FaultSpelling::Whitespace),
        expect: Expectation::RecoverOnce,
    },
    CaseSpec {
        id: CaseId::ExpiresBeforeCall,
        section: "2.3",
        invariant: "CLIENT-RETRY-BOUND",
        title: "the first ticket expires between discovery and the call (the pipeline's 8004A101): retried",
        scenario: Scenario { expire_first_ticket: true, ..PLAIN },
        expect: Expectation::RecoverOnce,
    },
    CaseSpec {
        id: CaseId::SlowServer,
        section: "2.3",
        invariant: "CLIENT-CONFORMANCE",
        title: "every CrmService reply comes 1 s late (within the time limit): success",
        scenario: Scenario { service_delay: SLOW_DELAY, ..PLAIN },
        expect: Expectation::Succeed,
    },
];

/// The case with this ID.
pub fn spec(id: CaseId) -> &'static CaseSpec {
    CASES.iter().find(|c| c.id == id).unwrap_or(&CASES[0])
}

/// The Windows Live stand-in's user name for the service account.
pub const WLID_USERNAME: &str = "isvservice@contoso.example";

/// The server script of a case; `password` is the stand-in's password for this run.
pub fn script(spec: &CaseSpec, password: &str) -> Script {
    Script {
        faults: spec.scenario.faults,
        expire_first_ticket: spec.scenario.expire_first_ticket,
        service_delay: spec.scenario.service_delay,
        wlid: WlidAccount {
            username: WLID_USERNAME.into(),
            password: password.into(),
            puid: crate::server::defaults::SERVICE_ACCOUNT_PUID.into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_parse_back() {
        for (i, c) in CASES.iter().enumerate() {
            assert_eq!(CaseId::parse(c.id.as_str()), Some(c.id));
            assert!(CASES[..i].iter().all(|d| d.id != c.id), "{} twice", c.id);
            assert!(c.id.as_str().starts_with("CC-"));
        }
        assert_eq!(CaseId::parse("cc-happy-path"), None);
    }
}
