//! `crmauth`: the command line. It parses arguments and wires library calls; nothing more.

use clap::{Parser, Subcommand};
use crmauth::cli::{self, CliError};
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
    /// Evaluate one request against a pipeline and print the outcome and the trace.
    Eval(cli::eval::EvalArgs),
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
        Command::Eval(args) => cli::eval::run(args),
    };
    match result {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crmauth: {e}");
            ExitCode::from(e.exit_code)
        }
    }
}
