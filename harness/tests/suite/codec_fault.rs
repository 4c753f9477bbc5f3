//! Named fault tests (PROTOCOL 2.4, invariants FAULT-EXPIRED, FAULT-NO-FALSE-POSITIVE,
//! FAULT-SEED-AGREES).

use crmauth::codec::fault::{encode_fault, read_fault, seed_error_code, ErrorCode};
use crmauth::codec::SoapVersion;

fn fault(v: SoapVersion, detail: &str, faultstring: &str) -> String {
    match v {
        SoapVersion::V11 => format!(
            r#"<s:Envelope xmlns:s="{}"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>{faultstring}</faultstring><detail>{detail}</detail></s:Fault></s:Body></s:Envelope>"#,
            v.namespace()
        ),
        SoapVersion::V12 => format!(
            r#"<q:Envelope xmlns:q="{}"><q:Body><q:Fault><q:Code><q:Value>q:Receiver</q:Value></q:Code><q:Reason><q:Text>{faultstring}</q:Text></q:Reason><q:Detail>{detail}</q:Detail></q:Fault></q:Body></q:Envelope>"#,
            v.namespace()
        ),
    }
}

const FS: &str = "Server was unable to process request.";

/// FAULT-EXPIRED
#[test]
fn fault_expired_every_spelling() {
    for v in SoapVersion::ALL {
        for code in [
            "0x8004A101",
            "0X8004A101",
            "0x8004a101",
            "8004A101",
            "8004a101",
            "  0x8004A101\n",
            "\t8004a101 ",
        ] {
            for detail in [
                format!("<error><code>{code}</code><description>d</description><type>Platform</type></error>"),
                format!("<error><type>Platform</type><description>d</description><code>{code}</code></error>"),
            ] {
                let f = read_fault(fault(v, &detail, FS).as_bytes()).unwrap();
                assert!(f.is_expired_ticket(), "{v:?} {detail}");
                assert_eq!(f.code.map(|c| c.to_string()).as_deref(), Some("8004A101"));
            }
        }
    }
}

/// FAULT-NO-FALSE-POSITIVE
#[test]
fn fault_no_false_positive() {
    let decoys = [
        ("<error><code>0x80040220</code><description>0x8004A101</description></error>", FS),
        ("<error><code>0x80040220</code></error>", "0x8004A101"),
        (r#"<error code="0x8004A101"><code>0x80040220</code></error>"#, FS),
        ("<other><code>0x8004A101</code></other>", FS),
        ("<error><sub><code>0x8004A101</code></sub></error>", FS),
        (r#"<error><code xmlns="urn:x">0x8004A101</code></error>"#, FS),
        ("<error><code>0x8004A101 0x1</code></error>", FS),
        ("<error><code>x8004A101</code></error>", FS),
        ("<error><code>0x08004A101</code></error>", FS),
    ];
    for v in SoapVersion::ALL {
        for (detail, fs) in decoys {
            let f = read_fault(fault(v, detail, fs).as_bytes()).unwrap();
            assert!(!f.is_expired_ticket(), "{v:?} {detail} / {fs}");
        }
    }
    // A code outside the fault detail (a header) does not count either.
    let x = format!(
        r#"<s:Envelope xmlns:s="{}"><s:Header><error><code>0x8004A101</code></error></s:Header><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>x</faultstring></s:Fault></s:Body></s:Envelope>"#,
        SoapVersion::V11.namespace()
    );
    assert!(!read_fault(x.as_bytes()).unwrap().is_expired_ticket());
    // ...while the seed's //code, document-wide, does see it: the readers differ on decoys.
    assert_eq!(seed_error_code(x.as_bytes()).unwrap().as_deref(), Some("0x8004A101"));
}

/// FAULT-SEED-AGREES
#[test]
fn fault_seed_agrees_on_canonical_faults() {
    for v in SoapVersion::ALL {
        for &(code, _) in crmauth::codec::fault::KNOWN_CODES {
            let x = encode_fault(v, ErrorCode(code), "description mentioning 0x8004A101");
            let robust = read_fault(x.as_bytes()).unwrap();
            let seed = seed_error_code(x.as_bytes()).unwrap().unwrap();
            assert_eq!(seed.parse::<ErrorCode>().ok(), robust.code);
            assert_eq!(seed.contains("8004A101"), robust.is_expired_ticket());
        }
    }
}

#[test]
fn seed_reader_is_first_unqualified_code_in_document_order() {
    let x = br#"<r xmlns:p="urn:p"><p:code>ns</p:code><a><code>first<b>!</b></code></a><code>second</code></r>"#;
    assert_eq!(seed_error_code(x).unwrap().as_deref(), Some("first!"));
    assert_eq!(seed_error_code(b"<r><codes>1</codes></r>").unwrap(), None);
    assert!(seed_error_code(b"<r><code>1</code>").is_err());
}
