//! The layers point one way: codec < pipeline < (client, server) < check < cli, with
//! `generate` (strategies) and `scenario` (tables) beside pipeline. A module may name only
//! the modules below it; this reads the sources and fails on any `crate::…` path (or
//! `crmauth::…` in the binary) that points up or sideways.

use std::path::{Path, PathBuf};

/// Each module and the modules it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("codec", &[]),
    ("pipeline", &["codec"]),
    ("scenario", &["codec", "pipeline"]),
    ("generate", &["codec", "pipeline"]),
    ("client", &["codec"]),
    ("server", &["codec", "pipeline"]),
    ("check", &["codec", "pipeline", "scenario", "generate", "client", "server"]),
    ("cli", &["codec", "pipeline", "scenario", "generate", "client", "server", "check"]),
];
const MODULES: [&str; 8] =
    ["codec", "pipeline", "scenario", "generate", "client", "server", "check", "cli"];

fn sources(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            sources(&e.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|x| x == "rs") {
        out.push(path.to_owned());
    }
}

/// The top-level modules a source file names through `crate::`.
fn uses(file: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let name: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if MODULES.contains(&name.as_str()) {
                found.push((n + 1, name));
            }
        }
    }
    found
}

#[test]
fn modules_only_use_the_layers_below_them() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (module, allowed) in ALLOWED {
        let mut files = Vec::new();
        let dir = src.join(module);
        if dir.is_dir() {
            sources(&dir, &mut files);
        } else {
            files.push(src.join(format!("{module}.rs")));
        }
        assert!(!files.is_empty(), "no sources for {module}");
        for file in files {
            for (line, used) in uses(&file) {
                if used != *module && !allowed.contains(&used.as_str()) {
                    violations.push(format!("{}:{line}: {module} uses {used}", file.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "layers pointing up:\n{}", violations.join("\n"));
}

/// The check above can fail: a made-up upward use is reported.
#[test]
fn an_upward_use_is_found() {
    let dir = std::env::temp_dir().join(format!("crmauth-layers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("x.rs");
    std::fs::write(&file, "use crate::server::ServerConfig; // crate::cli in a comment\n").unwrap();
    assert_eq!(uses(&file), vec![(1, "server".to_string())]);
    std::fs::remove_dir_all(&dir).unwrap();
}
