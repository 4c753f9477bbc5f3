//! The fuzz targets' checks replayed on their seed corpora (`corpus/fuzz/<target>/`) and
//! on every crash the fuzzers found, so a regression fails `cargo test` without a fuzzer.

use crmauth::pipeline::xml;
use std::path::PathBuf;

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/fuzz").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("seed file"))).collect()
}

/// The `pipeline_xml` target's check: DECODE-TOTAL (an error has a line inside the
/// document) and PIPE-ROUNDTRIP (print → parse gives the pipeline; print is a fixed point).
fn pipeline_xml_check(text: &str) -> Result<(), String> {
    match xml::parse(text) {
        Ok(p) => {
            let printed = xml::print(&p);
            let back = xml::parse(&printed)
                .map_err(|e| format!("PIPE-ROUNDTRIP: printed form rejected: {e}"))?;
            if back != p {
                return Err("PIPE-ROUNDTRIP: parse(print(p)) != p".into());
            }
            if xml::print(&back) != printed {
                return Err("PIPE-ROUNDTRIP: print is not a fixed point".into());
            }
            Ok(())
        }
        Err(e) if e.line >= 1 && e.line <= text.matches('\n').count() + 1 && e.column >= 1 => {
            Ok(())
        }
        Err(e) => Err(format!("error position outside the document: {e}")),
    }
}

#[test]
fn pipeline_xml_seeds_hold_the_target_invariants() {
    let all = seeds("pipeline_xml");
    assert!(all.len() >= 10, "pipeline_xml seed corpus has {} files", all.len());
    let (mut accepted, mut rejected) = (0, 0);
    for (path, bytes) in &all {
        let text =
            std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{}: not UTF-8", path.display()));
        if let Err(m) = pipeline_xml_check(text) {
            panic!("{}: {m}", path.display());
        }
        // Seeds named `err-*` are rejections by design (PIPE-FAIL-CLOSED); the others load.
        let is_err =
            path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("err-"));
        match (xml::parse(text), is_err) {
            (Ok(_), false) => accepted += 1,
            (Err(_), true) => rejected += 1,
            (r, _) => panic!("{}: unexpected {r:?}", path.display()),
        }
    }
    assert!(accepted > 0 && rejected > 0);
}

// Found by `codec_roundtrip` (fuzz/artifacts/codec_roundtrip/crash-d4fb883a…): the XML
// reader applied XML 1.1 end-of-line rules, so a literal NEL (U+0085) or LINE SEPARATOR
// (U+2028) in text came back as "\n". SOAP messages are XML 1.0, where both are ordinary
// characters; only CR LF and CR are line ends.

mod xml10_line_ends {
    use crmauth::codec::discovery::{self, DiscoveryRequest};
    use crmauth::codec::token::{self, AuthenticationType, CrmAuthenticationToken};
    use crmauth::codec::{SoapVersion, Ticket};

    const TEXTS: [&str; 4] = ["\u{85}<<<<", "a\u{2028}b", "\r\u{85}", "x\r\ny"];

    #[test]
    fn token_roundtrip_keeps_nel_and_line_separator() {
        for text in TEXTS {
            let t = CrmAuthenticationToken {
                authentication_type: AuthenticationType::Passport,
                crm_ticket: Some(Ticket::new(text)),
                organization_name: Some(text.to_owned()),
                caller_id: uuid::Uuid::nil(),
            };
            for v in SoapVersion::ALL {
                let xml = token::encode_envelope_with_token(&t, v, "");
                let back = token::decode_token_from_envelope(xml.as_bytes()).expect("decodes");
                assert_eq!(back.as_ref(), Some(&t), "TOKEN-ROUNDTRIP {v:?} {text:?}");
            }
        }
    }

    #[test]
    fn discovery_roundtrip_keeps_nel() {
        let rq = DiscoveryRequest::RetrieveCrmUserIdByExternalId {
            external_id: "\u{85}<<<<".into(),
            passport_ticket: Ticket::new("TKT-ALICE-VALID-6f1e2d"),
            organization_name: "Contoso".into(),
        };
        for v in SoapVersion::ALL {
            let xml = discovery::encode_request(&rq, v, &discovery::prefixes(v));
            assert_eq!(
                discovery::decode_request(xml.as_bytes()).ok().as_ref(),
                Some(&rq),
                "TOKEN-ROUNDTRIP-DISCOVERY {v:?}"
            );
        }
    }

    #[test]
    fn literal_xml10_text_is_read_as_written() {
        let xml = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header>\
            <CrmAuthenticationToken xmlns=\"http://schemas.microsoft.com/crm/2007/WebServices\">\
            <AuthenticationType xmlns=\"http://schemas.microsoft.com/crm/2007/CoreTypes\">1</AuthenticationType>\
            <CrmTicket xmlns=\"http://schemas.microsoft.com/crm/2007/CoreTypes\">a\u{85}b\u{2028}c\r\nd\re</CrmTicket>\
            <CallerId xmlns=\"http://schemas.microsoft.com/crm/2007/CoreTypes\">00000000-0000-0000-0000-000000000000</CallerId>\
            </CrmAuthenticationToken></s:Header><s:Body/></s:Envelope>";
        let t =
            token::decode_token_from_envelope(xml.as_bytes()).expect("decodes").expect("a token");
        // XML 1.0 section 2.11: CR LF and lone CR become LF; NEL and U+2028 stay.
        assert_eq!(t.crm_ticket.expect("ticket").reveal(), "a\u{85}b\u{2028}c\nd\ne");
    }
}

/// The codec targets' checks on their seeds: DECODE-TOTAL (no panic, an error's offset
/// within the input) and TOKEN-ROUNDTRIP / TOKEN-ROUNDTRIP-DISCOVERY of what decoded.
#[test]
fn codec_seeds_hold_the_target_invariants() {
    use crmauth::codec::{cookie, discovery, token, SoapVersion};
    let within = |name: &str, len: usize, r: Result<(), crmauth::codec::DecodeError>| {
        if let Err(e) = r {
            assert!(
                e.offset <= len as u64,
                "DECODE-TOTAL {name}: offset {} beyond {len}",
                e.offset
            );
        }
    };
    let mut decoded = 0;
    for (path, b) in seeds("token_decode") {
        let t = token::decode_token_from_envelope(&b);
        within("token", b.len(), t.as_ref().map(|_| ()).map_err(Clone::clone));
        let tree = token::decode_token_from_envelope_tree(&b);
        assert_eq!(t.as_ref().ok(), tree.as_ref().ok(), "TOKEN-DECODE-AGREES {}", path.display());
        if let Ok(Some(t)) = t {
            decoded += 1;
            for v in SoapVersion::ALL {
                let xml = token::encode_envelope_with_token(&t, v, "");
                let back = token::decode_token_from_envelope(xml.as_bytes()).ok().flatten();
                assert_eq!(back.as_ref(), Some(&t), "TOKEN-ROUNDTRIP {}", path.display());
            }
        }
    }
    for (path, b) in seeds("discovery_response") {
        let rs = discovery::decode_response(&b);
        within("discovery response", b.len(), rs.as_ref().map(|_| ()).map_err(Clone::clone));
        let rq = discovery::decode_request(&b);
        within("discovery request", b.len(), rq.as_ref().map(|_| ()).map_err(Clone::clone));
        for v in SoapVersion::ALL {
            let p = discovery::prefixes(v);
            if let Ok(r) = &rs {
                decoded += 1;
                let xml = discovery::encode_response(r, v, &p);
                assert_eq!(
                    discovery::decode_response(xml.as_bytes()).ok().as_ref(),
                    Some(r),
                    "{}",
                    path.display()
                );
            }
            if let Ok(r) = &rq {
                decoded += 1;
                let xml = discovery::encode_request(r, v, &p);
                assert_eq!(
                    discovery::decode_request(xml.as_bytes()).ok().as_ref(),
                    Some(r),
                    "{}",
                    path.display()
                );
            }
        }
    }
    for (path, b) in seeds("cookie_header") {
        let h = String::from_utf8_lossy(&b);
        if let Ok(Some(s)) = cookie::session_from_header(&h) {
            decoded += 1;
            let value = cookie::encode_session_value(&s);
            assert_eq!(cookie::parse_session(&value).ok(), Some(s), "{}", path.display());
        }
    }
    assert!(decoded >= 10, "only {decoded} codec seeds decoded");
}
