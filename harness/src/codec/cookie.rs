//! Placeholder: Cookie header and MSCRMSession (PROTOCOL 2.5).
pub fn cookie_exist(header: &str) -> bool {
    header.split(';').any(|p| {
        let p = p.trim();
        p.strip_prefix("MSCRMSession=").is_some_and(|v| v.contains("ticket"))
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsCrmSession {
    pub ticket: super::redact::Ticket,
}

pub fn ms_crm_session(header: &str) -> Option<MsCrmSession> {
    header.split(';').find_map(|p| {
        let v = p.trim().strip_prefix("MSCRMSession=")?;
        let t = v.strip_prefix("ticket=")?.split('&').next()?;
        Some(MsCrmSession { ticket: super::redact::Ticket::new(t) })
    })
}
