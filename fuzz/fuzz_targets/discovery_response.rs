//! The discovery codec on arbitrary bytes.
//!
//! - DECODE-TOTAL: `decode_response`, `decode_request`, `decode_message` return a value or
//!   a typed error within the input.
//! - `decode_message` agrees with the specific decoders on what it accepts.
//! - TOKEN-ROUNDTRIP-DISCOVERY on what was decoded: re-encoded in SOAP 1.1 and 1.2 it
//!   decodes to itself, and encoding it again gives the same bytes.
#![no_main]

use crmauth::codec::discovery::{self, DiscoveryMessage};
use crmauth::codec::SoapVersion;
use crmauth_fuzz::codec::typed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let rs = discovery::decode_response(data);
    typed("decode_response", data.len(), &rs);
    let rq = discovery::decode_request(data);
    typed("decode_request", data.len(), &rq);
    let msg = discovery::decode_message(data);
    typed("decode_message", data.len(), &msg);
    match &msg {
        Ok(DiscoveryMessage::Response(r)) => {
            assert_eq!(rs.as_ref().ok(), Some(r), "decode_message vs decode_response")
        }
        Ok(DiscoveryMessage::Request(r)) => {
            assert_eq!(rq.as_ref().ok(), Some(r), "decode_message vs decode_request")
        }
        Err(_) => assert!(
            rs.is_err() && rq.is_err(),
            "decode_message rejected what a specific decoder accepted"
        ),
    }
    for v in SoapVersion::ALL {
        let p = discovery::prefixes(v);
        if let Ok(r) = &rs {
            let xml = discovery::encode_response(r, v, &p);
            let back = discovery::decode_response(xml.as_bytes()).unwrap_or_else(|e| {
                panic!(
                    "TOKEN-ROUNDTRIP-DISCOVERY ({v:?}): re-encoded response rejected: {e}\n{xml}"
                )
            });
            assert_eq!(&back, r, "TOKEN-ROUNDTRIP-DISCOVERY ({v:?})\n{xml}");
            assert_eq!(
                discovery::encode_response(&back, v, &p),
                xml,
                "response encoding is not stable"
            );
        }
        if let Ok(r) = &rq {
            let xml = discovery::encode_request(r, v, &p);
            let back = discovery::decode_request(xml.as_bytes()).unwrap_or_else(|e| {
                panic!("TOKEN-ROUNDTRIP-DISCOVERY ({v:?}): re-encoded request rejected: {e}\n{xml}")
            });
            assert_eq!(&back, r, "TOKEN-ROUNDTRIP-DISCOVERY ({v:?})\n{xml}");
            assert_eq!(
                discovery::encode_request(&back, v, &p),
                xml,
                "request encoding is not stable"
            );
        }
    }
});
