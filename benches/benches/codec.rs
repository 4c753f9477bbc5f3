//! Codecs against a bare quick-xml event scan of the same bytes, in one run so the ratio
//! is meaningful (`benches/ratios.py` prints it).
//!
//! - `token/{decode,scan}/<case>`: `decode_token_from_envelope` on the scenario tables'
//!   SDK envelope and on encoded SOAP 1.1 / 1.2 envelopes.
//! - `fault/{read_fault,stream,seed,scan}/<case>`: the tree reader, the streaming reader
//!   (`codec::fault_stream`), the seed's `//code` on canonical faults.
//! - `encode/...`: writing a token envelope, a fault, a discovery response.
//!
//! Short settings by default (see `pipeline.rs`); the command line overrides them.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use crmauth::codec::discovery::{self, DiscoveryResponse, OrganizationDetail};
use crmauth::codec::fault::{self, ErrorCode};
use crmauth::codec::fault_stream::read_fault_stream;
use crmauth::codec::token::{self, AuthenticationType, CrmAuthenticationToken};
use crmauth::codec::{SoapVersion, Ticket};
use crmauth_benches::Workload;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::hint::black_box;
use std::time::Duration;

/// The default settings of these benches: short, for a whole run under 5 minutes.
fn short() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

/// The floor: every event of the document, nothing decoded or allocated per event.
fn scan(xml: &[u8]) -> usize {
    let mut r = Reader::from_reader(xml);
    let mut n = 0;
    loop {
        match r.read_event() {
            Ok(Event::Eof) | Err(_) => return n,
            Ok(_) => n += 1,
        }
    }
}

fn sample_token() -> CrmAuthenticationToken {
    CrmAuthenticationToken {
        authentication_type: AuthenticationType::Passport,
        crm_ticket: Some(Ticket::new(
            "AAEAAGh0dHA6Ly9jcm0uY29udG9zby5jb20vAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )),
        organization_name: Some("Contoso".into()),
        caller_id: "b0b00000-0000-0000-0000-000000000002".parse().expect("uuid"),
    }
}

const WHOAMI: &str = "<Execute xmlns=\"http://schemas.microsoft.com/crm/2007/WebServices\"><Request xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\" i:type=\"WhoAmIRequest\" /></Execute>";

fn token_cases() -> Vec<(String, Vec<u8>)> {
    let w = Workload::load("onpremise");
    let scenario_body = w
        .table
        .scenarios
        .iter()
        .find_map(|s| s.request.body.clone())
        .expect("an SDK scenario with a body");
    let mut cases = vec![("scenario-ad".to_string(), scenario_body.into_bytes())];
    for v in SoapVersion::ALL {
        let xml = token::encode_envelope_with_token(&sample_token(), v, WHOAMI);
        cases.push((format!("passport-{v:?}"), xml.into_bytes()));
    }
    cases
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("token");
    for (name, xml) in token_cases() {
        assert!(token::decode_token_from_envelope(&xml).expect("decodes").is_some(), "{name}");
        g.throughput(Throughput::Bytes(xml.len() as u64));
        g.bench_function(BenchmarkId::new("decode", &name), |b| {
            b.iter(|| black_box(token::decode_token_from_envelope(black_box(&xml))))
        });
        g.bench_function(BenchmarkId::new("scan", &name), |b| {
            b.iter(|| black_box(scan(black_box(&xml))))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("fault");
    for v in SoapVersion::ALL {
        let xml = fault::encode_fault(v, ErrorCode::EXPIRED_TICKET, "The ticket has expired.")
            .into_bytes();
        assert_eq!(fault::read_fault(&xml).expect("reads").code, Some(ErrorCode::EXPIRED_TICKET));
        assert_eq!(read_fault_stream(&xml), fault::read_fault(&xml), "{v:?}");
        let name = format!("expired-{v:?}");
        g.throughput(Throughput::Bytes(xml.len() as u64));
        g.bench_function(BenchmarkId::new("read_fault", &name), |b| {
            b.iter(|| black_box(fault::read_fault(black_box(&xml))))
        });
        g.bench_function(BenchmarkId::new("stream", &name), |b| {
            b.iter(|| black_box(read_fault_stream(black_box(&xml))))
        });
        g.bench_function(BenchmarkId::new("seed", &name), |b| {
            b.iter(|| black_box(fault::seed_error_code(black_box(&xml))))
        });
        g.bench_function(BenchmarkId::new("scan", &name), |b| {
            b.iter(|| black_box(scan(black_box(&xml))))
        });
    }
    g.finish();
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    let t = sample_token();
    for v in SoapVersion::ALL {
        g.bench_function(BenchmarkId::new("token_envelope", format!("{v:?}")), |b| {
            b.iter(|| black_box(token::encode_envelope_with_token(black_box(&t), v, WHOAMI)))
        });
        g.bench_function(BenchmarkId::new("fault", format!("{v:?}")), |b| {
            b.iter(|| {
                black_box(fault::encode_fault(
                    v,
                    black_box(ErrorCode::EXPIRED_TICKET),
                    "The ticket has expired.",
                ))
            })
        });
    }
    let detail = OrganizationDetail {
        organization_id: "c0c0c0c0-0000-0000-0000-000000000001".parse().expect("uuid"),
        organization_name: Some("Contoso".into()),
        friendly_name: Some("Contoso Ltd".into()),
        crm_metadata_service_url: Some(
            "https://crm.contoso.com/MSCRMServices/2007/MetadataService.asmx".into(),
        ),
        crm_service_url: Some("https://crm.contoso.com/MSCRMServices/2007/CrmService.asmx".into()),
        web_application_url: Some("https://crm.contoso.com/".into()),
    };
    let resp = DiscoveryResponse::RetrieveCrmTicket {
        crm_ticket: Some(sample_token().crm_ticket.expect("ticket")),
        organization_detail: Some(detail),
        expiration_date: Some("2009-01-01T00:00:00Z".into()),
    };
    let p = discovery::prefixes(SoapVersion::V11);
    g.bench_function("discovery_response/V11", |b| {
        b.iter(|| black_box(discovery::encode_response(black_box(&resp), SoapVersion::V11, &p)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = short();
    targets = decode, encode
}
criterion_main!(benches);
