//! Secrets that never print in full.
use serde::{Deserialize, Serialize};
use std::fmt;

/// A CrmTicket: `Debug`/`Display` show a short prefix only.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ticket(String);

impl Ticket {
    pub fn new(s: impl Into<String>) -> Self {
        Ticket(s.into())
    }
    pub fn reveal(&self) -> &str {
        &self.0
    }
}
impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p: String = self.0.chars().take(6).collect();
        write!(f, "{p}…({} chars)", self.0.chars().count())
    }
}
impl fmt::Display for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
