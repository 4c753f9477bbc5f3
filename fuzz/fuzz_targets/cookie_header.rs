//! Cookie headers and the `MSCRMSession` value.
//!
//! On the raw header: DECODE-TOTAL for every cookie decoder; `cookie_exist` and the
//! pipeline's verdict on the session cookie (absent, a ticket, unreadable) agree with the
//! spec model `crmauth-spec`'s own cookie reader (PROTOCOL 1.3, 2.5; it shares no code with
//! crmauth); a decoded session re-encodes (value and `Set-Cookie`) to itself. On a session
//! built from the input: TOKEN-ROUNDTRIP-COOKIE among other cookies.
#![no_main]

use crmauth::check::codec::cookie_roundtrip;
use crmauth::codec::cookie::{self, SESSION_COOKIE};
use crmauth::generate::codec::CookieCase;
use crmauth::pipeline::Request;
use crmauth_fuzz::codec::{typed, ArbSession};
use crmauth_spec::SessionTicket;
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

    // The independent statement: the spec model's own header reader (crmauth-spec, which
    // shares no code with crmauth).
    let spec = crmauth_spec::parse_cookie_header(Some(h));
    let rule = spec.cookie_exist();
    assert_eq!(cookie::cookie_exist(h), rule, "cookie_exist differs from the spec model's");

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
    // PROTOCOL 1.6: the pipeline's verdict on the session cookie (absent, a ticket, or
    // unreadable) is the spec model's.
    let got = prepared.session.ticket().map(|t| t.reveal());
    match spec.session_ticket() {
        SessionTicket::Absent => assert!(
            matches!(prepared.session, cookie::SessionCookie::Absent),
            "the spec model finds no session cookie; the pipeline reads one"
        ),
        SessionTicket::Unreadable => assert!(
            matches!(prepared.session, cookie::SessionCookie::Unreadable(_)),
            "the spec model finds the session cookie unreadable; the pipeline does not"
        ),
        // Compared, never printed (a ticket is redacted in every message).
        SessionTicket::Readable(t) => assert!(
            got == Some(t.as_str()),
            "the pipeline's session ticket is not the spec model's ({} vs {} chars)",
            got.map_or(0, str::len),
            t.len()
        ),
    }

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
