//! The resource limits every decoder enforces (PROTOCOL 3: DECODE-TOTAL).

use serde::Serialize;

use super::{DecodeError, DecodeErrorKind};

/// Hard ceiling on nesting, whatever [`DecodeLimits::max_depth`] says: the tree is walked
/// recursively, so depth must stay small enough for the stack.
pub const HARD_MAX_DEPTH: usize = 512;

/// Resource limits applied by every decoder (DECODE-TOTAL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DecodeLimits {
    /// Largest accepted input, in bytes.
    pub max_input_bytes: usize,
    /// Deepest element nesting (the root element is depth 1); capped at [`HARD_MAX_DEPTH`].
    pub max_depth: usize,
    /// Most attributes on one element, namespace declarations included.
    pub max_attributes: usize,
    /// Most text (after entity expansion) directly inside one element, or in one attribute.
    pub max_text_bytes: usize,
}

impl DecodeLimits {
    /// 1 MiB input, depth 64, 32 attributes per element, 64 KiB of text per element.
    pub const DEFAULT: DecodeLimits = DecodeLimits {
        max_input_bytes: 1 << 20,
        max_depth: 64,
        max_attributes: 32,
        max_text_bytes: 64 << 10,
    };
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits::DEFAULT
    }
}

/// The attribute limits: at most `max_attributes` on an element (the `count`-th is being
/// read), each value at most `max_text_bytes`.
pub(crate) fn attribute_limits(
    count: usize,
    value_len: usize,
    limits: &DecodeLimits,
    offset: u64,
) -> Result<(), DecodeError> {
    if count > limits.max_attributes {
        return Err(DecodeError::new(
            offset,
            DecodeErrorKind::TooManyAttributes { limit: limits.max_attributes },
        ));
    }
    if value_len > limits.max_text_bytes {
        return Err(DecodeError::new(
            offset,
            DecodeErrorKind::TextTooLong { limit: limits.max_text_bytes },
        ));
    }
    Ok(())
}
