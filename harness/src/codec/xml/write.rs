//! Writing: prefix choice and serialization of an [`Element`] tree.

use serde::Serialize;

use super::escape::{push_escaped, replacement, ATTR_SPECIALS, TEXT_SPECIALS};
use super::{Element, Node, XML_NS, XSI_NS};

/// Prefix the writer declares locally when a QName value needs the default namespace
/// outside its scope; reserved (it cannot be chosen in [`Prefixes::new`]).
const DEFAULT_ALIAS: &str = "xdflt";

/// Prefix choice for writing: namespace URI → prefix (`""` = default namespace). All
/// bindings are declared on the root element. `xsi` always gets a non-empty prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prefixes {
    bindings: Vec<(String, String)>,
}

impl Prefixes {
    /// Build a prefix map. Fails (with a message) on an invalid or duplicate prefix, on a
    /// namespace bound twice, or on an empty prefix for the `xsi` namespace.
    pub fn new(bindings: &[(&str, &str)]) -> Result<Self, String> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (ns, prefix) in bindings {
            if !prefix.is_empty() && !is_ncname(prefix) {
                return Err(format!("invalid prefix {prefix:?}"));
            }
            if prefix.to_ascii_lowercase().starts_with("xml") || *prefix == DEFAULT_ALIAS {
                return Err(format!("reserved prefix {prefix:?}"));
            }
            if out.iter().any(|(n, p)| n == ns || p == prefix) {
                return Err(format!("duplicate binding {prefix:?} = {ns:?}"));
            }
            if *ns == XML_NS {
                return Err("the xml namespace is bound implicitly".into());
            }
            if *ns == XSI_NS && prefix.is_empty() {
                return Err("xsi needs a non-empty prefix".into());
            }
            out.push(((*ns).to_owned(), (*prefix).to_owned()));
        }
        Ok(Prefixes { bindings: out })
    }

    /// Bindings known to be valid (constants); not re-validated.
    pub(crate) fn trusted(bindings: &[(&str, &str)]) -> Self {
        Prefixes {
            bindings: bindings.iter().map(|(n, p)| ((*n).to_owned(), (*p).to_owned())).collect(),
        }
    }

    /// Add a binding if `ns` is not bound yet, picking a fresh `nsN` prefix.
    pub fn ensure(&mut self, ns: &str) {
        if self.prefix_of(ns).is_some() {
            return;
        }
        let mut i = 0;
        loop {
            let p = format!("ns{i}");
            if !self.bindings.iter().any(|(_, q)| *q == p) {
                self.bindings.push((ns.to_owned(), p));
                return;
            }
            i += 1;
        }
    }

    /// The prefix bound to `ns`.
    pub fn prefix_of(&self, ns: &str) -> Option<&str> {
        self.bindings.iter().find(|(n, _)| n == ns).map(|(_, p)| p.as_str())
    }

    /// The lexical QName for `{ns}local` (the namespace must be bound).
    pub fn qname(&self, ns: &str, local: &str) -> String {
        let mut out = String::new();
        push_qname(&mut out, self.written_prefix(ns), local);
        out
    }

    /// The prefix a QName in `ns` is written with: `xml` for the xml namespace, `""` for
    /// the default namespace (or an unbound one).
    fn written_prefix(&self, ns: &str) -> &str {
        if ns == XML_NS {
            return "xml";
        }
        self.prefix_of(ns).unwrap_or("")
    }

    /// Serialize `root` as a document (with an XML declaration). Namespaces used by the
    /// tree but not bound get fresh prefixes.
    pub fn write_document(&self, root: &Element) -> String {
        let mut used = Vec::new();
        collect_namespaces(root, &mut used);
        let mut out = String::with_capacity(1024);
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        if used.iter().all(|ns| self.prefix_of(ns).is_some()) {
            self.write_element(root, &mut out, true, None);
        } else {
            let mut me = self.clone();
            for ns in used {
                me.ensure(ns);
            }
            me.write_element(root, &mut out, true, None);
        }
        out
    }

    fn write_element(&self, e: &Element, out: &mut String, is_root: bool, default: Option<&str>) {
        // The element's binding, looked up once: its prefix and whether it is the default.
        let bound = e.namespace.as_deref().and_then(|ns| self.prefix_of(ns));
        let prefix = match e.namespace.as_deref() {
            Some(XML_NS) => "xml",
            _ => bound.unwrap_or(""),
        };
        out.push('<');
        push_qname(out, prefix, &e.local);
        let mut my_default = default;
        if is_root {
            for (ns, p) in &self.bindings {
                if p.is_empty() {
                    my_default = Some(ns.as_str());
                    out.push_str(" xmlns=\"");
                } else {
                    out.push_str(" xmlns:");
                    out.push_str(p);
                    out.push_str("=\"");
                }
                push_escaped(out, ns, ATTR_SPECIALS, replacement);
                out.push('"');
            }
        }
        match e.namespace.as_deref() {
            None if my_default.is_some() => {
                out.push_str(" xmlns=\"\"");
                my_default = None;
            }
            Some(ns) if bound == Some("") && my_default != Some(ns) => {
                out.push_str(" xmlns=\"");
                push_escaped(out, ns, ATTR_SPECIALS, replacement);
                out.push('"');
                my_default = self.bindings.iter().find(|(n, _)| n == ns).map(|(n, _)| n.as_str());
            }
            _ => {}
        }
        if let Some(t) = &e.xsi_type {
            let value_prefix = match t.namespace.as_deref() {
                // A QName value can only use the default namespace while it is in scope.
                Some(ns) if self.prefix_of(ns) == Some("") && my_default != Some(ns) => {
                    out.push_str(" xmlns:");
                    out.push_str(DEFAULT_ALIAS);
                    out.push_str("=\"");
                    push_escaped(out, ns, ATTR_SPECIALS, replacement);
                    out.push('"');
                    DEFAULT_ALIAS
                }
                Some(ns) => self.written_prefix(ns),
                None => "",
            };
            out.push(' ');
            push_qname(out, self.written_prefix(XSI_NS), "type");
            out.push_str("=\"");
            if !value_prefix.is_empty() {
                push_escaped(out, value_prefix, ATTR_SPECIALS, replacement);
                out.push(':');
            }
            push_escaped(out, &t.local, ATTR_SPECIALS, replacement);
            out.push('"');
        }
        if e.nil {
            out.push(' ');
            push_qname(out, self.written_prefix(XSI_NS), "nil");
            out.push_str("=\"true\"");
        }
        for a in &e.attributes {
            out.push(' ');
            match &a.namespace {
                Some(ns) => push_qname(out, self.written_prefix(ns), &a.local),
                None => out.push_str(&a.local),
            }
            out.push_str("=\"");
            push_escaped(out, &a.value, ATTR_SPECIALS, replacement);
            out.push('"');
        }
        if e.children.is_empty() {
            out.push_str(" />");
            return;
        }
        out.push('>');
        for c in &e.children {
            match c {
                Node::Text(t) => push_escaped(out, t, TEXT_SPECIALS, replacement),
                Node::Element(ch) => self.write_element(ch, out, false, my_default),
            }
        }
        out.push_str("</");
        push_qname(out, prefix, &e.local);
        out.push('>');
    }
}

/// `prefix:local`, or `local` for an empty prefix.
fn push_qname(out: &mut String, prefix: &str, local: &str) {
    if !prefix.is_empty() {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(local);
}

/// The namespaces `e` and its descendants use, in document order, without `xml`.
fn collect_namespaces<'e>(e: &'e Element, out: &mut Vec<&'e str>) {
    let mut add = |ns: Option<&'e str>| {
        if let Some(ns) = ns {
            if ns != XML_NS && !out.contains(&ns) {
                out.push(ns);
            }
        }
    };
    add(e.namespace.as_deref());
    if let Some(t) = &e.xsi_type {
        add(Some(XSI_NS));
        add(t.namespace.as_deref());
    }
    if e.nil {
        add(Some(XSI_NS));
    }
    for a in &e.attributes {
        add(a.namespace.as_deref());
    }
    for c in e.elements() {
        collect_namespaces(c, out);
    }
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
