//! Placeholder: CRM error codes (PROTOCOL 2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct ErrorCode(pub u32);
