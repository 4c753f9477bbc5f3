//! Property tests for the codecs, named by PROTOCOL section 3 invariant IDs.

use crmauth::codec::discovery::{
    self, Credentials, DiscoveryRequest, DiscoveryResponse, OrganizationDetail,
};
use crmauth::codec::fault::{self, ErrorCode};
use crmauth::codec::ns::{CORE_NS, DISCO_NS, QUERY_NS, WS_NS};
use crmauth::codec::service::{self, ServiceRequest, ServiceResponse};
use crmauth::codec::token::{
    self, AuthenticationType, CallerOrigin, CallerOriginToken, CorrelationToken,
    CrmAuthenticationToken, CrmHeaders,
};
use crmauth::codec::xml::{Prefixes, XSD_NS, XSI_NS};
use crmauth::codec::{cookie, rps, soap, DecodeError, Secret, SoapVersion, Ticket};
use proptest::prelude::*;
use uuid::Uuid;

fn cfg() -> ProptestConfig {
    ProptestConfig { cases: 256, ..ProptestConfig::default() }
}

fn version() -> impl Strategy<Value = SoapVersion> {
    prop_oneof![Just(SoapVersion::V11), Just(SoapVersion::V12)]
}

/// Distinct arbitrary prefixes for every namespace; optionally one element namespace is
/// the default namespace.
fn prefixes() -> impl Strategy<Value = (SoapVersion, Prefixes)> {
    (
        version(),
        prop::collection::btree_set("[a-wyz_][a-z0-9._-]{0,4}", 7),
        prop::option::of(0usize..6),
    )
        .prop_map(|(v, names, default)| {
            let names: Vec<String> = names.into_iter().collect();
            let nss = [v.namespace(), WS_NS, CORE_NS, DISCO_NS, QUERY_NS, XSD_NS, XSI_NS];
            let bindings: Vec<(&str, &str)> = nss
                .iter()
                .zip(names.iter())
                .enumerate()
                .map(|(i, (ns, p))| (*ns, if Some(i) == default { "" } else { p.as_str() }))
                .collect();
            (v, Prefixes::new(&bindings).expect("valid prefixes"))
        })
}

fn text() -> impl Strategy<Value = String> {
    "[\\t\\n\\r -~\u{e9}\u{4e2d}\u{1f600}]{0,24}"
}

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn token_strategy() -> impl Strategy<Value = CrmAuthenticationToken> {
    (0i64..3, prop::option::of(text()), prop::option::of(text()), uuid()).prop_map(
        |(a, t, o, c)| CrmAuthenticationToken {
            authentication_type: AuthenticationType::from_code(a).unwrap_or(AuthenticationType::Ad),
            crm_ticket: t.map(Ticket::new),
            organization_name: o,
            caller_id: c,
        },
    )
}

fn headers_strategy() -> impl Strategy<Value = CrmHeaders> {
    let origin = prop_oneof![
        Just(CallerOrigin::ApplicationOrigin),
        Just(CallerOrigin::AsyncServiceOrigin),
        Just(CallerOrigin::WebServiceApiOrigin),
        prop::option::of(text()).prop_map(|t| CallerOrigin::OfflineOrigin { offline_timestamp: t }),
    ];
    (
        prop::option::of(token_strategy()),
        prop::option::of(
            prop::option::of(origin).prop_map(|o| CallerOriginToken { caller_origin: o }),
        ),
        prop::option::of((uuid(), prop::option::of(text()), any::<i32>()).prop_map(|(i, t, d)| {
            CorrelationToken { correlation_id: i, correlation_updated_time: t, depth: d }
        })),
    )
        .prop_map(|(token, caller_origin, correlation)| CrmHeaders {
            token,
            caller_origin,
            correlation,
        })
}

fn credentials() -> impl Strategy<Value = Credentials> {
    prop_oneof![
        text().prop_map(|t| Credentials::Passport { passport_ticket: Ticket::new(t) }),
        (text(), text())
            .prop_map(|(u, p)| Credentials::UserPassword { user_id: u, password: Secret::new(p) }),
    ]
}

fn org() -> impl Strategy<Value = OrganizationDetail> {
    (uuid(), prop::collection::vec(prop::option::of(text()), 5)).prop_map(|(id, f)| {
        OrganizationDetail {
            organization_id: id,
            organization_name: f[0].clone(),
            friendly_name: f[1].clone(),
            crm_metadata_service_url: f[2].clone(),
            crm_service_url: f[3].clone(),
            web_application_url: f[4].clone(),
        }
    })
}

fn disco_request() -> impl Strategy<Value = DiscoveryRequest> {
    prop_oneof![
        Just(DiscoveryRequest::RetrievePolicy),
        credentials().prop_map(|c| DiscoveryRequest::RetrieveOrganizations { credentials: c }),
        (text(), credentials()).prop_map(|(o, c)| DiscoveryRequest::RetrieveCrmTicket {
            organization_name: o,
            credentials: c
        }),
        (text(), text(), text()).prop_map(|(e, t, o)| {
            DiscoveryRequest::RetrieveCrmUserIdByExternalId {
                external_id: e,
                passport_ticket: Ticket::new(t),
                organization_name: o,
            }
        }),
    ]
}

fn disco_response() -> impl Strategy<Value = DiscoveryResponse> {
    prop_oneof![
        prop::option::of(text()).prop_map(|p| DiscoveryResponse::RetrievePolicy { policy: p }),
        prop::collection::vec(org(), 0..3)
            .prop_map(|o| DiscoveryResponse::RetrieveOrganizations { organization_details: o }),
        (prop::option::of(text()), prop::option::of(org()), prop::option::of(text())).prop_map(
            |(t, o, e)| {
                DiscoveryResponse::RetrieveCrmTicket {
                    crm_ticket: t.map(Ticket::new),
                    organization_detail: o,
                    expiration_date: e,
                }
            }
        ),
        uuid().prop_map(|u| DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id: u }),
    ]
}

fn service_request() -> impl Strategy<Value = ServiceRequest> {
    prop_oneof![
        Just(ServiceRequest::WhoAmI),
        (text(), uuid(), prop::collection::vec(text(), 0..3))
            .prop_map(|(e, id, c)| { ServiceRequest::Retrieve { entity_name: e, id, columns: c } }),
    ]
}

fn service_response() -> impl Strategy<Value = ServiceResponse> {
    prop_oneof![
        (uuid(), uuid(), uuid()).prop_map(|(a, b, c)| ServiceResponse::WhoAmI {
            user_id: a,
            business_unit_id: b,
            organization_id: c
        }),
        prop::option::of(text()).prop_map(|f| ServiceResponse::RetrieveSystemUser { fullname: f }),
    ]
}

fn check_total<T>(input: &[u8], r: Result<T, DecodeError>) -> Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert!(
            e.offset <= input.len() as u64 + 1,
            "offset {} beyond input of {}",
            e.offset,
            input.len()
        );
    }
    Ok(())
}

fn every_decoder(input: &[u8]) -> Result<(), TestCaseError> {
    check_total(input, token::decode_token_from_envelope(input))?;
    check_total(input, token::decode_headers(input))?;
    check_total(input, soap::parse_envelope(input))?;
    check_total(input, fault::read_fault(input))?;
    check_total(input, fault::seed_error_code(input))?;
    check_total(input, discovery::decode_message(input))?;
    check_total(input, service::decode_request(input))?;
    check_total(input, service::decode_response(input))?;
    check_total(input, rps::RpsInput::from_json(input))?;
    let s = String::from_utf8_lossy(input);
    check_total(s.as_bytes(), cookie::parse_cookie_header(&s))?;
    check_total(s.as_bytes(), cookie::parse_session(&s))?;
    let _ = cookie::cookie_exist(&s);
    Ok(())
}

proptest! {
    #![proptest_config(cfg())]

    /// TOKEN-ROUNDTRIP: every CRM header, SOAP 1.1/1.2, arbitrary prefixes.
    #[test]
    fn token_roundtrip_headers((v, p) in prefixes(), h in headers_strategy(), req in service_request()) {
        let xml = service::encode_request(&req, &h, v, &p);
        prop_assert_eq!(token::decode_headers(xml.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?, h.clone());
        prop_assert_eq!(token::decode_token_from_envelope(xml.as_bytes()).ok().flatten(), h.token);
        prop_assert_eq!(service::decode_request(xml.as_bytes()).ok().map(|r| r.1), Some(req));
    }

    /// TOKEN-ROUNDTRIP: the simple token envelope function.
    #[test]
    fn token_roundtrip_simple(v in version(), t in token_strategy()) {
        let xml = token::encode_envelope_with_token(&t, v, "<x xmlns=\"urn:x\">body</x>");
        prop_assert_eq!(token::decode_token_from_envelope(xml.as_bytes()).ok().flatten(), Some(t));
    }

    /// TOKEN-ROUNDTRIP: discovery requests and responses.
    #[test]
    fn token_roundtrip_discovery((v, p) in prefixes(), rq in disco_request(), rs in disco_response()) {
        let a = discovery::encode_request(&rq, v, &p);
        prop_assert_eq!(discovery::decode_request(a.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{a}")))?, rq);
        let b = discovery::encode_response(&rs, v, &p);
        prop_assert_eq!(discovery::decode_response(b.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{b}")))?, rs);
    }

    /// TOKEN-ROUNDTRIP: CrmService responses.
    #[test]
    fn token_roundtrip_service_responses((v, p) in prefixes(), rs in service_response()) {
        let x = service::encode_response(&rs, v, &p);
        prop_assert_eq!(service::decode_response(x.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{x}")))?, rs);
    }

    /// DECODE-TOTAL: arbitrary bytes never panic; rejections are typed with a sane offset.
    #[test]
    fn decode_total_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..600)) {
        every_decoder(&input)?;
    }

    /// DECODE-TOTAL: valid envelopes with bytes spliced in never panic.
    #[test]
    fn decode_total_mutated_envelopes(v in version(), t in token_strategy(), at in any::<prop::sample::Index>(), cut in 0usize..8, junk in prop::collection::vec(any::<u8>(), 0..8)) {
        let xml = token::encode_envelope_with_token(&t, v, "").into_bytes();
        let i = at.index(xml.len());
        let mut m = xml[..i].to_vec();
        m.extend_from_slice(&junk);
        m.extend_from_slice(&xml[(i + cut).min(xml.len())..]);
        every_decoder(&m)?;
    }

    /// FAULT-EXPIRED: the robust reader finds 8004A101 in every spelling and SOAP version.
    #[test]
    fn fault_expired_every_spelling_prop(v in version(), prefix in prop_oneof![Just(""), Just("0x"), Just("0X")], lower in any::<bool>(), ws1 in "[ \\t\\r\\n]{0,3}", ws2 in "[ \\t\\r\\n]{0,3}", order in 0usize..3) {
        let hex = if lower { "8004a101" } else { "8004A101" };
        let code = format!("<code>{ws1}{prefix}{hex}{ws2}</code>");
        let parts = [code.as_str(), "<description>d</description>", "<type>Platform</type>"];
        let error: String = (0..3).map(|k| parts[(k + order) % 3]).collect();
        let xml = fault_with_detail(v, &format!("<error>{error}</error>"));
        let f = fault::read_fault(xml.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(f.is_expired_ticket(), "{}", xml);
    }

    /// FAULT-NO-FALSE-POSITIVE: the code in description, faultstring, an attribute or another
    /// element never counts.
    #[test]
    fn fault_no_false_positive_prop(v in version(), place in 0usize..6, other in any::<u32>().prop_filter("not expired", |c| *c != 0x8004_A101)) {
        let real = format!("<code>0x{other:08X}</code>");
        let detail = match place {
            0 => format!("<error>{real}<description>0x8004A101</description></error>"),
            1 => format!("<error code=\"0x8004A101\">{real}</error>"),
            2 => format!("<other><code>0x8004A101</code></other><error>{real}</error>"),
            3 => format!("<error><inner><code>0x8004A101</code></inner>{real}</error>"),
            4 => format!("<error>{real}<code xmlns=\"urn:x\">0x8004A101</code></error>"),
            _ => "<error><description>code 0x8004A101</description></error>".to_owned(),
        };
        let xml = fault_with_detail(v, &detail).replace("Server was unable", "0x8004A101: Server was unable");
        let f = fault::read_fault(xml.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!f.is_expired_ticket(), "{}", xml);
    }

    /// FAULT-SEED-AGREES: on canonical server faults both readers agree.
    #[test]
    fn fault_seed_agrees_prop(v in version(), code in any::<u32>(), desc in text()) {
        let xml = fault::encode_fault(v, ErrorCode(code), &desc);
        let robust = fault::read_fault(xml.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let seed = fault::seed_error_code(xml.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(robust.code, Some(ErrorCode(code)));
        prop_assert_eq!(seed.as_deref().map(|s| s.parse::<ErrorCode>().ok()), Some(robust.code));
        prop_assert_eq!(seed.as_deref().is_some_and(|s| s.contains("8004A101")), robust.is_expired_ticket());
    }
}

/// A real-shaped fault envelope with the given `detail` content.
pub fn fault_with_detail(v: SoapVersion, detail: &str) -> String {
    match v {
        SoapVersion::V11 => format!(
            r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{}"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>Server was unable to process request.</faultstring><detail>{detail}</detail></soap:Fault></soap:Body></soap:Envelope>"#,
            v.namespace()
        ),
        SoapVersion::V12 => format!(
            r#"<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="{}"><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="en">Server was unable to process request.</env:Text></env:Reason><env:Detail>{detail}</env:Detail></env:Fault></env:Body></env:Envelope>"#,
            v.namespace()
        ),
    }
}
