//! The stand-in for Windows Live tickets (PROTOCOL 2.3 step 3, ours): the real service is
//! gone, so the mock server checks, and the harness's acquirer issues, tickets of one small
//! keyed scheme. A test device, not cryptography. Both sides use this module; it knows
//! nothing of either.

use super::hex;
use super::redact::{Secret, Ticket};

/// The format of the mock's Windows Live tickets (ours):
/// `WLID1.<PUID>.<nonce, 16 hex>.<tag, 16 hex>`, tag = FNV-1a-64 over
/// `secret 0x1f PUID 0x1f nonce`. The service account is named by its PUID (16 hex digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassportTicketScheme {
    secret: Secret,
}

/// The secret the built-in server and acquirer share when none is configured.
pub const DEFAULT_SECRET: &str = "crmauth-mock-windows-live";

impl Default for PassportTicketScheme {
    fn default() -> Self {
        PassportTicketScheme::new(DEFAULT_SECRET)
    }
}

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn is_puid(s: &str) -> bool {
    hex::value(s.as_bytes(), 16..=16).is_some()
}

impl PassportTicketScheme {
    /// A scheme keyed by `secret`.
    pub fn new(secret: &str) -> Self {
        PassportTicketScheme { secret: Secret::new(secret) }
    }

    /// A ticket for `puid` (16 hex digits, any case) with `nonce`; `None` for a bad PUID.
    pub fn issue(&self, puid: &str, nonce: u64) -> Option<Ticket> {
        if !is_puid(puid) {
            return None;
        }
        let puid = puid.to_ascii_uppercase();
        let n = format!("{nonce:016x}");
        let tag = fnv1a(&[self.secret.reveal().as_bytes(), puid.as_bytes(), n.as_bytes()]);
        Some(Ticket::new(format!("WLID1.{puid}.{n}.{tag:016x}")))
    }

    /// The PUID (upper case) of a ticket this scheme issued; `None` for anything else.
    pub fn verify(&self, ticket: &Ticket) -> Option<String> {
        let mut parts = ticket.reveal().split('.');
        let (Some("WLID1"), Some(puid), Some(n), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let nonce = hex::value(n.as_bytes(), 16..=16)?;
        let again = self.issue(puid, nonce)?;
        (again.reveal().rsplit('.').next() == Some(tag) && puid == puid.to_ascii_uppercase())
            .then(|| puid.to_owned())
    }
}
