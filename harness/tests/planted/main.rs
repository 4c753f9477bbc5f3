//! Every planted fault (feature `mutants`: deliberately broken code, compiled only for this
//! binary) is caught by the check of the invariant it breaks. Run with
//! `cargo test -p crmauth --features mutants --test planted`; the ordinary suite
//! (`tests/suite/`) tests the shipped configuration.

#[path = "../support/mod.rs"]
mod support;

mod deployment;
mod engine;
mod every_invariant;
mod fault_readers;
mod lint;
