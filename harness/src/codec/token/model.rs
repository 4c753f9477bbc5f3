//! The values of the CRM 2007 SOAP headers (PROTOCOL 2.1).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codec::redact::Ticket;

/// `AuthenticationType` (PROTOCOL 2.1): AD=0, Passport=1, Spla=2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthenticationType {
    /// 0: Active Directory (on-premise, Windows identity).
    Ad = 0,
    /// 1: Passport / Windows Live (CRM Online).
    Passport = 1,
    /// 2: SPLA (IFD, user name and password).
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
    /// `AuthenticationType` (2007 CoreTypes, required).
    pub authentication_type: AuthenticationType,
    /// `CrmTicket` (2007 CoreTypes, optional): the discovery service's ticket (redacted when
    /// shown).
    #[serde(default)]
    pub crm_ticket: Option<Ticket>,
    /// `OrganizationName` (2007 CoreTypes, optional): the organization MapOrg picks
    /// (PROTOCOL 1.5).
    #[serde(default)]
    pub organization_name: Option<String>,
    /// `CallerId` (2007 CoreTypes, GUID, required): the user to impersonate; all zeros = none.
    pub caller_id: Uuid,
}

/// `CallerOrigin` subtypes (xsi:type in 2007 CoreTypes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CallerOrigin {
    /// `ApplicationOrigin`.
    ApplicationOrigin,
    /// `AsyncServiceOrigin`.
    AsyncServiceOrigin,
    /// `WebServiceApiOrigin`.
    WebServiceApiOrigin,
    /// `OfflineTimestamp` is a CrmDateTime, kept as its text.
    OfflineOrigin {
        /// `OfflineTimestamp`'s text, when present.
        offline_timestamp: Option<String>,
    },
}

/// The `CallerOriginToken` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerOriginToken {
    /// `CallerOrigin` (2007 CoreTypes, optional), by its `xsi:type`.
    pub caller_origin: Option<CallerOrigin>,
}

/// The `CorrelationToken` header; `CorrelationUpdatedTime` is kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationToken {
    /// `CorrelationId` (2007 CoreTypes, GUID, required).
    pub correlation_id: Uuid,
    /// `CorrelationUpdatedTime` (a CrmDateTime, optional), as its text.
    pub correlation_updated_time: Option<String>,
    /// `Depth` (int, required): how deep the call chain is.
    pub depth: i32,
}

/// The CRM headers of a CrmService envelope. Other header blocks are ignored (ours).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CrmHeaders {
    /// The `CrmAuthenticationToken` header, when present.
    #[serde(default)]
    pub token: Option<CrmAuthenticationToken>,
    /// The `CallerOriginToken` header, when present.
    #[serde(default)]
    pub caller_origin: Option<CallerOriginToken>,
    /// The `CorrelationToken` header, when present.
    #[serde(default)]
    pub correlation: Option<CorrelationToken>,
}
