//! Every invariant of PROTOCOL section 3 has a planted fault (feature `mutants`) that its
//! check catches: the table below maps each ID to a fault and to how the check is run, and
//! each row is a test that runs the check on the real code (it must pass) and with the fault
//! planted (it must fail, with a counterexample where the check is a property).
//!
//! Wherever `crmauth check --case ID` can run the check, it is run that way (the library's
//! case list, [`crmauth::check::cases`], with the fault planted on the calling thread).
//! LINT-EXACT takes its planted analysis as an argument, and CLIENT-CONFORMANCE judges an
//! external client: a deliberately broken one (`crmauth client-shim --broken KIND`).

use crate::support::corpus;
use crmauth::check::client_conformance::{self as cc, run_cases, RunSettings, Verdict};
use crmauth::check::lint::run_lint_exact;
use crmauth::check::{cases, Selection, Settings, Status, Suite};
use crmauth::client::flow::planted::ClientFault;
use crmauth::codec::planted::{self, CodecFault, Plant};
use crmauth::pipeline::analysis::{self, Analyser};
use crmauth::pipeline::engine::Mutation;
use crmauth::pipeline::planted::{FilterFault, ReaderFault, SharedFault};

/// The invariant IDs of PROTOCOL section 3, copied by hand.
const SECTION_3_IDS: [&str; 19] = [
    "PIPE-FIRST-SUCCESS",
    "PIPE-SHORT-CIRCUIT",
    "PIPE-PROVIDER-GATED",
    "PIPE-FAIL-CLOSED",
    "PIPE-DETERMINISTIC",
    "PIPE-ROUNDTRIP",
    "PIPE-ORACLE",
    "TOKEN-ROUNDTRIP",
    "FAULT-EXPIRED",
    "FAULT-NO-FALSE-POSITIVE",
    "FAULT-SEED-AGREES",
    "CLIENT-RETRY-BOUND",
    "CLIENT-RETRY-ONLY-EXPIRED",
    "CLIENT-IMPERSONATION",
    "DECODE-TOTAL",
    "DEPLOY-NO-ANONYMOUS",
    "DEPLOY-SPEC-AGREES",
    "LINT-EXACT",
    "CLIENT-CONFORMANCE",
];

/// A planted fault, by the layer it is in.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The engine's step loop (`pipeline/engine.rs`).
    Engine(Mutation),
    /// The step filter (`pipeline/step_filter.rs`).
    Filter(FilterFault),
    /// The pipeline XML reader (`pipeline/xml/`).
    Reader(ReaderFault),
    /// Provider and deployment code both evaluators share (`pipeline/providers.rs`, …).
    Shared(SharedFault),
    /// The codecs (`codec/token`, `codec/fault.rs`).
    Codec(CodecFault),
    /// The client flow (`client/flow.rs`).
    Client(ClientFault),
    /// The reachability analysis (`pipeline/analysis.rs`), given to LINT-EXACT.
    Analysis(analysis::Mutation),
    /// A broken external client (`crmauth client-shim --broken KIND`).
    BrokenClient(&'static str),
}

/// One row: the invariant, the fault that breaks it, and the `check` case that must catch
/// it (the invariant's own case, or its named half).
struct Row {
    id: &'static str,
    fault: Fault,
    case: &'static str,
}

const fn row(id: &'static str, fault: Fault) -> Row {
    Row { id, fault, case: id }
}

const ROWS: &[Row] = &[
    row("PIPE-FIRST-SUCCESS", Fault::Engine(Mutation::ContinueAfterHandled)),
    Row {
        id: "PIPE-FIRST-SUCCESS",
        fault: Fault::Engine(Mutation::SkipStepAfterDecline),
        case: "PIPE-FIRST-SUCCESS",
    },
    row("PIPE-SHORT-CIRCUIT", Fault::Engine(Mutation::NoShortCircuit)),
    row("PIPE-PROVIDER-GATED", Fault::Engine(Mutation::ProviderAfterFalsePredicate)),
    row("PIPE-FAIL-CLOSED", Fault::Engine(Mutation::FailOpen)),
    Row {
        id: "PIPE-FAIL-CLOSED",
        fault: Fault::Reader(ReaderFault::UnknownKeysIgnored),
        case: "PIPE-FAIL-CLOSED-CONFIG",
    },
    row("PIPE-DETERMINISTIC", Fault::Filter(FilterFault::ValuesInHashOrder)),
    row("PIPE-ROUNDTRIP", Fault::Reader(ReaderFault::ValuesLowerCased)),
    row("PIPE-ORACLE", Fault::Filter(FilterFault::LastCandidateDropped)),
    row("TOKEN-ROUNDTRIP", Fault::Codec(CodecFault::TokenOrganizationTrimmed)),
    row("FAULT-EXPIRED", Fault::Codec(CodecFault::UpperCaseOnly)),
    row("FAULT-NO-FALSE-POSITIVE", Fault::Codec(CodecFault::ReadsDescription)),
    row("FAULT-SEED-AGREES", Fault::Codec(CodecFault::LowerCaseWireCode)),
    row("CLIENT-RETRY-BOUND", Fault::Client(ClientFault::RetryBeyondBound)),
    row("CLIENT-RETRY-ONLY-EXPIRED", Fault::Client(ClientFault::RetriesAnyFault)),
    row("CLIENT-IMPERSONATION", Fault::Client(ClientFault::NilCallerId)),
    row("DECODE-TOTAL", Fault::Codec(CodecFault::TokenDecoderUnwrapsUtf8)),
    row("DEPLOY-NO-ANONYMOUS", Fault::Shared(SharedFault::ImpliedIdentity)),
    row("DEPLOY-SPEC-AGREES", Fault::Shared(SharedFault::UnreadableCookieDeclines)),
    row("LINT-EXACT", Fault::Analysis(analysis::Mutation::PathCaseSensitive)),
    row("CLIENT-CONFORMANCE", Fault::BrokenClient("no-caller-id")),
];

fn settings() -> Settings {
    Settings { cases: 256, seed: 16 }
}

/// `crmauth check --case ID` (in `suite`), run in this thread.
fn check_case(suite: Suite, id: &str) -> Status {
    let selection =
        Selection { suite: Some(suite), case: Some(id.to_string()), ..Selection::default() };
    let found = cases(&selection, &corpus());
    assert_eq!(found.len(), 1, "`check --case {id}` selects {} cases", found.len());
    found[0].run(&settings()).status
}

/// `check_case` with `fault` planted on this thread, or on the real code.
fn planted_case<F: Plant>(fault: F, planted: bool, suite: Suite, id: &str) -> Status {
    if planted {
        planted::with(fault, || check_case(suite, id))
    } else {
        check_case(suite, id)
    }
}

/// The suite a case ID belongs to.
fn suite(id: &str) -> Suite {
    match id.split('-').next() {
        Some("TOKEN" | "FAULT" | "DECODE") => Suite::Codec,
        Some("CLIENT") => Suite::Client,
        _ => Suite::Pipeline,
    }
}

/// Runs the row's check, with its fault planted or on the real code.
fn run(row: &Row, planted: bool) -> Status {
    let s = suite(row.case);
    match row.fault {
        Fault::Engine(m) => planted_case(m, planted, s, row.case),
        Fault::Filter(f) => planted_case(f, planted, s, row.case),
        Fault::Reader(f) => planted_case(f, planted, s, row.case),
        Fault::Shared(f) => planted_case(f, planted, s, row.case),
        Fault::Codec(f) => planted_case(f, planted, s, row.case),
        Fault::Client(f) => planted_case(f, planted, s, row.case),
        Fault::Analysis(m) => run_lint_exact(
            if planted { Analyser::mutated(m) } else { Analyser::exact() },
            &settings(),
        ),
        Fault::BrokenClient(kind) => broken_client(planted.then_some(kind)),
    }
}

/// CLIENT-CONFORMANCE: the happy path, judged by what the mock recorded. The broken client
/// exits 0 and says it created the task; only the server's record shows the mistake.
fn broken_client(kind: Option<&str>) -> Status {
    let mut argv = vec![env!("CARGO_BIN_EXE_crmauth").to_string(), "client-shim".to_string()];
    if let Some(k) = kind {
        argv.extend(["--broken".to_string(), k.to_string()]);
    }
    let spec = cc::spec(cc::CaseId::HappyPath);
    let results = run_cases(&argv, &[spec], &RunSettings::default()).expect("run the client");
    let r = &results[0];
    match &r.verdict {
        Verdict::Pass => Status::Pass,
        Verdict::Fail { violations } => {
            assert!(
                r.exit.as_ref().is_some_and(|e| e.is_success()),
                "the broken client claims success (exit 0): {:?}",
                r.exit
            );
            Status::Fail {
                message: format!("{violations:?}"),
                counterexample: r.record.as_ref().map(cc::report::exchange_lines),
            }
        }
        other => Status::Error { message: format!("{other:?}") },
    }
}

/// The row's check passes on the real code and fails with the fault planted, with a
/// counterexample wherever the check generates inputs (its shrunk input).
fn assert_caught(index: usize) {
    quiet_planted_panics();
    let row = &ROWS[index];
    assert_eq!(run(row, false), Status::Pass, "{} fails on the real code", row.case);
    let status = run(row, true);
    let Status::Fail { message, counterexample } = &status else {
        panic!("{:?} was not caught by {}: {status:?}", row.fault, row.case)
    };
    eprintln!("{} catches {:?}: {message}\n{counterexample:?}", row.case, row.fault);
    if !matches!(row.fault, Fault::Client(_)) {
        let c = counterexample.as_deref().unwrap_or_default();
        assert!(!c.is_empty(), "{}: no counterexample", row.case);
    }
}

/// The planted panic of DECODE-TOTAL is caught (as a failure) on every input the property
/// tries while shrinking: keep its message and backtrace off stderr. Other panics print.
fn quiet_planted_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().ends_with("codec/planted.rs")) {
                previous(info);
            }
        }));
    });
}

/// One test per row; `TESTED` lists them, so the completeness test sees every row tested.
macro_rules! rows {
    ($($name:ident => $index:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                assert_caught($index);
            }
        )*
        const TESTED: &[usize] = &[$($index),*];
    };
}

rows! {
    pipe_first_success_catches_continue_after_handled => 0,
    pipe_first_success_catches_a_skipped_step => 1,
    pipe_short_circuit_catches_no_short_circuit => 2,
    pipe_provider_gated_catches_provider_after_false_predicate => 3,
    pipe_fail_closed_catches_fail_open => 4,
    pipe_fail_closed_config_catches_unknown_keys_ignored => 5,
    pipe_deterministic_catches_values_in_hash_order => 6,
    pipe_roundtrip_catches_values_lower_cased => 7,
    pipe_oracle_catches_a_dropped_filter_candidate => 8,
    token_roundtrip_catches_a_trimmed_organization => 9,
    fault_expired_catches_upper_case_only => 10,
    fault_no_false_positive_catches_reads_description => 11,
    fault_seed_agrees_catches_lower_case_wire_codes => 12,
    client_retry_bound_catches_one_retry_too_many => 13,
    client_retry_only_expired_catches_retries_any_fault => 14,
    client_impersonation_catches_a_nil_caller_id => 15,
    decode_total_catches_a_panicking_decoder => 16,
    deploy_no_anonymous_catches_implied_identity => 17,
    deploy_spec_agrees_catches_unreadable_cookie_declines => 18,
    lint_exact_catches_case_sensitive_paths => 19,
    client_conformance_catches_a_client_that_claims_success => 20,
}

/// Every ID of section 3 has a planted fault with a test that shows it caught (each row's
/// test fails if its check does not catch the fault), and the table names no other ID.
#[test]
fn every_invariant_of_section_3_has_a_planted_fault_that_is_caught() {
    let mut tested: Vec<usize> = TESTED.to_vec();
    tested.sort_unstable();
    assert_eq!(tested, (0..ROWS.len()).collect::<Vec<_>>(), "every row has its test");
    for id in SECTION_3_IDS {
        assert!(ROWS.iter().any(|r| r.id == id), "{id} has no planted fault");
    }
    for r in ROWS {
        assert!(SECTION_3_IDS.contains(&r.id), "{} is not an ID of section 3", r.id);
        assert!(r.case.starts_with(r.id), "{} is run as {}", r.id, r.case);
    }
}
