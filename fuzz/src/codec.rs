//! Structured codec inputs (tokens, discovery messages, sessions, faults) and the
//! DECODE-TOTAL check shared by the codec targets.

use arbitrary::{Arbitrary, Result, Unstructured};
use crmauth::codec::cookie::MsCrmSession;
use crmauth::codec::discovery::{
    Credentials, DiscoveryRequest, DiscoveryResponse, OrganizationDetail,
};
use crmauth::codec::ns::{CORE_NS, DISCO_NS, WS_NS};
use crmauth::codec::token::{
    AuthenticationType, CallerOrigin, CallerOriginToken, CorrelationToken, CrmAuthenticationToken,
    CrmHeaders,
};
use crmauth::codec::xml::{Prefixes, XSD_NS, XSI_NS};
use crmauth::codec::{soap, DecodeError, Secret, SoapVersion, Ticket};
use uuid::Uuid;

/// DECODE-TOTAL for one decoder result: a rejection is a typed error whose offset lies
/// within the input and which has a JSON form. Panics with `name` otherwise.
pub fn typed<T>(name: &str, input_len: usize, r: &std::result::Result<T, DecodeError>) {
    if let Err(e) = r {
        assert!(
            e.offset <= input_len as u64,
            "DECODE-TOTAL: {name}: offset {} beyond {input_len} bytes ({e})",
            e.offset
        );
        if let Err(j) = serde_json::to_value(e) {
            panic!("DECODE-TOTAL: {name}: the error {e} has no JSON form: {j}");
        }
    }
}

/// Whether `c` is an XML 1.0 `Char` (what a document may carry, escaped or not).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Text a document can carry: any XML `Char`s (markup characters, whitespace, CR,
/// non-BMP), or a realistic value from `pool`.
pub fn xml_text(u: &mut Unstructured<'_>, pool: &[&str]) -> Result<String> {
    if !pool.is_empty() && u.ratio(1, 2)? {
        return Ok(u.choose(pool)?.to_string());
    }
    let len = u.int_in_range(0..=24)?;
    let mut s = String::new();
    for _ in 0..len {
        let c: char = u.arbitrary()?;
        s.push(if is_xml_char(c) {
            c
        } else {
            *u.choose(&['<', '&', '>', '"', '\r', ' ', 'é', '中'])?
        });
    }
    Ok(s)
}

const TICKETS: &[&str] = &["TKT-ALICE-VALID-6f1e2d", "AAEAAGh0dHA6Ly9jcm0=", "t<&>\"'", ""];
const ORGS: &[&str] = &["Contoso", "Fabrikam Inc", " spaced ", ""];
const URLS: &[&str] = &["https://crm.contoso.com/MSCRMServices/2007/CrmService.asmx", "http://x/"];

fn uuid(u: &mut Unstructured<'_>) -> Result<Uuid> {
    Ok(if u.ratio(1, 4)? { Uuid::nil() } else { Uuid::from_u128(u.arbitrary()?) })
}

/// SOAP 1.1 or 1.2.
pub fn version(u: &mut Unstructured<'_>) -> Result<SoapVersion> {
    Ok(*u.choose(&SoapVersion::ALL)?)
}

/// Prefixes for writing: the standard ones, or a valid arbitrary choice of names (one
/// namespace possibly the default one).
pub fn prefixes(u: &mut Unstructured<'_>, v: SoapVersion) -> Result<Prefixes> {
    if u.ratio(1, 3)? {
        let mut p = soap::standard_prefixes(v);
        for ns in [WS_NS, CORE_NS, DISCO_NS] {
            p.ensure(ns);
        }
        return Ok(p);
    }
    const NAMES: &[&str] =
        &["s", "soap", "env", "a", "b", "c", "ns0", "ns1", "i", "d", "q", "x-y", "_u", "é"];
    let nss = [v.namespace(), WS_NS, CORE_NS, DISCO_NS, XSI_NS, XSD_NS];
    let default = u.int_in_range(0..=nss.len())?;
    let mut bindings = Vec::new();
    for (i, ns) in nss.iter().enumerate() {
        let p = if i == default && *ns != XSI_NS { "" } else { *u.choose(NAMES)? };
        bindings.push((*ns, p));
    }
    let mut p = Prefixes::new(&bindings).unwrap_or_else(|_| soap::standard_prefixes(v));
    for ns in [WS_NS, CORE_NS, DISCO_NS] {
        p.ensure(ns);
    }
    Ok(p)
}

/// A `CrmAuthenticationToken` of any type, with any ticket and organization text.
pub struct ArbToken(pub CrmAuthenticationToken);

impl<'a> Arbitrary<'a> for ArbToken {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let authentication_type = *u.choose(&[
            AuthenticationType::Ad,
            AuthenticationType::Passport,
            AuthenticationType::Spla,
        ])?;
        let crm_ticket =
            if u.arbitrary()? { Some(Ticket::new(xml_text(u, TICKETS)?)) } else { None };
        let organization_name = if u.arbitrary()? { Some(xml_text(u, ORGS)?) } else { None };
        Ok(ArbToken(CrmAuthenticationToken {
            authentication_type,
            crm_ticket,
            organization_name,
            caller_id: uuid(u)?,
        }))
    }
}

/// Any combination of the CRM headers.
pub struct ArbHeaders(pub CrmHeaders);

impl<'a> Arbitrary<'a> for ArbHeaders {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let token = if u.ratio(3, 4)? { Some(ArbToken::arbitrary(u)?.0) } else { None };
        let caller_origin = if u.arbitrary()? {
            let origin = match u.int_in_range(0..=4)? {
                0 => None,
                1 => Some(CallerOrigin::ApplicationOrigin),
                2 => Some(CallerOrigin::AsyncServiceOrigin),
                3 => Some(CallerOrigin::WebServiceApiOrigin),
                _ => Some(CallerOrigin::OfflineOrigin {
                    offline_timestamp: if u.arbitrary()? {
                        Some(xml_text(u, &["2009-01-01T00:00:00Z"])?)
                    } else {
                        None
                    },
                }),
            };
            Some(CallerOriginToken { caller_origin: origin })
        } else {
            None
        };
        let correlation = if u.arbitrary()? {
            Some(CorrelationToken {
                correlation_id: uuid(u)?,
                correlation_updated_time: if u.arbitrary()? {
                    Some(xml_text(u, &["2009-01-01T00:00:00Z"])?)
                } else {
                    None
                },
                depth: u.arbitrary()?,
            })
        } else {
            None
        };
        Ok(ArbHeaders(CrmHeaders { token, caller_origin, correlation }))
    }
}

fn credentials(u: &mut Unstructured<'_>) -> Result<Credentials> {
    Ok(if u.arbitrary()? {
        Credentials::Passport { passport_ticket: Ticket::new(xml_text(u, TICKETS)?) }
    } else {
        Credentials::UserPassword {
            user_id: xml_text(u, &["alice@contoso.com"])?,
            password: Secret::new(xml_text(u, &["p@ss<word>"])?),
        }
    })
}

fn opt_text(u: &mut Unstructured<'_>, pool: &[&str]) -> Result<Option<String>> {
    Ok(if u.ratio(3, 4)? { Some(xml_text(u, pool)?) } else { None })
}

fn organization_detail(u: &mut Unstructured<'_>) -> Result<OrganizationDetail> {
    Ok(OrganizationDetail {
        organization_id: uuid(u)?,
        organization_name: opt_text(u, ORGS)?,
        friendly_name: opt_text(u, ORGS)?,
        crm_metadata_service_url: opt_text(u, URLS)?,
        crm_service_url: opt_text(u, URLS)?,
        web_application_url: opt_text(u, URLS)?,
    })
}

/// A discovery request of any kind.
pub struct ArbDiscoveryRequest(pub DiscoveryRequest);

impl<'a> Arbitrary<'a> for ArbDiscoveryRequest {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(ArbDiscoveryRequest(match u.int_in_range(0..=3)? {
            0 => DiscoveryRequest::RetrievePolicy,
            1 => DiscoveryRequest::RetrieveOrganizations { credentials: credentials(u)? },
            2 => DiscoveryRequest::RetrieveCrmTicket {
                organization_name: xml_text(u, ORGS)?,
                credentials: credentials(u)?,
            },
            _ => DiscoveryRequest::RetrieveCrmUserIdByExternalId {
                external_id: xml_text(u, &["0003BFFD8A1B2C3D"])?,
                passport_ticket: Ticket::new(xml_text(u, TICKETS)?),
                organization_name: xml_text(u, ORGS)?,
            },
        }))
    }
}

/// A discovery response of any kind.
pub struct ArbDiscoveryResponse(pub DiscoveryResponse);

impl<'a> Arbitrary<'a> for ArbDiscoveryResponse {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(ArbDiscoveryResponse(match u.int_in_range(0..=3)? {
            0 => DiscoveryResponse::RetrievePolicy { policy: opt_text(u, &["MBI_SSL"])? },
            1 => {
                let n = u.int_in_range(0..=3)?;
                DiscoveryResponse::RetrieveOrganizations {
                    organization_details: (0..n)
                        .map(|_| organization_detail(u))
                        .collect::<Result<_>>()?,
                }
            }
            2 => DiscoveryResponse::RetrieveCrmTicket {
                crm_ticket: opt_text(u, TICKETS)?.map(Ticket::new),
                organization_detail: if u.arbitrary()? {
                    Some(organization_detail(u)?)
                } else {
                    None
                },
                expiration_date: opt_text(u, &["2009-01-01T00:00:00Z"])?,
            },
            _ => DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id: uuid(u)? },
        }))
    }
}

/// An `MSCRMSession` value: any ticket and expiration (they are percent-encoded).
pub struct ArbSession(pub MsCrmSession);

impl<'a> Arbitrary<'a> for ArbSession {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // A session ticket is never empty (PROTOCOL 1.6: an empty one is unreadable).
        let ticket: String = match u.arbitrary::<bool>()? {
            true => Some(u.arbitrary::<String>()?).filter(|t| !t.is_empty()),
            false => Some(u.choose(TICKETS)?.to_string()).filter(|t| !t.is_empty()),
        }
        .unwrap_or_else(|| TICKETS[0].to_string());
        let expiration: Option<String> = match u.int_in_range(0..=2)? {
            0 => None,
            1 => Some("1700003600".into()),
            _ => Some(u.arbitrary()?),
        };
        Ok(ArbSession(MsCrmSession { ticket: Ticket::new(ticket), expiration }))
    }
}
