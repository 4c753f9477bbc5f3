//! A bounded load run against a CRM server (the engine of `crmauth load`): `concurrency`
//! clients, each connecting once (the discovery of PROTOCOL 2.3), then `requests` WhoAmI
//! calls in all, stopping at `timeout` whatever is left. It reports throughput, errors,
//! latency percentiles and the server's resident memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::transport::TransportError;
use super::{ClientError, CrmClient, FlowSettings, HttpTransport};
use super::{PassportTicketScheme, SharedSecretAcquirer};

/// What to run against which server.
#[derive(Debug, Clone)]
pub struct LoadSettings {
    /// Base URL of the server, e.g. `http://127.0.0.1:5555`.
    pub base_url: String,
    /// CrmService requests in all (WhoAmI), after each client's discovery; at least 1.
    pub requests: u64,
    /// Concurrent clients; at least 1.
    pub concurrency: u64,
    /// The whole run stops after this long.
    pub timeout: Duration,
    /// The server's process, for its RSS (`None`: this process).
    pub server_pid: Option<u32>,
    /// The service account's Windows Live identity ([`FlowSettings::service_account`]).
    pub service_account: String,
    /// The organization's `FriendlyName` the clients pick (PROTOCOL 2.3 step 4).
    pub organization: String,
    /// The impersonated user's PUID ([`FlowSettings::user_puid`]).
    pub user_puid: String,
    /// The shared secret of the Windows Live tickets the clients make.
    pub passport_secret: String,
}

/// The figures of a load run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    /// WhoAmI requests asked for ([`LoadSettings::requests`]).
    pub requests: u64,
    /// Requests that succeeded in time.
    pub completed: u64,
    /// Requests that failed, all of a client's when its discovery failed.
    pub errors: u64,
    /// Wall-clock duration of the run, in seconds, discovery included.
    pub seconds: f64,
    /// `completed` per second of the run.
    pub requests_per_second: f64,
    /// Median latency of the completed requests, in milliseconds (0 when none completed).
    pub p50_ms: f64,
    /// 99th-percentile latency of the completed requests, in milliseconds.
    pub p99_ms: f64,
    /// Slowest completed request, in milliseconds.
    pub max_ms: f64,
    /// The server's `VmRSS` in KiB before the run ([`rss_kib`]; `None` when unreadable).
    pub server_rss_kib_before: Option<u64>,
    /// The server's `VmRSS` in KiB after the run.
    pub server_rss_kib_after: Option<u64>,
    /// The timeout ended the run before every request completed or failed.
    pub timed_out: bool,
    /// The first error message seen, if any.
    pub first_error: Option<String>,
}

impl LoadReport {
    /// Every request completed in time.
    pub fn ok(&self) -> bool {
        self.errors == 0 && !self.timed_out
    }
}

/// Why a load run could not start (a failed request is counted in the report instead).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The HTTP transport could not be built.
    #[error(transparent)]
    Transport(TransportError),
    /// The client settings were refused (e.g. the base URL).
    #[error(transparent)]
    Settings(ClientError),
}

/// `VmRSS` of a process in KiB, from `/proc/PID/status` (Linux; `None` elsewhere).
pub fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".into(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the load (on the caller's tokio runtime). `requests` are split evenly over the
/// clients; a client whose connect fails counts all its requests as errors.
pub async fn run(s: &LoadSettings) -> Result<LoadReport, LoadError> {
    let rss_before = rss_kib(s.server_pid);
    let transport = Arc::new(HttpTransport::new().map_err(LoadError::Transport)?);
    let acquirer =
        Arc::new(SharedSecretAcquirer::new(PassportTicketScheme::new(&s.passport_secret)));
    let deadline = Instant::now() + s.timeout;
    let started = Instant::now();
    let concurrency = s.concurrency.max(1);
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let n = s.requests / concurrency + u64::from(i < s.requests % concurrency);
        let mut fs =
            FlowSettings::new(&s.base_url, &s.service_account, &s.organization, &s.user_puid);
        fs.timeout = s.timeout;
        let mut c =
            CrmClient::new(transport.clone(), acquirer.clone(), fs).map_err(LoadError::Settings)?;
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
    let rss_after = rss_kib(s.server_pid);
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
        requests: s.requests,
        completed,
        errors,
        seconds,
        requests_per_second: completed as f64 / seconds.max(1e-9),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        server_rss_kib_before: rss_before,
        server_rss_kib_after: rss_after,
        timed_out: completed + errors < s.requests,
        first_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_of_this_process_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(rss_kib(None).is_some_and(|k| k > 0));
        }
        assert_eq!(rss_kib(Some(u32::MAX)), None);
    }

    #[test]
    fn requests_to_nothing_are_counted_as_errors_not_completions() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        // Port 9 (discard) on loopback: nothing listens there in a sandbox.
        let s = LoadSettings {
            base_url: "http://127.0.0.1:9".into(),
            requests: 5,
            concurrency: 2,
            timeout: Duration::from_secs(10),
            server_pid: None,
            service_account: "a".into(),
            organization: "o".into(),
            user_puid: "u".into(),
            passport_secret: "s".into(),
        };
        let r = rt.block_on(run(&s)).unwrap();
        assert_eq!((r.requests, r.completed, r.errors), (5, 0, 5), "{r:?}");
        assert!(!r.ok() && !r.timed_out && r.first_error.is_some(), "{r:?}");
    }
}
