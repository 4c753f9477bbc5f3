//! `crmauth`: the command line. It parses arguments, calls [`cli::run`] and turns its
//! result into the exit code; nothing more.

use clap::Parser;
use crmauth::cli;
use std::process::ExitCode;

/// Protocol test harness for the Microsoft Dynamics CRM 4.0 authentication pipeline.
#[derive(Parser)]
#[command(name = "crmauth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: cli::Command,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli::run(cli.command, &mut std::io::stdout()) {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("crmauth: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
