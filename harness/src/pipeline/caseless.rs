//! ASCII case-insensitive equality, eight bytes at a time.
//!
//! The pipeline compares paths, methods, accounts and organization names "case-insensitive"
//! (PROTOCOL 1.3, 1.4): ASCII letters only, as [`str::eq_ignore_ascii_case`]. The standard
//! function compares short strings byte by byte; these are mostly 4 to 40 bytes, so this
//! one folds each 8-byte word at once (SWAR) and compares words. Same answer on all input
//! (tested against the standard function).

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// `x` with every ASCII capital letter byte turned to lowercase; other bytes unchanged.
#[inline(always)]
fn fold(x: u64) -> u64 {
    let low = x & LOW7;
    // Per byte (no carries: low bytes are at most 0x7f): bit 7 set when >= 'A' (0x41) …
    let at_least_a = low.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    // … and when > 'Z' (0x5a).
    let above_z = low.wrapping_add(0x2525_2525_2525_2525);
    // Capitals: >= 'A', not > 'Z', and ASCII (bit 7 of the byte itself clear).
    let capitals = at_least_a & !above_z & !x & HIGH;
    x | (capitals >> 2)
}

/// The 8 bytes at `at` as a little-endian word.
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Up to 8 bytes as a word, zero-padded.
#[inline(always)]
fn short_word(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |w, &b| (w << 8) | u64::from(b))
}

/// Whether `a` and `b` are equal ignoring ASCII case ([`str::eq_ignore_ascii_case`]).
#[inline(always)]
pub fn eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && eq_same_length(a.as_bytes(), b.as_bytes())
}

#[inline]
fn eq_same_length(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n < 8 {
        return same_word(short_word(a), short_word(b));
    }
    // Whole words, then the last 8 bytes (overlapping the last whole word if need be).
    let mut at = 0;
    while at + 8 <= n {
        if !same_word(word_at(a, at), word_at(b, at)) {
            return false;
        }
        at += 8;
    }
    at == n || same_word(word_at(a, n - 8), word_at(b, n - 8))
}

#[inline(always)]
fn same_word(x: u64, y: u64) -> bool {
    x == y || fold(x) == fold(y)
}

/// The lengths of a set of strings, as one bit each (lengths from 63 on share the last
/// bit), so that a string whose length no member has is rejected by one test before any
/// byte is compared. Equality ignoring ASCII case keeps the length (ASCII letters only), so
/// [`Lengths::may_contain`] false means no member is [`eq`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lengths(u64);

impl Lengths {
    #[inline(always)]
    fn bit(len: usize) -> u64 {
        1 << len.min(63)
    }

    /// The lengths of `values`.
    pub fn of<'v>(values: impl IntoIterator<Item = &'v str>) -> Self {
        Lengths(values.into_iter().fold(0, |m, v| m | Self::bit(v.len())))
    }

    /// Whether some member may have `s`'s length (false: none is `eq` to `s`).
    #[inline(always)]
    pub fn may_contain(self, s: &str) -> bool {
        self.0 & Self::bit(s.len()) != 0
    }
}

/// Whether `s` starts with `prefix`, ignoring ASCII case.
#[inline]
pub fn starts_with(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && eq(&s[..prefix.len()], prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_byte_folds_as_the_standard_library_does() {
        for b in 0..=255u8 {
            let x = u64::from_le_bytes([b; 8]);
            let expected = u64::from_le_bytes([b.to_ascii_lowercase(); 8]);
            assert_eq!(fold(x), expected, "byte {b:#04x}");
        }
    }

    #[test]
    fn boundaries_of_the_capital_range() {
        for (a, b, same) in [
            ("@", "`", false),
            ("[", "{", false),
            ("A", "a", true),
            ("Z", "z", true),
            ("/MSCRMServices/2007/CrmService.asmx", "/mscrmservices/2007/crmservice.ASMX", true),
            ("/MSCRMServices/2007/CrmService.asmx", "/mscrmservices/2007/crmservice.asmy", false),
            ("CONTOSO\\alice", "contoso\\ALICE", true),
            ("Straße", "STRASSE", false),
            ("É", "é", false),
            ("", "", true),
        ] {
            assert_eq!(eq(a, b), same, "{a:?} {b:?}");
            assert_eq!(eq(a, b), a.eq_ignore_ascii_case(b), "{a:?} {b:?}");
        }
        assert!(starts_with("/MSCRMServices/x", "/mscrmservices/"));
        assert!(!starts_with("/MSCRM", "/mscrmservices/"));
        assert!(!starts_with("é", "\u{c3}"));
    }

    #[test]
    fn lengths_reject_only_strings_of_no_member_length() {
        let set = ["/a", "/MSCRMServices/2007/CrmService.asmx", &"x".repeat(63), ""];
        let lengths = Lengths::of(set);
        for s in ["/A", "/b", "/mscrmservices/2007/crmservice.asmx", "", &"y".repeat(63)] {
            assert!(lengths.may_contain(s), "{s:?}");
        }
        // Long strings share the last bit: a maybe, never a wrong no.
        assert!(lengths.may_contain(&"z".repeat(200)));
        for s in ["/ab", "/", &"x".repeat(62)] {
            assert!(!lengths.may_contain(s), "{s:?}");
            assert!(!set.iter().any(|m| eq(m, s)), "{s:?}");
        }
        assert!(!Lengths::default().may_contain(""));
    }

    proptest! {
        #[test]
        fn a_member_is_never_rejected(
            set in proptest::collection::vec("[a-zA-Z/é]{0,70}", 0..6),
            s in "[a-zA-Z/é]{0,70}",
        ) {
            let lengths = Lengths::of(set.iter().map(String::as_str));
            if set.iter().any(|m| eq(m, &s)) {
                prop_assert!(lengths.may_contain(&s));
            }
            for m in &set {
                prop_assert!(lengths.may_contain(m));
            }
        }

        #[test]
        fn agrees_with_the_standard_library(
            a in "[a-zA-Z@\\[`{0-9/\\\\é ]{0,40}",
            flips in proptest::collection::vec(any::<bool>(), 40),
        ) {
            // b: a with some letters' case flipped, and sometimes one byte changed.
            let b: String = a
                .chars()
                .zip(flips.iter().cycle())
                .map(|(c, &f)| if f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
            prop_assert_eq!(eq(&a, &b), a.eq_ignore_ascii_case(&b));
            let mut c = b.clone().into_bytes();
            if let Some(x) = c.iter_mut().rev().find(|x| x.is_ascii_alphanumeric()) {
                *x ^= 1;
            }
            if let Ok(c) = String::from_utf8(c) {
                prop_assert_eq!(eq(&a, &c), a.eq_ignore_ascii_case(&c));
            }
        }

        #[test]
        fn agrees_on_any_two_strings(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            prop_assert_eq!(eq(&a, &b), a.eq_ignore_ascii_case(&b));
        }
    }
}
