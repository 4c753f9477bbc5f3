//! Typed client errors (PROTOCOL 2.3, 2.4). None of them shows a full ticket.

use std::fmt;
use std::time::Duration;

use crate::codec::fault::{ErrorCode, Fault};

/// The step of the flow (PROTOCOL 2.3) or call an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Discovery `RetrievePolicyRequest` (flow step 2).
    RetrievePolicy,
    /// Obtaining the service account's Windows Live ticket (flow step 3).
    AcquireTicket,
    /// Discovery `RetrieveOrganizationsRequest` (flow step 4).
    RetrieveOrganizations,
    /// Discovery `RetrieveCrmUserIdByExternalIdRequest` (flow step 4).
    RetrieveCrmUserId,
    /// Discovery `RetrieveCrmTicketRequest` (flow step 5).
    RetrieveCrmTicket,
    /// CrmService `Execute(WhoAmIRequest)` (flow step 6).
    WhoAmI,
    /// CrmService `Retrieve` of a `systemuser` (flow step 6).
    RetrieveSystemUser,
    /// CrmService `Create`.
    Create,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::RetrievePolicy => "RetrievePolicy",
            Step::AcquireTicket => "Windows Live ticket",
            Step::RetrieveOrganizations => "RetrieveOrganizations",
            Step::RetrieveCrmUserId => "RetrieveCrmUserIdByExternalId",
            Step::RetrieveCrmTicket => "RetrieveCrmTicket",
            Step::WhoAmI => "WhoAmI",
            Step::RetrieveSystemUser => "Retrieve systemuser",
            Step::Create => "Create",
        })
    }
}

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a SOAP fault other than an expired ticket (or an expired
    /// ticket where no retry applies). The fault is passed up unchanged
    /// (CLIENT-RETRY-ONLY-EXPIRED).
    #[error("{step}: SOAP fault {}{}", code_text(.fault), status_text(*.status))]
    Fault {
        /// The call that got the fault.
        step: Step,
        /// The HTTP status of the reply (500 for a real server's fault).
        status: u16,
        /// The fault as read, unchanged.
        fault: Box<Fault>,
    },
    /// Every attempt met an expired ticket (CLIENT-RETRY-BOUND).
    #[error("gave up after {attempts} attempts: the CRM ticket kept expiring (8004A101)")]
    RetriesExhausted {
        /// Attempts made in all, the first included (equals `max_retries`).
        attempts: u32,
        /// The expired-ticket fault of the last attempt.
        last: Box<Fault>,
    },
    /// The call took longer than the configured timeout.
    #[error("{step}: no reply within {timeout:?}")]
    Timeout {
        /// The call that timed out.
        step: Step,
        /// The configured per-call timeout.
        timeout: Duration,
    },
    /// An HTTP error status without a SOAP fault in the body.
    #[error("{step}: HTTP {status} without a SOAP fault")]
    Http {
        /// The call that failed.
        step: Step,
        /// The HTTP status received.
        status: u16,
    },
    /// The reply is not the SOAP message expected (not XML, truncated, wrong message).
    #[error("{step}: not a valid SOAP reply (HTTP {status}): {detail}")]
    NotSoap {
        /// The call whose reply could not be read.
        step: Step,
        /// The HTTP status received.
        status: u16,
        /// What is wrong with the reply (the decode error, or the unexpected message).
        detail: String,
    },
    /// Connection refused, reset, or another transport failure.
    #[error("{step}: transport error: {message}")]
    Transport {
        /// The call that failed.
        step: Step,
        /// The transport's error, as text.
        message: String,
    },
    /// No organization has the configured `FriendlyName` (PROTOCOL 2.3 step 4).
    #[error("no organization has FriendlyName {friendly_name:?} (found: {available:?})")]
    OrganizationNotFound {
        /// The configured name, compared exactly.
        friendly_name: String,
        /// The `FriendlyName`s `RetrieveOrganizations` returned.
        available: Vec<String>,
    },
    /// A reply lacks what the flow needs (e.g. no `CrmTicket`).
    #[error("{step}: reply lacks {what}")]
    Incomplete {
        /// The call whose reply is incomplete.
        step: Step,
        /// The missing element, e.g. `"CrmTicket"`.
        what: &'static str,
    },
    /// The Windows Live ticket could not be obtained.
    #[error("Windows Live ticket: {0}")]
    Acquire(String),
    /// Bad settings (e.g. `max_retries` of 0).
    #[error("invalid client settings: {0}")]
    Settings(String),
}

fn code_text(f: &Fault) -> String {
    match (&f.code, &f.raw_code) {
        (Some(c), _) => match c.meaning() {
            Some(m) => format!("{c} ({m})"),
            None => c.to_string(),
        },
        (None, Some(raw)) => {
            format!("with unreadable code {:?}", raw.chars().take(40).collect::<String>())
        }
        (None, None) => "without a CRM error code".into(),
    }
}

fn status_text(s: u16) -> String {
    if s == 500 {
        String::new()
    } else {
        format!(" (HTTP {s})")
    }
}

impl ClientError {
    /// The fault a server returned, if this error is one.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            ClientError::Fault { fault, .. } => Some(fault),
            ClientError::RetriesExhausted { last, .. } => Some(last),
            _ => None,
        }
    }

    /// The CRM error code of the fault, if any.
    pub fn code(&self) -> Option<ErrorCode> {
        self.fault().and_then(|f| f.code)
    }

    /// True for a fault whose code is 8004A101 (read by the robust reader).
    pub fn is_expired_ticket(&self) -> bool {
        matches!(self, ClientError::Fault { fault, .. } if fault.is_expired_ticket())
    }

    /// The step the error happened in, when there is one.
    pub fn step(&self) -> Option<Step> {
        match self {
            ClientError::Fault { step, .. }
            | ClientError::Timeout { step, .. }
            | ClientError::Http { step, .. }
            | ClientError::NotSoap { step, .. }
            | ClientError::Transport { step, .. }
            | ClientError::Incomplete { step, .. } => Some(*step),
            ClientError::Acquire(_) => Some(Step::AcquireTicket),
            _ => None,
        }
    }
}
