//! The streaming fault reader against the tree reader, on arbitrary bytes.
//!
//! - DECODE-TOTAL: `read_fault_stream` returns a fault or a typed error within the input.
//! - The differential property (as TOKEN-DECODE-AGREES for the token decoders): the
//!   streaming reader and `read_fault` give the same `Ok` fault, or both reject — so
//!   FAULT-EXPIRED, FAULT-NO-FALSE-POSITIVE and FAULT-SEED-AGREES, which hold for the tree
//!   reader, hold for it on every input the fuzzer finds.
//! - As for the tree reader: `code` is exactly `raw_code` parsed.
#![no_main]

use crmauth::codec::fault;
use crmauth::codec::fault_stream::read_fault_stream;
use crmauth_fuzz::codec::typed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fast = read_fault_stream(data);
    typed("read_fault_stream", data.len(), &fast);
    let tree = fault::read_fault(data);
    match (&fast, &tree) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the fault readers read different faults"),
        (Err(_), Err(_)) => {}
        _ => panic!("the fault readers disagree: streaming {fast:?}, tree {tree:?}"),
    }
    if let Ok(f) = &fast {
        assert_eq!(
            f.code,
            f.raw_code.as_deref().and_then(|c| c.parse().ok()),
            "code is not raw_code parsed"
        );
    }
});
