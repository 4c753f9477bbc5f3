//! Reading one CRM header element (a parsed subtree) into its value (PROTOCOL 2.1): shared
//! by the tree decoder and the streaming decoder, which builds a subtree for the rare
//! headers.

use super::model::*;
use crate::codec::redact::Ticket;
use crate::codec::schema;
use crate::codec::xml::XmlWhitespace;
use crate::codec::xml::{DecodeError, Element};

/// An `AuthenticationType` element's text at byte `offset`: `0`, `1` or `2`, spaces around
/// allowed; anything else is a bad value naming the field.
pub(crate) fn parse_authentication_type(
    text: &str,
    offset: u64,
) -> Result<AuthenticationType, DecodeError> {
    text.trim_xml()
        .parse::<i64>()
        .ok()
        .and_then(AuthenticationType::from_code)
        .ok_or_else(|| DecodeError::bad_value(offset, "AuthenticationType", text))
}

/// Read a `CrmAuthenticationToken` element's content (children in 2007 CoreTypes, in order).
pub fn read_token(e: &Element) -> Result<CrmAuthenticationToken, DecodeError> {
    let f = schema::read(e, &schema::TOKEN_TYPE)?;
    let (at, off) = f.required_text("AuthenticationType")?;
    let authentication_type = parse_authentication_type(&at, off)?;
    Ok(CrmAuthenticationToken {
        authentication_type,
        crm_ticket: f.text("CrmTicket")?.map(Ticket::new),
        organization_name: f.text("OrganizationName")?,
        caller_id: f.guid("CallerId")?,
    })
}

pub(crate) fn read_caller_origin(e: &Element) -> Result<CallerOriginToken, DecodeError> {
    let f = schema::read(e, &schema::CALLER_ORIGIN_TOKEN_TYPE)?;
    let Some(o) = f.get("CallerOrigin") else {
        return Ok(CallerOriginToken { caller_origin: None });
    };
    let def = schema::dispatch(
        o,
        &[
            &schema::APPLICATION_ORIGIN,
            &schema::ASYNC_SERVICE_ORIGIN,
            &schema::WEB_SERVICE_API_ORIGIN,
            &schema::OFFLINE_ORIGIN,
        ],
    )?;
    let of = schema::read(o, def)?;
    let origin = match def.name {
        "ApplicationOrigin" => CallerOrigin::ApplicationOrigin,
        "AsyncServiceOrigin" => CallerOrigin::AsyncServiceOrigin,
        "WebServiceApiOrigin" => CallerOrigin::WebServiceApiOrigin,
        _ => CallerOrigin::OfflineOrigin { offline_timestamp: of.text("OfflineTimestamp")? },
    };
    Ok(CallerOriginToken { caller_origin: Some(origin) })
}

pub(crate) fn read_correlation(e: &Element) -> Result<CorrelationToken, DecodeError> {
    let f = schema::read(e, &schema::CORRELATION_TOKEN_TYPE)?;
    let (d, off) = f.required_text("Depth")?;
    Ok(CorrelationToken {
        correlation_id: f.guid("CorrelationId")?,
        correlation_updated_time: f.text("CorrelationUpdatedTime")?,
        depth: d.trim_xml().parse().map_err(|_| DecodeError::bad_value(off, "Depth", &d))?,
    })
}
