//! The fuzz targets' checks replayed on their seed corpora (`corpus/fuzz/<target>/`) and
//! on every crash the fuzzers found, so a regression fails `cargo test` without a fuzzer.

use crmauth::pipeline::xml;
use std::path::PathBuf;

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/fuzz").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("seed file"))).collect()
}

/// The `pipeline_xml` target's check: DECODE-TOTAL (an error has a line inside the
/// document) and PIPE-ROUNDTRIP (print → parse gives the pipeline; print is a fixed point).
fn pipeline_xml_check(text: &str) -> Result<(), String> {
    match xml::parse(text) {
        Ok(p) => {
            let printed = xml::print(&p);
            let back = xml::parse(&printed).map_err(|e| format!("PIPE-ROUNDTRIP: printed form rejected: {e}"))?;
            if back != p {
                return Err("PIPE-ROUNDTRIP: parse(print(p)) != p".into());
            }
            if xml::print(&back) != printed {
                return Err("PIPE-ROUNDTRIP: print is not a fixed point".into());
            }
            Ok(())
        }
        Err(e) if e.line >= 1 && e.line <= text.matches('\n').count() + 1 && e.column >= 1 => Ok(()),
        Err(e) => Err(format!("error position outside the document: {e}")),
    }
}

#[test]
fn pipeline_xml_seeds_hold_the_target_invariants() {
    let all = seeds("pipeline_xml");
    assert!(all.len() >= 10, "pipeline_xml seed corpus has {} files", all.len());
    let (mut accepted, mut rejected) = (0, 0);
    for (path, bytes) in &all {
        let text = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{}: not UTF-8", path.display()));
        if let Err(m) = pipeline_xml_check(text) {
            panic!("{}: {m}", path.display());
        }
        // Seeds named `err-*` are rejections by design (PIPE-FAIL-CLOSED); the others load.
        let is_err = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("err-"));
        match (xml::parse(text), is_err) {
            (Ok(_), false) => accepted += 1,
            (Err(_), true) => rejected += 1,
            (r, _) => panic!("{}: unexpected {r:?}", path.display()),
        }
    }
    assert!(accepted > 0 && rejected > 0);
}
