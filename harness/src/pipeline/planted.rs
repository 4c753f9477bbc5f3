//! Deliberate faults in the pipeline layer outside the engine's step loop (feature
//! `mutants`, tests only), planted for the current thread for the duration of a closure
//! (the mechanism of [`crate::codec::planted`]):
//!
//! - [`SharedFault`]: in the semantics both evaluators share, each reverting one
//!   fail-closed rule of PROTOCOL 1.6, to show that the deployment invariants
//!   (DEPLOY-NO-ANONYMOUS, DEPLOY-SPEC-AGREES) catch what PIPE-ORACLE cannot see;
//! - [`FilterFault`]: in the engine's step filter (the untraced walk `compile` picks from
//!   [`super::Walk::FILTER_FROM_STEPS`] steps on), which only untraced evaluation takes;
//! - [`ReaderFault`]: in the pipeline XML reader;
//! - [`super::engine::Mutation`]: in the engine's step loop, for every compile on the
//!   thread (also given to one compile by `CompiledPipeline::compile_mutated`).

use crate::codec::planted::Plant;
pub use crate::codec::planted::{is, with};
use std::cell::Cell;
use std::thread::LocalKey;

/// A fail-closed rule of PROTOCOL 1.6, reverted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedFault {
    /// An authentication without a user stands everywhere (identity implied).
    ImpliedIdentity,
    /// An unreadable session cookie makes the cookie providers decline instead of failing.
    UnreadableCookieDeclines,
    /// An organization that is not in the environment counts as enabled.
    MissingOrganizationEnabled,
    /// Passport deployments read the request's Windows account.
    PassportWindowsAccounts,
}

/// A fault in the step filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterFault {
    /// An off-by-one in the candidate loop: the last candidate step of each 64-step word
    /// is never tried (breaks PIPE-ORACLE; the traced walk is right, so only the untraced
    /// evaluation shows it).
    LastCandidateDropped,
    /// The tables of configured paths and methods are put in hash order (a fresh random
    /// hasher per compile) after their rows were numbered in sorted order: the row a
    /// request's path or method finds depends on the compile (breaks PIPE-DETERMINISTIC).
    ValuesInHashOrder,
}

/// A fault in the pipeline XML reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderFault {
    /// Configuration keys no class takes are ignored instead of rejected (breaks
    /// PIPE-FAIL-CLOSED, configuration half).
    UnknownKeysIgnored,
    /// Configuration values are lower-cased on reading, "since paths and methods compare
    /// case-insensitively" (breaks PIPE-ROUNDTRIP).
    ValuesLowerCased,
}

macro_rules! plant {
    ($t:ty) => {
        impl Plant for $t {
            fn slot() -> &'static LocalKey<Cell<Option<Self>>> {
                thread_local! {
                    static SLOT: Cell<Option<$t>> = const { Cell::new(None) };
                }
                &SLOT
            }
        }
    };
}
plant!(SharedFault);
plant!(FilterFault);
plant!(ReaderFault);
plant!(super::engine::Mutation);

/// The engine mutation planted on this thread, which every compile there takes.
pub(crate) fn engine_mutation() -> Option<super::engine::Mutation> {
    <super::engine::Mutation as Plant>::slot().with(|p| p.get())
}

/// The candidate bits of one word of the step filter, as a planted [`FilterFault`] leaves
/// them.
pub(crate) fn filter_candidates(bits: u64) -> u64 {
    if is(FilterFault::LastCandidateDropped) && bits != 0 {
        bits & !(1 << (63 - bits.leading_zeros()))
    } else {
        bits
    }
}

/// A table of the step filter's configured values (paths, methods), reordered when
/// [`FilterFault::ValuesInHashOrder`] is planted.
pub(crate) fn filter_values(mut values: Box<[Box<str>]>) -> Box<[Box<str>]> {
    if is(FilterFault::ValuesInHashOrder) {
        use std::hash::BuildHasher;
        let hasher = std::collections::hash_map::RandomState::new();
        values.sort_by_key(|v| hasher.hash_one(v));
    }
    values
}

/// `org_enabled` with [`SharedFault::MissingOrganizationEnabled`] planted on this thread:
/// an organization that is not in the environment counts as enabled. `None` when it is not
/// planted.
pub(crate) fn org_enabled(env: &super::request::Environment, org: &str) -> Option<bool> {
    is(SharedFault::MissingOrganizationEnabled)
        .then(|| !env.organizations.iter().any(|o| o.disabled && super::caseless::eq(&o.name, org)))
}

/// Whether the reader ignores a configuration key no class takes (planted), instead of
/// rejecting it.
pub(crate) fn ignores_unknown_keys() -> bool {
    is(ReaderFault::UnknownKeysIgnored)
}

/// A configuration value as the reader keeps it.
pub(crate) fn config_value(value: String) -> String {
    if is(ReaderFault::ValuesLowerCased) {
        value.to_ascii_lowercase()
    } else {
        value
    }
}
