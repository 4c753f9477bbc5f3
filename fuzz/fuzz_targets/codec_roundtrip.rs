//! Encode → decode → encode on structured values: CRM headers, the token alone, discovery
//! requests and responses, sessions; SOAP 1.1 or 1.2, any valid prefixes, any XML text.
//!
//! - TOKEN-ROUNDTRIP and TOKEN-ROUNDTRIP-DISCOVERY (the project's own property functions,
//!   `crmauth::check::codec`, on fuzzer-built values): decode(encode(x)) = x.
//! - Stability: encode(decode(encode(x))) = encode(x), byte for byte, on the envelopes
//!   those property functions wrote and read back (`*_roundtrip_read`: nothing is
//!   encoded or decoded twice).
#![no_main]

use crmauth::check::codec::{
    discovery_roundtrip_read, token_roundtrip_read, DiscoveryInput, TokenInput,
};
use crmauth::codec::service::ServiceRequest;
use crmauth::codec::{cookie, discovery, service};
use crmauth_fuzz::codec::{
    prefixes, version, ArbDiscoveryRequest, ArbDiscoveryResponse, ArbHeaders, ArbSession,
};
use libfuzzer_sys::arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;

/// One family of values a run: the encoders differ enough that mixing them would only
/// slow every run down.
enum Input {
    Headers(TokenInput),
    Discovery(DiscoveryInput),
    Session(cookie::MsCrmSession),
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let family = u.int_in_range(0..=2)?;
        let v = version(u)?;
        let p = prefixes(u, v)?;
        Ok(match family {
            0 => Input::Headers(((v, p), ArbHeaders::arbitrary(u)?.0, ServiceRequest::WhoAmI)),
            1 => Input::Discovery((
                (v, p),
                ArbDiscoveryRequest::arbitrary(u)?.0,
                ArbDiscoveryResponse::arbitrary(u)?.0,
            )),
            _ => Input::Session(ArbSession::arbitrary(u)?.0),
        })
    }
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crmauth::codec::redact::with_revealed(|| match self {
            Input::Headers(x) => write!(f, "{x:?}"),
            Input::Discovery(x) => write!(f, "{x:?}"),
            Input::Session(x) => write!(f, "{x:?}"),
        })
    }
}

fuzz_target!(|input: Input| match &input {
    Input::Headers(case) => {
        let ((v, p), _, _) = case;
        let read = token_roundtrip_read(case)
            .unwrap_or_else(|e| panic!("TOKEN-ROUNDTRIP: {e}\n{input:?}"));
        assert_eq!(
            service::encode_request(&read.request, &read.headers, *v, p),
            read.xml,
            "header (request envelope) encoding is not stable"
        );
    }
    Input::Discovery(case) => {
        let (v, p) = &case.0;
        let read = discovery_roundtrip_read(case)
            .unwrap_or_else(|e| panic!("TOKEN-ROUNDTRIP-DISCOVERY: {e}\n{input:?}"));
        assert_eq!(
            discovery::encode_request(&read.request, *v, p),
            read.request_xml,
            "discovery request encoding is not stable"
        );
        assert_eq!(
            discovery::encode_response(&read.response, *v, p),
            read.response_xml,
            "discovery response encoding is not stable"
        );
    }
    Input::Session(session) => {
        let value = cookie::encode_session_value(session);
        let back = cookie::parse_session(&value)
            .unwrap_or_else(|e| panic!("session value rejected: {e}\n{input:?}"));
        assert_eq!(&back, session, "session round trip");
        assert_eq!(cookie::encode_session_value(&back), value, "session encoding is not stable");
    }
});
