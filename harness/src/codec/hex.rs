//! Hexadecimal fields as the codecs read them: ASCII hex digits of either case, a length
//! the caller states, nothing else. `from_str_radix` alone also takes a leading sign
//! (`"+a"` is 10), which once made the cookie escape `%+a` decode as `'\n'`; every hex
//! field of the codecs and the mock's form reader goes through here instead.

use std::ops::RangeInclusive;

/// The value of `s` when it is `len` hex digits (at most 16), nothing else.
pub(crate) fn value(s: &[u8], len: RangeInclusive<usize>) -> Option<u64> {
    debug_assert!(*len.end() <= 16, "a u64 holds 16 hex digits");
    if !len.contains(&s.len()) {
        return None;
    }
    s.iter().try_fold(0u64, |v, &b| Some(v << 4 | u64::from(digit(b)?)))
}

/// The byte two hex digits (`s`, exactly two) stand for: a percent escape's `XX`.
pub(crate) fn byte(s: &[u8]) -> Option<u8> {
    value(s, 2..=2).and_then(|v| u8::try_from(v).ok())
}

fn digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_of_either_case_and_nothing_else() {
        assert_eq!(value(b"0a", 2..=2), Some(10));
        assert_eq!(value(b"FfFfFfFfFfFfFfFf", 16..=16), Some(u64::MAX));
        assert_eq!(value(b"8004A101", 1..=8), Some(0x8004_A101));
        assert_eq!(byte(b"4a"), Some(0x4A));
        for bad in [&b"+a"[..], b"-1", b" a", b"a ", b"0x", b"g0", b"\xc2\xa0"] {
            assert_eq!(byte(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_length_is_the_callers() {
        assert_eq!(byte(b"a"), None);
        assert_eq!(byte(b"abc"), None);
        assert_eq!(value(b"", 1..=8), None);
        assert_eq!(value(b"123456789", 1..=8), None);
        assert_eq!(value(b"0003BFFD9E7A0C5", 16..=16), None);
    }
}
