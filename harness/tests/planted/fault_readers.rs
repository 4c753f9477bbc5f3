//! A planted wrong fault reader (feature `mutants`) is caught by the codec suite of
//! `crmauth check` (FAULT-EXPIRED, FAULT-NO-FALSE-POSITIVE), with a shrunk counterexample.

use crate::support::CODEC;
use crmauth::check::codec::{fault_cases, FaultReader};
use crmauth::check::Status;
use crmauth::codec::fault::mutants;

/// The fault properties of the codec suite that fail on `reader`.
fn failing(reader: FaultReader) -> Vec<(String, Status)> {
    crate::support::failing(fault_cases(reader), &CODEC)
}

#[test]

fn a_reader_that_also_reads_description_is_caught() {
    let failures = failing(mutants::reads_description);
    let Some((_, Status::Fail { counterexample: Some(c), .. })) =
        failures.iter().find(|(id, _)| id == "FAULT-NO-FALSE-POSITIVE")
    else {
        panic!("not caught by FAULT-NO-FALSE-POSITIVE: {failures:?}")
    };
    // Shrunk to the simplest decoy: the plain code in the description, no code element.
    assert!(c.contains("<description>The ticket 8004A101 is") && !c.contains("<code"), "{c}");
    assert!(failures.iter().all(|(id, _)| id != "FAULT-EXPIRED"), "{failures:?}");
}

#[test]

fn a_case_sensitive_reader_is_caught() {
    let failures = failing(mutants::upper_case_only);
    assert!(failures.iter().any(|(id, _)| id == "FAULT-EXPIRED"), "{failures:?}");
}
