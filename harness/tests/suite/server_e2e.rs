//! The mock server end to end with the built-in client over loopback HTTP
//! (PROTOCOL 1.4, 2.2–2.4; CLIENT-RETRY-BOUND, CLIENT-IMPERSONATION).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crmauth::check::client_suite::{client_conformance, ConformanceSettings};
use crmauth::check::wsdl_diff;
use crmauth::client::flow::FlowSettings;
use crmauth::client::{
    run_impersonation_flow, ClientError, CrmClient, HttpTransport, SharedSecretAcquirer,
};
use crmauth::codec::fault::{read_fault, ErrorCode};
use crmauth::codec::service::{self, ServiceRequest};
use crmauth::codec::soap::SoapVersion;
use crmauth::codec::token::{AuthenticationType, CrmAuthenticationToken, CrmHeaders};
use crmauth::server::{self, defaults, Control, RunningServer, ServerConfig};

async fn start(lifetime: Duration) -> RunningServer {
    let mut c = ServerConfig::passport_default().unwrap();
    c.ticket_lifetime = lifetime;
    server::start(c).await.unwrap()
}

/// A client of the mock `s` for `service_account`, speaking SOAP `version`.
pub(crate) fn client(s: &RunningServer, service_account: &str, version: SoapVersion) -> CrmClient {
    let mut fs = FlowSettings::new(
        &s.base_url(),
        service_account,
        defaults::ORGANIZATION_FRIENDLY_NAME,
        defaults::USER_PUID,
    );
    fs.soap_version = version;
    fs.timeout = Duration::from_secs(10);
    CrmClient::new(
        Arc::new(HttpTransport::new().unwrap()),
        Arc::new(SharedSecretAcquirer::default()),
        fs,
    )
    .unwrap()
}

fn whoami_body(ticket: Option<&str>, caller: uuid::Uuid, v: SoapVersion) -> String {
    let headers = CrmHeaders {
        token: ticket.map(|t| CrmAuthenticationToken {
            authentication_type: AuthenticationType::Passport,
            crm_ticket: Some(crmauth::codec::Ticket::new(t)),
            organization_name: Some(defaults::ORGANIZATION.into()),
            caller_id: caller,
        }),
        ..CrmHeaders::default()
    };
    service::encode_request(&ServiceRequest::WhoAmI, &headers, v, &service::prefixes(v))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_refreshes_exactly_once_after_a_one_second_ticket_expires() {
    let s = start(Duration::from_secs(1)).await;
    let mut c = client(&s, defaults::SERVICE_ACCOUNT_PUID, SoapVersion::V11);
    let r = run_impersonation_flow(&mut c).await.unwrap();
    assert_eq!(r.attempts, 1);
    assert_eq!(r.caller_id, defaults::USER_ID, "CLIENT-IMPERSONATION: CallerId");
    assert_eq!(r.who_am_i, defaults::SERVICE_ACCOUNT_ID);
    assert_eq!(r.service_account_fullname.as_deref(), Some(defaults::SERVICE_ACCOUNT_NAME));
    assert_eq!(r.impersonated_fullname.as_deref(), Some(defaults::USER_NAME));
    assert_eq!(s.stats().tickets_issued, 1);
    // Lifetime 1 s, rounded up to the server's whole seconds: expired after at most 2 s.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(c.who_am_i().await.unwrap(), defaults::SERVICE_ACCOUNT_ID);
    assert_eq!(s.stats().tickets_issued, 2, "exactly one refresh");
    assert_eq!(c.stats().expired_faults, 1);
    assert_eq!(c.stats().crm_tickets, 2);
    // A further call within the new ticket's life needs no refresh.
    c.who_am_i().await.unwrap();
    assert_eq!(s.stats().tickets_issued, 2);
    s.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_denies_what_the_passport_pipeline_denies() {
    let s = start(Duration::from_secs(30)).await;
    let http = reqwest::Client::new();
    let url = format!("{}/MSCRMServices/2007/CrmService.asmx", s.base_url());
    let post = |body: String, v: SoapVersion| {
        http.post(&url)
            .header("Content-Type", v.content_type(service::ACTION_EXECUTE))
            .header("SOAPAction", service::ACTION_EXECUTE)
            .body(body)
            .send()
    };
    // No token, no cookie: no step handles it → 401 (PIPE-FAIL-CLOSED).
    let r = post(whoami_body(None, uuid::Uuid::nil(), SoapVersion::V11), SoapVersion::V11)
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(s.stats().denied_401, 1);
    // An unknown ticket → the provider's fault 8004A100, HTTP 500.
    let r = post(
        whoami_body(Some("CRMTKT.forged"), uuid::Uuid::nil(), SoapVersion::V11),
        SoapVersion::V11,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 500);
    let f = read_fault(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((f.code, f.soap_version), (Some(ErrorCode(0x8004_A100)), SoapVersion::V11));
    // An expired ticket → 8004A101 in SOAP 1.2 when asked in 1.2.
    let mut c = client(&s, defaults::SERVICE_ACCOUNT_PUID, SoapVersion::V12);
    c.connect().await.unwrap();
    let ticket = c.token().unwrap().crm_ticket.clone().unwrap();
    s.control(&Control { expire_all_tickets: true, ..Control::default() });
    let r = post(
        whoami_body(Some(ticket.reveal()), defaults::USER_ID, SoapVersion::V12),
        SoapVersion::V12,
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/soap+xml"));
    let f = read_fault(&r.bytes().await.unwrap()).unwrap();
    assert!(f.is_expired_ticket());
    assert_eq!(f.soap_version, SoapVersion::V12);
    // Impersonation without the act-on-behalf privilege → 8004A110, not retried.
    let mut nina = client(&s, defaults::NO_PRIVILEGE_PUID, SoapVersion::V11);
    let e = nina.who_am_i().await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode(0x8004_A110)), "{e}");
    assert!(matches!(e, ClientError::Fault { .. }));
    assert_eq!(nina.stats().service_calls, 1);
    // A forged Windows Live ticket is refused by the discovery service.
    let mut forged = FlowSettings::new(
        &s.base_url(),
        defaults::SERVICE_ACCOUNT_PUID,
        "Contoso Ltd",
        defaults::USER_PUID,
    );
    forged.max_retries = 1;
    let acq = SharedSecretAcquirer::new(crmauth::client::PassportTicketScheme::new("wrong secret"));
    let mut f =
        CrmClient::new(Arc::new(HttpTransport::new().unwrap()), Arc::new(acq), forged).unwrap();
    let e = f.connect().await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode(0x8004_0204)), "{e}");
    assert_eq!(e.step(), Some(crmauth::client::Step::RetrieveOrganizations));
    // An organization that is not there is a typed error.
    let mut fs = FlowSettings::new(
        &s.base_url(),
        defaults::SERVICE_ACCOUNT_PUID,
        "contoso ltd",
        defaults::USER_PUID,
    );
    fs.max_retries = 1;
    let mut lower = CrmClient::new(
        Arc::new(HttpTransport::new().unwrap()),
        Arc::new(SharedSecretAcquirer::default()),
        fs,
    )
    .unwrap();
    assert!(matches!(lower.connect().await, Err(ClientError::OrganizationNotFound { .. })));
    s.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_record_owner_and_acting_user() {
    let s = start(Duration::from_secs(30)).await;
    let mut c = client(&s, defaults::SERVICE_ACCOUNT_PUID, SoapVersion::V12);
    let id = c.create_task("Follow up").await.unwrap();
    let bytes = reqwest::get(format!("{}/_crmauth/audit", s.base_url()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let audit: Vec<server::AuditEntry> = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(audit.len(), 1);
    let e = &audit[0];
    assert_eq!(e.id, id);
    assert_eq!(e.owner, defaults::USER_ID, "CLIENT-IMPERSONATION: owner");
    assert_eq!(e.acting_user, defaults::SERVICE_ACCOUNT_ID, "CLIENT-IMPERSONATION: acting user");
    assert_eq!(e.entity, "task");
    assert_eq!(e.attributes, vec![("subject".to_string(), "Follow up".to_string())]);
    s.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_wsdl_agrees_with_the_schema_table() {
    let s = start(Duration::from_secs(30)).await;
    let get = |p: &str| reqwest::get(format!("{}{p}?wsdl", s.base_url()));
    let crm = get("/MSCRMServices/2007/CrmService.asmx").await.unwrap().bytes().await.unwrap();
    let disco = get("/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let report = wsdl_diff::check_documents(&[("crm.wsdl", &crm), ("disco.wsdl", &disco)]).unwrap();
    assert!(report.differences.is_empty(), "{:#?}", report.differences);
    let text = String::from_utf8(crm.to_vec()).unwrap();
    for needle in [
        "soapAction=\"http://schemas.microsoft.com/crm/2007/WebServices/Create\"",
        "name=\"CrmServiceSoap12\"",
        "part=\"CrmAuthenticationToken\"",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    assert_eq!(get("/nowhere").await.unwrap().status(), 404);
    s.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_conformance_cases_pass() {
    let results = client_conformance(None, &ConformanceSettings::default()).await;
    assert_eq!(results.len(), 5);
    for r in &results {
        assert!(r.outcome.is_ok(), "{} ({}): {:?}", r.id, r.title, r.outcome);
    }
    let ids: Vec<_> = results.iter().map(|r| r.id).collect();
    for id in ["CLIENT-RETRY-BOUND", "CLIENT-RETRY-ONLY-EXPIRED", "CLIENT-IMPERSONATION"] {
        assert!(ids.contains(&id), "{id}");
    }
    // Against a given URL, too.
    let s = start(Duration::from_secs(30)).await;
    let results = client_conformance(Some(&s.base_url()), &ConformanceSettings::default()).await;
    assert!(results.iter().all(|r| r.outcome.is_ok()), "{results:#?}");
    s.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_2000_requests_from_16_clients_without_errors() {
    let s = start(Duration::from_secs(300)).await;
    let transport = Arc::new(HttpTransport::new().unwrap());
    let acquirer = Arc::new(SharedSecretAcquirer::default());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let fs = FlowSettings::new(
            &s.base_url(),
            defaults::SERVICE_ACCOUNT_PUID,
            defaults::ORGANIZATION_FRIENDLY_NAME,
            defaults::USER_PUID,
        );
        let mut c = CrmClient::new(transport.clone(), acquirer.clone(), fs).unwrap();
        tasks.push(tokio::spawn(async move {
            let mut errors = 0;
            for _ in 0..125 {
                if c.who_am_i().await.is_err() {
                    errors += 1;
                }
            }
            errors
        }));
    }
    let all = tokio::time::timeout(Duration::from_secs(60), async {
        let mut errors = 0;
        for t in tasks {
            errors += t.await.unwrap();
        }
        errors
    })
    .await
    .expect("2,000 requests within 60 s");
    assert_eq!(all, 0);
    let st = s.stats();
    // 2,000 WhoAmI plus 16 × 4 discovery requests.
    assert_eq!(st.requests, 2000 + 16 * 4);
    assert_eq!(st.faults + st.denied_401, 0);
    eprintln!("2,064 requests in {:?}", started.elapsed());
    s.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_non_loopback_addresses() {
    let mut c = ServerConfig::passport_default().unwrap();
    c.addr = "0.0.0.0:0".parse().unwrap();
    assert!(matches!(server::start(c).await, Err(server::ServerError::NotLoopback(_))));
}
