//! Client codecs for the CRM 4.0 authentication protocol (PROTOCOL section 2). Codecs know
//! nothing of the pipeline or of HTTP; every decoder is total (DECODE-TOTAL): it returns a
//! value or a typed [`xml::DecodeError`], never panics, and stays within [`xml::DecodeLimits`].

pub(crate) mod attr_scan;
pub mod cookie;
pub mod create;
pub mod discovery;
pub mod fault;
pub mod fault_stream;
pub(crate) mod hex;
mod ns_scope;
#[cfg(feature = "mutants")]
pub mod planted;
pub mod redact;
pub mod rps;
pub mod schema;
pub mod service;
pub mod soap;
mod source;
mod start_tag;
pub mod token;
pub mod view;
pub mod wlid;
pub mod xml;

pub use redact::{Secret, Ticket};
pub use soap::SoapVersion;
pub use xml::{DecodeError, DecodeErrorKind, DecodeLimits};

/// Namespace URIs of the messages we speak.
pub mod ns {
    /// CrmService 2007 (`CrmAuthenticationToken` element, Execute, Retrieve, systemuser).
    pub const WS_NS: &str = "http://schemas.microsoft.com/crm/2007/WebServices";
    /// 2007 CoreTypes (token children, CallerOriginToken, CorrelationToken).
    pub const CORE_NS: &str = "http://schemas.microsoft.com/crm/2007/CoreTypes";
    /// CrmDiscoveryService.
    pub const DISCO_NS: &str = "http://schemas.microsoft.com/crm/2007/CrmDiscoveryService";
    /// 2006 WebServices (BusinessEntity, CrmDateTime).
    pub const WS2006_NS: &str = "http://schemas.microsoft.com/crm/2006/WebServices";
    /// 2006 Query (ColumnSet).
    pub const QUERY_NS: &str = "http://schemas.microsoft.com/crm/2006/Query";
    /// The .NET `guid` simple type.
    pub const GUID_NS: &str = "http://microsoft.com/wsdl/types/";
}
