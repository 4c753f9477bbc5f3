//! The small owned tree decoders walk: expanded names, attributes, elements.

use super::XmlWhitespace;
use std::fmt;

use serde::Serialize;

use super::DecodeError;

/// An expanded name: namespace URI (None = no namespace) and local name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpandedName {
    /// Namespace URI, resolved from the prefix in scope; `None` for no namespace.
    pub namespace: Option<String>,
    /// Local name, without any prefix.
    pub local: String,
}

impl fmt::Display for ExpandedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{{{ns}}}{}", self.local),
            None => write!(f, "{}", self.local),
        }
    }
}

/// An attribute other than a namespace declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Namespace URI of a prefixed attribute; `None` for an unprefixed one.
    pub namespace: Option<String>,
    /// Local name, without any prefix.
    pub local: String,
    /// The value, with references expanded.
    pub value: String,
}

/// A child node: an element or a run of character data (text, CDATA, references).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A child element.
    Element(Element),
    /// Character data, with references expanded and CDATA unwrapped.
    Text(String),
}

/// An element of a parsed (or to-be-written) document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Namespace URI, resolved from the prefix in scope; `None` for no namespace.
    pub namespace: Option<String>,
    /// Local name, without any prefix.
    pub local: String,
    /// Attributes other than namespace declarations, in document order.
    pub attributes: Vec<Attribute>,
    /// Child elements and text runs, in document order.
    pub children: Vec<Node>,
    /// `xsi:type`, resolved against the namespaces in scope at this element.
    pub xsi_type: Option<ExpandedName>,
    /// `xsi:nil="true"` (or `1`).
    pub nil: bool,
    /// Byte offset of the start tag in the input (0 for built elements).
    pub offset: u64,
    /// Namespace declarations made on this element (prefix, URI); `""` = default namespace.
    /// Kept only so QName-valued text (e.g. `faultcode`) can be resolved.
    pub ns_decls: Vec<(String, String)>,
}

impl Element {
    /// A new element for writing.
    pub fn new(namespace: Option<&str>, local: &str) -> Self {
        Element {
            namespace: namespace.map(str::to_owned),
            local: local.to_owned(),
            ..Element::default()
        }
    }
    /// Builder: add a child element.
    pub fn child(mut self, e: Element) -> Self {
        self.children.push(Node::Element(e));
        self
    }
    /// Builder: add text.
    pub fn text(mut self, t: &str) -> Self {
        self.children.push(Node::Text(t.to_owned()));
        self
    }
    /// Builder: set `xsi:type`.
    pub fn typed(mut self, ns: &str, local: &str) -> Self {
        self.xsi_type =
            Some(ExpandedName { namespace: Some(ns.to_owned()), local: local.to_owned() });
        self
    }
    /// Builder: add an unqualified attribute.
    pub fn attr(mut self, local: &str, value: &str) -> Self {
        self.attributes.push(Attribute {
            namespace: None,
            local: local.to_owned(),
            value: value.to_owned(),
        });
        self
    }
    /// True when this element has the given namespace and local name.
    pub fn is(&self, namespace: Option<&str>, local: &str) -> bool {
        self.local == local && self.namespace.as_deref() == namespace
    }
    /// The expanded name of this element.
    pub fn name(&self) -> ExpandedName {
        ExpandedName { namespace: self.namespace.clone(), local: self.local.clone() }
    }
    /// Element children in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }
    /// Concatenated direct text children.
    pub fn direct_text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }
    /// All descendant text in document order (.NET `XmlNode.InnerText`).
    pub fn inner_text(&self) -> String {
        let mut s = String::new();
        self.collect_text(&mut s);
        s
    }
    fn collect_text(&self, out: &mut String) {
        for n in &self.children {
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }
    /// Text of a simple-content element: an error if it has element children.
    pub fn simple_text(&self) -> Result<String, DecodeError> {
        match self.elements().next() {
            Some(c) => Err(DecodeError::unexpected(c.offset, c.local.clone())),
            None => Ok(self.direct_text()),
        }
    }
    /// The first element, in document order, satisfying `pred` (self included).
    pub fn find_first(&self, pred: &dyn Fn(&Element) -> bool) -> Option<&Element> {
        if pred(self) {
            return Some(self);
        }
        self.elements().find_map(|c| c.find_first(pred))
    }
    /// An unqualified attribute's value.
    pub fn attribute(&self, local: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.namespace.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }
}

/// Resolve a QName-valued text (`prefix:local`) against the declarations along `path`
/// (root first, the element holding the text last).
pub fn resolve_qname_text(path: &[&Element], text: &str) -> Option<ExpandedName> {
    let text = text.trim_xml();
    let (prefix, local) = match text.split_once(':') {
        Some((p, l)) => (p, l),
        None => ("", text),
    };
    if local.is_empty() || local.contains(':') {
        return None;
    }
    let uri = path
        .iter()
        .rev()
        .find_map(|e| e.ns_decls.iter().find(|(p, _)| p == prefix).map(|(_, u)| u));
    match (prefix, uri) {
        (_, Some(u)) if !u.is_empty() => {
            Some(ExpandedName { namespace: Some(u.clone()), local: local.to_owned() })
        }
        ("", _) => Some(ExpandedName { namespace: None, local: local.to_owned() }),
        _ => None,
    }
}
