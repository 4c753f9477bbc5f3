//! Tests written to kill mutants that survived `cargo mutants` (issue 16; docs/mutants.md
//! lists each survivor and the test here that kills it). Every expectation is derived from
//! PROTOCOL.md or from the documented contract of the function under test (the section or
//! contract is named at each test), never recorded from the code's output. Public API only.

use crmauth::codec::cookie::{
    cookie_exist, parse_cookie_header, parse_cookie_header_with, parse_session, session_cookie,
    CookieLimits, SessionCookie,
};
use crmauth::codec::fault::ErrorCode;
use crmauth::codec::xml::DecodeErrorKind;

/// PROTOCOL 2.5: cookie headers are RFC 6265 `;`-separated pairs; 1.3: CookieExist needs a
/// cookie named `MSCRMSession` whose value contains `ticket`, and the providers read its
/// ticket (1.6: one parse feeds both).
#[test]
fn the_session_cookie_gives_its_ticket() {
    let c = parse_cookie_header("a=1; MSCRMSession=ticket=T").unwrap();
    assert_eq!(c.len(), 2);
    assert!(cookie_exist("a=1; MSCRMSession=ticket=T"));
    assert!(!cookie_exist("a=1"));
    let s = session_cookie("MSCRMSession=ticket=T");
    assert_eq!(s.ticket().map(|t| t.reveal()), Some("T"));
    assert_eq!(session_cookie("a=1").ticket(), None);
    // Unreadable (1.6): CookieExist holds, but there is no ticket to read.
    let bad = session_cookie("MSCRMSession=ticket=%zz");
    assert!(matches!(bad, SessionCookie::Unreadable(_)) && bad.exists());
    assert_eq!(bad.ticket(), None);
}

/// DECODE-TOTAL, the stated bound of `CookieLimits::DEFAULT`: an 8 KiB header. A header of
/// exactly 8,192 bytes is within the bound; one byte more is `TooLarge`.
#[test]
fn a_cookie_header_of_exactly_the_limit_is_accepted() {
    let limits = CookieLimits::DEFAULT;
    assert_eq!(limits.max_header_bytes, 8 * 1024);
    let value = "x".repeat(8 * 1024 - "a=".len());
    let header = format!("a={value}");
    assert_eq!(header.len(), 8 * 1024);
    let c = parse_cookie_header(&header).unwrap();
    assert_eq!(c[0].value.reveal(), value);
    let over = format!("{header}x");
    assert_eq!(
        parse_cookie_header(&over).unwrap_err().kind,
        DecodeErrorKind::TooLarge { limit: 8 * 1024 }
    );
    // The same boundary for explicit limits.
    let small = CookieLimits { max_header_bytes: 3, max_cookies: 1 };
    assert!(parse_cookie_header_with("a=b", &small).is_ok());
    assert!(parse_cookie_header_with("a=bc", &small).is_err());
}

/// PROTOCOL 2.5 / RFC 6265: a value is either plain or wrapped in a *pair* of DQUOTEs; a
/// lone quote at one end is not a wrapping and stays.
#[test]
fn only_a_pair_of_quotes_is_unwrapped() {
    for (header, value) in [
        (r#"a="x"#, r#""x"#),
        (r#"a=x""#, r#"x""#),
        (r#"a="xy"#, r#""xy"#),
        (r#"a="""#, ""),
        (r#"a="x""#, "x"),
    ] {
        let c = parse_cookie_header(header).unwrap();
        assert_eq!(c[0].value.reveal(), value, "{header}");
    }
}

/// A rejection names where (the project's standard for typed errors): the byte offset of
/// the offending `;`-segment of the header.
#[test]
fn cookie_header_errors_name_the_segment_offset() {
    // "a=1;" is 4 bytes: the empty-named segment starts at byte 4.
    assert_eq!(parse_cookie_header("a=1;=v").unwrap_err().offset, 4);
    // "a=1; b=22;" is 10 bytes.
    assert_eq!(parse_cookie_header("a=1; b=22; =v").unwrap_err().offset, 10);
    // The third cookie over a limit of two starts after "a=1;bb=2;" (9 bytes).
    let two = CookieLimits { max_header_bytes: 100, max_cookies: 2 };
    let e = parse_cookie_header_with("a=1;bb=2;c=3", &two).unwrap_err();
    assert_eq!((e.offset, e.kind), (9, DecodeErrorKind::TooManyItems { limit: 2 }));
}

/// PROTOCOL 2.5: the `MSCRMSession` value is `ticket=<enc>&expiration=<enc>`; a repeated key
/// is an error naming where: the offset of the repeated `&`-part in the value.
#[test]
fn session_value_errors_name_the_part_offset() {
    // "ticket=a&" is 9 bytes.
    assert_eq!(parse_session("ticket=a&ticket=b").unwrap_err().offset, 9);
    // "expiration=1&ticket=ab&" is 23 bytes.
    assert_eq!(parse_session("expiration=1&ticket=ab&ticket=c").unwrap_err().offset, 23);
    // An empty part ("&&") is skipped, not an error, and counts one byte.
    let s = parse_session("ticket=a&&expiration=2").unwrap();
    assert_eq!((s.ticket.reveal(), s.expiration.as_deref()), ("a", Some("2")));
    assert_eq!(parse_session("ticket=a&&ticket=b").unwrap_err().offset, 10);
}

/// PROTOCOL 2.4: an error code is hex; the robust reader accepts an optional `0x`/`0X`,
/// either case and surrounding whitespace. The contract of `ErrorCode::from_str`: 1 to 8
/// hex digits, nothing else (no sign, no ninth digit even when it is a leading zero).
#[test]
fn error_codes_are_one_to_eight_hex_digits() {
    for (s, code) in [("1", 1), ("0xA101", 0xA101), ("  80040204 ", 0x8004_0204), ("0Xa", 10)] {
        assert_eq!(s.parse::<ErrorCode>(), Ok(ErrorCode(code)), "{s:?}");
    }
    for s in ["+1", "+A101", "-1", "0x+1", "000000001", "0x08004A101", "1 2", "g"] {
        assert!(s.parse::<ErrorCode>().is_err(), "{s:?}");
    }
}
