//! Snapshots of what the codecs write and what `crmauth decode` prints, in the top-level
//! `snapshots/` directory: encoded envelopes (one tag per line: a newline is put between
//! adjacent tags, the wire form has none) and the decode JSON of every golden vector
//! (tickets redacted, as `crmauth decode` prints by default).
//!
//! CI runs with `INSTA_UPDATE=no CI=true`: a changed or missing snapshot fails. To record
//! a change: `INSTA_UPDATE=always cargo test -p crmauth --test snapshots_codec`, then read
//! every changed `.snap` before committing.

use crmauth::check::codec::{vector_inputs, vector_json, VECTOR_DIRS};
use crmauth::codec::discovery::{
    self, Credentials, DiscoveryRequest, DiscoveryResponse, OrganizationDetail,
};
use crmauth::codec::fault::{encode_fault, ErrorCode};
use crmauth::codec::service::{self, ServiceRequest, ServiceResponse};
use crmauth::codec::token::{
    self, AuthenticationType, CallerOrigin, CallerOriginToken, CorrelationToken,
    CrmAuthenticationToken, CrmHeaders,
};
use crmauth::codec::{Secret, SoapVersion, Ticket};
use std::path::PathBuf;
use uuid::Uuid;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// One tag per line, for reviewable diffs.
fn lines(xml: &str) -> String {
    xml.replace("><", ">\n<")
}

const CALLER: Uuid = Uuid::from_u128(0xa11c_e000_0000_4000_8000_0000_0000_0001);
const ORG: Uuid = Uuid::from_u128(0xc0de_0000_0000_4000_8000_0000_0000_00c0);

fn token() -> CrmAuthenticationToken {
    CrmAuthenticationToken {
        authentication_type: AuthenticationType::Passport,
        crm_ticket: Some(Ticket::new("FAKE-CRM-TICKET-0123456789")),
        organization_name: Some("Contoso".into()),
        caller_id: CALLER,
    }
}

fn token_only() -> CrmHeaders {
    CrmHeaders { token: Some(token()), ..CrmHeaders::default() }
}

fn organization() -> OrganizationDetail {
    OrganizationDetail {
        organization_id: ORG,
        organization_name: Some("contoso".into()),
        friendly_name: Some("Contoso Ltd".into()),
        crm_metadata_service_url: Some(
            "https://contoso.crm.dynamics.com/MSCRMServices/2007/MetadataService.asmx".into(),
        ),
        crm_service_url: Some(
            "https://contoso.crm.dynamics.com/MSCRMServices/2007/CrmService.asmx".into(),
        ),
        web_application_url: Some("https://contoso.crm.dynamics.com/".into()),
    }
}

fn passport() -> Credentials {
    Credentials::Passport { passport_ticket: Ticket::new("FAKE-PASSPORT-TICKET-abcdef") }
}

#[test]
fn encoded_envelopes() {
    let all_headers = CrmHeaders {
        token: Some(token()),
        caller_origin: Some(CallerOriginToken {
            caller_origin: Some(CallerOrigin::ApplicationOrigin),
        }),
        correlation: Some(CorrelationToken {
            correlation_id: Uuid::from_u128(7),
            correlation_updated_time: Some("2009-01-01T00:00:00Z".into()),
            depth: 1,
        }),
    };
    let mut envelopes: Vec<(String, String)> = Vec::new();
    for (v, name) in [(SoapVersion::V11, "soap11"), (SoapVersion::V12, "soap12")] {
        envelopes.push((
            format!("token_envelope_{name}"),
            token::encode_envelope(&all_headers, v, &token::crm_prefixes(v), vec![]),
        ));
        envelopes.push((
            format!("fault_{name}"),
            encode_fault(v, ErrorCode::EXPIRED_TICKET, "The ticket has expired."),
        ));
    }
    let v = SoapVersion::V11;
    let requests = [
        ("retrieve_policy", DiscoveryRequest::RetrievePolicy),
        (
            "retrieve_organizations",
            DiscoveryRequest::RetrieveOrganizations { credentials: passport() },
        ),
        (
            "retrieve_crm_ticket",
            DiscoveryRequest::RetrieveCrmTicket {
                organization_name: "contoso".into(),
                credentials: Credentials::UserPassword {
                    user_id: "alice@contoso.example".into(),
                    password: Secret::new("fake-password"),
                },
            },
        ),
        (
            "retrieve_crm_user_id",
            DiscoveryRequest::RetrieveCrmUserIdByExternalId {
                external_id: "0003BFFD9E7A0C52".into(),
                passport_ticket: Ticket::new("FAKE-PASSPORT-TICKET-abcdef"),
                organization_name: "contoso".into(),
            },
        ),
    ];
    for (name, r) in requests {
        envelopes.push((
            format!("discovery_{name}_request"),
            discovery::encode_request(&r, v, &discovery::prefixes(v)),
        ));
    }
    let responses = [
        ("retrieve_policy", DiscoveryResponse::RetrievePolicy { policy: Some("MBI_SSL".into()) }),
        (
            "retrieve_organizations",
            DiscoveryResponse::RetrieveOrganizations {
                organization_details: vec![
                    organization(),
                    OrganizationDetail {
                        organization_id: Uuid::from_u128(0xfab),
                        organization_name: Some("fabrikam".into()),
                        friendly_name: Some("Fabrikam".into()),
                        crm_metadata_service_url: None,
                        crm_service_url: None,
                        web_application_url: None,
                    },
                ],
            },
        ),
        (
            "retrieve_crm_ticket",
            DiscoveryResponse::RetrieveCrmTicket {
                crm_ticket: Some(Ticket::new("FAKE-CRM-TICKET-0123456789")),
                organization_detail: Some(organization()),
                expiration_date: Some("2009-01-01T12:00:00Z".into()),
            },
        ),
        (
            "retrieve_crm_user_id",
            DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id: CALLER },
        ),
    ];
    for (name, r) in responses {
        envelopes.push((
            format!("discovery_{name}_response"),
            discovery::encode_response(&r, v, &discovery::prefixes(v)),
        ));
    }
    let retrieve = ServiceRequest::Retrieve {
        entity_name: "systemuser".into(),
        id: CALLER,
        columns: vec!["fullname".into()],
    };
    for (name, r) in [("whoami", ServiceRequest::WhoAmI), ("retrieve", retrieve)] {
        envelopes.push((
            format!("service_{name}_request"),
            service::encode_request(&r, &token_only(), v, &service::prefixes(v)),
        ));
    }
    let responses = [
        (
            "whoami",
            ServiceResponse::WhoAmI {
                user_id: CALLER,
                business_unit_id: Uuid::from_u128(0xb0),
                organization_id: ORG,
            },
        ),
        (
            "retrieve",
            ServiceResponse::RetrieveSystemUser { fullname: Some("Alice Example".into()) },
        ),
    ];
    for (name, r) in responses {
        envelopes.push((
            format!("service_{name}_response"),
            service::encode_response(&r, v, &service::prefixes(v)),
        ));
    }
    settings().bind(|| {
        for (name, xml) in &envelopes {
            insta::assert_snapshot!(name.as_str(), lines(xml));
        }
    });
}

#[test]
fn decode_json_of_every_golden_vector() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let mut n = 0;
    settings().bind(|| {
        for d in VECTOR_DIRS {
            for input in
                vector_inputs(&corpus.join("vectors").join(d.dir)).expect("vector directory")
            {
                let stem = input.file_stem().unwrap().to_string_lossy().into_owned();
                let bytes = std::fs::read(&input).expect("readable vector");
                let name = format!("vec_{}_{stem}", d.dir);
                insta::assert_json_snapshot!(name.as_str(), vector_json(d.kind, &bytes, false));
                n += 1;
            }
        }
    });
    assert!(n >= 30, "only {n} vectors");
}
