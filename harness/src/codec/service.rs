//! CrmService calls used by the seed flow (PROTOCOL 2.3 step 6): `Execute(WhoAmIRequest)`
//! and `Retrieve("systemuser", id, ColumnSet{fullname})`, with the CRM headers.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ns::{QUERY_NS, WS_NS};
use super::schema::{self, leaf, node};
use super::soap::{self, SoapVersion};
use super::token::{self, CrmHeaders};
use super::xml::{DecodeError, Element, Prefixes};

/// SOAPAction of `Execute`.
pub const ACTION_EXECUTE: &str = "http://schemas.microsoft.com/crm/2007/WebServices/Execute";
/// SOAPAction of `Retrieve`.
pub const ACTION_RETRIEVE: &str = "http://schemas.microsoft.com/crm/2007/WebServices/Retrieve";

/// A CrmService request we speak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServiceRequest {
    WhoAmI,
    /// The `Retrieve` operation with a `ColumnSet` of attribute names.
    Retrieve {
        entity_name: String,
        id: Uuid,
        columns: Vec<String>,
    },
}

impl ServiceRequest {
    /// The SOAPAction for this request.
    pub fn soap_action(&self) -> &'static str {
        match self {
            ServiceRequest::WhoAmI => ACTION_EXECUTE,
            ServiceRequest::Retrieve { .. } => ACTION_RETRIEVE,
        }
    }
}

/// A CrmService response we speak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServiceResponse {
    WhoAmI {
        user_id: Uuid,
        business_unit_id: Uuid,
        organization_id: Uuid,
    },
    /// `RetrieveResult` of `xsi:type` `systemuser`; other attributes are skipped.
    RetrieveSystemUser {
        fullname: Option<String>,
    },
}

/// Default prefixes (as for the token envelope, plus the 2006 Query namespace).
pub fn prefixes(version: SoapVersion) -> Prefixes {
    let mut p = token::crm_prefixes(version);
    p.ensure(QUERY_NS);
    p
}

/// Encode a request envelope with the given headers.
pub fn encode_request(
    req: &ServiceRequest,
    headers: &CrmHeaders,
    version: SoapVersion,
    prefixes: &Prefixes,
) -> String {
    let body = match req {
        ServiceRequest::WhoAmI => {
            let d = &schema::WHO_AM_I_REQUEST;
            Element::new(Some(WS_NS), "Execute")
                .child(node(&schema::SERVICE_EXECUTE, "Request").typed(d.ns, d.name))
        }
        ServiceRequest::Retrieve { entity_name, id, columns } => {
            let d = &schema::RETRIEVE;
            let mut attrs = node(&schema::COLUMN_SET, "Attributes");
            for c in columns {
                attrs = attrs.child(leaf(&schema::ARRAY_OF_STRING, "Attribute", c));
            }
            let cs = node(d, "columnSet")
                .typed(schema::COLUMN_SET.ns, schema::COLUMN_SET.name)
                .child(attrs);
            Element::new(Some(WS_NS), "Retrieve")
                .child(leaf(d, "entityName", entity_name))
                .child(leaf(d, "id", &id.to_string()))
                .child(cs)
        }
    };
    token::encode_envelope(headers, version, prefixes, vec![body])
}

/// Encode a response envelope.
pub fn encode_response(
    resp: &ServiceResponse,
    version: SoapVersion,
    prefixes: &Prefixes,
) -> String {
    let body = match resp {
        ServiceResponse::WhoAmI { user_id, business_unit_id, organization_id } => {
            let d = &schema::WHO_AM_I_RESPONSE;
            Element::new(Some(WS_NS), "ExecuteResponse").child(
                node(&schema::SERVICE_EXECUTE_RESPONSE, "Response")
                    .typed(d.ns, d.name)
                    .child(leaf(d, "UserId", &user_id.to_string()))
                    .child(leaf(d, "BusinessUnitId", &business_unit_id.to_string()))
                    .child(leaf(d, "OrganizationId", &organization_id.to_string())),
            )
        }
        ServiceResponse::RetrieveSystemUser { fullname } => {
            let d = &schema::SYSTEMUSER;
            let mut r = node(&schema::RETRIEVE_RESPONSE, "RetrieveResult").typed(d.ns, d.name);
            if let Some(n) = fullname {
                r = r.child(leaf(d, "fullname", n));
            }
            Element::new(Some(WS_NS), "RetrieveResponse").child(r)
        }
    };
    soap::write_envelope(version, prefixes, vec![], vec![body])
}

fn only_body(env: &soap::Envelope) -> Result<&Element, DecodeError> {
    let b = env.body_element()?;
    match env.body.get(1) {
        Some(extra) => Err(DecodeError::unexpected(extra.offset, extra.local.clone())),
        None => Ok(b),
    }
}

/// Decode a request envelope: its CRM headers and the call.
pub fn decode_request(xml: &[u8]) -> Result<(CrmHeaders, ServiceRequest), DecodeError> {
    let env = soap::parse_envelope(xml)?;
    let headers = token::read_headers(&env)?;
    let b = only_body(&env)?;
    let req = if b.is(Some(WS_NS), "Execute") {
        let f = schema::read(b, &schema::SERVICE_EXECUTE)?;
        let r = f.get("Request").ok_or_else(|| DecodeError::missing(b.offset, "Request"))?;
        let def = schema::dispatch(r, &[&schema::WHO_AM_I_REQUEST])?;
        schema::read(r, def)?;
        ServiceRequest::WhoAmI
    } else if b.is(Some(WS_NS), "Retrieve") {
        let f = schema::read(b, &schema::RETRIEVE)?;
        let mut columns = Vec::new();
        if let Some(cs) = f.get("columnSet") {
            let def = schema::dispatch(cs, &[&schema::COLUMN_SET])?;
            let cf = schema::read(cs, def)?;
            if let Some(a) = cf.get("Attributes") {
                let af = schema::read(a, &schema::ARRAY_OF_STRING)?;
                for x in af.all("Attribute") {
                    columns.push(x.simple_text()?);
                }
            }
        }
        ServiceRequest::Retrieve {
            entity_name: f.text("entityName")?.unwrap_or_default(),
            id: f.guid("id")?,
            columns,
        }
    } else {
        return Err(DecodeError::unexpected(b.offset, b.local.clone()));
    };
    Ok((headers, req))
}

/// Decode a response envelope.
pub fn decode_response(xml: &[u8]) -> Result<ServiceResponse, DecodeError> {
    let env = soap::parse_envelope(xml)?;
    let b = only_body(&env)?;
    if b.is(Some(WS_NS), "ExecuteResponse") {
        let f = schema::read(b, &schema::SERVICE_EXECUTE_RESPONSE)?;
        let r = f.get("Response").ok_or_else(|| DecodeError::missing(b.offset, "Response"))?;
        let def = schema::dispatch(r, &[&schema::WHO_AM_I_RESPONSE])?;
        let rf = schema::read(r, def)?;
        Ok(ServiceResponse::WhoAmI {
            user_id: rf.guid("UserId")?,
            business_unit_id: rf.guid("BusinessUnitId")?,
            organization_id: rf.guid("OrganizationId")?,
        })
    } else if b.is(Some(WS_NS), "RetrieveResponse") {
        let f = schema::read(b, &schema::RETRIEVE_RESPONSE)?;
        let r = f
            .get("RetrieveResult")
            .ok_or_else(|| DecodeError::missing(b.offset, "RetrieveResult"))?;
        let def = schema::dispatch(r, &[&schema::SYSTEMUSER])?;
        let rf = schema::read(r, def)?;
        Ok(ServiceResponse::RetrieveSystemUser { fullname: rf.text("fullname")? })
    } else {
        Err(DecodeError::unexpected(b.offset, b.local.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemuser_skips_other_attributes() {
        let x = format!(
            r#"<s:Envelope xmlns:s="{}"><s:Body><RetrieveResponse xmlns="{WS_NS}"><RetrieveResult xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="systemuser"><domainname>x\y</domainname><fullname>Ann Example</fullname><systemuserid>00000000-0000-0000-0000-000000000001</systemuserid></RetrieveResult></RetrieveResponse></s:Body></s:Envelope>"#,
            soap::SOAP11_NS
        );
        assert_eq!(
            decode_response(x.as_bytes()).unwrap(),
            ServiceResponse::RetrieveSystemUser { fullname: Some("Ann Example".into()) }
        );
        let wrong = x.replace("i:type=\"systemuser\"", "i:type=\"account\"");
        assert!(decode_response(wrong.as_bytes()).is_err());
    }

    #[test]
    fn actions() {
        assert_eq!(ServiceRequest::WhoAmI.soap_action(), ACTION_EXECUTE);
        let r = ServiceRequest::Retrieve {
            entity_name: "systemuser".into(),
            id: Uuid::nil(),
            columns: vec!["fullname".into()],
        };
        assert_eq!(r.soap_action(), ACTION_RETRIEVE);
        let xml = encode_request(
            &r,
            &CrmHeaders::default(),
            SoapVersion::V11,
            &prefixes(SoapVersion::V11),
        );
        assert_eq!(decode_request(xml.as_bytes()).unwrap().1, r);
    }
}
