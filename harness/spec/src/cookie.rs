//! The `Cookie` header and the `MSCRMSession` ticket (PROTOCOL 2.5, 1.3, end of 1.6;
//! docs/codecs.md "Cookies"; issue 11 rule 1).
//!
//! The header is parsed once; both `CookieExistPredicate` and the ticket reader use the
//! result.

/// Limits of a valid header (rule 1; docs/codecs.md "Limits").
const MAX_HEADER_BYTES: usize = 8192;
const MAX_COOKIES: usize = 64;

/// The session cookie's name, compared ASCII case-insensitively.
const SESSION_COOKIE: &str = "MSCRMSession";

/// What the model knows about a request's `Cookie` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieHeader {
    /// The `(name, value)` pairs, in order; empty when the header is invalid or absent.
    pub cookies: Vec<(String, String)>,
}

/// The outcome of reading the session ticket (rule 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionTicket {
    /// No `MSCRMSession` cookie whose value contains `ticket` (CookieExist is false).
    Absent,
    /// CookieExist is true but the ticket cannot be read: fails with 8004A100 (rule 2).
    Unreadable,
    /// The decoded ticket.
    Readable(String),
}

/// Parse a `Cookie` header (rule 1). An invalid header is no cookie at all.
pub fn parse_cookie_header(header: Option<&str>) -> CookieHeader {
    let header = match header {
        Some(header) => header,
        None => return CookieHeader { cookies: vec![] },
    };
    match parse_valid_header(header) {
        Some(cookies) => CookieHeader { cookies },
        None => CookieHeader { cookies: vec![] },
    }
}

/// Rule 1: `;`-separated segments; a segment without `=` is skipped; name and value trimmed
/// of spaces and tabs; one pair of `"` around the value removed. `None` when the header is
/// invalid: a control character, an empty name, over 8192 bytes or over 64 cookies.
fn parse_valid_header(header: &str) -> Option<Vec<(String, String)>> {
    if header.len() > MAX_HEADER_BYTES {
        return None;
    }
    if header.bytes().any(is_forbidden_control) {
        return None;
    }
    let mut cookies = Vec::new();
    for segment in header.split(';') {
        let (name, value) = match segment.split_once('=') {
            Some(pair) => pair,
            None => continue,
        };
        let name = trim_spaces_and_tabs(name);
        if name.is_empty() {
            return None;
        }
        let value = unquote(trim_spaces_and_tabs(value));
        cookies.push((name.to_string(), value.to_string()));
        if cookies.len() > MAX_COOKIES {
            return None;
        }
    }
    Some(cookies)
}

/// A control character other than tab, or DEL.
fn is_forbidden_control(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7f
}

fn trim_spaces_and_tabs(text: &str) -> &str {
    text.trim_matches(|c| c == ' ' || c == '\t')
}

/// One pair of DQUOTEs around a value is removed.
fn unquote(value: &str) -> &str {
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        &value[1..value.len() - 1]
    } else {
        value
    }
}

impl CookieHeader {
    /// The values of the session cookies (name `MSCRMSession`, ASCII case-insensitive).
    fn session_values(&self) -> Vec<&str> {
        self.cookies
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(SESSION_COOKIE))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// `CookieExistPredicate` (PROTOCOL 1.3; rule 1): some session cookie's value contains
    /// `ticket` (case-sensitive).
    pub fn cookie_exist(&self) -> bool {
        self.session_values().iter().any(|value| value.contains("ticket"))
    }

    /// The session ticket (rule 1): absent when CookieExist is false; unreadable when
    /// there is more than one session cookie or the value is not a readable
    /// `ticket=…&expiration=…`.
    pub fn session_ticket(&self) -> SessionTicket {
        if !self.cookie_exist() {
            return SessionTicket::Absent;
        }
        let values = self.session_values();
        if values.len() != 1 {
            return SessionTicket::Unreadable;
        }
        match read_session_value(values[0]) {
            Some(ticket) => SessionTicket::Readable(ticket),
            None => SessionTicket::Unreadable,
        }
    }
}

/// Rule 1: the value split on `&` into `key=value` parts (a part without `=` is a key with
/// an empty value); `ticket` exactly once, `expiration` at most once, both values
/// percent-decoded (RFC 3986, `+` stays `+`, UTF-8); the ticket not empty. Other keys are
/// ignored. `None` when unreadable.
fn read_session_value(value: &str) -> Option<String> {
    let mut tickets: Vec<&str> = Vec::new();
    let mut expirations: Vec<&str> = Vec::new();
    for part in value.split('&') {
        let (key, part_value) = match part.split_once('=') {
            Some(pair) => pair,
            None => (part, ""),
        };
        if key == "ticket" {
            tickets.push(part_value);
        } else if key == "expiration" {
            expirations.push(part_value);
        }
    }
    if tickets.len() != 1 || expirations.len() > 1 {
        return None;
    }
    for expiration in &expirations {
        percent_decode(expiration)?;
    }
    let ticket = percent_decode(tickets[0])?;
    if ticket.is_empty() {
        return None;
    }
    Some(ticket)
}

/// RFC 3986 percent-decoding: `%` must be followed by two hex digits; the bytes must be
/// UTF-8; `+` is not a space.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let high = hex_value(*bytes.get(index + 1)?)?;
            let low = hex_value(*bytes.get(index + 2)?)?;
            decoded.push(high * 16 + low);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket_of(header: &str) -> SessionTicket {
        parse_cookie_header(Some(header)).session_ticket()
    }

    #[test]
    fn bad_percent_escape_is_unreadable() {
        assert_eq!(ticket_of("MSCRMSession=ticket=%zz"), SessionTicket::Unreadable);
    }

    #[test]
    fn value_containing_ticket_without_ticket_key_is_unreadable() {
        let header = parse_cookie_header(Some("MSCRMSession=noticket"));
        assert!(header.cookie_exist());
        assert_eq!(header.session_ticket(), SessionTicket::Unreadable);
    }

    #[test]
    fn quoted_value_with_truncated_escape_is_unreadable() {
        assert_eq!(ticket_of("MSCRMSession=\"ticket=%\""), SessionTicket::Unreadable);
    }

    #[test]
    fn ticket_key_twice_is_unreadable() {
        assert_eq!(ticket_of("MSCRMSession=ticket=T&ticket=b"), SessionTicket::Unreadable);
    }

    #[test]
    fn two_session_cookies_are_unreadable_whatever_their_values() {
        assert_eq!(ticket_of("MSCRMSession=xyz; MSCRMSession=ticket=T"), SessionTicket::Unreadable);
        assert_eq!(
            ticket_of("MSCRMSession=ticket=T; mscrmsession=ticket=T"),
            SessionTicket::Unreadable
        );
    }

    #[test]
    fn expiration_twice_or_badly_escaped_is_unreadable() {
        assert_eq!(
            ticket_of("MSCRMSession=ticket=T&expiration=1&expiration=2"),
            SessionTicket::Unreadable
        );
        assert_eq!(ticket_of("MSCRMSession=ticket=T&expiration=%4"), SessionTicket::Unreadable);
    }

    #[test]
    fn empty_decoded_ticket_is_unreadable() {
        assert_eq!(ticket_of("MSCRMSession=ticket="), SessionTicket::Unreadable);
        assert_eq!(ticket_of("MSCRMSession=ticket"), SessionTicket::Unreadable);
    }

    #[test]
    fn non_utf8_escape_is_unreadable() {
        assert_eq!(ticket_of("MSCRMSession=ticket=%FF"), SessionTicket::Unreadable);
    }

    #[test]
    fn readable_tickets_are_decoded() {
        assert_eq!(
            ticket_of("lang=en; MSCRMSession=ticket=AAEAAB9h%2BbmQ%3D&expiration=6337"),
            SessionTicket::Readable("AAEAAB9h+bmQ=".to_string())
        );
        assert_eq!(
            ticket_of("  mscrmsession = \"ticket=a+b\" ;x"),
            SessionTicket::Readable("a+b".to_string())
        );
        assert_eq!(
            ticket_of("MSCRMSession=other&ticket=T&x"),
            SessionTicket::Readable("T".to_string())
        );
    }

    #[test]
    fn no_ticket_in_value_is_absent() {
        assert_eq!(ticket_of("MSCRMSession=expired"), SessionTicket::Absent);
        assert_eq!(ticket_of("other=ticket=T"), SessionTicket::Absent);
        assert_eq!(ticket_of("MSCRMSession=TICKET=T"), SessionTicket::Absent);
        assert_eq!(parse_cookie_header(None).session_ticket(), SessionTicket::Absent);
    }

    #[test]
    fn invalid_headers_are_no_cookie_at_all() {
        for header in [
            "MSCRMSession=ticket=T; =x",
            "MSCRMSession=ticket=T\u{1}",
            "MSCRMSession=ticket=T\u{7f}",
            "MSCRMSession=ticket=T\r\n",
        ] {
            let parsed = parse_cookie_header(Some(header));
            assert!(!parsed.cookie_exist(), "{header:?}");
            assert_eq!(parsed.session_ticket(), SessionTicket::Absent, "{header:?}");
        }
        let long = format!("MSCRMSession=ticket={}", "a".repeat(8192));
        assert!(!parse_cookie_header(Some(&long)).cookie_exist());
        let exactly_limit = format!("MSCRMSession=ticket={}", "a".repeat(8192 - 20));
        assert_eq!(exactly_limit.len(), 8192);
        assert!(parse_cookie_header(Some(&exactly_limit)).cookie_exist());
    }

    #[test]
    fn cookie_count_limit_is_64() {
        let mut header = String::from("MSCRMSession=ticket=T");
        for i in 1..64 {
            header.push_str(&format!("; c{i}=v"));
        }
        assert!(parse_cookie_header(Some(&header)).cookie_exist());
        header.push_str("; c64=v");
        assert!(!parse_cookie_header(Some(&header)).cookie_exist());
    }

    #[test]
    fn tab_is_allowed_and_trimmed_segments_without_equals_skipped() {
        let parsed = parse_cookie_header(Some("\tMSCRMSession\t=\tticket=T\t; flag; ;"));
        assert_eq!(parsed.session_ticket(), SessionTicket::Readable("T".into()));
    }
}
