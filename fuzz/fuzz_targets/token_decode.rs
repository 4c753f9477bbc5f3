//! The token codec on arbitrary bytes.
//!
//! - DECODE-TOTAL: `decode_token_from_envelope` and `decode_headers` return a value or a
//!   typed error within the input; they agree on the token.
//! - TOKEN-DECODE-AGREES: the streaming `decode_token_from_envelope` and the tree decoder
//!   `decode_token_from_envelope_tree` give the same `Ok` value, or both reject.
//! - TOKEN-ROUNDTRIP on what was decoded: the token re-encoded in SOAP 1.1 and 1.2 decodes
//!   to itself, and so do all the headers; encoding what was decoded again is stable.
#![no_main]

use crmauth::codec::token::{self, crm_prefixes};
use crmauth::codec::SoapVersion;
use crmauth_fuzz::codec::typed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let t = token::decode_token_from_envelope(data);
    typed("decode_token_from_envelope", data.len(), &t);
    let tree = token::decode_token_from_envelope_tree(data);
    typed("decode_token_from_envelope_tree", data.len(), &tree);
    match (&t, &tree) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "TOKEN-DECODE-AGREES: the decoders read different tokens")
        }
        (Err(_), Err(_)) => {}
        _ => panic!("TOKEN-DECODE-AGREES: streaming {t:?}, tree {tree:?}"),
    }
    let h = token::decode_headers(data);
    typed("decode_headers", data.len(), &h);
    match (&t, &h) {
        (Ok(t), Ok(h)) => {
            assert_eq!(t, &h.token, "decode_token_from_envelope and decode_headers disagree")
        }
        (Ok(_), Err(_)) => {} // other headers may be malformed while the token is fine
        (Err(_), Ok(h)) => panic!("the token was rejected but decode_headers read {:?}", h.token),
        (Err(_), Err(_)) => {}
    }
    if let Ok(Some(tok)) = &t {
        for v in SoapVersion::ALL {
            let xml = token::encode_envelope_with_token(tok, v, "<x xmlns=\"urn:x\">body</x>");
            let back = token::decode_token_from_envelope(xml.as_bytes());
            assert_eq!(
                back.as_ref().ok().and_then(|b| b.as_ref()),
                Some(tok),
                "TOKEN-ROUNDTRIP ({v:?}): {back:?}\n{xml}"
            );
        }
    }
    if let Ok(headers) = &h {
        for v in SoapVersion::ALL {
            let xml = token::encode_envelope(headers, v, &crm_prefixes(v), vec![]);
            let back = token::decode_headers(xml.as_bytes()).unwrap_or_else(|e| {
                panic!("TOKEN-ROUNDTRIP ({v:?}): re-encoded headers rejected: {e}\n{xml}")
            });
            assert_eq!(&back, headers, "TOKEN-ROUNDTRIP ({v:?})\n{xml}");
            assert_eq!(
                token::encode_envelope(&back, v, &crm_prefixes(v), vec![]),
                xml,
                "encoding is not stable"
            );
        }
    }
});
