//! Namespace scopes for the streaming decoder: the bindings in force, borrowed from the
//! input, with the URIs this crate compares against interned once per declaration.
//!
//! Contract: [`Scopes`] declares, resolves and forgets bindings exactly as quick-xml's
//! `NamespaceResolver` does under the tree reader's `NsReader` (same refusals, same results),
//! so the streaming and tree decoders see the same expanded names:
//! - `xmlns="u"` and `xmlns:="u"` bind the default namespace (`""` resets it); the second,
//!   like every `xmlns:p`, is refused with the `xml` or `xmlns` namespace URI;
//! - `xmlns:xml` is accepted only with the `xml` namespace and binds nothing; `xmlns:xmlns`
//!   is refused; `xml:` and `xmlns:` names resolve to their built-in namespaces;
//! - `xmlns:p=""` unbinds `p` (a `p:` name is then an unknown prefix), and so is the empty
//!   prefix of `:name`;
//! - unprefixed attributes are in no namespace.
//!
//! Scopes follow the elements: [`Scopes::mark`] at a start tag, [`Scopes::truncate`] to that
//! mark at its end.

use super::attr_scan::split_qname;
use super::ns::{CORE_NS, WS_NS};
use super::soap::{SOAP11_NS, SOAP12_NS};
use super::xml::{XML_NS, XSI_NS};

/// The `xmlns` namespace: the built-in binding of the `xmlns` prefix.
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// A namespace URI this crate compares against, or `Other`: found once, when it is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    Soap11,
    Soap12,
    Ws,
    Core,
    Xsi,
    Xml,
    Other,
}

impl Known {
    fn of(uri: &str) -> Known {
        let u = uri.as_bytes();
        if is(u, &SOAP11) {
            Known::Soap11
        } else if is(u, &SOAP12) {
            Known::Soap12
        } else if is(u, &WS) {
            Known::Ws
        } else if is(u, &CORE) {
            Known::Core
        } else if is(u, &XSI) {
            Known::Xsi
        } else if is(u, &XML) {
            Known::Xml
        } else {
            Known::Other
        }
    }
}

/// `u == k`, compared as arrays of a constant length: inlined, without a `memcmp` call.
#[inline(always)]
fn is<const N: usize>(u: &[u8], k: &[u8; N]) -> bool {
    <&[u8; N]>::try_from(u).is_ok_and(|u| u == k)
}

/// The bytes of `s`, as an array of its length.
const fn array<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = s.as_bytes()[i];
        i += 1;
    }
    out
}

const SOAP11: [u8; SOAP11_NS.len()] = array(SOAP11_NS);
const SOAP12: [u8; SOAP12_NS.len()] = array(SOAP12_NS);
const WS: [u8; WS_NS.len()] = array(WS_NS);
const CORE: [u8; CORE_NS.len()] = array(CORE_NS);
const XSI: [u8; XSI_NS.len()] = array(XSI_NS);
const XML: [u8; XML_NS.len()] = array(XML_NS);
const XMLNS: [u8; XMLNS_NS.len()] = array(XMLNS_NS);

/// A bound namespace: its URI (never empty) and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ns<'a> {
    pub uri: &'a str,
    pub known: Known,
}

impl Ns<'_> {
    /// True when this is the namespace `k`.
    pub(crate) fn is(&self, k: Known) -> bool {
        self.known == k
    }
}

/// A namespace declaration's key: `xmlns` or `xmlns:prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decl<'a> {
    Default,
    Named(&'a str),
}

impl<'a> Decl<'a> {
    /// The declaration an attribute key makes, if any (`xmlns`, `xmlns:p`; not `xmlnsx`).
    #[inline]
    pub(crate) fn of(key: &'a str) -> Option<Decl<'a>> {
        let rest = key.strip_prefix("xmlns")?;
        match rest.strip_prefix(':') {
            _ if rest.is_empty() => Some(Decl::Default),
            Some(p) => Some(Decl::Named(p)),
            None => None,
        }
    }
}

/// Why a name does not resolve: its prefix is not bound (the prefix is carried).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnknownPrefix<'a>(pub &'a str);

/// A resolved name: its namespace (`None`: no namespace) and local part.
pub(crate) type Resolved<'a, 'n> = Result<(Option<Ns<'a>>, &'n str), UnknownPrefix<'n>>;

#[derive(Debug, Clone, Copy)]
struct Binding<'a> {
    /// `""`: the default namespace.
    prefix: &'a str,
    /// `""`: unbound.
    uri: &'a str,
    known: Known,
}

/// The namespace bindings in force, innermost last.
#[derive(Debug, Default)]
pub(crate) struct Scopes<'a> {
    bindings: Vec<Binding<'a>>,
}

impl<'a> Scopes<'a> {
    /// No bindings but the built-in `xml` and `xmlns`.
    pub(crate) fn new() -> Self {
        Scopes { bindings: Vec::with_capacity(8) }
    }

    /// Where the bindings of a scope about to open start.
    pub(crate) fn mark(&self) -> usize {
        self.bindings.len()
    }

    /// Close every scope opened since `mark`.
    pub(crate) fn truncate(&mut self, mark: usize) {
        self.bindings.truncate(mark);
    }

    /// Declare `decl` = `uri` (the attribute's raw value) in the innermost scope.
    pub(crate) fn declare(&mut self, decl: Decl<'a>, uri: &'a str) -> Result<(), String> {
        let known = Known::of(uri);
        let reserved = known == Known::Xml || is(uri.as_bytes(), &XMLNS);
        let prefix = match decl {
            Decl::Default => "",
            Decl::Named("xml") if known == Known::Xml => return Ok(()),
            Decl::Named("xml") => return Err(format!("the xml prefix bound to {uri:?}")),
            Decl::Named("xmlns") => return Err("the xmlns prefix declared".into()),
            Decl::Named(_) if reserved => {
                return Err(format!("a prefix bound to the reserved namespace {uri:?}"))
            }
            Decl::Named(p) => p,
        };
        self.bindings.push(Binding { prefix, uri, known });
        Ok(())
    }

    /// The namespace of `prefix` (`None`: the default namespace, for element names).
    #[inline(always)]
    fn lookup<'n>(&self, prefix: Option<&'n str>) -> Result<Option<Ns<'a>>, UnknownPrefix<'n>> {
        // Lengths first: prefixes are short, and most differ in length.
        let found = |p: &str| {
            self.bindings.iter().rev().find(|b| b.prefix.len() == p.len() && b.prefix == p)
        };
        let ns = |b: &Binding<'a>| Ns { uri: b.uri, known: b.known };
        match prefix {
            None => Ok((self.bindings.iter().rev())
                .find(|b| b.prefix.is_empty())
                .filter(|b| !b.uri.is_empty())
                .map(ns)),
            Some("") => Err(UnknownPrefix("")),
            Some(p) => match found(p) {
                Some(b) if !b.uri.is_empty() => Ok(Some(ns(b))),
                Some(_) => Err(UnknownPrefix(p)),
                None if p == "xml" => Ok(Some(Ns { uri: XML_NS, known: Known::Xml })),
                None if p == "xmlns" => Ok(Some(Ns { uri: XMLNS_NS, known: Known::Other })),
                None => Err(UnknownPrefix(p)),
            },
        }
    }

    /// Resolve an element name (or a QName value): an unprefixed one is in the default
    /// namespace.
    #[inline(always)]
    pub(crate) fn element<'n>(&self, qname: &'n str) -> Resolved<'a, 'n> {
        match split_qname(qname) {
            Some((p, local)) => Ok((self.lookup(Some(p))?, local)),
            None => Ok((self.lookup(None)?, qname)),
        }
    }

    /// Resolve an attribute name: an unprefixed one is in no namespace.
    #[inline(always)]
    pub(crate) fn attribute<'n>(&self, qname: &'n str) -> Resolved<'a, 'n> {
        match split_qname(qname) {
            Some((p, local)) => Ok((self.lookup(Some(p))?, local)),
            None => Ok((None, qname)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::BytesStart;
    use quick_xml::name::{Namespace, NamespaceResolver, PrefixDeclaration, QName, ResolveResult};

    /// Both resolvers after the same declarations (one scope each), on the same names.
    fn compare(decls: &[(&str, &str)], names: &[&str]) {
        let mut ours = Scopes::new();
        let mut theirs = NamespaceResolver::default();
        theirs.push(&BytesStart::new("")).unwrap();
        for (key, uri) in decls {
            let decl = Decl::of(key).expect("a declaration");
            let qdecl = QName(key.as_bytes()).as_namespace_binding().unwrap();
            match (decl, qdecl) {
                (Decl::Default, PrefixDeclaration::Default) => {}
                (Decl::Named(p), PrefixDeclaration::Named(q)) => assert_eq!(p.as_bytes(), q),
                other => panic!("{key}: {other:?}"),
            }
            let a = ours.declare(decl, uri);
            let b = theirs.add(qdecl, Namespace(uri.as_bytes()));
            assert_eq!(a.is_ok(), b.is_ok(), "{key}={uri:?}: {a:?} / {b:?}");
        }
        let conv = |r: ResolveResult<'_>| match r {
            ResolveResult::Unbound => Ok(None),
            ResolveResult::Bound(ns) => Ok(Some(String::from_utf8(ns.0.to_vec()).unwrap())),
            ResolveResult::Unknown(p) => Err(String::from_utf8(p).unwrap()),
        };
        let mine = |r: Resolved<'_, '_>| match r {
            Ok((ns, _)) => Ok(ns.map(|n| n.uri.to_owned())),
            Err(UnknownPrefix(p)) => Err(p.to_owned()),
        };
        for name in names {
            let (ens, elocal) = theirs.resolve_element(QName(name.as_bytes()));
            let (ans, _) = theirs.resolve_attribute(QName(name.as_bytes()));
            assert_eq!(mine(ours.element(name)), conv(ens), "element {name} after {decls:?}");
            assert_eq!(mine(ours.attribute(name)), conv(ans), "attribute {name} after {decls:?}");
            if let Ok((_, local)) = ours.element(name) {
                assert_eq!(local.as_bytes(), elocal.into_inner());
            }
        }
    }

    const NAMES: &[&str] = &[
        "a",
        "p:a",
        "q:a",
        ":a",
        "a:",
        "xml:lang",
        "xmlns:a",
        "p:a:b",
        "x:",
        "CrmAuthenticationToken",
        "p:CrmAuthenticationToken",
    ];

    #[test]
    fn resolves_like_quick_xml() {
        compare(&[], NAMES);
        compare(&[("xmlns", "urn:d"), ("xmlns:p", "urn:p")], NAMES);
        compare(&[("xmlns", "urn:d"), ("xmlns", "")], NAMES);
        compare(&[("xmlns:", "urn:e")], NAMES);
        compare(&[("xmlns:p", "urn:p"), ("xmlns:p", "")], NAMES);
        compare(&[("xmlns:xml", XML_NS), ("xmlns:x", "urn:x")], NAMES);
        compare(&[("xmlns", XML_NS), ("xmlns:q", XMLNS_NS)], NAMES);
        for refused in [
            ("xmlns:xml", "urn:x"),
            ("xmlns:xmlns", XMLNS_NS),
            ("xmlns:p", XML_NS),
            ("xmlns:p", XMLNS_NS),
            ("xmlns:", XML_NS),
        ] {
            compare(&[refused], NAMES);
            assert!(Scopes::new().declare(Decl::of(refused.0).unwrap(), refused.1).is_err());
        }
    }

    #[test]
    fn uris_are_interned() {
        for (uri, k) in [
            (SOAP11_NS, Known::Soap11),
            (SOAP12_NS, Known::Soap12),
            (WS_NS, Known::Ws),
            (CORE_NS, Known::Core),
            (XSI_NS, Known::Xsi),
            (XML_NS, Known::Xml),
            ("", Known::Other),
            (XMLNS_NS, Known::Other),
            ("http://www.w3.org/2001/XMLSchema-instancE", Known::Other),
            ("http://www.w3.org/2001/XMLSchema-instance/", Known::Other),
        ] {
            assert_eq!(Known::of(uri), k, "{uri}");
        }
    }

    #[test]
    fn scopes_close_and_uris_are_interned() {
        let mut s = Scopes::new();
        s.declare(Decl::Named("i"), XSI_NS).unwrap();
        let outer = s.mark();
        s.declare(Decl::Named("i"), "urn:other").unwrap();
        s.declare(Decl::Default, SOAP11_NS).unwrap();
        assert_eq!(s.attribute("i:nil").unwrap().0.unwrap().known, Known::Other);
        assert!(s.element("Envelope").unwrap().0.unwrap().is(Known::Soap11));
        s.truncate(outer);
        assert!(s.attribute("i:nil").unwrap().0.unwrap().is(Known::Xsi));
        assert_eq!(s.element("Envelope").unwrap().0, None);
        assert_eq!(s.attribute("nil").unwrap(), (None, "nil"));
        assert_eq!(Decl::of("xmlnsx"), None);
        assert_eq!(Decl::of("xmlns:"), Some(Decl::Named("")));
    }
}
