//! CrmService calls used by the seed flow (PROTOCOL 2.3 step 6): `Execute(WhoAmIRequest)`
//! and `Retrieve("systemuser", id, ColumnSet{fullname})`, with the CRM headers.
//!
//! [`ServiceRequest`] is the flow's view; [`ServiceCall`] (read by [`decode_call`]) is every
//! form the WSDL allows for these two operations: `OptionalParameters` with any of the
//! WSDL's `OptionalParameter` types, and either `ColumnSetBase` (`AllColumns`, `ColumnSet`).

use crate::codec::xml::XmlWhitespace;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ns::{QUERY_NS, WS_NS};
use super::schema::{self, leaf, node, Definition};
use super::soap::{self, SoapVersion};
use super::token::{self, CrmHeaders};
use super::xml::{DecodeError, DecodeErrorKind, Element, Prefixes};

/// SOAPAction of `Execute`.
pub const ACTION_EXECUTE: &str = "http://schemas.microsoft.com/crm/2007/WebServices/Execute";
/// SOAPAction of `Retrieve`.
pub const ACTION_RETRIEVE: &str = "http://schemas.microsoft.com/crm/2007/WebServices/Retrieve";

/// A CrmService request we speak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServiceRequest {
    /// `Execute` with a `WhoAmIRequest` and no optional parameters.
    WhoAmI,
    /// The `Retrieve` operation with a `ColumnSet` of attribute names.
    Retrieve {
        /// `entityName`: the entity's logical name, e.g. `systemuser`.
        entity_name: String,
        /// `id`: the record's GUID.
        id: Uuid,
        /// The `ColumnSet`'s `Attributes`, e.g. `["fullname"]`.
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

/// One `OptionalParameter` of a request (the WSDL's seven concrete types). The mock
/// decodes them and ignores them: none changes what WhoAmI or Retrieve answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value")]
pub enum OptionalParameter {
    /// `CallPriorityOptionalParameter`: its `Value` (int).
    CallPriority(i32),
    /// `CreateDuplicatesOptionalParameter`: its `Value` (boolean).
    CreateDuplicates(bool),
    /// `ExportIdsOptionalParameter`: its `Value` (boolean).
    ExportIds(bool),
    /// `OfflineDataOptionalParameter`.
    OfflineData {
        /// `Name`, when present.
        name: Option<String>,
        /// `Value`, when present.
        value: Option<String>,
    },
    /// `PersistInSyncOptionalParameter`: its `Value` (boolean).
    PersistInSync(bool),
    /// `RegardingObjectIdOptionalParameter`: its `Value` (GUID).
    RegardingObjectId(Uuid),
    /// `RequestIdOptionalParameter`: its `Value` (GUID).
    RequestId(Uuid),
    /// An entry with `xsi:nil="true"` (the WSDL's entries are nillable).
    Nil,
}

/// `ColumnSetBase` (2006 Query): which attributes a `Retrieve` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "attributes")]
pub enum ColumnSetBase {
    /// `xsi:type="AllColumns"`: every attribute.
    AllColumns,
    /// `xsi:type="ColumnSet"`: the listed attributes (`Attributes` absent reads as none).
    ColumnSet(Vec<String>),
}

/// A CrmService call in every form the WSDL allows for the operations we implement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServiceCall {
    /// `Execute(WhoAmIRequest)`; an absent `OptionalParameters` reads as empty (ours, see
    /// docs/codecs.md).
    WhoAmI {
        /// The request's `OptionalParameters`, in document order.
        optional_parameters: Vec<OptionalParameter>,
    },
    /// `Retrieve`; `column_set` None when `columnSet` is absent or nil.
    Retrieve {
        /// `entityName` (optional in the WSDL).
        entity_name: Option<String>,
        /// `id`: the record's GUID (required).
        id: Uuid,
        /// `columnSet`.
        column_set: Option<ColumnSetBase>,
    },
}

impl From<&ServiceRequest> for ServiceCall {
    fn from(r: &ServiceRequest) -> Self {
        match r {
            ServiceRequest::WhoAmI => ServiceCall::WhoAmI { optional_parameters: vec![] },
            ServiceRequest::Retrieve { entity_name, id, columns } => ServiceCall::Retrieve {
                entity_name: Some(entity_name.clone()),
                id: *id,
                column_set: Some(ColumnSetBase::ColumnSet(columns.clone())),
            },
        }
    }
}

/// A CrmService response we speak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServiceResponse {
    /// `ExecuteResponse` with a `WhoAmIResponse`.
    WhoAmI {
        /// `UserId`: the authenticated user's CRM id.
        user_id: Uuid,
        /// `BusinessUnitId`.
        business_unit_id: Uuid,
        /// `OrganizationId`.
        organization_id: Uuid,
    },
    /// `RetrieveResult` of `xsi:type` `systemuser`; other attributes are skipped.
    RetrieveSystemUser {
        /// The `fullname` attribute, when present.
        fullname: Option<String>,
    },
}

/// Default prefixes (as for the token envelope, plus the 2006 Query namespace).
pub fn prefixes(version: SoapVersion) -> Prefixes {
    let mut p = token::crm_prefixes(version);
    p.ensure(QUERY_NS);
    p
}

/// Encode a request envelope with the given headers. WhoAmI carries the empty
/// `<OptionalParameters/>` the WSDL requires.
pub fn encode_request(
    req: &ServiceRequest,
    headers: &CrmHeaders,
    version: SoapVersion,
    prefixes: &Prefixes,
) -> String {
    encode_call(&ServiceCall::from(req), headers, version, prefixes)
}

fn optional_parameter(p: &OptionalParameter) -> Element {
    let entry = || node(&schema::ARRAY_OF_OPTIONAL_PARAMETER, "OptionalParameter");
    let typed = |d: &Definition| entry().typed(d.ns, d.name);
    let value = |d: &Definition, v: &str| typed(d).child(leaf(d, "Value", v));
    match p {
        OptionalParameter::CallPriority(v) => {
            value(&schema::CALL_PRIORITY_PARAMETER, &v.to_string())
        }
        OptionalParameter::CreateDuplicates(v) => {
            value(&schema::CREATE_DUPLICATES_PARAMETER, &v.to_string())
        }
        OptionalParameter::ExportIds(v) => value(&schema::EXPORT_IDS_PARAMETER, &v.to_string()),
        OptionalParameter::OfflineData { name, value: v } => {
            let d = &schema::OFFLINE_DATA_PARAMETER;
            let mut e = typed(d);
            if let Some(n) = name {
                e = e.child(leaf(d, "Name", n));
            }
            if let Some(v) = v {
                e = e.child(leaf(d, "Value", v));
            }
            e
        }
        OptionalParameter::PersistInSync(v) => {
            value(&schema::PERSIST_IN_SYNC_PARAMETER, &v.to_string())
        }
        OptionalParameter::RegardingObjectId(v) => {
            value(&schema::REGARDING_OBJECT_ID_PARAMETER, &v.to_string())
        }
        OptionalParameter::RequestId(v) => value(&schema::REQUEST_ID_PARAMETER, &v.to_string()),
        OptionalParameter::Nil => {
            let mut e = entry();
            e.nil = true;
            e
        }
    }
}

/// Encode any [`ServiceCall`] with the given headers.
pub fn encode_call(
    call: &ServiceCall,
    headers: &CrmHeaders,
    version: SoapVersion,
    prefixes: &Prefixes,
) -> String {
    let body = match call {
        ServiceCall::WhoAmI { optional_parameters } => {
            let d = &schema::WHO_AM_I_REQUEST;
            let mut params = node(d, "OptionalParameters");
            for p in optional_parameters {
                params = params.child(optional_parameter(p));
            }
            Element::new(Some(WS_NS), "Execute")
                .child(node(&schema::SERVICE_EXECUTE, "Request").typed(d.ns, d.name).child(params))
        }
        ServiceCall::Retrieve { entity_name, id, column_set } => {
            let d = &schema::RETRIEVE;
            let mut r = Element::new(Some(WS_NS), "Retrieve");
            if let Some(n) = entity_name {
                r = r.child(leaf(d, "entityName", n));
            }
            r = r.child(leaf(d, "id", &id.to_string()));
            match column_set {
                None => r,
                Some(ColumnSetBase::AllColumns) => r.child(
                    node(d, "columnSet").typed(schema::ALL_COLUMNS.ns, schema::ALL_COLUMNS.name),
                ),
                Some(ColumnSetBase::ColumnSet(columns)) => {
                    let mut attrs = node(&schema::COLUMN_SET, "Attributes");
                    for c in columns {
                        attrs = attrs.child(leaf(&schema::ARRAY_OF_STRING, "Attribute", c));
                    }
                    r.child(
                        node(d, "columnSet")
                            .typed(schema::COLUMN_SET.ns, schema::COLUMN_SET.name)
                            .child(attrs),
                    )
                }
            }
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

/// Decode a request envelope to the flow's view. `AllColumns` has no [`ServiceRequest`]
/// form: it is refused here (`BadValue` on `columnSet/@xsi:type`); read it with
/// [`decode_call`].
pub fn decode_request(xml: &[u8]) -> Result<(CrmHeaders, ServiceRequest), DecodeError> {
    let (headers, call) = decode_call(xml)?;
    let req = match call {
        ServiceCall::WhoAmI { .. } => ServiceRequest::WhoAmI,
        ServiceCall::Retrieve { entity_name, id, column_set } => {
            let columns = match column_set {
                None => Vec::new(),
                Some(ColumnSetBase::ColumnSet(c)) => c,
                Some(ColumnSetBase::AllColumns) => {
                    return Err(DecodeError::bad_value(
                        0,
                        "columnSet/@xsi:type (no ServiceRequest form; use decode_call)",
                        "AllColumns",
                    ))
                }
            };
            ServiceRequest::Retrieve { entity_name: entity_name.unwrap_or_default(), id, columns }
        }
    };
    Ok((headers, req))
}

/// Decode a request envelope: its CRM headers and the call, in any form the WSDL allows.
pub fn decode_call(xml: &[u8]) -> Result<(CrmHeaders, ServiceCall), DecodeError> {
    let env = soap::parse_envelope(xml)?;
    let headers = token::read_headers(&env)?;
    let b = only_body(&env)?;
    Ok((headers, read_call(b)?))
}

/// Read the `Execute` or `Retrieve` body element.
pub fn read_call(b: &Element) -> Result<ServiceCall, DecodeError> {
    if b.is(Some(WS_NS), "Execute") {
        let f = schema::read(b, &schema::SERVICE_EXECUTE)?;
        let r = f.get("Request").ok_or_else(|| DecodeError::missing(b.offset, "Request"))?;
        let def = dispatch_request(r)?;
        let rf = read_lenient_parameters(r, def)?;
        let mut optional_parameters = Vec::new();
        if let Some(arr) = rf.get("OptionalParameters") {
            let af = schema::read(arr, &schema::ARRAY_OF_OPTIONAL_PARAMETER)?;
            for p in af.all("OptionalParameter") {
                optional_parameters.push(read_optional_parameter(p)?);
            }
        }
        Ok(ServiceCall::WhoAmI { optional_parameters })
    } else if b.is(Some(WS_NS), "Retrieve") {
        let f = schema::read(b, &schema::RETRIEVE)?;
        let column_set = match f.get("columnSet") {
            None => None,
            Some(cs) => {
                let def = schema::dispatch(cs, schema::COLUMN_SETS)?;
                let cf = schema::read(cs, def)?;
                if def.name == schema::ALL_COLUMNS.name {
                    Some(ColumnSetBase::AllColumns)
                } else {
                    let mut columns = Vec::new();
                    if let Some(a) = cf.get("Attributes") {
                        let af = schema::read(a, &schema::ARRAY_OF_STRING)?;
                        for x in af.all("Attribute") {
                            columns.push(x.simple_text()?);
                        }
                    }
                    Some(ColumnSetBase::ColumnSet(columns))
                }
            }
        };
        Ok(ServiceCall::Retrieve {
            entity_name: f.text("entityName")?,
            id: f.guid("id")?,
            column_set,
        })
    } else {
        Err(DecodeError::unexpected(b.offset, b.local.clone()))
    }
}

/// The `Request`'s `xsi:type`. A type in the WebServices namespace that we do not
/// implement is `BadValue` on field [`UNIMPLEMENTED_REQUEST`] (the WSDL has some 200
/// request types; the mock answers them with its own "not implemented" rule).
fn dispatch_request(r: &Element) -> Result<&'static Definition, DecodeError> {
    match schema::dispatch(r, &[&schema::WHO_AM_I_REQUEST]) {
        Err(e)
            if matches!(&e.kind, DecodeErrorKind::BadValue { .. })
                && r.xsi_type.as_ref().is_some_and(|t| t.namespace.as_deref() == Some(WS_NS)) =>
        {
            let ty = r.xsi_type.as_ref().map(|t| t.local.as_str()).unwrap_or_default();
            Err(DecodeError::bad_value(r.offset, UNIMPLEMENTED_REQUEST, ty))
        }
        other => other,
    }
}

/// The `BadValue` field that marks a well-namespaced request type we do not implement.
pub const UNIMPLEMENTED_REQUEST: &str = "Request/@xsi:type (not implemented)";

/// `schema::read`, except that an absent `OptionalParameters` reads as empty (ours: .NET's
/// XmlSerializer leaves out a null array, and crmauth's own envelopes did before).
fn read_lenient_parameters<'a>(
    r: &'a Element,
    def: &'static Definition,
) -> Result<schema::Fields<'a>, DecodeError> {
    match schema::read(r, def) {
        Err(e)
            if e.kind == DecodeErrorKind::MissingElement { name: "OptionalParameters".into() }
                && !r.elements().any(|c| c.local == "OptionalParameters") =>
        {
            schema::read(r, &schema::WHO_AM_I_WITHOUT_PARAMETERS)
        }
        other => other,
    }
}

fn read_optional_parameter(p: &Element) -> Result<OptionalParameter, DecodeError> {
    if p.nil {
        return Ok(OptionalParameter::Nil);
    }
    let def = schema::dispatch(p, schema::OPTIONAL_PARAMETERS)?;
    let f = schema::read(p, def)?;
    let boolean = |name: &str| -> Result<bool, DecodeError> {
        let (s, off) = f.required_text(name)?;
        match s.trim_xml() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            v => Err(DecodeError::bad_value(off, name, v)),
        }
    };
    Ok(match def.name {
        "CallPriorityOptionalParameter" => {
            let (s, off) = f.required_text("Value")?;
            let v = s
                .trim_xml()
                .parse()
                .map_err(|_| DecodeError::bad_value(off, "Value", s.trim_xml()))?;
            OptionalParameter::CallPriority(v)
        }
        "CreateDuplicatesOptionalParameter" => {
            OptionalParameter::CreateDuplicates(boolean("Value")?)
        }
        "ExportIdsOptionalParameter" => OptionalParameter::ExportIds(boolean("Value")?),
        "OfflineDataOptionalParameter" => {
            OptionalParameter::OfflineData { name: f.text("Name")?, value: f.text("Value")? }
        }
        "PersistInSyncOptionalParameter" => OptionalParameter::PersistInSync(boolean("Value")?),
        "RegardingObjectIdOptionalParameter" => {
            OptionalParameter::RegardingObjectId(f.guid("Value")?)
        }
        _ => OptionalParameter::RequestId(f.guid("Value")?),
    })
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
