//! The values of the CRM 2007 SOAP headers (PROTOCOL 2.1).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codec::redact::Ticket;

/// `AuthenticationType` (PROTOCOL 2.1): AD=0, Passport=1, Spla=2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthenticationType {
    Ad = 0,
    Passport = 1,
    Spla = 2,
}

impl AuthenticationType {
    /// From the wire integer.
    pub fn from_code(v: i64) -> Option<Self> {
        match v {
            0 => Some(Self::Ad),
            1 => Some(Self::Passport),
            2 => Some(Self::Spla),
            _ => None,
        }
    }
    /// The wire integer.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// The `CrmAuthenticationToken` header. `caller_id` all zeros = no impersonation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmAuthenticationToken {
    pub authentication_type: AuthenticationType,
    #[serde(default)]
    pub crm_ticket: Option<Ticket>,
    #[serde(default)]
    pub organization_name: Option<String>,
    pub caller_id: Uuid,
}

/// `CallerOrigin` subtypes (xsi:type in 2007 CoreTypes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CallerOrigin {
    ApplicationOrigin,
    AsyncServiceOrigin,
    WebServiceApiOrigin,
    /// `OfflineTimestamp` is a CrmDateTime, kept as its text.
    OfflineOrigin {
        offline_timestamp: Option<String>,
    },
}

/// The `CallerOriginToken` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerOriginToken {
    pub caller_origin: Option<CallerOrigin>,
}

/// The `CorrelationToken` header; `CorrelationUpdatedTime` is kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationToken {
    pub correlation_id: Uuid,
    pub correlation_updated_time: Option<String>,
    pub depth: i32,
}

/// The CRM headers of a CrmService envelope. Other header blocks are ignored (ours).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CrmHeaders {
    #[serde(default)]
    pub token: Option<CrmAuthenticationToken>,
    #[serde(default)]
    pub caller_origin: Option<CallerOriginToken>,
    #[serde(default)]
    pub correlation: Option<CorrelationToken>,
}
