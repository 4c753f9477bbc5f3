//! Runs a proptest strategy against a property with a fixed seed and case count, turning
//! the result into a [`Status`] with the shrunk counterexample.

use super::{Settings, Status};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::fmt::Debug;

/// A runner seeded from `settings.seed` (the same seed replays the same inputs).
pub fn test_runner(settings: &Settings) -> TestRunner {
    let config = Config {
        cases: settings.cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut seed = [0u8; 32];
    for (i, chunk) in seed.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &(settings.seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes(),
        );
    }
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed))
}

/// Checks `property` on `settings.cases` inputs drawn from `strategy`.
pub fn check_property<S>(
    settings: &Settings,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> Status
where
    S: Strategy,
    S::Value: Debug,
{
    match test_runner(settings).run(&strategy, property) {
        Ok(()) => Status::Pass,
        Err(TestError::Fail(reason, value)) => Status::Fail {
            message: reason.message().to_string(),
            counterexample: Some(format!("{value:?}")),
        },
        Err(TestError::Abort(reason)) => Status::Error { message: reason.message().to_string() },
    }
}
