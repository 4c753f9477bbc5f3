//! `crmauth serve` (the mock CRM server) and `crmauth load` (a bounded load run against
//! it): argument parsing and wiring only; the work is in `crate::server` and
//! `crate::client`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::args::StrategyArg;
use super::{load_pipeline, read_json, CliError, Exit, Usage};
use crate::client::load::{self, LoadSettings};
use crate::pipeline::Strategy;
use crate::server::{self, defaults, ServerConfig};

/// `crmauth serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Loopback address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:5555")]
    pub addr: SocketAddr,
    /// Authentication pipeline XML (default: the embedded Passport pipeline).
    #[arg(long)]
    pub pipeline: Option<PathBuf>,
    /// IFD post-authentication pipeline XML.
    #[arg(long)]
    pub post_pipeline: Option<PathBuf>,
    /// OnPremise, IFD or Passport, any case (default: Passport).
    #[arg(long, default_value = "Passport")]
    pub strategy: StrategyArg,
    /// Environment JSON (default: the embedded one).
    #[arg(long)]
    pub env: Option<PathBuf>,
    /// Lifetime of issued CRM tickets: `30s`, `500ms`, `2m`, `1h`.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub ticket_lifetime: Duration,
    /// Probability (0..=1) of an injected 8004A101 fault on a CrmService call.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed of the server's random numbers.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Shared secret of the mock's Windows Live tickets.
    #[arg(long, default_value = crate::codec::wlid::DEFAULT_SECRET)]
    pub passport_secret: String,
    /// Take the client address from `X-Crmauth-Client-Address` (to make external requests
    /// from loopback, e.g. for IFD tests); off by default.
    #[arg(long)]
    pub client_address_header: bool,
}

/// `250ms`, `30s`, `2m`, `1h`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num.parse().map_err(|_| format!("bad duration {s:?}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("bad duration unit in {s:?} (ms, s, m, h)")),
    };
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("duration out of range: {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)
}

/// Build the server configuration from the arguments.
pub fn config(args: &ServeArgs) -> Result<ServerConfig, CliError> {
    let mut c = ServerConfig::passport_default()?;
    let strategy = Strategy::from(args.strategy);
    c.addr = args.addr;
    c.deployment.strategy = strategy;
    if let Some(p) = &args.pipeline {
        c.deployment.authentication = load_pipeline(p)?;
    } else if strategy != Strategy::Passport {
        return Err(Usage::StrategyNeedsPipeline.into());
    }
    c.deployment.post_authentication =
        args.post_pipeline.as_deref().map(load_pipeline).transpose()?;
    if let Some(e) = &args.env {
        c.env = read_json(e)?;
    }
    c.ticket_lifetime = args.ticket_lifetime;
    c.fault_rate = args.fault_rate;
    c.seed = args.seed;
    c.passport_secret = args.passport_secret.clone();
    c.client_address_header = args.client_address_header;
    Ok(c)
}

/// Run the server until Ctrl-C: `listening on http://ADDR` on `out` once bound, `stopped`
/// at the end. Logs go to standard error (`RUST_LOG=debug` shows each request's pipeline
/// trace).
pub fn serve(args: &ServeArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let config = config(args)?;
    let mut announced = Ok(());
    runtime()?.block_on(server::serve_until(
        config,
        |addr| {
            tracing::info!(%addr, pid = std::process::id(), "crmauth mock CRM server listening");
            // One plain line on standard output, for scripts that need the port.
            announced = writeln!(out, "listening on http://{addr}").and_then(|()| out.flush());
        },
        async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("Ctrl-C: shutting down");
        },
    ))?;
    announced?;
    writeln!(out, "stopped")?;
    Ok(Exit::Success)
}

/// `crmauth load`.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Base URL of the server (`http://127.0.0.1:5555`); default: start the built-in
    /// server in this process.
    #[arg(long)]
    pub url: Option<String>,
    /// CrmService requests in all (WhoAmI), after each client's discovery.
    #[arg(long, default_value_t = 10_000)]
    pub requests: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    pub concurrency: u64,
    /// The whole run stops after this long.
    #[arg(long, value_parser = parse_duration, default_value = "60s")]
    pub timeout: Duration,
    /// PID of the server process, to report its RSS (default: this process when the
    /// server is built in).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The service account's Windows Live PUID.
    #[arg(long, default_value = defaults::SERVICE_ACCOUNT_PUID)]
    pub service_account: String,
    /// FriendlyName of the organization to use.
    #[arg(long, default_value = defaults::ORGANIZATION_FRIENDLY_NAME)]
    pub organization: String,
    /// PUID of the user to impersonate.
    #[arg(long, default_value = defaults::USER_PUID)]
    pub user_puid: String,
    /// Shared secret of the Windows Live tickets the clients make.
    #[arg(long, default_value = crate::codec::wlid::DEFAULT_SECRET)]
    pub passport_secret: String,
}

impl LoadArgs {
    /// The load settings against `base_url`.
    pub fn settings(&self, base_url: &str) -> LoadSettings {
        LoadSettings {
            base_url: base_url.trim_end_matches('/').to_owned(),
            requests: self.requests,
            concurrency: self.concurrency,
            timeout: self.timeout,
            server_pid: self.server_pid,
            service_account: self.service_account.clone(),
            organization: self.organization.clone(),
            user_puid: self.user_puid.clone(),
            passport_secret: self.passport_secret.clone(),
        }
    }
}

/// `crmauth load`: the report (JSON) on `out`; exit 1, the report on stderr, when any
/// request failed or time ran out.
pub fn load_command(args: &LoadArgs, out: &mut dyn Write) -> Result<Exit, CliError> {
    let json = load(args)?;
    writeln!(out, "{json}")?;
    Ok(Exit::Success)
}

/// Runs a bounded load ([`crate::client::load`]) against `--url`, or against the built-in
/// Passport server started in this process; the report as pretty JSON. A run with errors
/// or out of time is [`CliError::LoadFailed`].
fn load(args: &LoadArgs) -> Result<String, CliError> {
    if args.concurrency == 0 || args.requests == 0 {
        return Err(Usage::ZeroLoad.into());
    }
    let report = runtime()?.block_on(async {
        match &args.url {
            Some(url) => Ok(load::run(&args.settings(url)).await?),
            None => {
                let mut c = ServerConfig::passport_default()?;
                c.ticket_lifetime = Duration::from_secs(3600);
                c.passport_secret = args.passport_secret.clone();
                let s = server::start(c).await?;
                let report = load::run(&args.settings(&s.base_url())).await;
                let _ = s.shutdown().await;
                Ok::<_, CliError>(report?)
            }
        }
    })?;
    let json = super::to_json(&report)?;
    if !report.ok() {
        return Err(CliError::LoadFailed { report: json });
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        for bad in ["", "s", "3x", "-1s", "1e99s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
