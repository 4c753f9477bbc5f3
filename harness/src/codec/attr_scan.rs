//! One byte scan of a start tag's attributes, with exactly the grammar of quick-xml's
//! `Attributes` iterator in XML mode (the tree reader's), so the streaming decoder accepts
//! the same tags without building quick-xml's per-attribute state.
//!
//! Contract: on the bytes after a tag's name (`BytesStart::attributes_raw`), [`AttrScan`]
//! yields the same (key, raw value) pairs as `attributes().with_checks(false)`, and fails
//! exactly where that iterator first fails: a key not followed by `=`, a value not quoted,
//! a missing closing quote. quick-xml's grammar is lax and we keep it so (agreement with the
//! tree decoder, not XML's `Name` production): a key is any run of non-whitespace bytes up to
//! `=` or whitespace, its first byte may even be `=` or a quote; no whitespace is needed
//! between a closing quote and the next key; a value may hold `<`, `>` or the other quote.
//! Duplicate keys, references in values, UTF-8 and namespaces are the caller's business.

/// Why an attribute list is malformed (the variants of quick-xml's `AttrError` we can meet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrSyntax {
    /// A key not followed by `=` (quick-xml: `ExpectedEq`).
    ExpectedEq,
    /// `=` and then nothing (quick-xml: `ExpectedValue`).
    ExpectedValue,
    /// A value not starting with a quote (quick-xml: `UnquotedValue`).
    UnquotedValue,
    /// No closing quote (quick-xml: `ExpectedQuote`).
    ExpectedQuote,
}

impl AttrSyntax {
    /// The error message.
    pub(crate) fn message(self) -> &'static str {
        match self {
            AttrSyntax::ExpectedEq => "attribute without `=`",
            AttrSyntax::ExpectedValue => "attribute without a value",
            AttrSyntax::UnquotedValue => "attribute value without quotes",
            AttrSyntax::ExpectedQuote => "attribute value without a closing quote",
        }
    }
}

/// XML whitespace as quick-xml sees it.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Prefix and local part of a qualified name, split at its first `:`.
pub(crate) fn split_qname(qname: &str) -> Option<(&str, &str)> {
    let i = qname.bytes().position(|b| b == b':')?;
    Some((qname.get(..i)?, qname.get(i + 1..)?))
}

/// One attribute: its key and raw value (references not expanded), and what the scan saw
/// on the way, so the caller need not look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Attr<'a> {
    pub key: &'a str,
    pub value: &'a str,
    /// The position of the key's first `:` (its prefix ends there).
    pub colon: Option<usize>,
    /// The value holds a `&` (a reference to expand, or an error).
    pub has_ref: bool,
}

/// The attributes of one start tag, in document order. Stops after the first error.
pub(crate) struct AttrScan<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> AttrScan<'a> {
    /// Scan `s`, the bytes after the tag's name (they start with whitespace, or are empty).
    pub(crate) fn new(s: &'a str) -> Self {
        AttrScan { s, pos: 0 }
    }

    fn fail(&mut self, e: AttrSyntax) -> Option<Result<Attr<'a>, AttrSyntax>> {
        self.pos = self.s.len();
        Some(Err(e))
    }
}

impl<'a> Iterator for AttrScan<'a> {
    type Item = Result<Attr<'a>, AttrSyntax>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        let skip_ws = |mut i: usize| {
            while i < b.len() && is_ws(b[i]) {
                i += 1;
            }
            i
        };
        let key_start = skip_ws(self.pos);
        if key_start == b.len() {
            self.pos = key_start;
            return None;
        }
        // The key's first byte is taken whatever it is, then up to `=` or whitespace.
        let mut colon = (b[key_start] == b':').then_some(0);
        let mut key_end = key_start + 1;
        while key_end < b.len() && b[key_end] != b'=' && !is_ws(b[key_end]) {
            if b[key_end] == b':' && colon.is_none() {
                colon = Some(key_end - key_start);
            }
            key_end += 1;
        }
        let mut i = skip_ws(key_end);
        if i == b.len() || b[i] != b'=' {
            return self.fail(AttrSyntax::ExpectedEq);
        }
        i = skip_ws(i + 1);
        let Some(&quote) = b.get(i) else { return self.fail(AttrSyntax::ExpectedValue) };
        if quote != b'"' && quote != b'\'' {
            return self.fail(AttrSyntax::UnquotedValue);
        }
        let value_start = i + 1;
        let mut has_ref = false;
        let value_end = match memchr::memchr2(quote, b'&', &b[value_start..]) {
            Some(n) if b[value_start + n] == b'&' => {
                has_ref = true;
                memchr::memchr(quote, &b[value_start + n..]).map(|m| value_start + n + m)
            }
            found => found.map(|n| value_start + n),
        };
        let Some(value_end) = value_end else { return self.fail(AttrSyntax::ExpectedQuote) };
        self.pos = value_end + 1;
        // Every boundary is next to an ASCII byte, so these never fail on a `str`.
        match (self.s.get(key_start..key_end), self.s.get(value_start..value_end)) {
            (Some(key), Some(value)) => Some(Ok(Attr { key, value, colon, has_ref })),
            _ => self.fail(AttrSyntax::ExpectedEq),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quick_xml::events::BytesStart;

    /// quick-xml's iterator on `<t{attrs}>`: the pairs before the first error, and whether
    /// there was one. `checks` adds its duplicate check.
    fn quick(attrs: &str, checks: bool) -> (Vec<(String, String)>, bool) {
        let tag = format!("t{attrs}");
        let s = BytesStart::from_content(tag.as_str(), 1);
        let mut out = Vec::new();
        for a in s.attributes().with_checks(checks) {
            match a {
                Ok(a) => out.push((
                    String::from_utf8(a.key.into_inner().to_vec()).unwrap(),
                    String::from_utf8(a.value.to_vec()).unwrap(),
                )),
                Err(_) => return (out, true),
            }
        }
        (out, false)
    }

    fn ours(attrs: &str) -> (Vec<(String, String)>, bool) {
        let mut out = Vec::new();
        for a in AttrScan::new(attrs) {
            match a {
                Ok(a) => {
                    assert_eq!(a.colon, a.key.find(':'), "{attrs:?}");
                    assert_eq!(a.has_ref, a.value.contains('&'), "{attrs:?}");
                    out.push((a.key.to_owned(), a.value.to_owned()))
                }
                Err(_) => return (out, true),
            }
        }
        (out, false)
    }

    fn pairs(attrs: &str) -> Vec<(&str, &str)> {
        AttrScan::new(attrs).map(|a| a.map(|a| (a.key, a.value))).collect::<Result<_, _>>().unwrap()
    }

    fn error(attrs: &str) -> AttrSyntax {
        AttrScan::new(attrs).find_map(Result::err).unwrap()
    }

    #[test]
    fn well_formed_lists_and_whitespace_variants() {
        assert_eq!(pairs(""), []);
        assert_eq!(pairs(" \t\r\n"), []);
        assert_eq!(pairs(r#" a="1""#), [("a", "1")]);
        assert_eq!(pairs(" a='1' b=\"2\" "), [("a", "1"), ("b", "2")]);
        assert_eq!(pairs(" a \t=\r\n '1'"), [("a", "1")]);
        // no whitespace needed after a closing quote
        assert_eq!(pairs(r#" a="1"b='2'"#), [("a", "1"), ("b", "2")]);
        // empty values, the other quote, `<`, `>`, `/` and references are value bytes
        assert_eq!(pairs(r#" a="" b='"' c="'""#), [("a", ""), ("b", "\""), ("c", "'")]);
        assert_eq!(pairs(r#" a="<x>/" b="&amp;&bad;""#), [("a", "<x>/"), ("b", "&amp;&bad;")]);
        assert_eq!(pairs(r#" p:a="1" xmlns:p="u" xmlns="""#).len(), 3);
        // quick-xml's lax keys: the first byte may be anything but whitespace
        assert_eq!(pairs(r#" =="1""#), [("=", "1")]);
        assert_eq!(pairs(r#" "a"="1""#), [("\"a\"", "1")]);
        assert_eq!(pairs(" é='ü'"), [("é", "ü")]);
        // keys and values longer than a word
        let long =
            " xmlns:abcdefghijklmnop='http://example.org/a/b/c/d/e' d:ABCDEFGHIJKLMNOPQ\t=\n\"x\"";
        assert_eq!(
            pairs(long),
            [
                ("xmlns:abcdefghijklmnop", "http://example.org/a/b/c/d/e"),
                ("d:ABCDEFGHIJKLMNOPQ", "x")
            ]
        );
    }

    #[test]
    fn references_are_flagged_and_left_raw() {
        let a: Vec<_> = AttrScan::new(r#" a="x&amp;y" b='&#x41;' c="plain""#)
            .map(|a| a.map(|a| (a.key, a.value, a.has_ref)))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(a, [("a", "x&amp;y", true), ("b", "&#x41;", true), ("c", "plain", false)]);
        // a quote after the reference still ends the value; a bare `&` is a value byte here
        assert_eq!(pairs(r#" a="&" b="&bogus""#), [("a", "&"), ("b", "&bogus")]);
    }

    #[test]
    fn duplicates_are_yielded_for_the_caller_to_refuse() {
        // quick-xml's `with_checks(false)` grammar: the scan yields both; the callers
        // (`start_tag::check_start`, the pipeline reader's fast path) refuse the second.
        assert_eq!(pairs(r#" a="1" a='2'"#), [("a", "1"), ("a", "2")]);
        assert_eq!(pairs(r#" p:a="1" q:a="2""#), [("p:a", "1"), ("q:a", "2")]);
    }

    #[test]
    fn qualified_names_split_at_the_first_colon() {
        for name in [
            "",
            "a",
            ":",
            "a:",
            ":a",
            "p:a",
            "p:a:b",
            "abcdefgh:i",
            "abcdefghijklmnop:q",
            "abcdefghijklmnopq",
        ] {
            assert_eq!(split_qname(name), name.split_once(':'), "{name}");
        }
    }

    #[test]
    fn malformed_lists_fail_like_quick_xml() {
        assert_eq!(error(" a"), AttrSyntax::ExpectedEq);
        assert_eq!(error(" a "), AttrSyntax::ExpectedEq);
        assert_eq!(error(" a b='1'"), AttrSyntax::ExpectedEq);
        assert_eq!(error(r#" ="1""#), AttrSyntax::ExpectedEq);
        assert_eq!(error(" a="), AttrSyntax::ExpectedValue);
        assert_eq!(error(" a= \n"), AttrSyntax::ExpectedValue);
        assert_eq!(error(" a=1"), AttrSyntax::UnquotedValue);
        assert_eq!(error(" a=1 b='2'"), AttrSyntax::UnquotedValue);
        assert_eq!(error(r#" a="1"#), AttrSyntax::ExpectedQuote);
        assert_eq!(error(r#" a="1'"#), AttrSyntax::ExpectedQuote);
        // the scan stops at the first error
        let mut it = AttrScan::new(r#" a='1' b c='3'"#);
        assert_eq!(it.next().unwrap().map(|a| (a.key, a.value)), Ok(("a", "1")));
        assert_eq!(it.next(), Some(Err(AttrSyntax::ExpectedEq)));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn same_as_quick_xml_on_the_examples() {
        for attrs in [
            "",
            " a='1'",
            " a",
            " a=",
            " a=1",
            " a='1",
            r#" a="1"b="2""#,
            r#" a="1" a="2""#,
            " =='1'",
            " = '1'",
            " a = '1' = '2'",
            "\t\r\n",
        ] {
            assert_eq!(ours(attrs), quick(attrs, false), "{attrs:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Differential: our scan and quick-xml's iterator agree on every attribute list
        /// over the bytes that matter to the grammar.
        #[test]
        fn agrees_with_quick_xml(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(" "), Just("\t"), Just("\n"), Just("="), Just("\""), Just("'"),
                    Just("a"), Just("b"), Just(":"), Just("xmlns"), Just("<"), Just("&"),
                    Just("é"), Just("a=\"1\""), Just("b='2'"), Just("abcdefghijk"),
                    Just("\r"),
                ],
                0..24,
            )
        ) {
            let attrs = format!(" {}", parts.concat());
            prop_assert_eq!(ours(&attrs), quick(&attrs, false));
            // and with the duplicate check: an error exactly when quick-xml reports one
            let (pairs, err) = ours(&attrs);
            let mut seen = std::collections::HashSet::new();
            let dup = pairs.iter().position(|(k, _)| !seen.insert(k.clone()));
            let (qpairs, qerr) = quick(&attrs, true);
            match dup {
                Some(i) => prop_assert!(qerr && qpairs.len() == i),
                None => prop_assert_eq!((pairs, err), (qpairs, qerr)),
            }
        }
    }
}
