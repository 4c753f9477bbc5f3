//! `crmauth serve` (the mock CRM server) and `crmauth load` (a bounded load run against
//! it): argument parsing and wiring only; the work is in `crate::server` and
//! `crate::client`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{read_input, read_json, CliError};
use crate::client::flow::FlowSettings;
use crate::client::{CrmClient, HttpTransport, PassportTicketScheme, SharedSecretAcquirer};
use crate::pipeline::{xml, Strategy};
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
    /// OnPremise, IFD or Passport (default: Passport).
    #[arg(long, value_parser = parse_strategy, default_value = "Passport")]
    pub strategy: Strategy,
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

/// `OnPremise`, `IFD` or `Passport`, any case.
pub fn parse_strategy(s: &str) -> Result<Strategy, String> {
    match s.to_ascii_lowercase().as_str() {
        "onpremise" => Ok(Strategy::OnPremise),
        "ifd" => Ok(Strategy::Ifd),
        "passport" => Ok(Strategy::Passport),
        _ => Err(format!("unknown strategy {s:?} (OnPremise, IFD, Passport)")),
    }
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
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("tokio runtime: {e}")))
}

/// Build the server configuration from the arguments.
pub fn config(args: &ServeArgs) -> Result<ServerConfig, CliError> {
    let mut c = ServerConfig::passport_default().map_err(|e| CliError::failed(e.to_string()))?;
    c.addr = args.addr;
    c.deployment.strategy = args.strategy;
    let load = |p: &PathBuf| {
        let text = read_input(p)?;
        xml::parse(&text).map_err(|e| CliError::input(format!("{}: {e}", p.display())))
    };
    if let Some(p) = &args.pipeline {
        c.deployment.authentication = load(p)?;
    } else if args.strategy != Strategy::Passport {
        return Err(CliError::input("--strategy other than Passport needs --pipeline"));
    }
    c.deployment.post_authentication = args.post_pipeline.as_ref().map(load).transpose()?;
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

/// Run the server until Ctrl-C. Logs go to standard error (`RUST_LOG=debug` shows each
/// request's pipeline trace).
pub fn serve(args: &ServeArgs) -> Result<String, CliError> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let config = config(args)?;
    runtime()?.block_on(async {
        server::serve_until(
            config,
            |addr| {
                tracing::info!(%addr, pid = std::process::id(), "crmauth mock CRM server listening");
                // One plain line on standard output, for scripts that need the port.
                let mut out = std::io::stdout();
                let _ = writeln!(out, "listening on http://{addr}");
                let _ = out.flush();
            },
            async {
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("Ctrl-C: shutting down");
            },
        )
        .await
        .map_err(|e| CliError::failed(e.to_string()))
    })?;
    Ok("stopped".into())
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
    #[arg(long, default_value = defaults::SERVICE_ACCOUNT_PUID)]
    pub service_account: String,
    #[arg(long, default_value = defaults::ORGANIZATION_FRIENDLY_NAME)]
    pub organization: String,
    #[arg(long, default_value = defaults::USER_PUID)]
    pub user_puid: String,
    #[arg(long, default_value = crate::codec::wlid::DEFAULT_SECRET)]
    pub passport_secret: String,
}

/// `VmRSS` of a process in KiB, from `/proc/PID/status` (Linux).
pub fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".into(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The figures of a load run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    pub requests: u64,
    pub completed: u64,
    pub errors: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub server_rss_kib_before: Option<u64>,
    pub server_rss_kib_after: Option<u64>,
    pub timed_out: bool,
    pub first_error: Option<String>,
}

/// Run a bounded load: `concurrency` clients, `requests` WhoAmI calls in all, stopping at
/// `timeout` whatever is left. Exit 1 when any request failed or time ran out.
pub fn load(args: &LoadArgs) -> Result<String, CliError> {
    if args.concurrency == 0 || args.requests == 0 {
        return Err(CliError::input("--requests and --concurrency must be at least 1"));
    }
    let report = runtime()?.block_on(run_load(args))?;
    let json =
        serde_json::to_string_pretty(&report).map_err(|e| CliError::failed(e.to_string()))?;
    if report.errors > 0 || report.timed_out {
        return Err(CliError::failed(format!("load run had errors:\n{json}")));
    }
    Ok(json)
}

async fn run_load(args: &LoadArgs) -> Result<LoadReport, CliError> {
    let (base, built_in) = match &args.url {
        Some(u) => (u.trim_end_matches('/').to_owned(), None),
        None => {
            let mut c =
                ServerConfig::passport_default().map_err(|e| CliError::failed(e.to_string()))?;
            c.ticket_lifetime = Duration::from_secs(3600);
            c.passport_secret = args.passport_secret.clone();
            let s = server::start(c).await.map_err(|e| CliError::failed(e.to_string()))?;
            (s.base_url(), Some(s))
        }
    };
    let pid = args.server_pid;
    let rss_before = rss_kib(pid);
    let transport = Arc::new(HttpTransport::new().map_err(|e| CliError::failed(e.to_string()))?);
    let acquirer =
        Arc::new(SharedSecretAcquirer::new(PassportTicketScheme::new(&args.passport_secret)));
    let deadline = Instant::now() + args.timeout;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..args.concurrency {
        let n = args.requests / args.concurrency + u64::from(i < args.requests % args.concurrency);
        let mut fs =
            FlowSettings::new(&base, &args.service_account, &args.organization, &args.user_puid);
        fs.timeout = args.timeout;
        let mut c = CrmClient::new(transport.clone(), acquirer.clone(), fs)
            .map_err(|e| CliError::input(e.to_string()))?;
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(n as usize);
            let mut errors = 0u64;
            let mut first_error = None;
            if let Err(e) = c.connect().await {
                return (lat, n, Some(e.to_string()));
            }
            for _ in 0..n {
                let t = Instant::now();
                match tokio::time::timeout_at(deadline.into(), c.who_am_i()).await {
                    Ok(Ok(_)) => lat.push(t.elapsed()),
                    Ok(Err(e)) => {
                        errors += 1;
                        first_error.get_or_insert(e.to_string());
                    }
                    Err(_) => break,
                }
            }
            (lat, errors, first_error)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for t in tasks {
        match t.await {
            Ok((l, e, f)) => {
                lat.extend(l);
                errors += e;
                if first_error.is_none() {
                    first_error = f;
                }
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rss_after = rss_kib(pid);
    if let Some(s) = built_in {
        let _ = s.shutdown().await;
    }
    lat.sort();
    let pct = |p: f64| {
        if lat.is_empty() {
            0.0
        } else {
            let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
            lat[i].as_secs_f64() * 1000.0
        }
    };
    let completed = lat.len() as u64;
    Ok(LoadReport {
        requests: args.requests,
        completed,
        errors,
        seconds,
        requests_per_second: completed as f64 / seconds.max(1e-9),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        server_rss_kib_before: rss_before,
        server_rss_kib_after: rss_after,
        timed_out: completed + errors < args.requests,
        first_error,
    })
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
