//! `crmauth`: the command line. It parses arguments and wires library calls; nothing more.

use clap::{Parser, Subcommand};
use crmauth::cli::{self, CliError};
use std::io::Write as _;
use std::process::ExitCode;

/// Protocol test harness for the Microsoft Dynamics CRM 4.0 authentication pipeline.
#[derive(Parser)]
#[command(name = "crmauth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the conformance suite: golden vectors and the invariants of the spec.
    Check(cli::check::CheckArgs),
    /// Evaluate one request against a pipeline and print the outcome and the trace.
    Eval(cli::eval::EvalArgs),
    /// Describe a pipeline in words and point out unreachable or contradictory steps.
    Explain(cli::explain::ExplainArgs),
    /// Find unreachable, redundant and contradictory steps (PROTOCOL 1.7), like a compiler.
    Lint(cli::lint::LintArgs),
    /// Compare two pipeline versions (PROTOCOL 1.7), with a witness request per difference.
    Diff(cli::diff::DiffArgs),
    /// Decode a token, envelope, fault, discovery message, cookie or RPS input to JSON.
    Decode(cli::codec::DecodeArgs),
    /// Write a known-good envelope, fault or discovery message from JSON.
    Encode(cli::codec::EncodeArgs),
    /// Compare real CRM 4.0 WSDLs with the message table crmauth speaks by.
    WsdlCheck(cli::codec::WsdlCheckArgs),
    /// Run the mock CRM server (discovery + CrmService behind the real pipeline) until Ctrl-C.
    Serve(cli::serve::ServeArgs),
    /// Bounded load against a server: requests/s, errors, p50/p99 latency, server RSS.
    Load(cli::serve::LoadArgs),
    /// crmauth's own client behind the `check --client` contract (reads CRMAUTH_* variables).
    ClientShim(cli::client_shim::ShimArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result: Result<String, CliError> = match &cli.command {
        Command::Check(args) => return check(args),
        Command::ClientShim(args) => return ExitCode::from(cli::client_shim::run(args)),
        Command::Eval(args) => cli::eval::run(args),
        Command::Explain(args) => cli::explain::run(args),
        Command::Lint(args) => return reported(cli::lint::run(args)),
        Command::Diff(args) => return reported(cli::diff::run(args)),
        Command::Decode(args) => return streamed(|out| cli::codec::decode(args, out)),
        Command::Encode(args) => return streamed(|out| cli::codec::encode(args, out)),
        Command::WsdlCheck(args) => return streamed(|out| cli::codec::wsdl_check(args, out)),
        Command::Serve(args) => cli::serve::serve(args),
        Command::Load(args) => cli::serve::load(args),
    };
    match result {
        Ok(out) => {
            // A closed pipe (`crmauth … | head`) is not an error worth a panic.
            let _ = writeln!(std::io::stdout(), "{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crmauth: {e}");
            ExitCode::from(e.exit_code)
        }
    }
}

/// A report goes to standard output whatever the verdict; its exit code is 0 or 1.
fn reported(result: Result<cli::lint::Report, CliError>) -> ExitCode {
    match result {
        Ok(report) => {
            let _ = writeln!(std::io::stdout(), "{}", report.output);
            ExitCode::from(report.exit_code)
        }
        Err(e) => {
            eprintln!("crmauth: {e}");
            ExitCode::from(e.exit_code)
        }
    }
}

/// Runs a command that writes to standard output itself and returns its exit code.
fn streamed(
    run: impl FnOnce(&mut dyn std::io::Write) -> Result<u8, cli::codec::CliError>,
) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match run(&mut out) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("crmauth: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// `check`: the report goes to `--out` or standard output; exit 1 when a case failed.
fn check(args: &cli::check::CheckArgs) -> ExitCode {
    match cli::check::run(args) {
        Ok(outcome) => {
            let written = match &args.out {
                Some(path) => std::fs::write(path, &outcome.report)
                    .map_err(|e| format!("{}: {e}", path.display())),
                None => {
                    let _ = write!(std::io::stdout(), "{}", outcome.report);
                    Ok(())
                }
            };
            match written {
                Err(e) => {
                    eprintln!("crmauth: {e}");
                    ExitCode::from(2)
                }
                Ok(()) if outcome.ok => ExitCode::SUCCESS,
                Ok(()) => ExitCode::from(1),
            }
        }
        Err(e) => {
            eprintln!("crmauth: {e}");
            ExitCode::from(e.exit_code)
        }
    }
}
