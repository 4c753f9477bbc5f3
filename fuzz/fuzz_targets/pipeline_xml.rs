//! Pipeline XML reader and writer on arbitrary bytes.
//!
//! - DECODE-TOTAL: `xml::parse` never panics; a rejection carries a line and column that
//!   lie inside the document.
//! - PIPE-ROUNDTRIP: on `Ok(p)`, `parse(print(p)) == p` and `print` is a fixed point.
//! - Limits only reject: a parse that succeeds within tight limits gives the same
//!   pipeline as with the default limits.
#![no_main]

use crmauth::pipeline::xml::{self, DocumentLimits};
use libfuzzer_sys::fuzz_target;

/// Tight limits, so the fuzzer reaches every limit check with small inputs.
const TIGHT: DocumentLimits = DocumentLimits {
    max_bytes: 2048,
    max_depth: 5,
    max_steps: 3,
    max_predicates_per_step: 2,
    max_configuration: 3,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = xml::parse(text);
    match &parsed {
        Ok(pipeline) => {
            let printed = xml::print(pipeline);
            let reparsed = xml::parse(&printed).unwrap_or_else(|e| {
                panic!("PIPE-ROUNDTRIP: printed pipeline rejected: {e}\n{printed}")
            });
            assert_eq!(&reparsed, pipeline, "PIPE-ROUNDTRIP: parse(print(p)) != p\n{printed}");
            assert_eq!(
                xml::print(&reparsed),
                printed,
                "PIPE-ROUNDTRIP: print is not a fixed point"
            );
        }
        Err(e) => {
            let lines = text.matches('\n').count() + 1;
            assert!(
                e.line >= 1 && e.line <= lines,
                "error line {} outside 1..={lines}: {e}",
                e.line
            );
            assert!(e.column >= 1, "error column 0: {e}");
        }
    }
    if let Ok(tight) = xml::parse_with_limits(text, TIGHT) {
        assert_eq!(Ok(tight), parsed, "a parse within tight limits differs from the default parse");
    }
});
