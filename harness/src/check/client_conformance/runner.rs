//! Runs a client command once per case: a fresh scripted mock on `127.0.0.1:0`, the
//! command (split into words like a shell, without a shell) with the contract's
//! environment, a time limit after which its process group is killed, then the verdict
//! from the server's record and the exit code.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::{judge, script, CaseSpec, Verdict};
use crate::server::script::{CaseRecord, WLID_PATH};
use crate::server::{self, defaults, ServerConfig};

/// Settings of a conformance run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSettings {
    /// `CRMAUTH_MAX_RETRIES`: the bound the client must honour (at least 1).
    pub max_retries: u32,
    /// A client still running after this is killed (its case fails).
    pub time_limit: Duration,
    /// Exit 89 (not implemented) fails instead of skipping.
    pub strict: bool,
}

impl Default for RunSettings {
    /// 3 attempts, 30 s per case, not strict.
    fn default() -> Self {
        RunSettings { max_retries: 3, time_limit: Duration::from_secs(30), strict: false }
    }
}

/// How the client process ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ClientExit {
    /// Exited normally with this code (0 = success, 89 = not implemented).
    Code(i32),
    /// Killed by a signal (not by the runner).
    Signal(i32),
    /// Killed by the runner after the time limit.
    TimedOut(#[serde(serialize_with = "secs")] Duration),
    /// The command could not be started.
    SpawnFailed(String),
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl ClientExit {
    /// Whether the client exited 0.
    pub fn is_success(&self) -> bool {
        matches!(self, ClientExit::Code(0))
    }
}

impl std::fmt::Display for ClientExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientExit::Code(c) => write!(f, "exited {c}"),
            ClientExit::Signal(s) => write!(f, "was killed by signal {s}"),
            ClientExit::TimedOut(d) => {
                write!(f, "ran past the {} s limit and was killed", d.as_secs())
            }
            ClientExit::SpawnFailed(e) => write!(f, "could not start: {e}"),
        }
    }
}

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The case's stable ID, e.g. `CC-HAPPY-PATH`.
    pub id: &'static str,
    /// The PROTOCOL section the case tests.
    pub section: &'static str,
    /// The PROTOCOL 3 invariant ID the case tests.
    pub invariant: &'static str,
    /// The case's one-line title.
    pub title: &'static str,
    /// The verdict, judged from the record and the exit only.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// How the client ended; `None` when it never ran (the server did not start).
    pub exit: Option<ClientExit>,
    /// Wall time of the case, server start to verdict (JSON `duration_s`, seconds).
    #[serde(serialize_with = "secs")]
    #[serde(rename = "duration_s")]
    pub duration: Duration,
    /// What the server recorded (tickets by number).
    pub record: Option<CaseRecord>,
    /// The last lines the client wrote to standard error (for the reader; never judged).
    pub stderr_tail: String,
}

/// Why a run could not start at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The client command is empty (or only whitespace).
    #[error("the client command is empty")]
    EmptyCommand,
    /// The client command cannot be split into words (e.g. an unbalanced quote); holds
    /// the splitter's message.
    #[error("the client command cannot be split into words: {0}")]
    BadCommand(String),
    /// [`RunSettings::max_retries`] is 0 (the bound must be at least 1).
    #[error("--max-retries must be at least 1")]
    BadBound,
    /// The tokio runtime could not be built; holds its error.
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// Split a command like a POSIX shell would (quotes, backslashes), without running one.
pub fn split_command(command: &str) -> Result<Vec<String>, RunError> {
    let words = shell_words::split(command).map_err(|e| RunError::BadCommand(e.to_string()))?;
    if words.is_empty() {
        return Err(RunError::EmptyCommand);
    }
    Ok(words)
}

/// Run `argv` once per case in `cases`, in order.
pub fn run_cases(
    argv: &[String],
    cases: &[&'static CaseSpec],
    settings: &RunSettings,
) -> Result<Vec<CaseResult>, RunError> {
    if argv.is_empty() {
        return Err(RunError::EmptyCommand);
    }
    if settings.max_retries == 0 {
        return Err(RunError::BadBound);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| RunError::Runtime(e.to_string()))?;
    Ok(cases.iter().map(|spec| run_case(&rt, argv, spec, settings)).collect())
}

fn password() -> String {
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("pw-{:08x}", (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32)
}

fn run_case(
    rt: &tokio::runtime::Runtime,
    argv: &[String],
    spec: &'static CaseSpec,
    settings: &RunSettings,
) -> CaseResult {
    let start = Instant::now();
    let mut result = CaseResult {
        id: spec.id.as_str(),
        section: spec.section,
        invariant: spec.invariant,
        title: spec.title,
        verdict: Verdict::Pass,
        exit: None,
        duration: Duration::ZERO,
        record: None,
        stderr_tail: String::new(),
    };
    let pw = password();
    let started = rt.block_on(async {
        let config = ServerConfig::passport_default()?;
        server::start_scripted(config, script(spec, &pw)).await
    });
    let server = match started {
        Ok(s) => s,
        Err(e) => {
            result.verdict = Verdict::Error { message: format!("the mock did not start: {e}") };
            return result;
        }
    };
    let base = server.base_url();
    let max = settings.max_retries.to_string();
    let env: Vec<(&str, String)> = vec![
        ("CRMAUTH_URL", base.clone()),
        ("CRMAUTH_ORGANIZATION", defaults::ORGANIZATION_FRIENDLY_NAME.into()),
        ("CRMAUTH_MAX_RETRIES", max),
        ("CRMAUTH_WLID_URL", format!("{base}{WLID_PATH}")),
        ("CRMAUTH_WLID_USERNAME", super::WLID_USERNAME.into()),
        ("CRMAUTH_WLID_PASSWORD", pw.clone()),
        ("CRMAUTH_IMPERSONATE_PUID", defaults::USER_PUID.into()),
        ("CRMAUTH_CASE", spec.id.as_str().into()),
    ];
    let (exit, stderr_tail) = run_client(argv, &env, settings.time_limit);
    let record = server.record();
    let _ = rt.block_on(server.shutdown());
    result.verdict = match &record {
        Some(r) => judge(spec, r, &exit, settings.max_retries, settings.strict),
        None => Verdict::Error { message: "the mock kept no record".into() },
    };
    result.exit = Some(exit);
    result.record = record;
    result.stderr_tail = stderr_tail;
    result.duration = start.elapsed();
    result
}

/// Keep at most this many bytes of the client's standard error (the end).
const STDERR_TAIL: usize = 2048;

/// What a pipe reader collected, and whether it saw the end.
type Drained = Arc<Mutex<(Vec<u8>, bool)>>;

fn drain(mut r: impl Read + Send + 'static, keep: bool) -> Drained {
    let out = Arc::new(Mutex::new((Vec::new(), false)));
    let o = out.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) if keep => {
                    let mut g = o.lock().unwrap_or_else(|p| p.into_inner());
                    g.0.extend_from_slice(&buf[..n]);
                    if g.0.len() > 2 * STDERR_TAIL {
                        let cut = g.0.len() - STDERR_TAIL;
                        g.0.drain(..cut);
                    }
                }
                Ok(_) => {}
            }
        }
        o.lock().unwrap_or_else(|p| p.into_inner()).1 = true;
    });
    out
}

fn run_client(argv: &[String], env: &[(&str, String)], limit: Duration) -> (ClientExit, String) {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return (ClientExit::SpawnFailed(format!("{}: {e}", argv[0])), String::new()),
    };
    let out = child.stdout.take().map(|o| drain(o, false));
    let err = child.stderr.take().map(|e| drain(e, true));
    let start = Instant::now();
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break exit_of(status),
            Ok(None) if start.elapsed() >= limit => {
                kill_group(&mut child);
                let _ = child.wait();
                break ClientExit::TimedOut(limit);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                kill_group(&mut child);
                let _ = child.wait();
                break ClientExit::SpawnFailed(format!("waiting for the client: {e}"));
            }
        }
    };
    // Give the readers a moment to see the end of the pipes (a grandchild may hold them).
    let until = Instant::now() + Duration::from_millis(500);
    let done =
        |p: &Option<Drained>| p.as_ref().is_none_or(|m| m.lock().map(|g| g.1).unwrap_or(true));
    while !(done(&out) && done(&err)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    let tail = err
        .map(|m| {
            let g = m.lock().unwrap_or_else(|p| p.into_inner());
            let start = g.0.len().saturating_sub(STDERR_TAIL);
            String::from_utf8_lossy(&g.0[start..]).into_owned()
        })
        .unwrap_or_default();
    (exit, tail)
}

fn exit_of(status: std::process::ExitStatus) -> ClientExit {
    if let Some(c) = status.code() {
        return ClientExit::Code(c);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(s) = status.signal() {
            return ClientExit::Signal(s);
        }
    }
    ClientExit::Code(-1)
}

/// Kill the client's process group (it was started as its leader), by its id.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_a_shell() {
        assert_eq!(
            split_command("python3 'my client.py' --x \"a b\" c\\ d").unwrap(),
            ["python3", "my client.py", "--x", "a b", "c d"]
        );
        assert!(matches!(split_command("  "), Err(RunError::EmptyCommand)));
        assert!(matches!(split_command("a 'b"), Err(RunError::BadCommand(_))));
    }
}
