//! Step 3 of PROTOCOL 2.3: the service account's Windows Live ticket. The real Windows Live
//! service is gone, so acquisition is pluggable ([`TicketAcquirer`]); the harness ships
//! [`SharedSecretAcquirer`], whose tickets the mock server checks with the same
//! [`PassportTicketScheme`] (`codec::wlid`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::transport::BoxFuture;
use crate::codec::redact::Ticket;
pub use crate::codec::wlid::{PassportTicketScheme, DEFAULT_SECRET};

/// Obtains a Windows Live (Passport) ticket for a service account, given the discovery
/// service's policy (PROTOCOL 2.3 step 3). Each call must return a fresh ticket.
pub trait TicketAcquirer: Send + Sync {
    /// A fresh ticket for `service_account` under `policy` (e.g. `MBI_SSL`); `Err` holds why not.
    fn acquire<'a>(
        &'a self,
        service_account: &'a str,
        policy: &'a str,
    ) -> BoxFuture<'a, Result<Ticket, String>>;
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
