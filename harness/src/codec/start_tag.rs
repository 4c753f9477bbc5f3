//! The start-tag check of the streaming decoder: one scan of the tag ([`AttrScan`]) against
//! the namespace scopes ([`Scopes`]), no tree and, on ordinary tags, no allocation.
//!
//! Contract: [`check_start`] accepts exactly the start tags that the tree reader
//! (`xml::read::start_element` under an `NsReader`) accepts, and [`element`] then builds the
//! same [`Element`]. What is checked: attribute syntax, duplicate attributes (the same raw
//! name, as quick-xml checks: not two prefixes bound to one namespace), the attribute count
//! and value length ([`DecodeLimits`]), references in values (predefined entities and character
//! references only), namespace declarations and prefixes (each prefixed name bound once
//! the tag's own declarations are in scope), and the QName of `xsi:type`.
//!
//! UTF-8 is the caller's to check, once for the whole tag (tags are `str`): every byte of a
//! tag the tree reader accepts belongs to a name, a prefix or a value that it checks as
//! UTF-8 (or is ASCII syntax), so a tag that is not UTF-8 as a whole is refused by both.

use crate::codec::xml::XmlWhitespace;
use std::borrow::Cow;

use super::attr_scan::{Attr, AttrScan};
use super::ns_scope::{Decl, Known, Ns, Scopes, UnknownPrefix};
use super::xml::{self, Attribute, DecodeError, DecodeLimits, Element, ExpandedName};

/// A start tag as [`check_start`] saw it: the resolved namespace, local name and `xsi:nil`.
pub(crate) struct StartTag<'a> {
    pub namespace: Option<Ns<'a>>,
    pub local: &'a str,
    pub nil: bool,
}

/// Up to `N` items in place, then on the heap: the per-tag lists, without allocating for
/// ordinary tags.
struct Few<T: Copy, const N: usize> {
    inline: [T; N],
    len: usize,
    more: Vec<T>,
}

impl<T: Copy, const N: usize> Few<T, N> {
    fn new(fill: T) -> Self {
        Few { inline: [fill; N], len: 0, more: Vec::new() }
    }
    fn push(&mut self, t: T) {
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = t;
                self.len += 1;
            }
            None => self.more.push(t),
        }
    }
    fn iter(&self) -> impl Iterator<Item = &T> {
        self.inline[..self.len].iter().chain(&self.more)
    }
    fn any(&self, f: impl Fn(&T) -> bool) -> bool {
        self.inline[..self.len].iter().any(&f) || (!self.more.is_empty() && self.more.iter().any(f))
    }
}

fn unknown(offset: u64) -> impl Fn(UnknownPrefix<'_>) -> DecodeError {
    move |UnknownPrefix(p)| DecodeError::malformed(offset, format!("undeclared prefix {p:?}"))
}

/// The tag's name and attributes.
fn split(tag: &str, name_len: usize, offset: u64) -> Result<(&str, &str), DecodeError> {
    // The name ends before whitespace: a character boundary.
    tag.split_at_checked(name_len).ok_or_else(|| DecodeError::malformed(offset, "invalid UTF-8"))
}

/// An attribute value with its references expanded (an error for an unknown entity or a bad
/// character reference); `has_ref`: it holds a `&`.
fn unescape(value: &str, has_ref: bool, offset: u64) -> Result<Cow<'_, str>, DecodeError> {
    if !has_ref {
        return Ok(Cow::Borrowed(value));
    }
    quick_xml::escape::unescape(value).map_err(|e| xml::attribute_error(offset, e.into()))
}

/// Check a start tag and open its namespace scope in `scopes` (the caller marks the scope
/// before, and truncates to the mark at the end tag). `tag` is the tag's content (name and
/// attributes: quick-xml's `BytesStart` bytes, as text), `name_len` the length of its name.
pub(crate) fn check_start<'a>(
    scopes: &mut Scopes<'a>,
    tag: &'a str,
    name_len: usize,
    offset: u64,
    limits: &DecodeLimits,
) -> Result<StartTag<'a>, DecodeError> {
    let (name, attrs) = split(tag, name_len, offset)?;
    if attrs.is_empty() {
        // No attribute (the name runs to the first whitespace): only the name to resolve.
        let (namespace, local) = scopes.element(name).map_err(unknown(offset))?;
        return Ok(StartTag { namespace, local, nil: false });
    }
    let mut keys: Few<&str, 6> = Few::new("");
    // Prefixed attributes: resolved once every declaration of the tag is in scope.
    let mut prefixed: Few<Attr<'_>, 4> = Few::new(Attr::default());
    let mut count = 0;
    for attr in AttrScan::new(attrs) {
        let a = attr.map_err(|e| DecodeError::malformed(offset, e.message()))?;
        if keys.any(|k| k.len() == a.key.len() && *k == a.key) {
            return Err(DecodeError::malformed(offset, "duplicated attribute"));
        }
        keys.push(a.key);
        count += 1;
        xml::attribute_limits(count, a.value.len(), limits, offset)?;
        unescape(a.value, a.has_ref, offset)?;
        if let Some(decl) = Decl::of(a.key) {
            // What `NsReader` binds: the raw value (a reference is not expanded).
            scopes.declare(decl, a.value).map_err(|e| DecodeError::malformed(offset, e))?;
        } else if a.colon.is_some() {
            prefixed.push(a);
        }
        // An unprefixed attribute is in no namespace: never xsi:type or xsi:nil.
    }
    let mut nil = false;
    for a in prefixed.iter() {
        let (ns, local) = scopes.attribute(a.key).map_err(unknown(offset))?;
        if ns.is_some_and(|n| n.is(Known::Xsi)) {
            if local == "type" {
                let value = unescape(a.value, a.has_ref, offset)?;
                scopes.element(value.trim_xml()).map_err(unknown(offset))?;
            } else if local == "nil" {
                nil = matches!(unescape(a.value, a.has_ref, offset)?.trim_xml(), "true" | "1");
            }
        }
    }
    let (namespace, local) = scopes.element(name).map_err(unknown(offset))?;
    Ok(StartTag { namespace, local, nil })
}

/// The [`Element`] (without children) that `xml::read::start_element` builds for a tag
/// [`check_start`] accepted; `scopes` hold the tag's own declarations.
pub(crate) fn element(
    scopes: &Scopes<'_>,
    tag: &str,
    name_len: usize,
    offset: u64,
) -> Result<Element, DecodeError> {
    let (name, attrs) = split(tag, name_len, offset)?;
    let uri = |ns: Option<Ns<'_>>| ns.map(|n| n.uri.to_owned());
    let (namespace, local) = scopes.element(name).map_err(unknown(offset))?;
    let mut el = Element {
        namespace: uri(namespace),
        local: local.to_owned(),
        offset,
        ..Element::default()
    };
    for attr in AttrScan::new(attrs) {
        let Attr { key, value, has_ref, .. } =
            attr.map_err(|e| DecodeError::malformed(offset, e.message()))?;
        let value = unescape(value, has_ref, offset)?.into_owned();
        if let Some(decl) = Decl::of(key) {
            let prefix = match decl {
                Decl::Default => "",
                Decl::Named(p) => p,
            };
            el.ns_decls.push((prefix.to_owned(), value));
            continue;
        }
        let (ns, local) = scopes.attribute(key).map_err(unknown(offset))?;
        let xsi = ns.is_some_and(|n| n.is(Known::Xsi));
        if xsi && local == "type" {
            let (tns, tlocal) = scopes.element(value.trim_xml()).map_err(unknown(offset))?;
            el.xsi_type = Some(ExpandedName { namespace: uri(tns), local: tlocal.to_owned() });
        } else if xsi && local == "nil" {
            el.nil = matches!(value.trim_xml(), "true" | "1");
        } else {
            el.attributes.push(Attribute { namespace: uri(ns), local: local.to_owned(), value });
        }
    }
    Ok(el)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::xml::{XML_NS, XSI_NS};
    use crate::codec::DecodeErrorKind;

    /// The tree reader on `<r xmlns:i=XSI xmlns:d="urn:d">{tag}</r>` (`tag` a complete
    /// empty-element tag): the element it built for `tag`, or its error.
    fn tree(tag: &str, limits: &DecodeLimits) -> Result<Element, DecodeError> {
        let doc = format!(r#"<r xmlns:i="{XSI_NS}" xmlns:d="urn:d">{tag}</r>"#);
        let root = xml::parse_with(doc.as_bytes(), limits)?;
        let mut el = root.elements().next().cloned().expect("one child");
        el.offset = 0;
        Ok(el)
    }

    /// [`check_start`] and [`element`] on the same tag, in the same scope.
    fn ours(tag: &str, limits: &DecodeLimits) -> Result<Element, DecodeError> {
        let content = tag.strip_prefix('<').and_then(|t| t.strip_suffix("/>")).expect("<…/>");
        let name_len = content.find([' ', '\t', '\r', '\n']).unwrap_or(content.len());
        let mut scopes = Scopes::new();
        scopes.declare(Decl::Named("i"), XSI_NS).unwrap();
        scopes.declare(Decl::Named("d"), "urn:d").unwrap();
        let v = check_start(&mut scopes, content, name_len, 0, limits)?;
        let el = element(&scopes, content, name_len, 0)?;
        assert_eq!(v.namespace.map(|n| n.uri.to_owned()), el.namespace);
        assert_eq!(v.local, el.local);
        assert_eq!(v.nil, el.nil);
        Ok(el)
    }

    /// Both accept with the same element, or both refuse; returns ours.
    fn same(tag: &str) -> Result<Element, DecodeError> {
        same_with(tag, &DecodeLimits::DEFAULT)
    }

    fn same_with(tag: &str, limits: &DecodeLimits) -> Result<Element, DecodeError> {
        let (a, b) = (ours(tag, limits), tree(tag, limits));
        match (&a, &b) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "{tag}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{tag}: ours {a:?}, tree {b:?}"),
        }
        a
    }

    #[test]
    fn malformed_attributes_are_refused() {
        for bad in [
            "<a b/>",           // no `=`
            "<a b ='1' c/>",    // no `=` after a good one
            "<a b=/>",          // no value
            "<a b=1/>",         // no quotes
            "<a b=\"1'/>",      // mismatched quotes
            "<a b='1' b='2'/>", // duplicate
            "<a b='1' c='' b='3'/>",
            "<a xmlns:p='u' xmlns:p='u'/>",
            "<a xmlns='u' xmlns='v'/>",
            "<a b='&bad;'/>", // unknown entity
            "<a b='&amp'/>",  // unterminated reference
            "<a b='&#0;'/>",  // bad character reference
            "<a b='&#xZZ;'/>",
            "<a p:b='1'/>", // unbound prefix
            "<a :b='1'/>",  // empty prefix
            "<a xmlns:p='' p:b='1'/>",
            "<p:a/>",
            "<a i:type='q:T'/>", // unbound prefix in xsi:type
            "<a xmlns:xml='urn:x'/>",
            "<a xmlns:xmlns='urn:x'/>",
            "<a xmlns:p='http://www.w3.org/2000/xmlns/'/>",
        ] {
            assert!(same(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn well_formed_attributes_agree() {
        for ok in [
            "<a/>",
            "<a b='1' c=\"2\"/>",
            "<a b='1'c='2'/>",               // no space between attributes
            "<a \t b \r\n = \n '1' \t/>",    // whitespace around `=`
            "<a b='x<y>z'/>",                // `<` and `>` in a value
            "<a b='&lt;&#65;&#x42;&amp;'/>", // references
            "<a b='é' é='ü'/>",
            "<d:a b='1' d:b='2'/>", // same local name, different namespaces
            // the same expanded name through two prefixes: quick-xml only refuses the same
            // raw name, and so do we (both accept)
            "<a xmlns:p='urn:d' d:b='1' p:b='2'/>",
            "<a i:nil='true' i:type='d:T'/>",
            "<a i:nil=' 1 ' p:type='T' xmlns:p='http://www.w3.org/2001/XMLSchema-instance'/>",
            "<a i:type='T' xmlns='urn:t'/>", // xsi:type in the default namespace
            "<a i:type='&#x20;d:T'/>",
            "<a xml:lang='en' xmlns:xml='http://www.w3.org/XML/1998/namespace'/>",
            "<a xmlns:='urn:e'/>",
            "<xmlns:a/>",
            "<a xmlns:i='urn:not-xsi' i:nil='true'/>", // the tag's own declaration wins
            "<p:a p:b='1' xmlns:p='urn:late'/>",       // declared after its use
            "<a xmlns='urn:&amp;'/>",
        ] {
            assert!(same(ok).is_ok(), "{ok}");
        }
        let late = same("<a xmlns:i='urn:not-xsi' i:nil='true'/>").unwrap();
        assert!(!late.nil);
        assert_eq!(late.attributes[0].namespace.as_deref(), Some("urn:not-xsi"));
        let raw = same("<a xmlns='urn:&amp;'/>").unwrap();
        assert_eq!(raw.namespace.as_deref(), Some("urn:&amp;"));
        assert_eq!(raw.ns_decls, [(String::new(), "urn:&".to_owned())]);
        let xml = same("<a xml:lang='en'/>").unwrap();
        assert_eq!(xml.attributes[0].namespace.as_deref(), Some(XML_NS));
    }

    #[test]
    fn limits() {
        // (the wrapper of `tree` has two attributes, the longer value 41 bytes)
        let small = DecodeLimits { max_attributes: 2, max_text_bytes: 45, ..DecodeLimits::DEFAULT };
        assert!(same_with("<a b='1' c='2'/>", &small).is_ok());
        assert!(same_with("<a xmlns:p='u' b='1' c='2'/>", &small).is_err());
        assert!(same_with(&format!("<a b='{}'/>", "x".repeat(45)), &small).is_ok());
        assert!(same_with(&format!("<a b='{}'/>", "x".repeat(46)), &small).is_err());
        assert!(same_with(&format!("<a b='{}&amp;'/>", "x".repeat(41)), &small).is_err());
        let many: String = (0..40).map(|i| format!(" a{i}='1'")).collect();
        assert!(matches!(
            ours(&format!("<a{many}/>"), &DecodeLimits::DEFAULT).unwrap_err().kind,
            DecodeErrorKind::TooManyAttributes { limit: 32 }
        ));
        let dup_late: String = (0..20).map(|i| format!(" a{i}='1'")).collect();
        assert!(same(&format!("<a{dup_late} a19='2'/>")).is_err());
        assert!(same(&format!("<a{dup_late} xmlns:p='u' p:a='1'/>")).is_ok());
        let wide = DecodeLimits { max_attributes: 64, ..DecodeLimits::DEFAULT };
        let prefixed: String = (0..20).map(|i| format!(" d:a{i}='1'")).collect();
        assert!(same_with(&format!("<a{prefixed} d:a5='2'/>"), &wide).is_err());
        assert!(same_with(&format!("<a{prefixed} p:a='2'/>"), &wide).is_err());
        assert_eq!(same_with(&format!("<a{prefixed}/>"), &wide).unwrap().attributes.len(), 20);
    }
}
