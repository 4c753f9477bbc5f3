//! The client against scripted replies (wiremock): every request of the flow checked with
//! our codecs, faults and expiry injected at every step, slow and broken replies
//! (PROTOCOL 2.2–2.4; CLIENT-RETRY-BOUND, CLIENT-RETRY-ONLY-EXPIRED, CLIENT-IMPERSONATION).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crmauth::client::flow::FlowSettings;
use crmauth::client::{
    run_impersonation_flow, ClientError, CrmClient, HttpTransport, PassportTicketScheme,
    SharedSecretAcquirer, Step,
};
use crmauth::codec::discovery::{
    self, Credentials, DiscoveryRequest, DiscoveryResponse, OrganizationDetail,
};
use crmauth::codec::fault::{encode_fault, read_fault, ErrorCode};
use crmauth::codec::service::{self, ServiceRequest, ServiceResponse};
use crmauth::codec::soap::SoapVersion;
use crmauth::codec::token::AuthenticationType;
use crmauth::codec::Ticket;
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const DISCO: &str = "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx";
const SVC: &str = "/MSCRMServices/2007/CrmService.asmx";
const SERVICE_PUID: &str = "0003BFFD5E5E0001";
const USER_PUID: &str = "0003BFFD00000B0B";
const SERVICE_ID: Uuid = Uuid::from_u128(0x5e000000_0000_0000_0000_000000000001);
const USER_ID: Uuid = Uuid::from_u128(0xb0b00000_0000_0000_0000_000000000002);
const ORG_ID: Uuid = Uuid::from_u128(0xc0c0c0c0_0000_0000_0000_000000000001);

/// The seven requests of the flow, in order, and a body fragment that tells each apart.
const STEPS: [(&str, &str, Step); 7] = [
    (DISCO, "RetrievePolicyRequest", Step::RetrievePolicy),
    (DISCO, "RetrieveOrganizationsRequest", Step::RetrieveOrganizations),
    (DISCO, "RetrieveCrmUserIdByExternalIdRequest", Step::RetrieveCrmUserId),
    (DISCO, "RetrieveCrmTicketRequest", Step::RetrieveCrmTicket),
    (SVC, "WhoAmIRequest", Step::WhoAmI),
    (SVC, "5e000000-0000-0000-0000-000000000001", Step::RetrieveSystemUser),
    (SVC, "b0b00000-0000-0000-0000-000000000002", Step::RetrieveSystemUser),
];

/// Which of the seven steps a request is, decoded with our codecs (the body fragment of
/// [`STEPS`] names it); `None` for anything else.
fn step_of(r: &Request) -> Option<&'static str> {
    if r.url.path() == DISCO {
        return Some(match discovery::decode_request(&r.body).ok()? {
            DiscoveryRequest::RetrievePolicy => STEPS[0].1,
            DiscoveryRequest::RetrieveOrganizations { .. } => STEPS[1].1,
            DiscoveryRequest::RetrieveCrmUserIdByExternalId { .. } => STEPS[2].1,
            DiscoveryRequest::RetrieveCrmTicket { .. } => STEPS[3].1,
        });
    }
    match service::decode_request(&r.body).ok()?.1 {
        ServiceRequest::WhoAmI => Some(STEPS[4].1),
        ServiceRequest::Retrieve { id, .. } if id == SERVICE_ID => Some(STEPS[5].1),
        ServiceRequest::Retrieve { id, .. } if id == USER_ID => Some(STEPS[6].1),
        ServiceRequest::Retrieve { .. } => None,
    }
}

fn is_step(name: &'static str) -> impl Fn(&Request) -> bool + Send + Sync {
    move |r: &Request| step_of(r) == Some(name)
}

fn xml(v: SoapVersion, status: u16, body: String) -> ResponseTemplate {
    let ct = match v {
        SoapVersion::V11 => "text/xml; charset=utf-8",
        SoapVersion::V12 => "application/soap+xml; charset=utf-8",
    };
    ResponseTemplate::new(status).insert_header("content-type", ct).set_body_string(body)
}

fn disco(v: SoapVersion, r: &DiscoveryResponse) -> ResponseTemplate {
    xml(v, 200, discovery::encode_response(r, v, &discovery::prefixes(v)))
}

fn svc(v: SoapVersion, r: &ServiceResponse) -> ResponseTemplate {
    xml(v, 200, service::encode_response(r, v, &service::prefixes(v)))
}

fn org(base: &str, friendly: &str) -> OrganizationDetail {
    OrganizationDetail {
        organization_id: ORG_ID,
        organization_name: Some("Contoso".into()),
        friendly_name: Some(friendly.into()),
        crm_metadata_service_url: None,
        crm_service_url: Some(format!("{base}{SVC}")),
        web_application_url: None,
    }
}

/// Replies for every step; RetrieveCrmTicket hands out `CRMTKT-1`, `CRMTKT-2`, ….
async fn mount_happy(m: &MockServer, v: SoapVersion) -> Arc<AtomicU64> {
    let base = m.uri();
    let policy = DiscoveryResponse::RetrievePolicy { policy: Some("MBI_SSL".into()) };
    let orgs = DiscoveryResponse::RetrieveOrganizations {
        organization_details: vec![org(&base, "Other Org"), org(&base, "Contoso Ltd")],
    };
    let uid = DiscoveryResponse::RetrieveCrmUserIdByExternalId { crm_user_id: USER_ID };
    let n = Arc::new(AtomicU64::new(0));
    let counter = n.clone();
    let ticket_reply = move |_: &Request| {
        let i = counter.fetch_add(1, Ordering::SeqCst) + 1;
        disco(
            v,
            &DiscoveryResponse::RetrieveCrmTicket {
                crm_ticket: Some(Ticket::new(format!("CRMTKT-{i}"))),
                organization_detail: Some(org(&base, "Contoso Ltd")),
                expiration_date: Some("2030-01-01T00:00:00Z".into()),
            },
        )
    };
    let replies: Vec<(&str, &str, ResponseTemplate)> = vec![
        (DISCO, "RetrievePolicyRequest", disco(v, &policy)),
        (DISCO, "RetrieveOrganizationsRequest", disco(v, &orgs)),
        (DISCO, "RetrieveCrmUserIdByExternalIdRequest", disco(v, &uid)),
        (
            SVC,
            "WhoAmIRequest",
            svc(
                v,
                &ServiceResponse::WhoAmI {
                    user_id: SERVICE_ID,
                    business_unit_id: ORG_ID,
                    organization_id: ORG_ID,
                },
            ),
        ),
        (
            SVC,
            "5e000000-0000-0000-0000-000000000001",
            svc(
                v,
                &ServiceResponse::RetrieveSystemUser {
                    fullname: Some("ISV Service Account".into()),
                },
            ),
        ),
        (
            SVC,
            "b0b00000-0000-0000-0000-000000000002",
            svc(v, &ServiceResponse::RetrieveSystemUser { fullname: Some("Bob User".into()) }),
        ),
    ];
    for (p, frag, r) in replies {
        Mock::given(method("POST")).and(path(p)).and(is_step(frag)).respond_with(r).mount(m).await;
    }
    Mock::given(method("POST"))
        .and(path(DISCO))
        .and(is_step("RetrieveCrmTicketRequest"))
        .respond_with(ticket_reply)
        .mount(m)
        .await;
    n
}

/// A higher-priority reply for step `k` (`times`: how often, `None` = always).
async fn mount_override(m: &MockServer, k: usize, r: ResponseTemplate, times: Option<u64>) {
    let (p, frag, _) = STEPS[k];
    let mock = Mock::given(method("POST"))
        .and(path(p))
        .and(is_step(frag))
        .respond_with(r)
        .with_priority(1);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(m).await,
        None => mock.mount(m).await,
    }
}

fn client(
    m: &MockServer,
    v: SoapVersion,
    max_retries: u32,
    timeout: Duration,
) -> (CrmClient, Arc<SharedSecretAcquirer>) {
    let mut fs = FlowSettings::new(&m.uri(), SERVICE_PUID, "Contoso Ltd", USER_PUID);
    fs.soap_version = v;
    fs.max_retries = max_retries;
    fs.timeout = timeout;
    let acq = Arc::new(SharedSecretAcquirer::default());
    (CrmClient::new(Arc::new(HttpTransport::new().unwrap()), acq.clone(), fs).unwrap(), acq)
}

fn fault_reply(v: SoapVersion, code: ErrorCode) -> ResponseTemplate {
    xml(v, 500, encode_fault(v, code, "scripted"))
}

fn header(r: &Request, name: &str) -> Option<String> {
    r.headers.get(name).map(|h| h.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn every_request_of_the_flow_is_what_the_protocol_says() {
    for v in SoapVersion::ALL {
        let m = MockServer::start().await;
        mount_happy(&m, v).await;
        let (mut c, _) = client(&m, v, 3, Duration::from_secs(5));
        let r = run_impersonation_flow(&mut c).await.unwrap();
        assert_eq!((r.caller_id, r.who_am_i, r.attempts), (USER_ID, SERVICE_ID, 1));
        assert_eq!(r.organization.friendly_name.as_deref(), Some("Contoso Ltd"));
        assert_eq!(r.service_account_fullname.as_deref(), Some("ISV Service Account"));
        assert_eq!(r.impersonated_fullname.as_deref(), Some("Bob User"));
        let reqs = m.received_requests().await.unwrap();
        assert_eq!(reqs.len(), 7);
        let scheme = PassportTicketScheme::default();
        let mut wlid: Option<Ticket> = None;
        let mut same_wlid = |t: &Ticket| {
            assert_eq!(
                scheme.verify(t).as_deref(),
                Some(SERVICE_PUID),
                "a service-account WLID ticket"
            );
            assert_eq!(wlid.get_or_insert_with(|| t.clone()), t, "one WLID ticket for the attempt");
        };
        for (i, req) in reqs.iter().enumerate() {
            assert_eq!(req.url.path(), STEPS[i].0, "request {i}");
            let action = if i < 4 {
                discovery::SOAP_ACTION
            } else if i == 4 {
                service::ACTION_EXECUTE
            } else {
                service::ACTION_RETRIEVE
            };
            let ct = header(req, "content-type").unwrap();
            match v {
                SoapVersion::V11 => {
                    assert_eq!(header(req, "soapaction"), Some(format!("\"{action}\"")));
                    assert!(ct.starts_with("text/xml"), "{ct}");
                }
                SoapVersion::V12 => {
                    assert!(ct.starts_with("application/soap+xml") && ct.contains(action), "{ct}");
                    assert_eq!(header(req, "soapaction"), None);
                }
            }
            let body = &req.body;
            match i {
                0 => assert_eq!(
                    discovery::decode_request(body).unwrap(),
                    DiscoveryRequest::RetrievePolicy
                ),
                1 => match discovery::decode_request(body).unwrap() {
                    DiscoveryRequest::RetrieveOrganizations {
                        credentials: Credentials::Passport { passport_ticket },
                    } => same_wlid(&passport_ticket),
                    other => panic!("{other:?}"),
                },
                2 => match discovery::decode_request(body).unwrap() {
                    DiscoveryRequest::RetrieveCrmUserIdByExternalId {
                        external_id,
                        passport_ticket,
                        organization_name,
                    } => {
                        assert_eq!(
                            (external_id.as_str(), organization_name.as_str()),
                            (USER_PUID, "Contoso")
                        );
                        same_wlid(&passport_ticket);
                    }
                    other => panic!("{other:?}"),
                },
                3 => match discovery::decode_request(body).unwrap() {
                    DiscoveryRequest::RetrieveCrmTicket {
                        organization_name,
                        credentials: Credentials::Passport { passport_ticket },
                    } => {
                        assert_eq!(organization_name, "Contoso");
                        same_wlid(&passport_ticket);
                    }
                    other => panic!("{other:?}"),
                },
                _ => {
                    let (h, call) = service::decode_request(body).unwrap();
                    let t = h.token.expect("CrmAuthenticationToken header");
                    assert_eq!(t.authentication_type, AuthenticationType::Passport);
                    assert_eq!(t.crm_ticket.as_ref().map(Ticket::reveal), Some("CRMTKT-1"));
                    assert_eq!(t.organization_name.as_deref(), Some("Contoso"));
                    assert_eq!(
                        t.caller_id, USER_ID,
                        "CLIENT-IMPERSONATION: CallerId is the user's CRM id"
                    );
                    let want = match i {
                        4 => ServiceRequest::WhoAmI,
                        5 => ServiceRequest::Retrieve {
                            entity_name: "systemuser".into(),
                            id: SERVICE_ID,
                            columns: vec!["fullname".into()],
                        },
                        _ => ServiceRequest::Retrieve {
                            entity_name: "systemuser".into(),
                            id: USER_ID,
                            columns: vec!["fullname".into()],
                        },
                    };
                    assert_eq!(call, want);
                }
            }
        }
    }
}

#[tokio::test]
async fn client_retry_only_expired_a_fault_at_any_step_is_returned_unchanged() {
    for (k, step) in STEPS.iter().enumerate() {
        let v = if k % 2 == 0 { SoapVersion::V11 } else { SoapVersion::V12 };
        let m = MockServer::start().await;
        mount_happy(&m, v).await;
        let sent = encode_fault(v, ErrorCode(0x8004_A104), "scripted");
        mount_override(&m, k, xml(v, 500, sent.clone()), None).await;
        let (mut c, acq) = client(&m, v, 3, Duration::from_secs(5));
        let e = run_impersonation_flow(&mut c).await.unwrap_err();
        match &e {
            ClientError::Fault { step: step_seen, status, fault } => {
                assert_eq!(*step_seen, step.2, "step {k}");
                assert_eq!(*status, 500);
                assert_eq!(**fault, read_fault(sent.as_bytes()).unwrap(), "the fault unchanged");
            }
            other => panic!("step {k}: {other:?}"),
        }
        assert_eq!(
            m.received_requests().await.unwrap().len(),
            k + 1,
            "nothing after the fault, no retry"
        );
        // The policy comes before the Windows Live ticket.
        assert_eq!(acq.issued(), u64::from(k > 0));
    }
}

#[tokio::test]
async fn an_expired_ticket_at_any_step_restarts_the_flow_with_a_fresh_ticket() {
    for k in 0..STEPS.len() {
        let v = SoapVersion::V11;
        let m = MockServer::start().await;
        let crm_tickets = mount_happy(&m, v).await;
        mount_override(&m, k, fault_reply(v, ErrorCode::EXPIRED_TICKET), Some(1)).await;
        let (mut c, acq) = client(&m, v, 3, Duration::from_secs(5));
        let r = run_impersonation_flow(&mut c).await.unwrap();
        assert_eq!(r.attempts, 2, "step {k}");
        // A new Windows Live ticket for the retry (the policy comes before the first one).
        assert_eq!(acq.issued(), 1 + u64::from(k > 0), "step {k}");
        // CRM tickets handed out: the retry's, plus the first attempt's when it got that far.
        assert_eq!(crm_tickets.load(Ordering::SeqCst), if k >= 4 { 2 } else { 1 }, "step {k}");
        assert_eq!(m.received_requests().await.unwrap().len(), 7 + k + 1);
        // The CrmService calls after the retry carry the newest CRM ticket.
        let last = m.received_requests().await.unwrap().pop().unwrap();
        let t = service::decode_request(&last.body).unwrap().0.token.unwrap();
        let newest = format!("CRMTKT-{}", crm_tickets.load(Ordering::SeqCst));
        assert_eq!(t.crm_ticket.unwrap().reveal(), newest);
    }
}

#[tokio::test]
async fn client_retry_bound_tickets_that_keep_expiring() {
    for max in [1u32, 3, 5] {
        let v = SoapVersion::V12;
        let m = MockServer::start().await;
        let crm_tickets = mount_happy(&m, v).await;
        mount_override(&m, 4, fault_reply(v, ErrorCode::EXPIRED_TICKET), None).await;
        let (mut c, acq) = client(&m, v, max, Duration::from_secs(5));
        match run_impersonation_flow(&mut c).await {
            Err(ClientError::RetriesExhausted { attempts, last }) => {
                assert_eq!(attempts, max);
                assert!(last.is_expired_ticket());
            }
            other => panic!("{other:?}"),
        }
        let reqs = m.received_requests().await.unwrap();
        let whoami: Vec<String> = reqs
            .iter()
            .filter(|r| r.url.path() == SVC)
            .map(|r| {
                service::decode_request(&r.body)
                    .unwrap()
                    .0
                    .token
                    .unwrap()
                    .crm_ticket
                    .unwrap()
                    .reveal()
                    .to_owned()
            })
            .collect();
        assert_eq!(whoami.len(), max as usize, "at most max_retries attempts");
        let mut distinct = whoami.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), whoami.len(), "each retry with a freshly obtained ticket");
        assert_eq!(crm_tickets.load(Ordering::SeqCst), u64::from(max));
        assert_eq!(acq.issued(), u64::from(max));

        // The long-lived client: the same bound, refreshing only the ticket.
        let (mut c, _) = client(&m, v, max, Duration::from_secs(5));
        m.reset().await;
        let crm_tickets = mount_happy(&m, v).await;
        mount_override(&m, 4, fault_reply(v, ErrorCode::EXPIRED_TICKET), None).await;
        assert!(
            matches!(c.who_am_i().await, Err(ClientError::RetriesExhausted { attempts, .. }) if attempts == max)
        );
        assert_eq!(crm_tickets.load(Ordering::SeqCst), u64::from(max));
        let orgs = m
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| String::from_utf8_lossy(&r.body).contains("RetrieveOrganizationsRequest"))
            .count();
        assert_eq!(orgs, 1, "a refresh fetches a ticket, not the organizations again");
    }
}

#[tokio::test]
async fn long_lived_client_refreshes_once_on_expiry() {
    let v = SoapVersion::V11;
    let m = MockServer::start().await;
    let crm_tickets = mount_happy(&m, v).await;
    let (mut c, _) = client(&m, v, 3, Duration::from_secs(5));
    for _ in 0..3 {
        assert_eq!(c.who_am_i().await.unwrap(), SERVICE_ID);
    }
    assert_eq!(crm_tickets.load(Ordering::SeqCst), 1);
    mount_override(&m, 4, fault_reply(v, ErrorCode::EXPIRED_TICKET), Some(1)).await;
    assert_eq!(c.who_am_i().await.unwrap(), SERVICE_ID);
    assert_eq!(crm_tickets.load(Ordering::SeqCst), 2);
    assert_eq!(c.token().unwrap().crm_ticket.as_ref().unwrap().reveal(), "CRMTKT-2");
    assert_eq!(c.stats().expired_faults, 1);
    // The token's Debug never shows the whole ticket.
    assert!(!format!("{:?}", c.token().unwrap()).contains("CRMTKT-2"));
}

#[tokio::test]
async fn slow_replies_time_out() {
    for k in [0usize, 4] {
        let m = MockServer::start().await;
        mount_happy(&m, SoapVersion::V11).await;
        let slow = disco(
            SoapVersion::V11,
            &DiscoveryResponse::RetrievePolicy { policy: Some("x".into()) },
        )
        .set_delay(Duration::from_secs(3));
        mount_override(&m, k, slow, None).await;
        let (mut c, _) = client(&m, SoapVersion::V11, 3, Duration::from_millis(300));
        let started = std::time::Instant::now();
        match run_impersonation_flow(&mut c).await {
            Err(ClientError::Timeout { step, timeout }) => {
                assert_eq!(step, STEPS[k].2);
                assert_eq!(timeout, Duration::from_millis(300));
            }
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}

/// Whether an error is the one a case expects.
type IsExpected = fn(&ClientError) -> bool;

#[tokio::test]
async fn broken_replies_are_typed_errors_and_not_retried() {
    let v = SoapVersion::V11;
    let valid_policy = discovery::encode_response(
        &DiscoveryResponse::RetrievePolicy { policy: Some("MBI_SSL".into()) },
        v,
        &discovery::prefixes(v),
    );
    let truncated = valid_policy[..valid_policy.len() / 2].to_owned();
    let wrong_message = service::encode_response(
        &ServiceResponse::RetrieveSystemUser { fullname: None },
        v,
        &service::prefixes(v),
    );
    let cases: Vec<(ResponseTemplate, IsExpected)> = vec![
        (
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>oops</body></html>"),
            |e| matches!(e, ClientError::NotSoap { status: 200, .. }),
        ),
        (ResponseTemplate::new(500).set_body_string("Internal Server Error"), |e| {
            matches!(e, ClientError::Http { status: 500, .. })
        }),
        (ResponseTemplate::new(503), |e| matches!(e, ClientError::Http { status: 503, .. })),
        (xml(v, 200, truncated), |e| matches!(e, ClientError::NotSoap { .. })),
        (xml(v, 500, "<soap:Envelope".into()), |e| {
            matches!(e, ClientError::Http { status: 500, .. })
        }),
        (xml(v, 200, wrong_message), |e| matches!(e, ClientError::NotSoap { .. })),
        (xml(v, 200, String::new()), |e| matches!(e, ClientError::NotSoap { .. })),
    ];
    for (i, (reply, ok)) in cases.into_iter().enumerate() {
        let m = MockServer::start().await;
        mount_happy(&m, v).await;
        mount_override(&m, 0, reply, None).await;
        let (mut c, _) = client(&m, v, 3, Duration::from_secs(5));
        let e = run_impersonation_flow(&mut c).await.unwrap_err();
        assert!(ok(&e), "case {i}: {e:?}");
        assert_eq!(e.step(), Some(Step::RetrievePolicy));
        assert_eq!(m.received_requests().await.unwrap().len(), 1, "case {i}: no retry");
    }
}

/// A well-formed CrmService reply of the wrong message is a `NotSoap` error of its step
/// that names the message received (PROTOCOL 2.3: WhoAmI answers `WhoAmIResponse`,
/// Retrieve answers `RetrieveResponse`), not retried.
#[tokio::test]
async fn a_wrong_service_response_names_what_came() {
    let v = SoapVersion::V11;
    let who_am_i = ServiceResponse::WhoAmI {
        user_id: USER_ID,
        business_unit_id: Uuid::nil(),
        organization_id: ORG_ID,
    };
    let retrieve = ServiceResponse::RetrieveSystemUser { fullname: None };
    for (k, reply, step, name) in [
        (4, &retrieve, Step::WhoAmI, "RetrieveResponse"),
        (5, &who_am_i, Step::RetrieveSystemUser, "WhoAmIResponse"),
    ] {
        let m = MockServer::start().await;
        mount_happy(&m, v).await;
        mount_override(&m, k, svc(v, reply), None).await;
        let (mut c, _) = client(&m, v, 3, Duration::from_secs(5));
        match run_impersonation_flow(&mut c).await.unwrap_err() {
            ClientError::NotSoap { step: s, status: 200, detail } => {
                assert_eq!(s, step);
                assert_eq!(detail, format!("unexpected response {name}"));
            }
            e => panic!("step {k}: {e:?}"),
        }
        assert_eq!(m.received_requests().await.unwrap().len(), k + 1, "step {k}: no retry");
    }
}

#[tokio::test]
async fn organization_is_chosen_by_exact_friendly_name() {
    let m = MockServer::start().await;
    mount_happy(&m, SoapVersion::V11).await;
    for name in ["contoso ltd", "Contoso Ltd ", "Contoso"] {
        let mut fs = FlowSettings::new(&m.uri(), SERVICE_PUID, name, USER_PUID);
        fs.max_retries = 3;
        let mut c = CrmClient::new(
            Arc::new(HttpTransport::new().unwrap()),
            Arc::new(SharedSecretAcquirer::default()),
            fs,
        )
        .unwrap();
        match run_impersonation_flow(&mut c).await {
            Err(ClientError::OrganizationNotFound { friendly_name, available }) => {
                assert_eq!(friendly_name, name);
                assert_eq!(available, vec!["Other Org".to_string(), "Contoso Ltd".to_string()]);
            }
            other => panic!("{name:?}: {other:?}"),
        }
    }
}

#[test]
fn zero_retries_is_a_settings_error() {
    let mut fs = FlowSettings::new("http://127.0.0.1:9", SERVICE_PUID, "x", USER_PUID);
    fs.max_retries = 0;
    let r = CrmClient::new(
        Arc::new(HttpTransport::new().unwrap()),
        Arc::new(SharedSecretAcquirer::default()),
        fs,
    );
    assert!(matches!(r, Err(ClientError::Settings(_))));
}

/// Issue 11: a RetrieveCrmTicket reply whose OrganizationDetail has no OrganizationName is
/// incomplete: the client never builds a token (or refreshes a ticket) for organization "".
#[tokio::test]
async fn a_ticket_reply_without_organization_name_is_incomplete() {
    let v = SoapVersion::V11;
    let m = MockServer::start().await;
    mount_happy(&m, v).await;
    let mut detail = org(&m.uri(), "Contoso Ltd");
    detail.organization_name = None;
    let reply = disco(
        v,
        &DiscoveryResponse::RetrieveCrmTicket {
            crm_ticket: Some(Ticket::new("CRMTKT-NO-ORG")),
            organization_detail: Some(detail),
            expiration_date: None,
        },
    );
    mount_override(&m, 3, reply, None).await;
    let (mut c, _) = client(&m, v, 3, Duration::from_secs(5));
    let e = run_impersonation_flow(&mut c).await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::Incomplete {
                step: Step::RetrieveCrmTicket,
                what: "OrganizationDetail.OrganizationName"
            }
        ),
        "{e:?}"
    );
    let service_calls =
        m.received_requests().await.unwrap().iter().filter(|r| r.url.path() == SVC).count();
    assert_eq!(service_calls, 0, "no CrmService call without an organization");
}
