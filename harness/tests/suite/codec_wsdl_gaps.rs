//! `wsdl-check` reports each of issue 13's four gaps when it is planted in a copy of the
//! schema table: `OptionalParameters` (inheritance from the abstract `Request`),
//! `AllColumns` (a derived type of `ColumnSetBase`), credential-less discovery (occurrence
//! bounds) and nil entries (`nillable`). The WSDL below is written here in the shape of
//! the real ones (same names, namespaces, derivations), not copied from them.

use crmauth::check::wsdl_diff::{check_documents_against, DifferenceKind};
use crmauth::codec::schema::{self, Definition, Particle, TABLE};

const CRM: &str = r#"<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:g="http://microsoft.com/wsdl/types/" xmlns:q="http://schemas.microsoft.com/crm/2006/Query" xmlns:tns="http://schemas.microsoft.com/crm/2007/WebServices" targetNamespace="http://schemas.microsoft.com/crm/2007/WebServices">
 <wsdl:types>
  <s:schema elementFormDefault="qualified" targetNamespace="http://schemas.microsoft.com/crm/2006/Query">
   <s:complexType name="ColumnSetBase" abstract="true"/>
   <s:complexType name="AllColumns"><s:complexContent mixed="false"><s:extension base="q:ColumnSetBase"/></s:complexContent></s:complexType>
   <s:complexType name="ColumnSet"><s:complexContent mixed="false"><s:extension base="q:ColumnSetBase"><s:sequence>
     <s:element minOccurs="0" maxOccurs="1" name="Attributes" type="q:ArrayOfString"/>
   </s:sequence></s:extension></s:complexContent></s:complexType>
   <s:complexType name="ArrayOfString"><s:sequence><s:element minOccurs="0" maxOccurs="unbounded" name="Attribute" type="s:string"/></s:sequence></s:complexType>
  </s:schema>
  <s:schema elementFormDefault="qualified" targetNamespace="http://schemas.microsoft.com/crm/2007/WebServices">
   <s:element name="Retrieve"><s:complexType><s:sequence>
     <s:element minOccurs="0" maxOccurs="1" name="entityName" type="s:string"/>
     <s:element minOccurs="1" maxOccurs="1" name="id" type="g:guid"/>
     <s:element minOccurs="0" maxOccurs="1" name="columnSet" type="q:ColumnSetBase"/>
   </s:sequence></s:complexType></s:element>
   <s:complexType name="Request" abstract="true"><s:sequence>
     <s:element name="OptionalParameters" type="tns:ArrayOfOptionalParameter"/>
   </s:sequence></s:complexType>
   <s:complexType name="WhoAmIRequest"><s:complexContent mixed="false"><s:extension base="tns:Request"/></s:complexContent></s:complexType>
   <s:complexType name="ArrayOfOptionalParameter"><s:sequence>
     <s:element minOccurs="0" maxOccurs="unbounded" name="OptionalParameter" nillable="true" type="tns:OptionalParameter"/>
   </s:sequence></s:complexType>
   <s:complexType name="OptionalParameter" abstract="true"/>
   <s:complexType name="RequestIdOptionalParameter"><s:complexContent mixed="false"><s:extension base="tns:OptionalParameter"><s:sequence>
     <s:element minOccurs="1" maxOccurs="1" name="Value" type="g:guid"/>
   </s:sequence></s:extension></s:complexContent></s:complexType>
  </s:schema>
 </wsdl:types>
 <wsdl:service name="CrmService"/>
</wsdl:definitions>"#;

const DISCO: &str = r#"<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:g="http://microsoft.com/wsdl/types/" xmlns:tns="http://schemas.microsoft.com/crm/2007/CrmDiscoveryService" targetNamespace="http://schemas.microsoft.com/crm/2007/CrmDiscoveryService">
 <wsdl:types>
  <s:schema elementFormDefault="qualified" targetNamespace="http://schemas.microsoft.com/crm/2007/CrmDiscoveryService">
   <s:complexType name="Request" abstract="true"/>
   <s:complexType name="Response" abstract="true"/>
   <s:complexType name="RetrieveOrganizationsRequest"><s:complexContent mixed="false"><s:extension base="tns:Request"><s:sequence>
     <s:element minOccurs="0" maxOccurs="1" name="PassportTicket" type="s:string"/>
     <s:element minOccurs="0" maxOccurs="1" name="UserId" type="s:string"/>
     <s:element minOccurs="0" maxOccurs="1" name="Password" type="s:string"/>
   </s:sequence></s:extension></s:complexContent></s:complexType>
   <s:complexType name="ArrayOfOrganizationDetail"><s:sequence>
     <s:element minOccurs="0" maxOccurs="unbounded" name="OrganizationDetail" nillable="true" type="tns:OrganizationDetail"/>
   </s:sequence></s:complexType>
  </s:schema>
 </wsdl:types>
 <wsdl:service name="CrmDiscoveryService"/>
</wsdl:definitions>"#;

/// The differences reported for `definition` (by local name; `Missing` ones aside: the
/// WSDL above holds only the definitions the gaps touch).
fn differences(table: &[&Definition], definition: &str) -> Vec<DifferenceKind> {
    let docs: [(&str, &[u8]); 2] = [("crm.wsdl", CRM.as_bytes()), ("disco.wsdl", DISCO.as_bytes())];
    let r = check_documents_against(table, &docs).unwrap();
    r.differences
        .into_iter()
        .filter(|d| d.definition.ends_with(&format!("}}{definition}")))
        .filter(|d| d.difference != DifferenceKind::Missing)
        .map(|d| d.difference)
        .collect()
}

fn without(gone: &Definition) -> Vec<&'static Definition> {
    TABLE.iter().copied().filter(|d| !std::ptr::eq(*d, gone)).collect()
}

fn replaced(old: &'static Definition, new: Definition) -> Vec<&'static Definition> {
    let new: &'static Definition = Box::leak(Box::new(new));
    TABLE.iter().map(|d| if std::ptr::eq(*d, old) { new } else { *d }).collect()
}

fn particles_with(def: &Definition, name: &str, f: impl Fn(&mut Particle)) -> &'static [Particle] {
    let mut ps = def.particles.to_vec();
    ps.iter_mut().filter(|p| p.name == name).for_each(f);
    Box::leak(ps.into_boxed_slice())
}

const TOUCHED: [&str; 5] = [
    "WhoAmIRequest",
    "Retrieve",
    "ArrayOfOptionalParameter",
    "RetrieveOrganizationsRequest",
    "ArrayOfOrganizationDetail",
];

#[test]
fn the_real_table_has_none_of_the_gaps() {
    for name in TOUCHED {
        assert_eq!(differences(TABLE, name), vec![], "{name}");
    }
}

#[test]
fn gap_optional_parameters_not_inherited_is_reported() {
    // The table before issue 13: WhoAmIRequest extends Request, which it did not define.
    let table = without(&schema::REQUEST);
    assert_eq!(
        differences(&table, "WhoAmIRequest"),
        vec![DifferenceKind::ExtraParticle { particle: "OptionalParameters".into() }]
    );
}

#[test]
fn gap_all_columns_missing_is_reported() {
    let table = without(&schema::ALL_COLUMNS);
    assert_eq!(
        differences(&table, "Retrieve"),
        vec![DifferenceKind::MissingDerivedType {
            particle: "columnSet".into(),
            base: "{http://schemas.microsoft.com/crm/2006/Query}ColumnSetBase".into(),
            derived: "{http://schemas.microsoft.com/crm/2006/Query}AllColumns".into(),
        }]
    );
    // Likewise an OptionalParameter type the table leaves out.
    let table = without(&schema::REQUEST_ID_PARAMETER);
    assert!(matches!(
        &differences(&table, "ArrayOfOptionalParameter")[..],
        [DifferenceKind::MissingDerivedType { derived, .. }] if derived.ends_with("}RequestIdOptionalParameter")
    ));
}

#[test]
fn gap_credentials_required_is_reported() {
    let def = &schema::RETRIEVE_ORGANIZATIONS_REQUEST;
    let table = replaced(
        def,
        Definition { particles: particles_with(def, "PassportTicket", |p| p.min = 1), ..*def },
    );
    assert_eq!(
        differences(&table, "RetrieveOrganizationsRequest"),
        vec![DifferenceKind::WrongCardinality {
            particle: "PassportTicket".into(),
            expected: "1..1".into(),
            found: "0..1".into(),
        }]
    );
}

#[test]
fn gap_nil_entries_not_nillable_is_reported() {
    let def = &schema::ARRAY_OF_ORGANIZATION_DETAIL;
    let table = replaced(
        def,
        Definition {
            particles: particles_with(def, "OrganizationDetail", |p| p.nillable = false),
            ..*def
        },
    );
    assert_eq!(
        differences(&table, "ArrayOfOrganizationDetail"),
        vec![DifferenceKind::WrongNillable {
            particle: Some("OrganizationDetail".into()),
            expected: false,
            found: true,
        }]
    );
}
