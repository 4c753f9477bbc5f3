//! Reports of a client conformance run: a text table with, per failing case, the rules
//! that failed and the exchange the server saw (tickets by number); JSON with every
//! record; JUnit with one test per case.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;

use super::runner::CaseResult;
use super::verdict::Verdict;
use crate::server::script::{CaseRecord, Exchange, TicketSeen};

/// Counts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Cases with verdict `Pass`.
    pub passed: usize,
    /// Cases with verdict `Fail`.
    pub failed: usize,
    /// Cases with verdict `Skip` (client exit 89 without `--strict`).
    pub skipped: usize,
    /// Cases with verdict `Error` (could not run).
    pub errors: usize,
}

impl Summary {
    /// Counts the verdicts of `results`.
    pub fn of(results: &[CaseResult]) -> Self {
        let mut s = Summary::default();
        for r in results {
            match r.verdict {
                Verdict::Pass => s.passed += 1,
                Verdict::Fail { .. } => s.failed += 1,
                Verdict::Skip { .. } => s.skipped += 1,
                Verdict::Error { .. } => s.errors += 1,
            }
        }
        s
    }
    /// No failure and no error (skips allowed; `--strict` turns them into failures).
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

/// One line per exchange: `#seq +ms METHOD path operation [ticket] [CallerId] → status [fault]`.
pub fn exchange_lines(record: &CaseRecord) -> String {
    let mut out = String::new();
    for e in &record.exchanges {
        let _ = writeln!(out, "    {}", exchange_line(e));
    }
    if record.dropped > 0 {
        let _ = writeln!(out, "    … {} more requests not recorded one by one", record.dropped);
    }
    for a in &record.audit {
        let _ = writeln!(
            out,
            "    audit: {} owner {} acting {} {:?}",
            a.entity, a.owner, a.acting_user, a.attributes
        );
    }
    out
}

fn exchange_line(e: &Exchange) -> String {
    let short = e.path.rsplit_once("/MSCRMServices/2007/").map_or(e.path.as_str(), |(_, p)| p);
    let mut s = format!("#{:<3} +{:>5}ms {} {short} {:?}", e.seq, e.at_ms, e.method, e.operation);
    match &e.ticket {
        Some(TicketSeen::Issued { number }) => {
            let _ = write!(s, " ticket T{number}");
        }
        Some(TicketSeen::Unknown { redacted }) => {
            let _ = write!(s, " ticket unknown({redacted})");
        }
        None => {}
    }
    if let Some(c) = e.caller_id {
        let _ = write!(s, " CallerId {c}");
    }
    let _ = write!(s, " → {}", e.status);
    if let Some(n) = e.issued {
        let _ = write!(s, " issued T{n}");
    }
    if let Some(f) = e.fault {
        let code = f.code.map_or("no code".to_string(), |c| c.to_string());
        match f.scripted {
            Some(sp) => {
                let _ = write!(s, " fault {code} (scripted, {sp:?})");
            }
            None => {
                let _ = write!(s, " fault {code}");
            }
        }
    }
    s
}

/// The text report.
pub fn text(results: &[CaseResult], command: &str) -> String {
    let width = results.iter().map(|r| r.id.len()).max().unwrap_or(4).max(4);
    let mut out =
        format!("client: {command}\n{:<width$}  section  result  time    title\n", "case");
    for r in results {
        let _ = writeln!(
            out,
            "{:<width$}  {:<7}  {:<6} {:>5.1}s  {}",
            r.id,
            r.section,
            r.verdict.label(),
            r.duration.as_secs_f64(),
            r.title
        );
    }
    for r in results {
        match &r.verdict {
            Verdict::Pass => {}
            Verdict::Skip { reason } => {
                let _ = writeln!(out, "\n{} SKIPPED: {reason}", r.id);
            }
            Verdict::Error { message } => {
                let _ = writeln!(out, "\n{} ERROR: {message}", r.id);
            }
            Verdict::Fail { violations } => {
                let _ = writeln!(
                    out,
                    "\n{} FAILED (PROTOCOL {}, {}): {}",
                    r.id, r.section, r.invariant, r.title
                );
                for v in violations {
                    let _ = writeln!(
                        out,
                        "  rule {} (PROTOCOL {}): {}",
                        v.rule.id(),
                        v.rule.source(),
                        v.detail
                    );
                }
                if let Some(e) = &r.exit {
                    let _ =
                        writeln!(out, "  the client {e} after {:.1} s", r.duration.as_secs_f64());
                }
                if let Some(rec) = &r.record {
                    let _ = writeln!(out, "  what the server saw:");
                    out.push_str(&exchange_lines(rec));
                }
                let tail: Vec<&str> = r.stderr_tail.lines().rev().take(5).collect();
                if !tail.is_empty() {
                    let _ = writeln!(out, "  client stderr (last lines, not judged):");
                    for l in tail.iter().rev() {
                        let _ = writeln!(out, "    | {l}");
                    }
                }
            }
        }
    }
    let s = Summary::of(results);
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} skipped, {} errors",
        s.passed, s.failed, s.skipped, s.errors
    );
    out
}

/// The JSON report: `{"client", "summary", "cases": [{id, section, invariant, title,
/// result, violations?, exit, duration_s, record, stderr_tail}]}`.
pub fn json(results: &[CaseResult], command: &str) -> serde_json::Value {
    let s = Summary::of(results);
    json!({
        "client": command,
        "summary": {"passed": s.passed, "failed": s.failed, "skipped": s.skipped, "errors": s.errors},
        "cases": results,
    })
}

/// JUnit XML: one suite `crmauth.client-conformance`, one test per case.
pub fn junit(results: &[CaseResult]) -> String {
    let mut report = Report::new("crmauth");
    let name = "crmauth.client-conformance";
    let mut suite = TestSuite::new(name);
    for r in results {
        let status = match &r.verdict {
            Verdict::Pass => TestCaseStatus::success(),
            Verdict::Skip { reason } => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.as_str());
                s
            }
            Verdict::Fail { violations } => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = violations.first();
                s.set_message(
                    first
                        .map_or("failed".to_string(), |v| format!("{}: {}", v.rule.id(), v.detail)),
                );
                let mut d = String::new();
                for v in violations {
                    let _ = writeln!(
                        d,
                        "rule {} (PROTOCOL {}): {}",
                        v.rule.id(),
                        v.rule.source(),
                        v.detail
                    );
                }
                if let Some(e) = &r.exit {
                    let _ = writeln!(d, "the client {e}");
                }
                if let Some(rec) = &r.record {
                    d.push_str(&exchange_lines(rec));
                }
                s.set_description(d);
                s.set_type("failure");
                s
            }
            Verdict::Error { message } => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(message.as_str());
                s.set_type("error");
                s
            }
        };
        let mut case =
            TestCase::new(format!("{} (PROTOCOL {}): {}", r.id, r.section, r.title), status);
        case.set_classname(name);
        case.set_time(r.duration);
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}
