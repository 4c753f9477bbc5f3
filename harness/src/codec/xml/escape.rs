//! Escaping of text and attribute values for writing, a word at a time.

/// Escape character data (`<`, `>`, `&`, and CR so it survives line-end normalization).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s, TEXT_SPECIALS, replacement);
    out
}

/// Escape a double-quoted attribute value: as text, plus `"` and the whitespace that
/// attribute-value normalization would otherwise turn into spaces.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s, ATTR_SPECIALS, replacement);
    out
}

/// What [`escape_text`] replaces.
pub(super) const TEXT_SPECIALS: &[u8; 4] = b"<>&\r";
/// What [`escape_attr`] replaces.
pub(super) const ATTR_SPECIALS: &[u8; 7] = b"<>&\r\"\t\n";

/// The reference of a byte of [`ATTR_SPECIALS`].
pub(super) fn replacement(b: u8) -> &'static str {
    match b {
        b'<' => "&lt;",
        b'>' => "&gt;",
        b'&' => "&amp;",
        b'\r' => "&#xD;",
        b'"' => "&quot;",
        b'\t' => "&#x9;",
        b'\n' => "&#xA;",
        _ => unreachable!("not a special byte: {b:#x}"),
    }
}

/// Appends `s` to `out` with every byte of `specials` (ASCII other than NUL, so never part
/// of a multi-byte character) replaced by `replacement(byte)`; the runs in between are
/// copied whole.
pub(crate) fn push_escaped<const N: usize>(
    out: &mut String,
    s: &str,
    specials: &[u8; N],
    replacement: fn(u8) -> &'static str,
) {
    let bytes = s.as_bytes();
    let mut done = 0;
    while let Some(i) = find_special(bytes, done, specials) {
        out.push_str(&s[done..i]);
        out.push_str(replacement(bytes[i]));
        done = i + 1;
    }
    out.push_str(&s[done..]);
}

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// Whether one of the eight bytes of `word` is one of `specials`: a word at a time (the
/// classic "has a zero byte" test on `word ^ b…b`), as most text has nothing to escape.
fn word_has_special<const N: usize>(word: u64, specials: &[u8; N]) -> bool {
    let mut found = 0;
    for &b in specials {
        let x = word ^ ONES.wrapping_mul(u64::from(b));
        found |= x.wrapping_sub(ONES) & !x & HIGHS;
    }
    found != 0
}

/// The index of the first byte of `specials` (a few ASCII bytes, not NUL) in `bytes[from..]`.
fn find_special<const N: usize>(bytes: &[u8], from: usize, specials: &[u8; N]) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut tail = rest;
    while let Some((word, more)) = tail.split_first_chunk::<8>() {
        if word_has_special(u64::from_le_bytes(*word), specials) {
            break;
        }
        tail = more;
    }
    if tail.len() < 8 {
        // The last few bytes, padded with NUL (never special).
        let mut padded = [0u8; 8];
        padded[..tail.len()].copy_from_slice(tail);
        if !word_has_special(u64::from_le_bytes(padded), specials) {
            return None;
        }
    }
    let skipped = rest.len() - tail.len();
    tail.iter().position(|b| specials.contains(b)).map(|i| from + skipped + i)
}

#[cfg(test)]
mod escape_tests {
    use super::*;
    use proptest::prelude::*;

    /// The escaper as it was written first: one character at a time.
    fn per_char(s: &str, attribute: bool) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '\r' => out.push_str("&#xD;"),
                '"' if attribute => out.push_str("&quot;"),
                '\t' if attribute => out.push_str("&#x9;"),
                '\n' if attribute => out.push_str("&#xA;"),
                _ => out.push(c),
            }
        }
        out
    }

    #[test]
    fn every_position_of_every_special() {
        for len in 0..=20 {
            for at in 0..len.max(1) {
                for c in ['<', '>', '&', '\r', '"', '\t', '\n', '\'', 'é', '中', '\u{1}'] {
                    let s: String = (0..len).map(|i| if i == at { c } else { 'a' }).collect();
                    assert_eq!(escape_text(&s), per_char(&s, false), "{s:?}");
                    assert_eq!(escape_attr(&s), per_char(&s, true), "{s:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn same_as_per_char(s in "[<>&\r\"\t\na-z é中\u{80}-\u{10FFFF}]{0,40}|.{0,40}") {
            prop_assert_eq!(escape_text(&s), per_char(&s, false));
            prop_assert_eq!(escape_attr(&s), per_char(&s, true));
        }
    }
}
