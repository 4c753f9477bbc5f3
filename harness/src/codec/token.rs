//! Placeholder: CrmAuthenticationToken (PROTOCOL 2.1).
use super::redact::Ticket;
use quick_xml::events::Event;
use quick_xml::Reader;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthenticationType {
    Ad = 0,
    Passport = 1,
    Spla = 2,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrmAuthenticationToken {
    pub authentication_type: AuthenticationType,
    pub crm_ticket: Option<Ticket>,
    pub organization_name: Option<String>,
    pub caller_id: uuid::Uuid,
}

#[derive(Debug, thiserror::Error)]
#[error("bad token at byte {offset}")]
pub struct DecodeError {
    pub offset: u64,
}

pub fn decode_token_from_envelope(
    xml: &[u8],
) -> Result<Option<CrmAuthenticationToken>, DecodeError> {
    let mut r = Reader::from_reader(xml);
    let mut cur = String::new();
    let (mut at, mut t, mut o, mut c, mut seen) = (None, None, None, None, false);
    loop {
        let ev = r.read_event().map_err(|_| DecodeError { offset: r.buffer_position() })?;
        match ev {
            Event::Start(e) => {
                cur = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if cur == "CrmAuthenticationToken" {
                    seen = true;
                }
            }
            Event::Text(x) => {
                let v = String::from_utf8_lossy(x.as_ref()).trim().to_string();
                match cur.as_str() {
                    "AuthenticationType" => at = v.parse::<u8>().ok(),
                    "CrmTicket" => t = Some(Ticket::new(v)),
                    "OrganizationName" => o = Some(v),
                    "CallerId" => c = uuid::Uuid::parse_str(&v).ok(),
                    _ => {}
                }
            }
            Event::End(_) => cur.clear(),
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen {
        return Ok(None);
    }
    let authentication_type = match at {
        Some(0) => AuthenticationType::Ad,
        Some(1) => AuthenticationType::Passport,
        Some(2) => AuthenticationType::Spla,
        _ => return Err(DecodeError { offset: 0 }),
    };
    Ok(Some(CrmAuthenticationToken {
        authentication_type,
        crm_ticket: t,
        organization_name: o,
        caller_id: c.ok_or(DecodeError { offset: 0 })?,
    }))
}
