//! The IFD session cookie (PROTOCOL 2.5, 1.3 CookieExistPredicate): RFC 6265 `Cookie`
//! header parsing, the `MSCRMSession` value, and writing `Set-Cookie`.

use serde::{Deserialize, Serialize};

use super::redact::{Secret, Ticket};
use super::xml::{DecodeError, DecodeErrorKind};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "MSCRMSession";

/// Limits for Cookie headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CookieLimits {
    /// Longest `Cookie` header accepted, in bytes.
    pub max_header_bytes: usize,
    /// Most `name=value` pairs accepted in one header.
    pub max_cookies: usize,
}

impl CookieLimits {
    /// 8 KiB header, 64 cookies (ours; common server defaults).
    pub const DEFAULT: CookieLimits = CookieLimits { max_header_bytes: 8 << 10, max_cookies: 64 };
}

/// One `name=value` pair; `value` has its optional DQUOTEs removed. Values are redacted in
/// `Debug`/serde output (they may be session tickets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cookie {
    /// The cookie name, whitespace trimmed.
    pub name: String,
    /// The value, trimmed and unquoted (redacted when shown).
    pub value: Secret,
}

/// Parse a `Cookie` header: `;`-separated `name=value` pairs, whitespace around names and
/// values ignored, a value wrapped in one pair of DQUOTEs unwrapped. Empty segments and
/// segments without `=` are skipped (ours, as browsers do). Control characters, an empty
/// name, or exceeding the limits are typed errors.
pub fn parse_cookie_header(header: &str) -> Result<Vec<Cookie>, DecodeError> {
    parse_cookie_header_with(header, &CookieLimits::DEFAULT)
}

/// [`parse_cookie_header`] with explicit limits.
pub fn parse_cookie_header_with(
    header: &str,
    limits: &CookieLimits,
) -> Result<Vec<Cookie>, DecodeError> {
    if header.len() > limits.max_header_bytes {
        return Err(DecodeError::new(
            limits.max_header_bytes as u64,
            DecodeErrorKind::TooLarge { limit: limits.max_header_bytes },
        ));
    }
    if let Some(i) = header.bytes().position(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(DecodeError::malformed(i as u64, "control character in Cookie header"));
    }
    let mut out = Vec::new();
    let mut offset = 0usize;
    for seg in header.split(';') {
        let here = offset;
        offset += seg.len() + 1;
        let Some((name, value)) = seg.split_once('=') else {
            continue;
        };
        let name = name.trim_matches([' ', '\t']);
        if name.is_empty() {
            return Err(DecodeError::bad_value(here as u64, "cookie name", seg));
        }
        let mut value = value.trim_matches([' ', '\t']);
        if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
            value = &value[1..value.len() - 1];
        }
        if out.len() == limits.max_cookies {
            return Err(DecodeError::new(
                here as u64,
                DecodeErrorKind::TooManyItems { limit: limits.max_cookies },
            ));
        }
        out.push(Cookie { name: name.to_owned(), value: Secret::new(value) });
    }
    Ok(out)
}

/// The CookieExistPredicate rule: a cookie named `MSCRMSession` exists and its value
/// contains `ticket`. Names compare case-insensitively, as ASP.NET's cookie collection does
/// (ours); `ticket` is matched case-sensitively. An unparsable header gives `false` (fail
/// closed). The same parse as [`session_cookie`], which the pipeline uses.
pub fn cookie_exist(header: &str) -> bool {
    session_cookie(header).exists()
}

/// What a `Cookie` header's `MSCRMSession` cookie gives the pipeline (PROTOCOL 1.3, 2.5 and
/// "Identity is never implied" in 1.6): one parse feeds both CookieExistPredicate and the
/// ticket the providers read, so the two can never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCookie {
    /// CookieExist is false: no `MSCRMSession` cookie whose value contains `ticket`, or a
    /// header that is not a valid `Cookie` header (control characters, an empty name, over
    /// the limits). No provider reads a ticket from it.
    Absent,
    /// CookieExist is true and the ticket reads.
    Ticket(MsCrmSession),
    /// CookieExist is true but the ticket cannot be read: two `MSCRMSession` cookies, a
    /// value without exactly one `ticket`, a bad percent-escape, or an empty ticket. The
    /// providers that read the cookie fail with 8004A100 (fail closed).
    Unreadable(DecodeError),
}

impl SessionCookie {
    /// CookieExistPredicate's answer.
    pub fn exists(&self) -> bool {
        !matches!(self, SessionCookie::Absent)
    }

    /// The ticket, when it reads.
    pub fn ticket(&self) -> Option<&Ticket> {
        match self {
            SessionCookie::Ticket(s) => Some(&s.ticket),
            _ => None,
        }
    }
}

fn is_session(c: &Cookie) -> bool {
    c.name.eq_ignore_ascii_case(SESSION_COOKIE)
}

/// Reads the session cookie of a whole `Cookie` header (see [`SessionCookie`]).
pub fn session_cookie(header: &str) -> SessionCookie {
    let Ok(cookies) = parse_cookie_header(header) else {
        return SessionCookie::Absent;
    };
    if !cookies.iter().any(|c| is_session(c) && c.value.reveal().contains("ticket")) {
        return SessionCookie::Absent;
    }
    match session_of(&cookies) {
        Ok(Some(s)) => SessionCookie::Ticket(s),
        Ok(None) => SessionCookie::Absent,
        Err(e) => SessionCookie::Unreadable(e),
    }
}

/// The one `MSCRMSession` cookie of `cookies`, decoded (`None`: there is none); two of
/// them are an error.
fn session_of(cookies: &[Cookie]) -> Result<Option<MsCrmSession>, DecodeError> {
    let mut sessions = cookies.iter().filter(|c| is_session(c));
    match (sessions.next(), sessions.next()) {
        (None, _) => Ok(None),
        (Some(only), None) => parse_session(only.value.reveal()).map(Some),
        (Some(_), Some(_)) => {
            Err(DecodeError::unexpected(0, format!("{SESSION_COOKIE} (repeated)")))
        }
    }
}

/// The decoded `MSCRMSession` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsCrmSession {
    /// The `ticket` part, percent-decoded; never empty (redacted when shown).
    pub ticket: Ticket,
    /// Absent in the bare `ticket=<CrmTicket>` form.
    #[serde(default)]
    pub expiration: Option<String>,
}

/// Decode an `MSCRMSession` value: `ticket=<enc>&expiration=<enc>` or bare
/// `ticket=<CrmTicket>`. Parts are percent-decoded (RFC 3986; `+` stays `+`, ours). Unknown
/// keys are ignored; a missing, repeated or empty `ticket` is an error.
pub fn parse_session(value: &str) -> Result<MsCrmSession, DecodeError> {
    let mut ticket = None;
    let mut expiration = None;
    let mut offset = 0usize;
    for part in value.split('&') {
        let here = offset as u64;
        offset += part.len() + 1;
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let slot = match k {
            "ticket" => &mut ticket,
            "expiration" => &mut expiration,
            _ => continue,
        };
        if slot.is_some() {
            return Err(DecodeError::unexpected(here, format!("{k} (repeated)")));
        }
        *slot = Some(percent_decode(v).ok_or_else(|| DecodeError::bad_value(here, k, v))?);
    }
    let ticket = ticket.ok_or_else(|| DecodeError::missing(0, "ticket"))?;
    if ticket.is_empty() {
        return Err(DecodeError::bad_value(0, "ticket", ""));
    }
    Ok(MsCrmSession { ticket: Ticket::new(ticket), expiration })
}

/// The session from a whole `Cookie` header: its one `MSCRMSession` cookie (two are an
/// error, ours: fail closed), `None` when there is none.
pub fn session_from_header(header: &str) -> Result<Option<MsCrmSession>, DecodeError> {
    session_of(&parse_cookie_header(header)?)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(super::hex::byte(b.get(i + 1..i + 3)?)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The cookie value `ticket=<enc>[&expiration=<enc>]`.
pub fn encode_session_value(s: &MsCrmSession) -> String {
    let mut v = format!("ticket={}", percent_encode(s.ticket.reveal()));
    if let Some(e) = &s.expiration {
        v.push_str("&expiration=");
        v.push_str(&percent_encode(e));
    }
    v
}

/// A `Set-Cookie` header value for the session: `MSCRMSession=…; Path=/; HttpOnly`
/// (plus `; Secure` when asked).
pub fn set_cookie(s: &MsCrmSession, secure: bool) -> String {
    let mut v = format!("{SESSION_COOKIE}={}; Path=/; HttpOnly", encode_session_value(s));
    if secure {
        v.push_str("; Secure");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6265_pairs_quotes_whitespace() {
        let c = parse_cookie_header(r#" a=1;b = "two" ;; noeq; MSCRMSession=ticket=x"#).unwrap();
        let got: Vec<(&str, &str)> =
            c.iter().map(|c| (c.name.as_str(), c.value.reveal())).collect();
        assert_eq!(got, vec![("a", "1"), ("b", "two"), ("MSCRMSession", "ticket=x")]);
        assert!(parse_cookie_header("=v").is_err());
        assert!(parse_cookie_header("a=\u{1}").is_err());
    }

    #[test]
    fn limits() {
        let l = CookieLimits { max_header_bytes: 20, max_cookies: 2 };
        assert_eq!(
            parse_cookie_header_with(&"a=b;".repeat(6), &l).unwrap_err().kind,
            DecodeErrorKind::TooLarge { limit: 20 }
        );
        assert_eq!(
            parse_cookie_header_with("a=1;b=2;c=3", &l).unwrap_err().kind,
            DecodeErrorKind::TooManyItems { limit: 2 }
        );
    }

    #[test]
    fn cookie_exist_rule() {
        assert!(cookie_exist("MSCRMSession=ticket=abc"));
        assert!(cookie_exist("x=1; mscrmsession=\"ticket=abc&expiration=1\""));
        assert!(!cookie_exist("MSCRMSession=tick"));
        assert!(!cookie_exist("Other=ticket"));
        assert!(!cookie_exist("MSCRMSessionX=ticket"));
        assert!(!cookie_exist(&"MSCRMSession=ticket;".repeat(1000)));
    }

    #[test]
    fn session_both_forms_and_roundtrip() {
        let s = parse_session("ticket=AB%2BCD%3D%3D&expiration=2009-01-01%2012%3A00").unwrap();
        assert_eq!(s.ticket.reveal(), "AB+CD==");
        assert_eq!(s.expiration.as_deref(), Some("2009-01-01 12:00"));
        let bare = parse_session("ticket=AB+CD==").unwrap();
        assert_eq!((bare.ticket.reveal(), bare.expiration), ("AB+CD==", None));
        assert_eq!(parse_session(&encode_session_value(&s)).unwrap(), s);
        assert!(parse_session("expiration=1").is_err());
        assert!(parse_session("ticket=%zz").is_err());
        assert!(parse_session("ticket=a&ticket=b").is_err());
        let sc = set_cookie(&s, true);
        assert!(
            sc.starts_with("MSCRMSession=ticket=AB%2BCD%3D%3D&expiration=")
                && sc.ends_with("; Secure")
        );
        let header = sc.split(';').next().unwrap();
        assert!(cookie_exist(header));
        assert_eq!(session_from_header(header).unwrap(), Some(s));
    }
}
