//! The reader's fast path for plain attributes, and its proof against quick-xml's
//! attribute iterator.

use crate::codec::attr_scan::AttrScan;

/// The value of attribute `name` when it is among the first four attributes and every
/// attribute up to it is well-formed, unrepeated, and its value has no reference: then it
/// is exactly what quick-xml's attribute iterator returns (the codec's [`AttrScan`] has
/// that iterator's grammar), found a word at a time instead of through the iterator's
/// per-attribute state. `None` otherwise (also for a tag that is not UTF-8): the caller
/// asks the iterator, which then reports what it always has.
pub(super) fn plain_attribute<'e>(raw: &'e [u8], name: &str) -> Option<&'e str> {
    let raw = std::str::from_utf8(raw).ok()?;
    let mut seen: [&str; 4] = [""; 4];
    for (i, a) in AttrScan::new(raw).take(seen.len()).enumerate() {
        let a = a.ok()?; // a syntax error: the iterator's to report
        if seen[..i].contains(&a.key) {
            return None; // a duplicate: the iterator's error
        }
        if a.key == name {
            return (!a.has_ref).then_some(a.value); // unescaping is the iterator's
        }
        seen[i] = a.key;
    }
    None
}

#[cfg(test)]
mod plain_attribute_tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    use quick_xml::events::BytesStart;

    /// What `Parser::attribute` reads without the fast path: quick-xml's iterator, up to
    /// the first attribute named `name`.
    fn by_iterator(e: &BytesStart<'_>, name: &str) -> Option<Result<String, String>> {
        for a in e.attributes() {
            match a {
                Err(err) => return Some(Err(err.to_string())),
                Ok(a) if a.key.as_ref() == name.as_bytes() => {
                    return Some(
                        a.unescape_value().map(|v| v.into_owned()).map_err(|e| e.to_string()),
                    )
                }
                Ok(_) => {}
            }
        }
        None
    }

    fn attribute() -> impl Strategy<Value = String> {
        let key = select(&["type", "key", "value", "typex", "p:type", "", "ty pe", "="][..]);
        let value = select(
            &["Microsoft.Crm.X, Microsoft.Crm", "/a/b", "&amp;", "&bogus;", "a>b", "", "'"][..],
        );
        let plain = (key.clone(), value.clone()).prop_map(|(k, v)| format!(" {k}=\"{v}\""));
        let odd = (
            select(&[" ", "\t", "\r\n", ""][..]),
            key,
            select(&["=", " = ", "", "=="][..]),
            select(&["\"", "'", ""][..]),
            value,
            select(&["\"", "'", ""][..]),
        )
            .prop_map(|(w, k, e, q, v, r)| format!("{w}{k}{e}{q}{v}{r}"));
        prop_oneof![3 => plain, 1 => odd]
    }

    proptest! {
        #[test]
        fn plain_attribute_is_what_the_iterator_reads(
            attributes in prop::collection::vec(attribute(), 0..6),
            name in select(&["type", "key", "value"][..]),
        ) {
            let tag = format!("x{}", attributes.concat());
            let e = BytesStart::from_content(tag.as_str(), 1);
            if let Some(v) = plain_attribute(e.attributes_raw(), name) {
                prop_assert_eq!(by_iterator(&e, name), Some(Ok(v.to_owned())));
            }
        }
    }

    #[test]
    fn plain_attributes_take_the_fast_path_and_others_do_not() {
        let raw = br#" key="path0" value="/MSCRMServices/2007/CrmService.asmx" "#;
        assert_eq!(plain_attribute(raw, "value"), Some("/MSCRMServices/2007/CrmService.asmx"));
        assert_eq!(plain_attribute(raw, "key"), Some("path0"));
        assert_eq!(plain_attribute(raw, "type"), None);
        // The iterator's grammar: either quote, whitespace around `=`.
        assert_eq!(plain_attribute(br#" key='v' value="w""#, "value"), Some("w"));
        assert_eq!(plain_attribute(b" key = 'v'\tvalue\n=\"w\"", "key"), Some("v"));
        // A reference in another attribute is not unescaped (nor is it by the iterator).
        assert_eq!(plain_attribute(br#" key="a&amp;b" value="v""#, "value"), Some("v"));
        assert_eq!(plain_attribute(br#" key="a&amp;b" value="v""#, "key"), None);
        for odd in [
            &br#" key="a&amp;b""#[..],
            br#" x="1" x="2" value="v""#,
            br#" key="v"#,
            br#" key=v value="v""#,
            br#" a="1" b="2" c="3" d="4" value="v""#,
            b" key=\"\xff\" value=\"v\"",
        ] {
            assert_eq!(plain_attribute(odd, "value"), None, "{}", String::from_utf8_lossy(odd));
        }
    }
}
