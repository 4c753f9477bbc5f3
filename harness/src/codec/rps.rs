//! RPS (Windows Live) ticket handling (PROTOCOL 2.6, seed 000 step 1): auth state, ticket
//! types, PUID, and the sign-in decision.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::xml::{DecodeError, DecodeErrorKind};

/// `RPSAuthState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub enum RpsAuthState {
    /// 0: the user is not signed in to Windows Live.
    No = 0,
    /// 1: the user is signed in.
    Yes = 1,
    /// 2: unknown; a silent authentication may tell (PROTOCOL 2.6).
    Maybe = 2,
}

impl TryFrom<u32> for RpsAuthState {
    type Error = String;
    fn try_from(v: u32) -> Result<Self, String> {
        match v {
            0 => Ok(Self::No),
            1 => Ok(Self::Yes),
            2 => Ok(Self::Maybe),
            _ => Err(format!("RPSAuthState must be 0, 1 or 2, not {v}")),
        }
    }
}

impl From<RpsAuthState> for u32 {
    fn from(s: RpsAuthState) -> u32 {
        s as u32
    }
}

/// RPS ticket types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub enum RpsTicketType {
    /// 1: WebSSO.
    WebSso = 1,
    /// 2: Compact.
    Compact = 2,
    /// 3: AuthCookie.
    AuthCookie = 3,
    /// 4: SecAuthCookie.
    SecAuthCookie = 4,
}

impl TryFrom<u32> for RpsTicketType {
    type Error = String;
    fn try_from(v: u32) -> Result<Self, String> {
        match v {
            1 => Ok(Self::WebSso),
            2 => Ok(Self::Compact),
            3 => Ok(Self::AuthCookie),
            4 => Ok(Self::SecAuthCookie),
            _ => Err(format!("ticket type must be 1 to 4, not {v}")),
        }
    }
}

impl From<RpsTicketType> for u32 {
    fn from(t: RpsTicketType) -> u32 {
        t as u32
    }
}

/// A Passport Unique ID: exactly 16 hex digits (`HexPUID`); displayed upper-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Puid(pub u64);

impl FromStr for Puid {
    type Err = DecodeError;
    fn from_str(s: &str) -> Result<Self, DecodeError> {
        super::hex::value(s.as_bytes(), 16..=16)
            .map(Puid)
            .ok_or_else(|| DecodeError::bad_value(0, "HexPUID", s))
    }
}

impl TryFrom<String> for Puid {
    type Error = DecodeError;
    fn try_from(s: String) -> Result<Self, DecodeError> {
        s.parse()
    }
}

impl From<Puid> for String {
    fn from(p: Puid) -> String {
        p.to_string()
    }
}

impl fmt::Display for Puid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", self.0)
    }
}

/// A validated RPS ticket's properties. `issue_instant` is seconds since 1970.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpsTicket {
    /// The ticket's type.
    pub ticket_type: RpsTicketType,
    /// `HexPUID`: the user's PUID.
    pub hex_puid: Puid,
    /// `IssueInstant`, seconds since 1970 (UTC).
    pub issue_instant: u64,
}

/// The result of `ticket.Validate(...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "validation", rename_all = "snake_case")]
pub enum TicketValidation {
    /// The ticket validated; its properties.
    Valid(RpsTicket),
    /// The ticket failed validation.
    Invalid,
}

/// What the logon page does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", content = "puid", rename_all = "snake_case")]
pub enum RpsDecision {
    /// No ticket, state not Maybe: show the sign-in button.
    ShowSignIn,
    /// No ticket, state Maybe: write the RPS response headers first (prevents a loop), then
    /// redirect to the `SilentAuth` URL.
    SilentAuthRedirect,
    /// A ticket that fails validation: redirect to the `Auth` URL.
    AuthRedirect,
    /// A valid ticket: the user's PUID.
    Authenticated(Puid),
}

/// PROTOCOL 2.6. The auth state only matters when there is no ticket.
pub fn decide(state: RpsAuthState, ticket: Option<&TicketValidation>) -> RpsDecision {
    match ticket {
        None if state == RpsAuthState::Maybe => RpsDecision::SilentAuthRedirect,
        None => RpsDecision::ShowSignIn,
        Some(TicketValidation::Invalid) => RpsDecision::AuthRedirect,
        Some(TicketValidation::Valid(t)) => RpsDecision::Authenticated(t.hex_puid),
    }
}

/// The CLI's JSON input: `{"auth_state": 0|1|2, "ticket": null | {"validation": "invalid"} |
/// {"validation": "valid", "ticket_type": 1..4, "hex_puid": "<16 hex>", "issue_instant": n}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpsInput {
    /// `RPSAuthState` of the request.
    pub auth_state: RpsAuthState,
    /// The ticket's validation result; `None` when the request has no ticket.
    #[serde(default)]
    pub ticket: Option<TicketValidation>,
}

impl RpsInput {
    /// Parse the JSON input; errors carry the byte offset of the problem. A value out of
    /// range (a state other than 0–2, a ticket type other than 1–4, a `HexPUID` that is not
    /// 16 hex digits: PROTOCOL 2.6) is [`DecodeErrorKind::BadValue`] naming the JSON field
    /// (`auth_state`, `ticket_type`, `hex_puid`) at the offset of its value; anything else
    /// wrong is [`DecodeErrorKind::Malformed`] with serde's message.
    pub fn from_json(input: &[u8]) -> Result<Self, DecodeError> {
        if input.len() > 64 << 10 {
            return Err(DecodeError::new(64 << 10, DecodeErrorKind::TooLarge { limit: 64 << 10 }));
        }
        let raw: raw::RpsInput =
            serde_json::from_slice(input).map_err(|e| json_error(input, &e))?;
        // A number, shown whole (`bad_value` would redact `ticket_type` as a ticket).
        let bad_number = |field: &str, value: u32| {
            let kind = DecodeErrorKind::BadValue { field: field.into(), value: value.to_string() };
            DecodeError::new(value_offset(input, field), kind)
        };
        let auth_state = RpsAuthState::try_from(raw.auth_state)
            .map_err(|_| bad_number("auth_state", raw.auth_state))?;
        let ticket = match raw.ticket {
            None => None,
            Some(raw::TicketValidation::Invalid) => Some(TicketValidation::Invalid),
            Some(raw::TicketValidation::Valid(t)) => Some(TicketValidation::Valid(RpsTicket {
                ticket_type: RpsTicketType::try_from(t.ticket_type)
                    .map_err(|_| bad_number("ticket_type", t.ticket_type))?,
                hex_puid: t.hex_puid.parse().map_err(|_| {
                    DecodeError::bad_value(value_offset(input, "hex_puid"), "hex_puid", &t.hex_puid)
                })?,
                issue_instant: t.issue_instant,
            })),
        };
        Ok(RpsInput { auth_state, ticket })
    }
    /// The decision for this input.
    pub fn decide(&self) -> RpsDecision {
        decide(self.auth_state, self.ticket.as_ref())
    }
}

/// The JSON input with its values unchecked, read by serde; [`RpsInput::from_json`] then
/// checks each value, so that one out of range is a typed error naming its field (serde's
/// `try_from` keeps only a message). Its types are named as the typed ones, which serde's
/// messages name.
mod raw {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RpsInput {
        pub(super) auth_state: u32,
        #[serde(default)]
        pub(super) ticket: Option<TicketValidation>,
    }

    #[derive(Deserialize)]
    #[serde(tag = "validation", rename_all = "snake_case")]
    pub(super) enum TicketValidation {
        Valid(RpsTicket),
        Invalid,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct RpsTicket {
        pub(super) ticket_type: u32,
        pub(super) hex_puid: String,
        pub(super) issue_instant: u64,
    }
}

/// The byte offset of the value of member `key` in `input`: after the first `"key"`
/// followed by `:`; 0 when there is none (a key written with escapes). Called only on input
/// that parsed as [`raw::RpsInput`], where each of its keys stands once as a key and a
/// string value holds no unescaped `"`, so that the first such `"key"` is the member.
fn value_offset(input: &[u8], key: &str) -> u64 {
    let quoted = format!("\"{key}\"");
    let skip_ws = |from: usize| {
        from + input[from..]
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .count()
    };
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&input[from..], quoted.as_bytes()) {
        let after = skip_ws(from + i + quoted.len());
        if input.get(after) == Some(&b':') {
            return skip_ws(after + 1) as u64;
        }
        from += i + 1;
    }
    0
}

/// Map a serde_json error (line/column) to a byte offset.
pub fn json_error(input: &[u8], e: &serde_json::Error) -> DecodeError {
    let mut line = 1usize;
    let mut offset = 0usize;
    for (i, b) in input.iter().enumerate() {
        if line == e.line() {
            offset = i;
            break;
        }
        if *b == b'\n' {
            line += 1;
            offset = i + 1;
        }
    }
    let offset = (offset + e.column().saturating_sub(1)).min(input.len());
    DecodeError::malformed(offset as u64, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> TicketValidation {
        TicketValidation::Valid(RpsTicket {
            ticket_type: RpsTicketType::Compact,
            hex_puid: Puid(0x0003_BFFD_9E7A_0C52),
            issue_instant: 1_230_000_000,
        })
    }

    #[test]
    fn decision_table() {
        use RpsAuthState::*;
        for s in [No, Yes, Maybe] {
            assert_eq!(decide(s, Some(&TicketValidation::Invalid)), RpsDecision::AuthRedirect);
            assert_eq!(
                decide(s, Some(&valid())),
                RpsDecision::Authenticated(Puid(0x0003_BFFD_9E7A_0C52))
            );
        }
        assert_eq!(decide(Maybe, None), RpsDecision::SilentAuthRedirect);
        assert_eq!(decide(No, None), RpsDecision::ShowSignIn);
        assert_eq!(decide(Yes, None), RpsDecision::ShowSignIn);
    }

    #[test]
    fn puid_is_exactly_16_hex() {
        assert_eq!("0003bffd9e7a0c52".parse::<Puid>().unwrap().to_string(), "0003BFFD9E7A0C52");
        for bad in [
            "",
            "0003BFFD9E7A0C5",
            "0003BFFD9E7A0C521",
            "0003BFFD9E7A0C5G",
            "+003BFFD9E7A0C52",
            " 003BFFD9E7A0C52",
        ] {
            assert!(
                matches!(bad.parse::<Puid>().unwrap_err().kind, DecodeErrorKind::BadValue { .. }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn json_input() {
        let i = RpsInput::from_json(br#"{"auth_state":1,"ticket":{"validation":"valid","ticket_type":2,"hex_puid":"0003BFFD9E7A0C52","issue_instant":1230000000}}"#).unwrap();
        assert_eq!(i.ticket, Some(valid()));
        assert_eq!(
            serde_json::to_value(i.decide()).unwrap(),
            serde_json::json!({"decision":"authenticated","puid":"0003BFFD9E7A0C52"})
        );
        let e = RpsInput::from_json(b"{\"auth_state\": \"1\"}").unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Malformed(_)));
        assert!(e.offset > 0 && e.offset <= 19, "{e:?}");
        assert!(RpsInput::from_json(br#"{"auth_state":1,"ticket":{"validation":"valid","ticket_type":2,"hex_puid":"XYZ","issue_instant":1}}"#).is_err());
        assert!(RpsInput::from_json(br#"{"auth_state":2,"extra":1}"#).is_err());
        // An unknown member of a valid ticket is refused too (fail closed), not skipped.
        let valid = br#"{"auth_state":1,"ticket":{"validation":"valid","ticket_type":2,"hex_puid":"0003BFFD9E7A0C52","issue_instant":1}}"#;
        assert!(RpsInput::from_json(valid).is_ok());
        let extra = br#"{"auth_state":1,"ticket":{"validation":"valid","ticket_type":2,"hex_puid":"0003BFFD9E7A0C52","issue_instant":1,"puid":"0"}}"#;
        let e = RpsInput::from_json(extra).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Malformed(_)), "{e:?}");
    }

    /// A value out of range is a typed error naming its JSON field, at the offset of its
    /// value (PROTOCOL 2.6: states 0–2, ticket types 1–4, 16 hex digits), even where the
    /// key's name also stands in a string before it.
    #[test]
    fn values_out_of_range_are_bad_values_naming_the_field() {
        let ticket = |puid: &str, t: u32| {
            format!(
                r#"{{"auth_state": 1, "ticket": {{"validation": "valid", "hex_puid":"{puid}", "ticket_type" :  {t}, "issue_instant": 1}}}}"#
            )
        };
        let good = "0003BFFD9E7A0C52";
        // (input, field, value shown, the input's text at the error's offset)
        let cases = [
            ("{\"auth_state\": 3}".to_owned(), "auth_state", "3", "3}"),
            (
                "{\"ticket\": null,\n \"auth_state\":\t4294967295}".into(),
                "auth_state",
                "4294967295",
                "4",
            ),
            (ticket(good, 5), "ticket_type", "5", "5,"),
            (ticket(good, 0), "ticket_type", "0", "0,"),
            (ticket("\\\"ticket_type\\\" : ", 5), "ticket_type", "5", "5,"),
            (ticket("0003BFFD9E7A0C5", 1), "hex_puid", "0003BFFD9E7A0C5", "\"0003BFFD9E7A0C5\""),
        ];
        for (input, field, value, at) in cases {
            let e = RpsInput::from_json(input.as_bytes()).unwrap_err();
            let want = DecodeErrorKind::BadValue { field: field.into(), value: value.into() };
            assert_eq!(e.kind, want, "{input}");
            let shown = &input[e.offset as usize..];
            assert!(
                shown.starts_with(at),
                "{input}: offset {} is not at the value: {shown}",
                e.offset
            );
        }
    }
}
