//! Deliberate faults in the semantics both evaluators share (feature `mutants`, tests
//! only): each reverts one fail-closed rule of PROTOCOL 1.6, to show that the deployment
//! invariants (DEPLOY-NO-ANONYMOUS, DEPLOY-SPEC-AGREES) catch what PIPE-ORACLE cannot see.
//! A fault is planted for the current thread only, for the duration of a closure.

use std::cell::Cell;

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

thread_local! {
    static PLANTED: Cell<Option<SharedFault>> = const { Cell::new(None) };
}

/// Runs `f` with `fault` planted on this thread.
pub fn with<R>(fault: SharedFault, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<SharedFault>);
    impl Drop for Reset {
        fn drop(&mut self) {
            PLANTED.with(|p| p.set(self.0));
        }
    }
    let _reset = Reset(PLANTED.with(|p| p.replace(Some(fault))));
    f()
}

/// Whether `fault` is planted on this thread.
pub(crate) fn is(fault: SharedFault) -> bool {
    PLANTED.with(|p| p.get() == Some(fault))
}
