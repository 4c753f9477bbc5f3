//! The client suite (PROTOCOL 2.3, 2.4): the built-in client's conformance cases against a
//! server — the built-in mock on a loopback port, or any server at a URL.

use super::client_suite::{client_conformance, ClientCaseResult, ConformanceSettings, CASES};
use super::{Case, Settings, Status, Suite};
use std::sync::{Arc, Mutex};

/// The one run the client cases share: every case's result, or why it could not run.
type SharedRun = Result<Vec<ClientCaseResult>, String>;

/// One case per client conformance ID. The cases share one run against the server: the
/// first case to run performs it (and bears its time), the others read its results.
pub fn client_cases(server: Option<String>) -> Vec<Case> {
    let results: Arc<Mutex<Option<SharedRun>>> = Arc::new(Mutex::new(None));
    CASES
        .iter()
        .map(|&(id, section, title)| {
            let results = results.clone();
            let server = server.clone();
            Case::new(id, section, Suite::Client, title, move |_: &Settings| {
                let mut guard = match results.lock() {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
                let run = guard.get_or_insert_with(|| run_all(server.as_deref()));
                match run {
                    Err(message) => Status::Error { message: message.clone() },
                    Ok(all) => match all.iter().find(|r| r.id == id) {
                        Some(ClientCaseResult { outcome: Ok(()), .. }) => Status::Pass,
                        Some(ClientCaseResult { outcome: Err(message), .. }) => {
                            Status::Fail { message: message.clone(), counterexample: None }
                        }
                        None => match all.first() {
                            Some(ClientCaseResult { outcome: Err(message), .. }) => {
                                Status::Error { message: message.clone() }
                            }
                            _ => Status::Error { message: format!("{id} did not run") },
                        },
                    },
                }
            })
        })
        .collect()
}

fn run_all(server: Option<&str>) -> SharedRun {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    Ok(runtime.block_on(client_conformance(server, &ConformanceSettings::default())))
}
