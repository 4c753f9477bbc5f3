//! Every request form the WSDLs allow for the implemented operations (issue 13), through
//! the codecs and through the mock server: `OptionalParameters` (each type, a nil entry,
//! absent), both `ColumnSetBase` types, credential-less AD discovery, nil
//! `OrganizationDetail` entries, and request types we do not implement.

use crmauth::codec::discovery::{self, Credentials, DiscoveryRequest, OrganizationDetail};
use crmauth::codec::fault::{read_fault, ErrorCode};
use crmauth::codec::service::{
    self, ColumnSetBase, OptionalParameter, ServiceCall, ServiceRequest, ServiceResponse,
};
use crmauth::codec::soap::{SoapVersion, SOAP11_NS};
use crmauth::codec::token::{AuthenticationType, CrmAuthenticationToken, CrmHeaders};
use crmauth::codec::DecodeErrorKind;
use crmauth::pipeline::{xml, Strategy};
use crmauth::server::{self, defaults, RunningServer, ServerConfig};
use uuid::Uuid;

const WS: &str = "http://schemas.microsoft.com/crm/2007/WebServices";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn every_parameter() -> Vec<OptionalParameter> {
    vec![
        OptionalParameter::CallPriority(-3),
        OptionalParameter::CreateDuplicates(true),
        OptionalParameter::ExportIds(false),
        OptionalParameter::OfflineData { name: Some("n".into()), value: None },
        OptionalParameter::PersistInSync(true),
        OptionalParameter::RegardingObjectId(Uuid::from_u128(7)),
        OptionalParameter::RequestId(Uuid::from_u128(8)),
        OptionalParameter::Nil,
    ]
}

#[test]
fn service_calls_round_trip_in_every_form() {
    let calls = [
        ServiceCall::WhoAmI { optional_parameters: vec![] },
        ServiceCall::WhoAmI { optional_parameters: every_parameter() },
        ServiceCall::Retrieve {
            entity_name: Some("systemuser".into()),
            id: Uuid::from_u128(1),
            column_set: Some(ColumnSetBase::AllColumns),
        },
        ServiceCall::Retrieve {
            entity_name: Some("systemuser".into()),
            id: Uuid::from_u128(1),
            column_set: Some(ColumnSetBase::ColumnSet(vec!["fullname".into()])),
        },
        ServiceCall::Retrieve { entity_name: None, id: Uuid::from_u128(2), column_set: None },
    ];
    for v in SoapVersion::ALL {
        for c in &calls {
            let x = service::encode_call(c, &CrmHeaders::default(), v, &service::prefixes(v));
            assert_eq!(&service::decode_call(x.as_bytes()).unwrap().1, c, "{x}");
        }
    }
}

fn whoami_body(request_children: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="{SOAP11_NS}" xmlns:i="{XSI}"><s:Body><Execute xmlns="{WS}"><Request i:type="WhoAmIRequest">{request_children}</Request></Execute></s:Body></s:Envelope>"#
    )
}

#[test]
fn optional_parameters_may_be_absent_empty_or_full_but_not_unknown() {
    for ok in ["", "<OptionalParameters/>", "<OptionalParameters i:nil=\"true\"/>"] {
        let (_, call) = service::decode_call(whoami_body(ok).as_bytes()).unwrap();
        assert_eq!(call, ServiceCall::WhoAmI { optional_parameters: vec![] }, "{ok}");
        assert_eq!(
            service::decode_request(whoami_body(ok).as_bytes()).unwrap().1,
            ServiceRequest::WhoAmI
        );
    }
    let nil_entry = "<OptionalParameters><OptionalParameter i:nil=\"true\"/></OptionalParameters>";
    assert_eq!(
        service::decode_call(whoami_body(nil_entry).as_bytes()).unwrap().1,
        ServiceCall::WhoAmI { optional_parameters: vec![OptionalParameter::Nil] }
    );
    for bad in [
        // Not a WSDL OptionalParameter type.
        "<OptionalParameters><OptionalParameter i:type=\"MadeUpOptionalParameter\"><Value>1</Value></OptionalParameter></OptionalParameters>",
        // A typed entry without its required Value.
        "<OptionalParameters><OptionalParameter i:type=\"CallPriorityOptionalParameter\"/></OptionalParameters>",
        "<OptionalParameters><OptionalParameter i:type=\"CreateDuplicatesOptionalParameter\"><Value>maybe</Value></OptionalParameter></OptionalParameters>",
        "<Other/>",
        "<OptionalParameters/><OptionalParameters/>",
    ] {
        assert!(service::decode_call(whoami_body(bad).as_bytes()).is_err(), "{bad}");
    }
}

#[test]
fn all_columns_has_no_flow_form() {
    let c = ServiceCall::Retrieve {
        entity_name: Some("systemuser".into()),
        id: Uuid::nil(),
        column_set: Some(ColumnSetBase::AllColumns),
    };
    let v = SoapVersion::V12;
    let x = service::encode_call(&c, &CrmHeaders::default(), v, &service::prefixes(v));
    let e = service::decode_request(x.as_bytes()).unwrap_err();
    assert!(matches!(e.kind, DecodeErrorKind::BadValue { ref value, .. } if value == "AllColumns"));
}

#[test]
fn nil_organization_entries_are_kept_by_the_lossless_reader() {
    let org = OrganizationDetail {
        organization_id: Uuid::from_u128(3),
        organization_name: Some("Contoso".into()),
        friendly_name: Some("Contoso Ltd".into()),
        crm_metadata_service_url: None,
        crm_service_url: None,
        web_application_url: None,
    };
    let entries = vec![None, Some(org.clone()), None];
    for v in SoapVersion::ALL {
        let x = discovery::encode_organization_entries(&entries, v, &discovery::prefixes(v));
        assert_eq!(discovery::decode_organization_entries(x.as_bytes()).unwrap(), entries);
        // The client's view: the nil entries name no organization.
        assert_eq!(
            discovery::decode_response(x.as_bytes()).unwrap(),
            discovery::DiscoveryResponse::RetrieveOrganizations {
                organization_details: vec![org.clone()]
            }
        );
    }
}

// --- through the mock ----------------------------------------------------------------

async fn post(
    s: &RunningServer,
    path: &str,
    body: String,
    identity: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut r = reqwest::Client::new()
        .post(format!("{}{path}", s.base_url()))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body);
    if let Some(i) = identity {
        r = r.header("X-Crmauth-Windows-Identity", i);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

async fn onpremise() -> RunningServer {
    let pipeline = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/pipelines/onpremise.crmauthentication.xml"
    ))
    .unwrap();
    let mut c = ServerConfig::passport_default().unwrap();
    c.deployment.strategy = Strategy::OnPremise;
    c.deployment.authentication = xml::parse(&pipeline).unwrap();
    server::start(c).await.unwrap()
}

const AD_DISCOVERY: &str = "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx";
const CRM: &str = "/MSCRMServices/2007/CrmService.asmx";

fn ad_headers() -> CrmHeaders {
    CrmHeaders {
        token: Some(CrmAuthenticationToken {
            authentication_type: AuthenticationType::Ad,
            crm_ticket: None,
            organization_name: Some(defaults::ORGANIZATION.into()),
            caller_id: Uuid::nil(),
        }),
        ..CrmHeaders::default()
    }
}

fn fault_code(body: &[u8]) -> Option<ErrorCode> {
    read_fault(body).unwrap().code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_accepts_every_allowed_form() {
    let s = onpremise().await;
    let v = SoapVersion::V11;
    let p = service::prefixes(v);
    let windows = Some("CONTOSO\\isvservice");

    // Credential-less AD discovery, authenticated by the Windows identity.
    let req = DiscoveryRequest::RetrieveOrganizations { credentials: Credentials::Windows };
    let body = discovery::encode_request(&req, v, &discovery::prefixes(v));
    let (status, reply) = post(&s, AD_DISCOVERY, body.clone(), windows).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let discovery::DiscoveryResponse::RetrieveOrganizations { organization_details } =
        discovery::decode_response(&reply).unwrap()
    else {
        panic!("not RetrieveOrganizations")
    };
    let names: Vec<_> = organization_details.iter().map(|o| o.organization_name.clone()).collect();
    assert_eq!(names, vec![Some(defaults::ORGANIZATION.to_owned())]);
    // Without a Windows identity nothing authenticates it: 401, never 0x80040203.
    assert_eq!(post(&s, AD_DISCOVERY, body, None).await.0, 401);
    // A mix of credentials the WSDL allows but that names nobody: 80040204.
    let mixed = DiscoveryRequest::RetrieveOrganizations {
        credentials: Credentials::Mixed {
            passport_ticket: None,
            user_id: Some("u".into()),
            password: None,
        },
    };
    let (status, reply) = post(
        &s,
        AD_DISCOVERY,
        discovery::encode_request(&mixed, v, &discovery::prefixes(v)),
        windows,
    )
    .await;
    assert_eq!((status, fault_code(&reply)), (500, Some(ErrorCode(0x8004_0204))));

    // WhoAmI with every OptionalParameter type and a nil entry.
    let call = ServiceCall::WhoAmI { optional_parameters: every_parameter() };
    let (status, reply) =
        post(&s, CRM, service::encode_call(&call, &ad_headers(), v, &p), windows).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    assert!(matches!(
        service::decode_response(&reply).unwrap(),
        ServiceResponse::WhoAmI { user_id, .. } if user_id == defaults::SERVICE_ACCOUNT_ID
    ));

    // Retrieve: AllColumns and a ColumnSet naming fullname return it; one without, not.
    for (cs, want) in [
        (ColumnSetBase::AllColumns, Some(defaults::SERVICE_ACCOUNT_NAME.to_owned())),
        (
            ColumnSetBase::ColumnSet(vec!["fullname".into()]),
            Some(defaults::SERVICE_ACCOUNT_NAME.to_owned()),
        ),
        (ColumnSetBase::ColumnSet(vec!["domainname".into()]), None),
    ] {
        let call = ServiceCall::Retrieve {
            entity_name: Some("systemuser".into()),
            id: defaults::SERVICE_ACCOUNT_ID,
            column_set: Some(cs),
        };
        let (status, reply) =
            post(&s, CRM, service::encode_call(&call, &ad_headers(), v, &p), windows).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
        assert_eq!(
            service::decode_response(&reply).unwrap(),
            ServiceResponse::RetrieveSystemUser { fullname: want }
        );
    }

    // A request type the WSDL has but the mock does not implement: 0x80040216, and a type
    // in no WSDL namespace: 0x80040203.
    let other = service::encode_call(
        &ServiceCall::WhoAmI { optional_parameters: vec![] },
        &ad_headers(),
        v,
        &p,
    );
    let unimplemented = other.replace(":WhoAmIRequest\"", ":RetrieveVersionRequest\"");
    assert_ne!(unimplemented, other);
    let (status, reply) = post(&s, CRM, unimplemented, windows).await;
    assert_eq!((status, fault_code(&reply)), (500, Some(ErrorCode(0x8004_0216))));
    let disco_other =
        discovery::encode_request(&DiscoveryRequest::RetrievePolicy, v, &discovery::prefixes(v))
            .replace(":RetrievePolicyRequest\"", ":RetrieveClientPatchesRequest\"");
    let (status, reply) = post(&s, AD_DISCOVERY, disco_other, windows).await;
    assert_eq!((status, fault_code(&reply)), (500, Some(ErrorCode(0x8004_0216))));
    s.shutdown().await.unwrap();
}
