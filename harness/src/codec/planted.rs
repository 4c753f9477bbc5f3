//! Deliberate faults planted for the current thread (feature `mutants`, tests only), so
//! that tests can show each invariant of PROTOCOL section 3 catches the fault that breaks
//! it. The mechanism is shared by every layer (a layer's faults are its own enum); the
//! codec's faults are [`CodecFault`]. A fault is planted for the duration of a closure, on
//! the calling thread only, and the hooks that read it are one line at their call sites.

use std::cell::Cell;
use std::fmt::Debug;
use std::thread::LocalKey;

/// A kind of planted fault: an enum with a thread-local slot of its own.
pub trait Plant: Copy + Eq + Debug + 'static {
    /// The slot of this kind on the current thread.
    fn slot() -> &'static LocalKey<Cell<Option<Self>>>;
}

/// Runs `f` with `fault` planted on this thread (the slot's previous value is restored
/// afterwards, also on a panic).
pub fn with<F: Plant, R>(fault: F, f: impl FnOnce() -> R) -> R {
    struct Reset<F: Plant>(Option<F>);
    impl<F: Plant> Drop for Reset<F> {
        fn drop(&mut self) {
            F::slot().with(|p| p.set(self.0));
        }
    }
    let _reset = Reset(F::slot().with(|p| p.replace(Some(fault))));
    f()
}

/// Whether `fault` is planted on this thread.
pub fn is<F: Plant>(fault: F) -> bool {
    F::slot().with(|p| p.get() == Some(fault))
}

/// Codec faults, each breaking one codec invariant of PROTOCOL section 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecFault {
    /// The token writer trims `OrganizationName` (breaks TOKEN-ROUNDTRIP).
    TokenOrganizationTrimmed,
    /// The token decoder assumes UTF-8 input and unwraps (a panic: breaks DECODE-TOTAL).
    TokenDecoderUnwrapsUtf8,
    /// The server writes fault codes in lower-case hex, which the seed's case-sensitive
    /// test misses (breaks FAULT-SEED-AGREES).
    LowerCaseWireCode,
    /// The robust reader accepts only upper-case hex digits (breaks FAULT-EXPIRED).
    UpperCaseOnly,
    /// The robust reader also takes 8004A101 from `description` (breaks
    /// FAULT-NO-FALSE-POSITIVE).
    ReadsDescription,
}

impl Plant for CodecFault {
    fn slot() -> &'static LocalKey<Cell<Option<Self>>> {
        thread_local! {
            static SLOT: Cell<Option<CodecFault>> = const { Cell::new(None) };
        }
        &SLOT
    }
}

/// [`CodecFault::TokenOrganizationTrimmed`]: the organization name as the writer writes it.
pub(crate) fn written_organization(o: &str) -> &str {
    if is(CodecFault::TokenOrganizationTrimmed) {
        o.trim()
    } else {
        o
    }
}

/// [`CodecFault::TokenDecoderUnwrapsUtf8`]: the decoder's assumption, made at its entry.
pub(crate) fn token_decoder_entry(xml: &[u8]) {
    if is(CodecFault::TokenDecoderUnwrapsUtf8) {
        #[allow(clippy::unwrap_used)]
        let _ = std::str::from_utf8(xml).unwrap();
    }
}
