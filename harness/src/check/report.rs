//! Reports of a `check` run: a text table, JSON, and JUnit XML for CI.

use super::{CaseReport, Settings, Status};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;
use std::fmt::Write as _;

/// Counts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases whose check failed.
    pub failed: usize,
    /// Cases that could not run.
    pub errors: usize,
    /// Warnings of all cases (never a failure: e.g. a step no generated request reached).
    pub warnings: usize,
}

impl Summary {
    /// Counts the statuses and warnings of these reports.
    pub fn of(reports: &[CaseReport]) -> Self {
        let mut s = Summary::default();
        for r in reports {
            s.warnings += r.warnings.len();
            match r.status {
                Status::Pass => s.passed += 1,
                Status::Fail { .. } => s.failed += 1,
                Status::Error { .. } => s.errors += 1,
            }
        }
        s
    }

    /// Whether every case passed.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

/// How to run the same inputs again.
pub fn replay_command(settings: &Settings, id: &str) -> String {
    format!("crmauth check --case {id} --seed {} --cases {}", settings.seed, settings.cases)
}

/// The text table: case ID, spec section, result, time; then each failure in full, the
/// per-step reach of `PIPE-REACH` and every warning.
pub fn text(reports: &[CaseReport], settings: &Settings) -> String {
    let width = reports.iter().map(|r| r.id.len()).max().unwrap_or(4).max(4);
    let mut out =
        format!("{:<width$}  {:<7}  {:<5}  {:>9}  title\n", "case", "section", "result", "time");
    for r in reports {
        let ms = r.duration.as_secs_f64() * 1000.0;
        let _ = writeln!(
            out,
            "{:<width$}  {:<7}  {:<6} {:>7.1}ms  {}",
            r.id,
            r.section,
            r.status.label(),
            ms,
            r.title
        );
    }
    for r in reports {
        match &r.status {
            Status::Pass => {}
            Status::Fail { message, counterexample } => {
                let _ = writeln!(
                    out,
                    "\n{} FAILED (PROTOCOL {}): {}\n{message}",
                    r.id, r.section, r.title
                );
                if let Some(c) = counterexample {
                    let _ = writeln!(out, "minimal counterexample:{c}");
                    let _ = writeln!(out, "replay: {}", replay_command(settings, &r.id));
                }
            }
            Status::Error { message } => {
                let _ = writeln!(out, "\n{} ERROR (PROTOCOL {}): {message}", r.id, r.section);
            }
        }
    }
    for r in reports {
        if let Some(reach) = &r.reach {
            let _ = write!(out, "\n{} (PROTOCOL {}): {}", r.id, r.section, reach.table());
        }
        for w in &r.warnings {
            let _ = writeln!(out, "\n{} WARNING (PROTOCOL {}): {w}", r.id, r.section);
        }
    }
    let s = Summary::of(reports);
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} errors, {} warnings (seed {}, {} cases per property)",
        s.passed, s.failed, s.errors, s.warnings, settings.seed, settings.cases
    );
    out
}

/// The JSON report: `{"summary": {…}, "cases": [{id, section, suite, title, result, …}]}`;
/// a case with warnings lists them (`warnings`), `PIPE-REACH` its per-step counts (`reach`).
pub fn json(reports: &[CaseReport], settings: &Settings) -> serde_json::Value {
    let s = Summary::of(reports);
    json!({
        "summary": {"passed": s.passed, "failed": s.failed, "errors": s.errors, "warnings": s.warnings, "seed": settings.seed, "cases": settings.cases},
        "cases": reports,
    })
}

/// JUnit XML: one test suite per crmauth suite, one test case per case ID; a case's
/// warnings and per-step reach are its `<system-out>`.
pub fn junit(reports: &[CaseReport], settings: &Settings) -> String {
    let mut report = Report::new("crmauth");
    let mut suites: Vec<TestSuite> = Vec::new();
    for r in reports {
        let name = format!("crmauth.{}", r.suite.name());
        let index = match suites.iter().position(|s| s.name.as_str() == name) {
            Some(i) => i,
            None => {
                suites.push(TestSuite::new(name.clone()));
                suites.len() - 1
            }
        };
        let status = match &r.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail { message, counterexample } => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(message.lines().next().unwrap_or("failed"));
                let mut description = message.clone();
                if let Some(c) = counterexample {
                    description.push_str(&format!(
                        "\nminimal counterexample:{c}\nreplay: {}",
                        replay_command(settings, &r.id)
                    ));
                }
                s.set_description(description);
                s.set_type("failure");
                s
            }
            Status::Error { message } => {
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
        let mut out = r.reach.as_ref().map(|reach| reach.table()).unwrap_or_default();
        for w in &r.warnings {
            out.push_str(&format!("WARNING: {w}\n"));
        }
        if !out.is_empty() {
            case.set_system_out(out);
        }
        suites[index].add_test_case(case);
    }
    report.add_test_suites(suites);
    report.to_string().unwrap_or_default()
}
