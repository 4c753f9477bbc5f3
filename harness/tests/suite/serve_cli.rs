//! `crmauth serve` as a process, and `crmauth check --suite client --server URL` against it;
//! the server stops cleanly on SIGINT (Ctrl-C). Loopback only, bounded by timeouts.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn crmauth() -> Command {
    Command::new(env!("CARGO_BIN_EXE_crmauth"))
}

#[test]
fn check_client_suite_against_a_served_mock_then_ctrl_c() {
    let mut server = crmauth()
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let mut stdout = BufReader::new(stdout); // kept open until the server exits
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let out = crmauth()
        .args(["check", "--suite", "client", "--server", &url, "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["summary"]["passed"], 5);

    // Ctrl-C: the server shuts down by itself and exits successfully.
    let pid = server.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest.trim(), "stopped");
}

#[test]
fn check_client_suite_against_nothing_fails_without_panicking() {
    // Port 9 (discard) on loopback: nothing listens there in a sandbox.
    let out = crmauth()
        .args(["check", "--suite", "client", "--server", "http://127.0.0.1:9", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["passed"], 0);
}
