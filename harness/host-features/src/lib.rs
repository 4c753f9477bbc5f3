//! No code: see `Cargo.toml`. Selected by `.ci/run` beside `crmauth` in the per-feature
//! lint runs so that the derive macros' `syn` is resolved with the workspace build's features
//! and reused, not compiled again.
