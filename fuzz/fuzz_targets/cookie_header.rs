//! Cookie headers and the `MSCRMSession` value.
//!
//! On the raw header: DECODE-TOTAL for every cookie decoder; `cookie_exist` is PROTOCOL
//! 1.3's rule on the parsed cookies (an `MSCRMSession` cookie whose value contains
//! `ticket`, an unparsable header being false); the pipeline's prepared request sees the
//! same; a decoded session re-encodes (value and `Set-Cookie`) to itself. On a session
//! built from the input: TOKEN-ROUNDTRIP-COOKIE among other cookies.
#![no_main]

use crmauth::check::codec::cookie_roundtrip;
use crmauth::codec::cookie::{self, SESSION_COOKIE};
use crmauth::generate::codec::CookieCase;
use crmauth::pipeline::Request;
use crmauth_fuzz::codec::{typed, ArbSession};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    header: String,
    session: ArbSessionDebug,
    before: String,
    quoted: bool,
}

struct ArbSessionDebug(ArbSession);

impl<'a> Arbitrary<'a> for ArbSessionDebug {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(ArbSessionDebug(ArbSession::arbitrary(u)?))
    }
}

impl std::fmt::Debug for ArbSessionDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crmauth::codec::redact::with_revealed(|| write!(f, "{:?}", self.0 .0))
    }
}

fuzz_target!(|input: Input| {
    let h = input.header.as_str();
    let parsed = cookie::parse_cookie_header(h);
    typed("parse_cookie_header", h.len(), &parsed);
    typed("parse_session", h.len(), &cookie::parse_session(h));
    let session = cookie::session_from_header(h);
    typed("session_from_header", h.len(), &session);

    let rule = parsed.as_ref().is_ok_and(|cs| {
        cs.iter().any(|c| {
            c.name.eq_ignore_ascii_case(SESSION_COOKIE) && c.value.reveal().contains("ticket")
        })
    });
    assert_eq!(cookie::cookie_exist(h), rule, "cookie_exist is not PROTOCOL 1.3's rule");

    let prepared = Request {
        method: "GET".into(),
        path: "/".into(),
        client_address: "127.0.0.1".parse().expect("address"),
        cookie: Some(h.to_owned()),
        headers: Default::default(),
        body: None,
        windows_identity: None,
    }
    .prepare();
    assert_eq!(
        prepared.cookie_exist(),
        rule,
        "the pipeline's CookieExist differs from cookie_exist"
    );
    // PROTOCOL 1.6: when CookieExist holds, the ticket is the one session cookie's, or the
    // cookie is unreadable; when it does not, no ticket is read at all.
    let ticket = session.as_ref().ok().and_then(|s| s.as_ref()).map(|s| &s.ticket);
    let expected = if rule { ticket } else { None };
    assert_eq!(prepared.session.ticket(), expected, "the pipeline's session ticket differs");
    assert_eq!(
        matches!(prepared.session, cookie::SessionCookie::Unreadable(_)),
        rule && ticket.is_none(),
        "a session cookie that passes CookieExist must read or be unreadable"
    );

    if let Ok(Some(s)) = &session {
        let value = cookie::encode_session_value(s);
        assert_eq!(
            cookie::parse_session(&value).as_ref(),
            Ok(s),
            "a decoded session does not re-encode to itself"
        );
        let set = cookie::set_cookie(s, true);
        assert_eq!(
            cookie::session_from_header(&set).as_ref().ok().and_then(|x| x.as_ref()),
            Some(s),
            "Set-Cookie"
        );
    }

    // TOKEN-ROUNDTRIP-COOKIE: a written session among other (well-formed) cookies.
    let s = input.session.0 .0;
    let before: String =
        input.before.chars().filter(|c| c.is_ascii_alphanumeric()).take(8).collect();
    let value = cookie::encode_session_value(&s);
    let value = if input.quoted { format!("\"{value}\"") } else { value };
    let header = if before.is_empty() {
        format!("{SESSION_COOKIE}={value}")
    } else {
        format!("{before}=1; {SESSION_COOKIE}={value}; other=2")
    };
    // A name equal to MSCRMSession in another case would make two session cookies.
    if !before.eq_ignore_ascii_case(SESSION_COOKIE) {
        if let Err(e) = cookie_roundtrip(CookieCase { session: s, header }) {
            panic!("TOKEN-ROUNDTRIP-COOKIE: {e}");
        }
    }
});
