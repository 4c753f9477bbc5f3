//! The table itself: the definitions of the messages we speak, as the WSDL declares them
//! (PROTOCOL 2.1, 2.2, 2.3).

use serde::Serialize;

use super::effective_particles;
use crate::codec::ns::*;
use crate::codec::xml::XSD_NS;

/// Whether a definition is a global element or a named complex type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Kind {
    /// A global `xs:element` (a body wrapper such as `Execute`, or a SOAP header element).
    Element,
    /// A named `xs:complexType` (a request/response type, a header's content, an `ArrayOf…`).
    ComplexType,
}

/// A qualified type (or element, for `ref`) name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TypeName {
    /// Namespace URI of the type (`XSD_NS` for `xs:string`, `xs:int`, `xs:boolean`).
    pub ns: &'static str,
    /// Local name of the type, as in `@type` without its prefix.
    pub name: &'static str,
}

/// `maxOccurs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Max {
    /// `maxOccurs="1"` (the default): at most one occurrence.
    One,
    /// `maxOccurs="unbounded"`: any number of occurrences (a list).
    Unbounded,
}

/// One element of a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Particle {
    /// Local name of the child element.
    pub name: &'static str,
    /// Namespace URI of the child element (the declaring schema's target namespace).
    pub ns: &'static str,
    /// `minOccurs`: 0 for an optional element, 1 for a required one.
    pub min: u32,
    /// `maxOccurs`.
    pub max: Max,
    /// Type of the element's content (`@type`): an XSD simple type or a type of the table.
    pub ty: TypeName,
    /// `nillable="true"`: the element may carry `xsi:nil="true"` (an entry of a list is
    /// then kept as a nil entry; see [`read`](super::read)).
    pub nillable: bool,
}

/// A global element or complex type of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Definition {
    /// Whether this is a global element or a named complex type.
    pub kind: Kind,
    /// Target namespace of the schema that declares it (PROTOCOL 2.1, 2.2).
    pub ns: &'static str,
    /// Local name (`@name`) of the element or type.
    pub name: &'static str,
    /// `complexContent/extension/@base`: the base type's particles come first
    /// ([`effective_particles`]).
    pub base: Option<TypeName>,
    /// `abstract="true"`: never the `xsi:type` of an element.
    pub is_abstract: bool,
    /// `nillable="true"` on a global element.
    pub nillable: bool,
    /// `element/@type` of a global element with a named type.
    pub element_type: Option<TypeName>,
    /// The definition's own `sequence` children in document order (base types' excluded).
    pub particles: &'static [Particle],
    /// We model only some of the type's elements (extra ones are skipped when reading).
    pub subset: bool,
    /// Absent from on-premise WSDLs (CRM Online only): absence is a note, not a difference.
    pub online_only: bool,
    /// The service (`wsdl:service/@name`) whose WSDL defines it, when names collide across
    /// services (MetadataService has its own `Execute` in the same namespace).
    pub service: Option<&'static str>,
}

const fn t(ns: &'static str, name: &'static str) -> TypeName {
    TypeName { ns, name }
}
const STRING: TypeName = t(XSD_NS, "string");
const INT: TypeName = t(XSD_NS, "int");
const GUID: TypeName = t(GUID_NS, "guid");

const fn p(ns: &'static str, name: &'static str, min: u32, max: Max, ty: TypeName) -> Particle {
    Particle { name, ns, min, max, ty, nillable: false }
}
/// `minOccurs="0" maxOccurs="unbounded" nillable="true"`: the entries of an `ArrayOf…`.
const fn nillable_entries(ns: &'static str, name: &'static str, ty: TypeName) -> Particle {
    Particle { name, ns, min: 0, max: Max::Unbounded, ty, nillable: true }
}
const fn opt(ns: &'static str, name: &'static str, ty: TypeName) -> Particle {
    p(ns, name, 0, Max::One, ty)
}
const fn req(ns: &'static str, name: &'static str, ty: TypeName) -> Particle {
    p(ns, name, 1, Max::One, ty)
}
const fn ct(
    ns: &'static str,
    name: &'static str,
    base: Option<TypeName>,
    particles: &'static [Particle],
) -> Definition {
    Definition {
        kind: Kind::ComplexType,
        ns,
        name,
        base,
        is_abstract: false,
        nillable: false,
        element_type: None,
        particles,
        subset: false,
        online_only: false,
        service: None,
    }
}
const fn el(ns: &'static str, name: &'static str, particles: &'static [Particle]) -> Definition {
    Definition {
        kind: Kind::Element,
        ns,
        name,
        base: None,
        is_abstract: false,
        nillable: false,
        element_type: None,
        particles,
        subset: false,
        online_only: false,
        service: None,
    }
}
const fn typed_el(ns: &'static str, name: &'static str, ty: TypeName) -> Definition {
    Definition {
        kind: Kind::Element,
        ns,
        name,
        base: None,
        is_abstract: false,
        // Every global element with a named type in the CRM WSDLs is nillable.
        nillable: true,
        element_type: Some(ty),
        particles: &[],
        subset: false,
        online_only: false,
        service: None,
    }
}

// --- 2007 CoreTypes: SOAP headers -------------------------------------------------------
/// `CrmAuthenticationToken` complex type (CoreTypes): `AuthenticationType`, `CrmTicket`,
/// `OrganizationName`, `CallerId`, in this order (PROTOCOL 2.1).
pub static TOKEN_TYPE: Definition = ct(
    CORE_NS,
    "CrmAuthenticationToken",
    None,
    &[
        req(CORE_NS, "AuthenticationType", INT),
        opt(CORE_NS, "CrmTicket", STRING),
        opt(CORE_NS, "OrganizationName", STRING),
        req(CORE_NS, "CallerId", GUID),
    ],
);
/// `CallerOriginToken` complex type (CoreTypes): an optional `CallerOrigin` (PROTOCOL 2.1).
pub static CALLER_ORIGIN_TOKEN_TYPE: Definition = ct(
    CORE_NS,
    "CallerOriginToken",
    None,
    &[opt(CORE_NS, "CallerOrigin", t(CORE_NS, "CallerOrigin"))],
);
/// `CorrelationToken` complex type (CoreTypes): `CorrelationId`, `CorrelationUpdatedTime`,
/// `Depth` (PROTOCOL 2.1).
pub static CORRELATION_TOKEN_TYPE: Definition = ct(
    CORE_NS,
    "CorrelationToken",
    None,
    &[
        req(CORE_NS, "CorrelationId", GUID),
        opt(CORE_NS, "CorrelationUpdatedTime", t(WS2006_NS, "CrmDateTime")),
        req(CORE_NS, "Depth", INT),
    ],
);
const CALLER_ORIGIN: Option<TypeName> = Some(t(CORE_NS, "CallerOrigin"));
/// `ApplicationOrigin`: a `CallerOrigin` with no elements of its own.
pub static APPLICATION_ORIGIN: Definition = ct(CORE_NS, "ApplicationOrigin", CALLER_ORIGIN, &[]);
/// `AsyncServiceOrigin`: a `CallerOrigin` with no elements of its own.
pub static ASYNC_SERVICE_ORIGIN: Definition = ct(CORE_NS, "AsyncServiceOrigin", CALLER_ORIGIN, &[]);
/// `WebServiceApiOrigin`: a `CallerOrigin` with no elements of its own.
pub static WEB_SERVICE_API_ORIGIN: Definition =
    ct(CORE_NS, "WebServiceApiOrigin", CALLER_ORIGIN, &[]);
/// `OfflineOrigin`: a `CallerOrigin` with an optional `OfflineTimestamp`.
pub static OFFLINE_ORIGIN: Definition = ct(
    CORE_NS,
    "OfflineOrigin",
    CALLER_ORIGIN,
    &[opt(CORE_NS, "OfflineTimestamp", t(WS2006_NS, "CrmDateTime"))],
);
// The header elements as CrmService declares them (nillable; MetadataService, which the
// mock does not serve, declares them without `nillable`).
/// The `CrmAuthenticationToken` SOAP header element (WebServices namespace, CoreTypes
/// content; PROTOCOL 2.1).
pub static TOKEN_ELEMENT: Definition = Definition {
    service: Some("CrmService"),
    ..typed_el(WS_NS, "CrmAuthenticationToken", t(CORE_NS, "CrmAuthenticationToken"))
};
/// The `CallerOriginToken` SOAP header element of CrmService (PROTOCOL 2.1).
pub static CALLER_ORIGIN_TOKEN_ELEMENT: Definition = Definition {
    service: Some("CrmService"),
    ..typed_el(WS_NS, "CallerOriginToken", t(CORE_NS, "CallerOriginToken"))
};
/// The `CorrelationToken` SOAP header element of CrmService (PROTOCOL 2.1).
pub static CORRELATION_TOKEN_ELEMENT: Definition = Definition {
    service: Some("CrmService"),
    ..typed_el(WS_NS, "CorrelationToken", t(CORE_NS, "CorrelationToken"))
};

// --- 2007 WebServices: CrmService -------------------------------------------------------
/// CrmService's `Execute` body element: one required `Request`.
pub static SERVICE_EXECUTE: Definition = Definition {
    service: Some("CrmService"),
    ..el(WS_NS, "Execute", &[req(WS_NS, "Request", t(WS_NS, "Request"))])
};
/// CrmService's `ExecuteResponse` body element: one required `Response`.
pub static SERVICE_EXECUTE_RESPONSE: Definition = Definition {
    service: Some("CrmService"),
    ..el(WS_NS, "ExecuteResponse", &[req(WS_NS, "Response", t(WS_NS, "Response"))])
};
/// The abstract base of every CrmService request: one required `OptionalParameters`.
pub static REQUEST: Definition = Definition {
    is_abstract: true,
    service: Some("CrmService"),
    ..ct(
        WS_NS,
        "Request",
        None,
        &[req(WS_NS, "OptionalParameters", t(WS_NS, "ArrayOfOptionalParameter"))],
    )
};
/// `ArrayOfOptionalParameter`: any number of (nillable) `OptionalParameter` entries.
pub static ARRAY_OF_OPTIONAL_PARAMETER: Definition = ct(
    WS_NS,
    "ArrayOfOptionalParameter",
    None,
    &[nillable_entries(WS_NS, "OptionalParameter", t(WS_NS, "OptionalParameter"))],
);
const OPTIONAL_PARAMETER: Option<TypeName> = Some(t(WS_NS, "OptionalParameter"));
const BOOLEAN: TypeName = t(XSD_NS, "boolean");
/// `CallPriorityOptionalParameter`: an `xs:int` `Value`.
pub static CALL_PRIORITY_PARAMETER: Definition =
    ct(WS_NS, "CallPriorityOptionalParameter", OPTIONAL_PARAMETER, &[req(WS_NS, "Value", INT)]);
/// `CreateDuplicatesOptionalParameter`: an `xs:boolean` `Value`.
pub static CREATE_DUPLICATES_PARAMETER: Definition = ct(
    WS_NS,
    "CreateDuplicatesOptionalParameter",
    OPTIONAL_PARAMETER,
    &[req(WS_NS, "Value", BOOLEAN)],
);
/// `ExportIdsOptionalParameter`: an `xs:boolean` `Value`.
pub static EXPORT_IDS_PARAMETER: Definition =
    ct(WS_NS, "ExportIdsOptionalParameter", OPTIONAL_PARAMETER, &[req(WS_NS, "Value", BOOLEAN)]);
/// `OfflineDataOptionalParameter`: optional `Name` and `Value` strings.
pub static OFFLINE_DATA_PARAMETER: Definition = ct(
    WS_NS,
    "OfflineDataOptionalParameter",
    OPTIONAL_PARAMETER,
    &[opt(WS_NS, "Name", STRING), opt(WS_NS, "Value", STRING)],
);
/// `PersistInSyncOptionalParameter`: an `xs:boolean` `Value`.
pub static PERSIST_IN_SYNC_PARAMETER: Definition = ct(
    WS_NS,
    "PersistInSyncOptionalParameter",
    OPTIONAL_PARAMETER,
    &[req(WS_NS, "Value", BOOLEAN)],
);
/// `RegardingObjectIdOptionalParameter`: a GUID `Value`.
pub static REGARDING_OBJECT_ID_PARAMETER: Definition = ct(
    WS_NS,
    "RegardingObjectIdOptionalParameter",
    OPTIONAL_PARAMETER,
    &[req(WS_NS, "Value", GUID)],
);
/// `RequestIdOptionalParameter`: a GUID `Value`.
pub static REQUEST_ID_PARAMETER: Definition =
    ct(WS_NS, "RequestIdOptionalParameter", OPTIONAL_PARAMETER, &[req(WS_NS, "Value", GUID)]);
/// Every concrete `OptionalParameter` type of the WSDL.
pub static OPTIONAL_PARAMETERS: &[&Definition] = &[
    &CALL_PRIORITY_PARAMETER,
    &CREATE_DUPLICATES_PARAMETER,
    &EXPORT_IDS_PARAMETER,
    &OFFLINE_DATA_PARAMETER,
    &PERSIST_IN_SYNC_PARAMETER,
    &REGARDING_OBJECT_ID_PARAMETER,
    &REQUEST_ID_PARAMETER,
];
/// `WhoAmIRequest`: a CrmService `Request` with no elements of its own (PROTOCOL 2.3).
pub static WHO_AM_I_REQUEST: Definition =
    ct(WS_NS, "WhoAmIRequest", Some(t(WS_NS, "Request")), &[]);
/// Not a WSDL type: `WhoAmIRequest` read without its base, for the absent
/// `OptionalParameters` rule of `service::decode_call` (not in [`TABLE`]).
pub static WHO_AM_I_WITHOUT_PARAMETERS: Definition = ct(WS_NS, "WhoAmIRequest", None, &[]);
/// `WhoAmIResponse`: the caller's `UserId`, `BusinessUnitId` and `OrganizationId` GUIDs
/// (PROTOCOL 2.3).
pub static WHO_AM_I_RESPONSE: Definition = ct(
    WS_NS,
    "WhoAmIResponse",
    Some(t(WS_NS, "Response")),
    &[
        req(WS_NS, "UserId", GUID),
        req(WS_NS, "BusinessUnitId", GUID),
        req(WS_NS, "OrganizationId", GUID),
    ],
);
/// CrmService's `Retrieve` body element: `entityName`, `id`, `columnSet` (PROTOCOL 2.3).
pub static RETRIEVE: Definition = el(
    WS_NS,
    "Retrieve",
    &[
        opt(WS_NS, "entityName", STRING),
        req(WS_NS, "id", GUID),
        opt(WS_NS, "columnSet", t(QUERY_NS, "ColumnSetBase")),
    ],
);
/// CrmService's `RetrieveResponse` body element: one `RetrieveResult` (a `BusinessEntity`).
pub static RETRIEVE_RESPONSE: Definition =
    el(WS_NS, "RetrieveResponse", &[req(WS_NS, "RetrieveResult", t(WS2006_NS, "BusinessEntity"))]);
/// The `systemuser` entity, modelled only as far as `fullname` (PROTOCOL 2.3).
pub static SYSTEMUSER: Definition = Definition {
    subset: true,
    ..ct(
        WS_NS,
        "systemuser",
        Some(t(WS2006_NS, "BusinessEntity")),
        &[opt(WS_NS, "fullname", STRING)],
    )
};
/// `ColumnSet` (Query namespace): the named `Attributes` to retrieve.
pub static COLUMN_SET: Definition = ct(
    QUERY_NS,
    "ColumnSet",
    Some(t(QUERY_NS, "ColumnSetBase")),
    &[opt(QUERY_NS, "Attributes", t(QUERY_NS, "ArrayOfString"))],
);
/// `AllColumns`: every attribute (no particles of its own).
pub static ALL_COLUMNS: Definition =
    ct(QUERY_NS, "AllColumns", Some(t(QUERY_NS, "ColumnSetBase")), &[]);
/// Every concrete `ColumnSetBase` type of the WSDL.
pub static COLUMN_SETS: &[&Definition] = &[&ALL_COLUMNS, &COLUMN_SET];
/// `ArrayOfString` (Query namespace): any number of `Attribute` strings.
pub static ARRAY_OF_STRING: Definition =
    ct(QUERY_NS, "ArrayOfString", None, &[p(QUERY_NS, "Attribute", 0, Max::Unbounded, STRING)]);

// --- 2007 CrmDiscoveryService -----------------------------------------------------------
const D_REQ: Option<TypeName> = Some(t(DISCO_NS, "Request"));
const D_RESP: Option<TypeName> = Some(t(DISCO_NS, "Response"));
/// CrmDiscoveryService's `Execute` body element: an optional `Request` (PROTOCOL 2.2).
pub static DISCO_EXECUTE: Definition =
    el(DISCO_NS, "Execute", &[opt(DISCO_NS, "Request", t(DISCO_NS, "Request"))]);
/// CrmDiscoveryService's `ExecuteResponse` body element: an optional `Response`
/// (PROTOCOL 2.2).
pub static DISCO_EXECUTE_RESPONSE: Definition =
    el(DISCO_NS, "ExecuteResponse", &[opt(DISCO_NS, "Response", t(DISCO_NS, "Response"))]);
/// `RetrievePolicyRequest`: no elements of its own (PROTOCOL 2.2).
pub static RETRIEVE_POLICY_REQUEST: Definition = ct(DISCO_NS, "RetrievePolicyRequest", D_REQ, &[]);
/// `RetrievePolicyResponse`: an optional `Policy` string (PROTOCOL 2.2).
pub static RETRIEVE_POLICY_RESPONSE: Definition =
    ct(DISCO_NS, "RetrievePolicyResponse", D_RESP, &[opt(DISCO_NS, "Policy", STRING)]);
/// `RetrieveOrganizationsRequest`: `PassportTicket`, or `UserId` and `Password`
/// (PROTOCOL 2.2).
pub static RETRIEVE_ORGANIZATIONS_REQUEST: Definition = ct(
    DISCO_NS,
    "RetrieveOrganizationsRequest",
    D_REQ,
    &[
        opt(DISCO_NS, "PassportTicket", STRING),
        opt(DISCO_NS, "UserId", STRING),
        opt(DISCO_NS, "Password", STRING),
    ],
);
/// `RetrieveOrganizationsResponse`: an optional `OrganizationDetails` list (PROTOCOL 2.2).
pub static RETRIEVE_ORGANIZATIONS_RESPONSE: Definition = ct(
    DISCO_NS,
    "RetrieveOrganizationsResponse",
    D_RESP,
    &[opt(DISCO_NS, "OrganizationDetails", t(DISCO_NS, "ArrayOfOrganizationDetail"))],
);
/// `ArrayOfOrganizationDetail`: any number of (nillable) `OrganizationDetail` entries.
pub static ARRAY_OF_ORGANIZATION_DETAIL: Definition = ct(
    DISCO_NS,
    "ArrayOfOrganizationDetail",
    None,
    &[nillable_entries(DISCO_NS, "OrganizationDetail", t(DISCO_NS, "OrganizationDetail"))],
);
/// `OrganizationDetail`: `OrganizationId` (required GUID), then optional `OrganizationName`,
/// `FriendlyName`, `CrmMetadataServiceUrl`, `CrmServiceUrl`, `WebApplicationUrl`
/// (PROTOCOL 2.2).
pub static ORGANIZATION_DETAIL: Definition = ct(
    DISCO_NS,
    "OrganizationDetail",
    None,
    &[
        req(DISCO_NS, "OrganizationId", GUID),
        opt(DISCO_NS, "OrganizationName", STRING),
        opt(DISCO_NS, "FriendlyName", STRING),
        opt(DISCO_NS, "CrmMetadataServiceUrl", STRING),
        opt(DISCO_NS, "CrmServiceUrl", STRING),
        opt(DISCO_NS, "WebApplicationUrl", STRING),
    ],
);
/// `RetrieveCrmTicketRequest`: `OrganizationName` and the credentials (`PassportTicket`, or
/// `UserId` and `Password`) (PROTOCOL 2.2).
pub static RETRIEVE_CRM_TICKET_REQUEST: Definition = ct(
    DISCO_NS,
    "RetrieveCrmTicketRequest",
    D_REQ,
    &[
        opt(DISCO_NS, "OrganizationName", STRING),
        opt(DISCO_NS, "PassportTicket", STRING),
        opt(DISCO_NS, "UserId", STRING),
        opt(DISCO_NS, "Password", STRING),
    ],
);
/// `RetrieveCrmTicketResponse`: `CrmTicket`, `OrganizationDetail`, `ExpirationDate` (a
/// string) (PROTOCOL 2.2).
pub static RETRIEVE_CRM_TICKET_RESPONSE: Definition = ct(
    DISCO_NS,
    "RetrieveCrmTicketResponse",
    D_RESP,
    &[
        opt(DISCO_NS, "CrmTicket", STRING),
        opt(DISCO_NS, "OrganizationDetail", t(DISCO_NS, "OrganizationDetail")),
        opt(DISCO_NS, "ExpirationDate", STRING),
    ],
);
/// Modelled as the seed shows (ours: field order ExternalId, PassportTicket, OrganizationName).
pub static RETRIEVE_USER_ID_REQUEST: Definition = Definition {
    online_only: true,
    ..ct(
        DISCO_NS,
        "RetrieveCrmUserIdByExternalIdRequest",
        D_REQ,
        &[
            opt(DISCO_NS, "ExternalId", STRING),
            opt(DISCO_NS, "PassportTicket", STRING),
            opt(DISCO_NS, "OrganizationName", STRING),
        ],
    )
};
/// `RetrieveCrmUserIdByExternalIdResponse`: the required `CrmUserId` GUID (CRM Online only;
/// PROTOCOL 2.2).
pub static RETRIEVE_USER_ID_RESPONSE: Definition = Definition {
    online_only: true,
    ..ct(
        DISCO_NS,
        "RetrieveCrmUserIdByExternalIdResponse",
        D_RESP,
        &[req(DISCO_NS, "CrmUserId", GUID)],
    )
};

/// Every definition of the table.
pub static TABLE: &[&Definition] = &[
    &TOKEN_TYPE,
    &CALLER_ORIGIN_TOKEN_TYPE,
    &CORRELATION_TOKEN_TYPE,
    &APPLICATION_ORIGIN,
    &ASYNC_SERVICE_ORIGIN,
    &WEB_SERVICE_API_ORIGIN,
    &OFFLINE_ORIGIN,
    &TOKEN_ELEMENT,
    &CALLER_ORIGIN_TOKEN_ELEMENT,
    &CORRELATION_TOKEN_ELEMENT,
    &SERVICE_EXECUTE,
    &SERVICE_EXECUTE_RESPONSE,
    &REQUEST,
    &ARRAY_OF_OPTIONAL_PARAMETER,
    &CALL_PRIORITY_PARAMETER,
    &CREATE_DUPLICATES_PARAMETER,
    &EXPORT_IDS_PARAMETER,
    &OFFLINE_DATA_PARAMETER,
    &PERSIST_IN_SYNC_PARAMETER,
    &REGARDING_OBJECT_ID_PARAMETER,
    &REQUEST_ID_PARAMETER,
    &WHO_AM_I_REQUEST,
    &WHO_AM_I_RESPONSE,
    &RETRIEVE,
    &RETRIEVE_RESPONSE,
    &SYSTEMUSER,
    &COLUMN_SET,
    &ALL_COLUMNS,
    &ARRAY_OF_STRING,
    &DISCO_EXECUTE,
    &DISCO_EXECUTE_RESPONSE,
    &RETRIEVE_POLICY_REQUEST,
    &RETRIEVE_POLICY_RESPONSE,
    &RETRIEVE_ORGANIZATIONS_REQUEST,
    &RETRIEVE_ORGANIZATIONS_RESPONSE,
    &ARRAY_OF_ORGANIZATION_DETAIL,
    &ORGANIZATION_DETAIL,
    &RETRIEVE_CRM_TICKET_REQUEST,
    &RETRIEVE_CRM_TICKET_RESPONSE,
    &RETRIEVE_USER_ID_REQUEST,
    &RETRIEVE_USER_ID_RESPONSE,
];

impl Definition {
    /// The particle named `name`, base types included. Encoders only ask for names of the
    /// table.
    pub fn particle(&self, name: &str) -> Option<&'static Particle> {
        effective_particles(self, TABLE).into_iter().find(|p| p.name == name)
    }
    /// `{ns}name` for messages.
    pub fn qualified(&self) -> String {
        format!("{{{}}}{}", self.ns, self.name)
    }
}
