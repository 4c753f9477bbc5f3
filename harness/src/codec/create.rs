//! CrmService `Create` (the real operation: `Create(entity)` → `CreateResult`, a guid), in
//! the minimal form the harness needs to record ownership (PROTOCOL 1.4, CLIENT-IMPERSONATION):
//! an `xsi:type`d entity in the 2007 WebServices namespace with string attributes.
//!
//! Built and read with the codec's XML tree, writer and schema reader; the two definitions
//! below follow the real WSDL's names.

use uuid::Uuid;

use super::ns::{GUID_NS, WS2006_NS, WS_NS};
use super::schema::{self, Definition, Kind, Max, Particle, TypeName};
use super::soap::{self, SoapVersion};
use super::token::{self, CrmHeaders};
use super::xml::{DecodeError, Element};
use super::{service, DecodeLimits};

/// SOAPAction of `Create`.
pub const ACTION_CREATE: &str = "http://schemas.microsoft.com/crm/2007/WebServices/Create";

/// At most this many attributes in a created entity (ours).
pub const MAX_ATTRIBUTES: usize = 64;

/// `Create`: one `entity` of type `BusinessEntity` (2006 WebServices).
pub static CREATE: Definition = Definition {
    kind: Kind::Element,
    ns: WS_NS,
    name: "Create",
    base: None,
    is_abstract: false,
    nillable: false,
    element_type: None,
    particles: &[Particle {
        name: "entity",
        ns: WS_NS,
        min: 1,
        max: Max::One,
        ty: TypeName { ns: WS2006_NS, name: "BusinessEntity" },
        nillable: false,
    }],
    subset: false,
    online_only: false,
    service: Some("CrmService"),
};

/// `CreateResponse`: `CreateResult`, a guid.
pub static CREATE_RESPONSE: Definition = Definition {
    kind: Kind::Element,
    ns: WS_NS,
    name: "CreateResponse",
    base: None,
    is_abstract: false,
    nillable: false,
    element_type: None,
    particles: &[Particle {
        name: "CreateResult",
        ns: WS_NS,
        min: 1,
        max: Max::One,
        ty: TypeName { ns: GUID_NS, name: "guid" },
        nillable: false,
    }],
    subset: false,
    online_only: false,
    service: Some("CrmService"),
};

/// An entity to create: its logical name (`xsi:type`) and string attributes, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateRequest {
    /// The entity's logical name, e.g. `task`: the `entity`'s `xsi:type` (2007 WebServices
    /// namespace).
    pub entity_name: String,
    /// (attribute name, text value) pairs: the `entity`'s child elements, in order; at most
    /// [`MAX_ATTRIBUTES`].
    pub attributes: Vec<(String, String)>,
}

/// The `Create` body element.
pub fn body_element(req: &CreateRequest) -> Element {
    let mut entity = schema::node(&CREATE, "entity").typed(WS_NS, &req.entity_name);
    for (k, v) in &req.attributes {
        entity = entity.child(Element::new(Some(WS_NS), k).text(v));
    }
    Element::new(Some(WS_NS), "Create").child(entity)
}

/// A request envelope with the CRM headers.
pub fn encode_request(req: &CreateRequest, headers: &CrmHeaders, version: SoapVersion) -> String {
    token::encode_envelope(headers, version, &service::prefixes(version), vec![body_element(req)])
}

/// Read a `Create` body element (the envelope is parsed by the caller).
pub fn read_request(body: &Element) -> Result<CreateRequest, DecodeError> {
    if !body.is(Some(WS_NS), "Create") {
        return Err(DecodeError::unexpected(body.offset, body.local.clone()));
    }
    let f = schema::read(body, &CREATE)?;
    let e = f.get("entity").ok_or_else(|| DecodeError::missing(body.offset, "entity"))?;
    let entity_name = match &e.xsi_type {
        Some(t) if t.namespace.as_deref() == Some(WS_NS) => t.local.clone(),
        Some(t) => return Err(DecodeError::bad_value(e.offset, "entity/@xsi:type", &t.local)),
        None => return Err(DecodeError::missing(e.offset, "entity/@xsi:type")),
    };
    let mut attributes = Vec::new();
    for a in e.elements() {
        if a.namespace.as_deref() != Some(WS_NS) {
            return Err(DecodeError::unexpected(a.offset, a.local.clone()));
        }
        if attributes.len() == MAX_ATTRIBUTES {
            return Err(DecodeError::unexpected(a.offset, "attribute beyond the limit"));
        }
        attributes.push((a.local.clone(), a.simple_text()?));
    }
    Ok(CreateRequest { entity_name, attributes })
}

/// Decode a whole request envelope: headers and the `Create` call.
pub fn decode_request(xml: &[u8]) -> Result<(CrmHeaders, CreateRequest), DecodeError> {
    let env = soap::parse_envelope_with(xml, &DecodeLimits::DEFAULT)?;
    let headers = token::read_headers(&env)?;
    Ok((headers, read_request(env.body_element()?)?))
}

/// A `CreateResponse` envelope.
pub fn encode_response(id: Uuid, version: SoapVersion) -> String {
    let body = Element::new(Some(WS_NS), "CreateResponse").child(schema::leaf(
        &CREATE_RESPONSE,
        "CreateResult",
        &id.to_string(),
    ));
    soap::write_envelope(version, &service::prefixes(version), vec![], vec![body])
}

/// Decode a `CreateResponse` envelope to the new record's id.
pub fn decode_response(xml: &[u8]) -> Result<Uuid, DecodeError> {
    let env = soap::parse_envelope(xml)?;
    let b = env.body_element()?;
    if !b.is(Some(WS_NS), "CreateResponse") {
        return Err(DecodeError::unexpected(b.offset, b.local.clone()));
    }
    schema::read(b, &CREATE_RESPONSE)?.guid("CreateResult")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_round_trips_both_versions() {
        let req = CreateRequest {
            entity_name: "task".into(),
            attributes: vec![("subject".into(), "Call <back> & \"soon\"".into())],
        };
        for v in SoapVersion::ALL {
            let x = encode_request(&req, &CrmHeaders::default(), v);
            assert_eq!(decode_request(x.as_bytes()).unwrap().1, req);
            let id = Uuid::from_u128(42);
            assert_eq!(decode_response(encode_response(id, v).as_bytes()).unwrap(), id);
        }
        let wrong = encode_request(&req, &CrmHeaders::default(), SoapVersion::V11)
            .replace("Create", "Destroy");
        assert!(decode_request(wrong.as_bytes()).is_err());
    }
}
