//! The `crmauth` binary as a user runs it: outputs and exit codes (0 success, 1 a failed
//! check, 2 bad usage or input, with the file and place named on stderr).

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn crmauth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crmauth")).current_dir(root()).args(args).output().unwrap()
}

/// `crmauth eval` of the pipeline file `pipeline` on the OnPremise SDK request.
fn eval_sdk_request(pipeline: &str) -> Output {
    crmauth(&["eval", "--pipeline", pipeline, "--request", "corpus/requests/onpremise-sdk-ad.json"])
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crmauth-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const IFD: [&str; 6] = [
    "eval",
    "--pipeline",
    "corpus/pipelines/ifd.crmauthentication.xml",
    "--post-pipeline",
    "corpus/pipelines/ifd.crmpostauthentication.xml",
    "--strategy",
];

#[test]
fn eval_prints_outcome_and_trace_as_json() {
    let mut args = IFD.to_vec();
    args.extend([
        "ifd",
        "--request",
        "corpus/requests/ifd-external-no-cookie.json",
        "--env",
        "corpus/vectors/scenarios/env.json",
    ]);
    let out = crmauth(&args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"]["kind"], "redirect");
    assert_eq!(v["outcome"]["step"], 6);
    assert_eq!(v["outcome"]["provider"], "IfdRedirectAuthenticationProvider");
    assert_eq!(v["outcome"]["location"], "/signin.aspx?ReturnUrl=/Contoso/main.aspx");
    let trace = v["trace"].as_array().unwrap();
    assert_eq!(trace.len(), 7);
    assert_eq!(trace[0]["predicates"][0]["type"], "InternalRequestAddressPredicate");
    assert_eq!(trace[0]["predicates"][0]["result"], false);
    assert_eq!(trace[0]["provider"], Value::Null);
    assert_eq!(trace[6]["provider"]["handled"], true);
}

#[test]
fn both_engines_print_the_same() {
    let run = |engine: &str| {
        crmauth(&[
            "eval",
            "--pipeline",
            "corpus/pipelines/passport.crmpassport.xml",
            "--strategy",
            "passport",
            "--request",
            "corpus/requests/passport-impersonation.json",
            "--env",
            "corpus/vectors/scenarios/env.json",
            "--engine",
            engine,
        ])
        .stdout
    };
    let reference = run("reference");
    assert!(!reference.is_empty());
    assert_eq!(reference, run("compiled"));
}

#[test]
fn expect_fails_with_exit_1() {
    let base = [
        "eval",
        "--pipeline",
        "corpus/pipelines/onpremise.crmauthentication.xml",
        "--request",
        "corpus/requests/onpremise-sdk-ad.json",
        "--env",
        "corpus/vectors/scenarios/env.json",
        "--expect",
    ];
    let mut ok = base.to_vec();
    ok.push("authenticated");
    assert_eq!(crmauth(&ok).status.code(), Some(0));
    let mut bad = base.to_vec();
    bad.push("denied");
    let out = crmauth(&bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected denied, got authenticated"));
}

#[test]
fn bad_pipeline_names_file_line_and_column_with_exit_2() {
    let p = temp(
        "bad.xml",
        "<pipeline>\n  <step>\n    <provider type=\"Nope.Provider\" />\n  </step>\n</pipeline>\n",
    );
    let out = eval_sdk_request(p.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.xml: line 3, column 5: unknown provider type `Nope.Provider`"),
        "{err}"
    );
}

#[test]
fn bad_request_and_env_files_exit_2_naming_the_place() {
    let req = temp("req.json", "{\n  \"method\": \"GET\",\n  \"path\": \"/\"\n}");
    let out = crmauth(&[
        "eval",
        "--pipeline",
        "corpus/pipelines/onpremise.crmauthentication.xml",
        "--request",
        req.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("req.json") && err.contains("client_address") && err.contains("line 4"),
        "{err}"
    );

    let env = temp("env.json", "{\"ifd_internal_network_address\": \"10.0.0.0-255.0.255.0\"}");
    let out = crmauth(&[
        "eval",
        "--pipeline",
        "corpus/pipelines/onpremise.crmauthentication.xml",
        "--request",
        "corpus/requests/onpremise-sdk-ad.json",
        "--env",
        env.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("env.json")
            && err.contains("IfdInternalNetworkAddress")
            && err.contains("not contiguous"),
        "{err}"
    );

    let out = eval_sdk_request("no/such/file.xml");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.xml"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(crmauth(&["eval", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(crmauth(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(crmauth(&["--help"]).status.code(), Some(0));
}

#[test]
fn explain_describes_and_deny_warnings_fails_on_findings() {
    let out = crmauth(&["explain", "corpus/pipelines/passport.crmpassport.xml", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("step 2: when always") && text.contains("otherwise: denied (401)"),
        "{text}"
    );

    let t = ", Microsoft.Crm, Version={0}, Culture=neutral, PublicKeyToken=31bf3856ad364e35";
    let p = temp(
        "catchall.xml",
        &format!(
            "<pipeline><step><provider type=\"Microsoft.Crm.Authentication.PassThroughAuthenticationProvider{t}\"/></step>\
             <step><provider type=\"Microsoft.Crm.Authentication.WindowsAuthenticationProvider{t}\"/></step></pipeline>"
        ),
    );
    let out = crmauth(&["explain", p.to_str().unwrap(), "--format", "json", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"kind\": \"unreachable\"") && err.contains("1 finding(s)"), "{err}");
}

#[test]
fn a_pipeline_that_is_not_utf8_exits_2_naming_the_byte() {
    let p = temp("latin1.xml", "");
    std::fs::write(&p, b"<pipeline>\xff</pipeline>").unwrap();
    let out = eval_sdk_request(p.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("latin1.xml: not UTF-8 at byte 10"));
}

fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

/// The bytes `eval` prints for an authenticated, a redirect and a denied outcome, in both
/// formats. A regression lock (recorded from the binary's own output, then reviewed): it
/// pins the JSON's keys, their order, the nulls and the 8-digit error codes, so that a
/// change of how the JSON is built cannot change a byte of it.
#[test]
fn eval_output_bytes_of_each_outcome_kind() {
    let expired = temp(
        "expired-cookie.json",
        r#"{"method": "GET", "path": "/Contoso/main.aspx", "client_address": "203.0.113.9",
            "cookie": "MSCRMSession=ticket=TKT-ALICE-EXPIRED-9a8b7c&expiration=1699999999"}"#,
    );
    let expired = expired.to_str().unwrap();
    let anonymous = temp(
        "anonymous.json",
        r#"{"method": "GET", "path": "/Contoso/main.aspx", "client_address": "10.0.0.7"}"#,
    );
    let anonymous = anonymous.to_str().unwrap();
    let cases: [(&str, &[&str]); 5] = [
        (
            "authenticated",
            &[
                "--pipeline",
                "corpus/pipelines/onpremise.crmauthentication.xml",
                "--request",
                "corpus/requests/onpremise-sdk-ad.json",
            ],
        ),
        (
            "redirect",
            &[
                "--pipeline",
                "corpus/pipelines/ifd.crmauthentication.xml",
                "--post-pipeline",
                "corpus/pipelines/ifd.crmpostauthentication.xml",
                "--strategy",
                "ifd",
                "--request",
                "corpus/requests/ifd-external-no-cookie.json",
            ],
        ),
        (
            "denied",
            &[
                "--pipeline",
                "corpus/pipelines/passport.crmpassport.xml",
                "--strategy",
                "passport",
                "--request",
                "corpus/requests/onpremise-sdk-ad.json",
            ],
        ),
        (
            "denied-error",
            &[
                "--pipeline",
                "corpus/pipelines/ifd.crmauthentication.xml",
                "--post-pipeline",
                "corpus/pipelines/ifd.crmpostauthentication.xml",
                "--strategy",
                "ifd",
                "--request",
                expired,
            ],
        ),
        (
            "denied-unhandled",
            &[
                "--pipeline",
                "corpus/pipelines/onpremise.crmauthentication.xml",
                "--request",
                anonymous,
            ],
        ),
    ];
    for (kind, args) in cases {
        for format in ["json", "text"] {
            let mut all = vec!["eval"];
            all.extend_from_slice(args);
            all.extend(["--env", "corpus/vectors/scenarios/env.json", "--format", format]);
            let out = crmauth(&all);
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            let stdout = String::from_utf8(out.stdout).unwrap();
            // insta trims the end of a snapshot: the final newline is pinned here.
            assert!(stdout.ends_with('\n') && !stdout.ends_with("\n\n"), "{stdout:?}");
            snapshot_settings()
                .bind(|| insta::assert_snapshot!(format!("cli-eval-{format}-{kind}"), stdout));
        }
    }
}

/// A closed standard output (`crmauth … | head`) is quiet for every command, and the exit
/// code is still the command's verdict.
#[test]
fn a_closed_stdout_is_quiet_and_keeps_the_verdict() {
    use std::process::Stdio;
    let t = ", Microsoft.Crm, Version={0}, Culture=neutral, PublicKeyToken=31bf3856ad364e35";
    let unreachable = temp(
        "unreachable.xml",
        &format!(
            "<pipeline><step><provider type=\"Microsoft.Crm.Authentication.PassThroughAuthenticationProvider{t}\"/></step>\
             <step><provider type=\"Microsoft.Crm.Authentication.WindowsAuthenticationProvider{t}\"/></step></pipeline>"
        ),
    );
    let cases: [(&[&str], i32); 3] = [
        (
            &[
                "eval",
                "--pipeline",
                "corpus/pipelines/onpremise.crmauthentication.xml",
                "--request",
                "corpus/requests/onpremise-sdk-ad.json",
            ],
            0,
        ),
        (&["decode", "cookie", "-"], 0),
        (&["lint", unreachable.to_str().unwrap()], 1),
    ];
    for (args, code) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crmauth"))
            .current_dir(root())
            .args(args)
            // Only `decode … -` reads standard input; a command that does not may exit
            // before the write below, which would then fail with a broken pipe of its own.
            .stdin(if args.contains(&"-") { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away before anything is written
        if let Some(mut stdin) = child.stdin.take() {
            std::io::Write::write_all(&mut stdin, b"MSCRMSession=ticket=T").unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}
