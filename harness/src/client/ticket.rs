//! Step 3 of PROTOCOL 2.3: the service account's Windows Live ticket. The real Windows Live
//! service is gone, so acquisition is pluggable ([`TicketAcquirer`]); the harness ships
//! [`SharedSecretAcquirer`], whose tickets the mock server checks with the same
//! [`PassportTicketScheme`] (ours: a keyed FNV-1a tag, a test device, not cryptography).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::transport::BoxFuture;
use crate::codec::redact::{Secret, Ticket};

/// Obtains a Windows Live (Passport) ticket for a service account, given the discovery
/// service's policy (PROTOCOL 2.3 step 3). Each call must return a fresh ticket.
pub trait TicketAcquirer: Send + Sync {
    fn acquire<'a>(
        &'a self,
        service_account: &'a str,
        policy: &'a str,
    ) -> BoxFuture<'a, Result<Ticket, String>>;
}

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
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
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
        let nonce = u64::from_str_radix(n, 16).ok().filter(|_| n.len() == 16)?;
        let again = self.issue(puid, nonce)?;
        (again.reveal().rsplit('.').next() == Some(tag) && puid == puid.to_ascii_uppercase())
            .then(|| puid.to_owned())
    }
}

/// A [`TicketAcquirer`] issuing [`PassportTicketScheme`] tickets: the service account is
/// its PUID; every call gives a new nonce, so every ticket is fresh.
#[derive(Debug)]
pub struct SharedSecretAcquirer {
    scheme: PassportTicketScheme,
    counter: AtomicU64,
    issued: AtomicU64,
}

impl SharedSecretAcquirer {
    /// An acquirer for `scheme`.
    pub fn new(scheme: PassportTicketScheme) -> Self {
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        SharedSecretAcquirer {
            scheme,
            counter: AtomicU64::new(seed << 16),
            issued: AtomicU64::new(0),
        }
    }

    /// How many tickets it has handed out.
    pub fn issued(&self) -> u64 {
        self.issued.load(Ordering::Relaxed)
    }
}

impl Default for SharedSecretAcquirer {
    fn default() -> Self {
        SharedSecretAcquirer::new(PassportTicketScheme::default())
    }
}

impl TicketAcquirer for SharedSecretAcquirer {
    fn acquire<'a>(
        &'a self,
        service_account: &'a str,
        policy: &'a str,
    ) -> BoxFuture<'a, Result<Ticket, String>> {
        Box::pin(async move {
            if policy.trim().is_empty() {
                return Err("the discovery service gave no policy".into());
            }
            let nonce = self.counter.fetch_add(1, Ordering::Relaxed);
            let t = self
                .scheme
                .issue(service_account, nonce)
                .ok_or_else(|| format!("service account {service_account:?} is not a PUID"))?;
            self.issued.fetch_add(1, Ordering::Relaxed);
            Ok(t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_verifies_its_own_tickets_only() {
        let s = PassportTicketScheme::new("k");
        let t = s.issue("0003bffd8a1b2c3d", 7).unwrap();
        assert_eq!(s.verify(&t).as_deref(), Some("0003BFFD8A1B2C3D"));
        assert_eq!(PassportTicketScheme::new("other").verify(&t), None);
        let forged = t.reveal().replace("0003BFFD8A1B2C3D", "0003BFFD00000B0B");
        assert_eq!(s.verify(&Ticket::new(forged)), None);
        assert_eq!(s.verify(&Ticket::new("WLID1.x.y.z")), None);
        assert_eq!(s.issue("nope", 1), None);
    }
}
