//! The mock server with the OnPremise and IFD standard pipelines (PROTOCOL 1.6): requests
//! from loopback are internal, the Windows identity comes from the
//! `X-Crmauth-Windows-Identity` header, and the outcome is the pipeline's.

use crmauth::codec::fault::{read_fault, ErrorCode};
use crmauth::codec::service::{self, ServiceRequest, ServiceResponse};
use crmauth::codec::soap::SoapVersion;
use crmauth::codec::token::{AuthenticationType, CrmAuthenticationToken, CrmHeaders};
use crmauth::pipeline::{xml, Environment, Strategy};
use crmauth::server::{self, RunningServer, ServerConfig};
use std::path::PathBuf;

const IDENTITY: &str = "X-Crmauth-Windows-Identity";

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
    server::start(c).await.unwrap()
}

fn ad_whoami() -> String {
    let headers = CrmHeaders {
        token: Some(CrmAuthenticationToken {
            authentication_type: AuthenticationType::Ad,
            crm_ticket: None,
            organization_name: Some("Contoso".into()),
            caller_id: uuid::Uuid::nil(),
        }),
        ..CrmHeaders::default()
    };
    let v = SoapVersion::V11;
    service::encode_request(&ServiceRequest::WhoAmI, &headers, v, &service::prefixes(v))
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
            .body(ad_whoami());
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
