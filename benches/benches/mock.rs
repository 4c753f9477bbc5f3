//! The mock server against a bare axum handler, in one run (issue 17): `crmauth load`'s
//! generator (`crmauth::client::load`, WhoAmI with a Passport token, 32 connections)
//! against `crmauth serve`'s server (`crmauth::server::start`, the embedded Passport
//! deployment), and against a minimal axum handler on the same runtime settings that
//! answers each request with a fixed 200 body (encoded once at start: the four discovery
//! replies of the client's connect, told apart by a substring of the request, and one
//! WhoAmI reply) — everything but HTTP, axum and the client removed.
//!
//! Rounds alternate (bare, mock, bare, mock, mock) so both sides share the machine's load;
//! the mock's three rounds show its RSS (this process: servers and generator) over
//! 3 × 10,000 requests. Prints a table and writes `$CARGO_TARGET_DIR/crmauth-load/mock.json`
//! for `benches/ratios.py`. Not part of the product; binds 127.0.0.1 only, bounded by
//! request count and a 60 s timeout a round.
//!
//! `cargo bench -p crmauth-benches --bench mock`; skipped when `cargo bench` is given a
//! filter that does not mention `mock`.

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use crmauth::client::load::{self, LoadReport, LoadSettings};
use crmauth::codec::discovery::{self, DiscoveryResponse, OrganizationDetail};
use crmauth::codec::service::{self, ServiceResponse};
use crmauth::codec::{SoapVersion, Ticket};
use crmauth::server::{self, defaults, ServerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const REQUESTS: u64 = 10_000;
const CONCURRENCY: u64 = 32;

/// The fixed replies of the bare handler.
struct Replies {
    policy: Bytes,
    organizations: Bytes,
    user_id: Bytes,
    crm_ticket: Bytes,
    who_am_i: Bytes,
}

impl Replies {
    fn new(base: &str) -> Self {
        let v = SoapVersion::V11;
        let p = discovery::prefixes(v);
        let detail = OrganizationDetail {
            organization_id: uuid::Uuid::from_u128(0xc0c0_c0c0_0000_0000_0000_0000_0000_0001),
            organization_name: Some(defaults::ORGANIZATION.into()),
            friendly_name: Some(defaults::ORGANIZATION_FRIENDLY_NAME.into()),
            crm_metadata_service_url: Some(format!(
                "{base}/MSCRMServices/2007/MetadataService.asmx"
            )),
            crm_service_url: Some(format!("{base}/MSCRMServices/2007/CrmService.asmx")),
            web_application_url: Some(format!("{base}/")),
        };
        let d = |r: DiscoveryResponse| Bytes::from(discovery::encode_response(&r, v, &p));
        Replies {
            policy: d(DiscoveryResponse::RetrievePolicy { policy: Some(defaults::POLICY.into()) }),
            organizations: d(DiscoveryResponse::RetrieveOrganizations {
                organization_details: vec![detail.clone()],
            }),
            user_id: d(DiscoveryResponse::RetrieveCrmUserIdByExternalId {
                crm_user_id: defaults::USER_ID,
            }),
            crm_ticket: d(DiscoveryResponse::RetrieveCrmTicket {
                crm_ticket: Some(Ticket::new("CRMTKT.bare")),
                organization_detail: Some(detail),
                expiration_date: Some("2099-01-01T00:00:00Z".into()),
            }),
            who_am_i: Bytes::from(service::encode_response(
                &ServiceResponse::WhoAmI {
                    user_id: defaults::USER_ID,
                    business_unit_id: uuid::Uuid::from_u128(0xb0),
                    organization_id: uuid::Uuid::from_u128(1),
                },
                v,
                &service::prefixes(v),
            )),
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The bare handler: a fixed body, chosen for discovery by the request's element name.
async fn bare(
    axum::extract::State(r): axum::extract::State<Arc<Replies>>,
    body: Bytes,
) -> Response {
    let reply = if body.len() < 4096 && contains(&body, b"WhoAmIRequest") {
        r.who_am_i.clone()
    } else if contains(&body, b"RetrievePolicyRequest") {
        r.policy.clone()
    } else if contains(&body, b"RetrieveOrganizationsRequest") {
        r.organizations.clone()
    } else if contains(&body, b"RetrieveCrmUserIdByExternalIdRequest") {
        r.user_id.clone()
    } else if contains(&body, b"RetrieveCrmTicketRequest") {
        r.crm_ticket.clone()
    } else {
        r.who_am_i.clone()
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], reply).into_response()
}

/// The runtime both servers run on: `crmauth serve`'s settings.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime")
}

/// One round of `crmauth load --url URL` with its defaults: the generator on a runtime of
/// its own, as the command runs it; a round with errors or out of time fails the bench.
fn round(url: &str) -> LoadReport {
    let settings = LoadSettings {
        base_url: url.to_owned(),
        requests: REQUESTS,
        concurrency: CONCURRENCY,
        timeout: Duration::from_secs(60),
        server_pid: None,
        service_account: defaults::SERVICE_ACCOUNT_PUID.into(),
        organization: defaults::ORGANIZATION_FRIENDLY_NAME.into(),
        user_puid: defaults::USER_PUID.into(),
        passport_secret: crmauth::client::ticket::DEFAULT_SECRET.into(),
    };
    let report = runtime()
        .block_on(load::run(&settings))
        .unwrap_or_else(|e| panic!("load against {url}: {e}"));
    assert!(report.ok(), "load against {url} failed: {report:?}");
    report
}

fn main() {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if !filters.is_empty() && !filters.iter().any(|f| f.contains("mock")) {
        return;
    }
    let rt = runtime();
    let mut config = ServerConfig::passport_default().expect("the default config");
    config.ticket_lifetime = Duration::from_secs(3600);
    let mock = rt.block_on(server::start(config)).expect("the mock starts");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))))
        .expect("a loopback port");
    let bare_url = format!("http://{}", listener.local_addr().expect("bound"));
    let app = Router::new().fallback(bare).with_state(Arc::new(Replies::new(&bare_url)));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bare_task = rt.spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let mock_url = mock.base_url();
    let mut rounds: Vec<(&str, LoadReport)> = Vec::new();
    for side in ["bare", "mock", "bare", "mock", "mock"] {
        let url = if side == "bare" { &bare_url } else { &mock_url };
        let r = round(url);
        println!(
            "{side}: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, RSS {:?} → {:?} KiB",
            r.requests_per_second,
            r.p50_ms,
            r.p99_ms,
            r.server_rss_kib_before,
            r.server_rss_kib_after
        );
        rounds.push((side, r));
    }
    let _ = stop.send(());
    let _ = rt.block_on(bare_task);
    let _ = rt.block_on(mock.shutdown());

    let mean = |side: &str, f: fn(&LoadReport) -> f64| {
        let v: Vec<f64> = rounds.iter().filter(|(s, _)| *s == side).map(|(_, r)| f(r)).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let (mock_rps, bare_rps) =
        (mean("mock", |r| r.requests_per_second), mean("bare", |r| r.requests_per_second));
    println!(
        "mock / bare: {:.2}× the bare handler's requests/s (p99 {:.2} / {:.2} ms)",
        mock_rps / bare_rps,
        mean("mock", |r| r.p99_ms),
        mean("bare", |r| r.p99_ms)
    );
    let out = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("crmauth-load");
    let json = serde_json::json!({
        "requests_per_round": REQUESTS,
        "concurrency": CONCURRENCY,
        "rounds": rounds.iter().map(|(side, r)| serde_json::json!({"side": side, "report": r})).collect::<Vec<_>>(),
        "mock_over_bare_rps": mock_rps / bare_rps,
    });
    if std::fs::create_dir_all(&out).is_ok() {
        let _ = std::fs::write(out.join("mock.json"), json.to_string());
    }
}
