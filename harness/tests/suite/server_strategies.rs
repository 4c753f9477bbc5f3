//! The mock server with the OnPremise and IFD standard pipelines (PROTOCOL 1.6): requests
//! from loopback are internal, the Windows identity comes from the
//! `X-Crmauth-Windows-Identity` header, and the outcome is the pipeline's; the fail-closed
//! session cookie and Passport rules of PROTOCOL 1.6 hold through the server too.

use crmauth::codec::fault::{read_fault, ErrorCode};
use crmauth::codec::service::{self, ServiceRequest, ServiceResponse};
use crmauth::codec::soap::SoapVersion;
use crmauth::codec::token::{AuthenticationType, CrmAuthenticationToken, CrmHeaders};
use crmauth::pipeline::{xml, Environment, Strategy};
use crmauth::server::{self, RunningServer, ServerConfig};
use std::path::PathBuf;

const IDENTITY: &str = "X-Crmauth-Windows-Identity";
const CLIENT_ADDRESS: &str = "X-Crmauth-Client-Address";
const EXTERNAL: &str = "203.0.113.9";

fn corpus(path: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus").join(path))
        .unwrap()
}

async fn start(strategy: Strategy, pipeline: &str, post: Option<&str>) -> RunningServer {
    let mut c = ServerConfig::passport_default().unwrap();
    c.deployment.strategy = strategy;
    c.deployment.authentication = xml::parse(&corpus(pipeline)).unwrap();
    c.deployment.post_authentication = post.map(|p| xml::parse(&corpus(p)).unwrap());
    let mut env: Environment = serde_json::from_str(&corpus("vectors/scenarios/env.json")).unwrap();
    env.now = 0; // the server keeps its own clock
    c.env = env;
    // Lets the issue-11 tests below make external requests from loopback.
    c.client_address_header = true;
    server::start(c).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onpremise_sdk_call_authenticates_by_windows_identity() {
    let s = start(Strategy::OnPremise, "pipelines/onpremise.crmauthentication.xml", None).await;
    let http = reqwest::Client::new();
    let url = format!("{}/MSCRMServices/2007/CrmService.asmx", s.base_url());
    let post = |identity: Option<&str>| {
        let mut r = http
            .post(&url)
            .header("Content-Type", SoapVersion::V11.content_type(service::ACTION_EXECUTE))
            .header("SOAPAction", service::ACTION_EXECUTE)
            .body(ad_whoami(uuid::Uuid::nil()));
        if let Some(i) = identity {
            r = r.header(IDENTITY, i);
        }
        r.send()
    };
    let r = post(Some("CONTOSO\\alice")).await.unwrap();
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.unwrap();
    let ServiceResponse::WhoAmI { user_id, .. } = service::decode_response(&body).unwrap() else {
        panic!("not a WhoAmI response")
    };
    assert_eq!(user_id.to_string(), "a11ce000-0000-0000-0000-000000000001");

    // An AD token without a Windows identity: step 0's provider fails with 80040204.
    let r = post(None).await.unwrap();
    assert_eq!(r.status(), 500);
    let fault = read_fault(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(fault.code, Some(ErrorCode(0x8004_0204)));
    s.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ifd_loopback_is_internal_windows_or_denied() {
    let s = start(
        Strategy::Ifd,
        "pipelines/ifd.crmauthentication.xml",
        Some("pipelines/ifd.crmpostauthentication.xml"),
    )
    .await;
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = format!("{}/Contoso/main.aspx", s.base_url());
    // Internal (loopback) with a Windows user of Contoso: authenticated (the mock serves
    // nothing at that page, so 404 after authentication, not 401).
    let r = http.get(&url).header(IDENTITY, "CONTOSO\\bob").send().await.unwrap();
    assert_eq!(r.status(), 404);
    // Internal without a Windows identity: no step handles it (external steps are false).
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // A Windows user of another organization is not a user of Contoso.
    let r = http.get(&url).header(IDENTITY, "FABRIKAM\\dave").send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(s.stats().denied_401, 2);
    s.shutdown().await.unwrap();
}

// Issue 11's fail-open inputs through `crmauth serve` (PROTOCOL 1.6, "Identity is never
// implied"): what the scenario tables pin down for the evaluators holds for the mock too.

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn fault_code(r: reqwest::Response) -> (u16, Option<ErrorCode>) {
    let status = r.status().as_u16();
    let body = r.bytes().await.unwrap();
    (status, read_fault(&body).ok().and_then(|f| f.code))
}

/// Every cookie of issue 11 on an external IFD web request: the post-authentication step
/// fails with 8004A100 instead of letting the anonymous PassThrough stand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ifd_unreadable_session_cookies_are_8004a100() {
    let s = start(
        Strategy::Ifd,
        "pipelines/ifd.crmauthentication.xml",
        Some("pipelines/ifd.crmpostauthentication.xml"),
    )
    .await;
    let http = client();
    let url = format!("{}/Contoso/main.aspx", s.base_url());
    for cookie in [
        "MSCRMSession=ticket=%zz",
        "MSCRMSession=noticket",
        "MSCRMSession=\"ticket=%\"",
        "MSCRMSession=ticket=T&ticket=b",
        "MSCRMSession=xyz; MSCRMSession=ticket=TKT-BOB-VALID-1a2b3c",
        "MSCRMSession=ticket=",
    ] {
        let r = http
            .get(&url)
            .header(CLIENT_ADDRESS, EXTERNAL)
            .header("Cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(fault_code(r).await, (500, Some(ErrorCode(0x8004_A100))), "{cookie}");
    }
    // The same decoy split over two Cookie headers is still two session cookies.
    let r = http
        .get(&url)
        .header(CLIENT_ADDRESS, EXTERNAL)
        .header("Cookie", "MSCRMSession=xyz")
        .header("Cookie", "MSCRMSession=ticket=TKT-BOB-VALID-1a2b3c")
        .send()
        .await
        .unwrap();
    assert_eq!(fault_code(r).await, (500, Some(ErrorCode(0x8004_A100))), "two Cookie headers");
    // Without a cookie the external request still goes to sign-in, and a stand-in address
    // that is not an address is refused rather than replaced by the peer's.
    let r = http.get(&url).header(CLIENT_ADDRESS, EXTERNAL).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let r = http.get(&url).header(CLIENT_ADDRESS, "not-an-ip").send().await.unwrap();
    assert_eq!(r.status(), 400);
    s.shutdown().await.unwrap();
}

fn ad_whoami(caller: uuid::Uuid) -> String {
    let headers = CrmHeaders {
        token: Some(CrmAuthenticationToken {
            authentication_type: AuthenticationType::Ad,
            crm_ticket: None,
            organization_name: Some("Contoso".into()),
            caller_id: caller,
        }),
        ..CrmHeaders::default()
    };
    let v = SoapVersion::V11;
    service::encode_request(&ServiceRequest::WhoAmI, &headers, v, &service::prefixes(v))
}

/// Passport has no Windows accounts: an AD token with the identity header, with or without
/// impersonation, fails 80040204 at the cookie-or-header step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passport_ignores_the_windows_identity() {
    let s = start(Strategy::Passport, "pipelines/passport.crmpassport.xml", None).await;
    let http = client();
    let url = format!("{}/MSCRMServices/2007/CrmService.asmx", s.base_url());
    let bob: uuid::Uuid = "b0b00000-0000-0000-0000-000000000002".parse().unwrap();
    for caller in [uuid::Uuid::nil(), bob] {
        let r = http
            .post(&url)
            .header("Content-Type", SoapVersion::V11.content_type(service::ACTION_EXECUTE))
            .header("SOAPAction", service::ACTION_EXECUTE)
            .header(IDENTITY, "CONTOSO\\alice")
            .body(ad_whoami(caller))
            .send()
            .await
            .unwrap();
        assert_eq!(fault_code(r).await, (500, Some(ErrorCode(0x8004_0204))), "caller {caller}");
    }
    // A web request with an unreadable session cookie fails 8004A100, not 401 or 200.
    let r = http
        .get(format!("{}/Contoso/main.aspx", s.base_url()))
        .header("Cookie", "MSCRMSession=ticket=%zz")
        .send()
        .await
        .unwrap();
    assert_eq!(fault_code(r).await, (500, Some(ErrorCode(0x8004_A100))));
    s.shutdown().await.unwrap();
}
