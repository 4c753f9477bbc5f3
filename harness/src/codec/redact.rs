//! Redacting newtypes for credentials (PROTOCOL 2.1, 2.2, 2.5): CRM tickets, Passport
//! tickets, passwords.
//!
//! `Debug`, `Display` and serde `Serialize` show only a short prefix and the length; the full
//! value is available through `.reveal()`, or in serde output inside [`with_revealed`] (the
//! CLI's `--reveal`). `Deserialize` always takes the full value.

use std::cell::Cell;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

thread_local! {
    static REVEAL: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` with serde serialization of [`Ticket`]/[`Secret`] showing full values on this
/// thread. The previous setting is restored afterwards (also on panic).
pub fn with_revealed<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REVEAL.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(REVEAL.with(|r| r.replace(true)));
    f()
}

fn revealing() -> bool {
    REVEAL.with(|r| r.get())
}

fn redacted(s: &str, max_prefix: usize) -> String {
    let n = s.chars().count();
    let shown = max_prefix.min(n / 4);
    let prefix: String = s.chars().take(shown).collect();
    format!("{prefix}…({n} chars)")
}

/// A ticket (CrmTicket, PassportTicket): shows at most its first 6 characters (never more
/// than a quarter of it).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Ticket(String);

/// A password: shows only its length.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

macro_rules! redacting {
    ($t:ident, $prefix:expr) => {
        impl $t {
            /// Wrap a value.
            pub fn new(value: impl Into<String>) -> Self {
                $t(value.into())
            }
            /// The full value. Use only where the value must leave the process.
            pub fn reveal(&self) -> &str {
                &self.0
            }
            /// The redacted form used by `Debug`, `Display` and `Serialize`.
            pub fn redacted(&self) -> String {
                redacted(&self.0, $prefix)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), self.redacted())
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.redacted())
            }
        }
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if revealing() {
                    s.serialize_str(&self.0)
                } else {
                    s.serialize_str(&self.redacted())
                }
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($t)
            }
        }
    };
}

redacting!(Ticket, 6);
redacting!(Secret, 0);

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v";

    #[test]
    fn ticket_never_printed_in_full() {
        let t = Ticket::new(T);
        for shown in [format!("{t:?}"), format!("{t}"), serde_json::to_string(&t).unwrap()] {
            assert!(!shown.contains(T), "{shown}");
            assert!(!shown.contains(&T[..7]), "more than 6 chars shown: {shown}");
            assert!(shown.contains("AAECAw") && shown.contains("64 chars"), "{shown}");
        }
        assert_eq!(t.reveal(), T);
    }

    #[test]
    fn short_values_and_secrets_show_little() {
        assert_eq!(Ticket::new("abcd").to_string(), "a…(4 chars)");
        assert_eq!(Secret::new("hunter2").to_string(), "…(7 chars)");
        assert!(!format!("{:?}", Secret::new("hunter2")).contains("hun"));
    }

    #[test]
    fn reveal_scope_serializes_full_and_restores() {
        let t = Ticket::new(T);
        let full = with_revealed(|| serde_json::to_string(&t).unwrap());
        assert_eq!(full, format!("\"{T}\""));
        assert!(!serde_json::to_string(&t).unwrap().contains(T));
        let back: Ticket = serde_json::from_str(&full).unwrap();
        assert_eq!(back, t);
    }
}
