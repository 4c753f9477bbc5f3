//! The input of a streaming decoder (`token::stream`, `fault_stream`) seen as text once:
//! the bytes of quick-xml's events, borrowed from it, are then cut from that text without
//! a UTF-8 check of their own.

use std::borrow::Cow;

use super::xml::DecodeError;

/// The input, and the same as text when it is UTF-8 as a whole (the usual case): then the
/// bytes of every tag and text event, cut from it at ASCII delimiters, are text without a
/// check of their own.
pub(crate) struct Source<'a> {
    bytes: &'a [u8],
    text: Option<&'a str>,
}

impl<'a> Source<'a> {
    #[inline]
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Source { bytes, text: std::str::from_utf8(bytes).ok() }
    }

    /// Where `part`, bytes of an event, lies in the input: quick-xml's `Reader` on a byte
    /// slice borrows every event from it.
    #[inline]
    fn range(&self, part: &[u8]) -> Option<std::ops::Range<usize>> {
        let start = (part.as_ptr() as usize).checked_sub(self.bytes.as_ptr() as usize)?;
        let end = start.checked_add(part.len())?;
        (end <= self.bytes.len()).then_some(start..end)
    }

    /// `part` as text borrowed from the input; `None` if it is not UTF-8 (or, which never
    /// happens, not a slice of the input).
    #[inline]
    pub(crate) fn str(&self, part: &[u8]) -> Option<&'a str> {
        let r = self.range(part)?;
        match self.text {
            Some(t) => t.get(r),
            None => std::str::from_utf8(self.bytes.get(r)?).ok(),
        }
    }

    /// Character data (text or CDATA bytes) as `xml10_content` decodes it: UTF-8, CR LF and
    /// CR as LF. `slow` is that method, used unless the input is text and `part` has no CR.
    #[inline]
    pub(crate) fn content(
        &self,
        part: &[u8],
        slow: impl FnOnce() -> Result<Cow<'a, str>, quick_xml::encoding::EncodingError>,
        offset: u64,
    ) -> Result<Cow<'a, str>, DecodeError> {
        match self.text.and_then(|t| t.get(self.range(part)?)) {
            Some(s) if !s.as_bytes().contains(&b'\r') => Ok(Cow::Borrowed(s)),
            _ => slow().map_err(|e| DecodeError::malformed(offset, e.to_string())),
        }
    }
}
