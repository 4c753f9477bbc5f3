//! The codec properties of PROTOCOL section 3 under proptest's own runner (`PROPTEST_CASES`,
//! failure persistence in `codec_props.proptest-regressions`), on the public strategies of
//! `crmauth::generate::codec`. `crmauth check --suite codec` runs the same properties.

use crmauth::check::codec::{
    cookie_roundtrip, decode_total, discovery_roundtrip, fault_expired, fault_no_false_positive,
    fault_seed_agrees, service_roundtrip, token_decode_agrees, token_roundtrip,
};
use crmauth::codec::fault::read_fault;
use crmauth::codec::token::{self, CrmAuthenticationToken};
use crmauth::codec::SoapVersion;
use crmauth::generate::codec::*;
use proptest::prelude::*;
use uuid::Uuid;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn token_roundtrip_headers(input in (arb_prefixes(), arb_headers(), arb_service_request())) {
        token_roundtrip(input)?;
    }

    #[test]
    fn token_roundtrip_discovery(input in (arb_prefixes(), arb_discovery_request(), arb_discovery_response())) {
        discovery_roundtrip(input)?;
    }

    #[test]
    fn token_roundtrip_service(input in (arb_prefixes(), arb_service_response())) {
        service_roundtrip(input)?;
    }

    #[test]
    fn token_roundtrip_cookie(input in arb_cookie_header()) {
        cookie_roundtrip(input)?;
    }

    #[test]
    fn fault_expired_every_spelling(doc in arb_fault_spelling()) {
        fault_expired(read_fault, doc)?;
    }

    #[test]
    fn fault_no_false_positive_decoys(doc in arb_decoy_fault()) {
        fault_no_false_positive(read_fault, doc)?;
    }

    #[test]
    fn fault_seed_agrees_canonical(input in arb_canonical_fault()) {
        fault_seed_agrees(read_fault, input)?;
    }

    #[test]
    fn token_decode_agrees_streaming_and_tree(input in arb_token_decoder_input()) {
        token_decode_agrees(input)?;
    }

    #[test]
    fn decode_total_any_input(input in arb_decoder_input()) {
        decode_total(input)?;
    }
}

/// DECODE-TOTAL on inputs proptest once shrank failures to: a stray UTF-8 continuation
/// byte, and an envelope with junk spliced into its declaration; and the empty input.
#[test]
fn decode_total_regressions() {
    let token = CrmAuthenticationToken {
        authentication_type: token::AuthenticationType::Ad,
        crm_ticket: None,
        organization_name: None,
        caller_id: Uuid::nil(),
    };
    let mut spliced = token::encode_envelope_with_token(&token, SoapVersion::V11, "").into_bytes();
    spliced.splice(18..21, [32, 128, 128, 10]);
    for input in [vec![], vec![32, 32, 32, 32, 32, 128, 128, 0], spliced] {
        decode_total(Bytes(input)).unwrap();
    }
}
