//! Hardened, namespace-aware XML reading and writing shared by every codec (PROTOCOL 2, 3:
//! DECODE-TOTAL).
//!
//! Decoding parses the whole input into a small owned tree ([`Element`]) under stated
//! [`Limits`]; decoders then walk the tree. Memory is bounded by `max_input_bytes` (the tree
//! never holds more text than the input). DOCTYPE declarations are refused outright, so no
//! entity can be declared: only the five predefined entities and character references are
//! expanded. Prefixes are resolved while parsing and then forgotten — decoders only ever see
//! namespace URIs.

use std::fmt;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::{NsReader, Reader};
use serde::Serialize;

use super::attr_scan::AttrScan;

/// The XML Schema instance namespace (`xsi:type`, `xsi:nil`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The XML Schema namespace.
pub const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// The `xml:` namespace: always bound to `xml`, never declared.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Hard ceiling on nesting, whatever [`Limits::max_depth`] says: the tree is walked
/// recursively, so depth must stay small enough for the stack.
pub const HARD_MAX_DEPTH: usize = 512;

/// Resource limits applied by every decoder (DECODE-TOTAL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_input_bytes: usize,
    /// Deepest element nesting (the root element is depth 1); capped at [`HARD_MAX_DEPTH`].
    pub max_depth: usize,
    /// Most attributes on one element, namespace declarations included.
    pub max_attributes: usize,
    /// Most text (after entity expansion) directly inside one element, or in one attribute.
    pub max_text_bytes: usize,
}

impl Limits {
    /// 1 MiB input, depth 64, 32 attributes per element, 64 KiB of text per element.
    pub const DEFAULT: Limits = Limits {
        max_input_bytes: 1 << 20,
        max_depth: 64,
        max_attributes: 32,
        max_text_bytes: 64 << 10,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Why a decoder rejected its input. Every rejection of every codec is one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DecodeErrorKind {
    #[error("input larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("elements nested deeper than {limit}")]
    TooDeep { limit: usize },
    #[error("more than {limit} attributes on one element")]
    TooManyAttributes { limit: usize },
    #[error("text longer than {limit} bytes")]
    TextTooLong { limit: usize },
    #[error("more than {limit} items")]
    TooManyItems { limit: usize },
    #[error("DOCTYPE declarations are not accepted")]
    Doctype,
    #[error("undeclared entity reference &{name};")]
    UnknownEntity { name: String },
    /// JSON: `{"kind": "malformed", "message": "…"}`.
    #[error("malformed input: {0}")]
    #[serde(serialize_with = "message_object")]
    Malformed(String),
    #[error("missing element {name}")]
    MissingElement { name: String },
    #[error("unexpected element {name}")]
    UnexpectedElement { name: String },
    #[error("bad value for {field}: {value:?}")]
    BadValue { field: String, value: String },
    #[error("{name} is in namespace {found:?}, expected {expected:?}")]
    WrongNamespace { name: String, expected: String, found: String },
}

/// A newtype variant of an internally tagged enum needs a map to carry the tag.
fn message_object<S: serde::Serializer>(message: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut m = s.serialize_struct("Malformed", 1)?;
    m.serialize_field("message", message)?;
    m.end()
}

/// A typed decode failure: the byte offset in the input and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct DecodeError {
    pub offset: u64,
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// Shorthand constructor.
    pub fn new(offset: u64, kind: DecodeErrorKind) -> Self {
        DecodeError { offset, kind }
    }
    pub(crate) fn malformed(offset: u64, what: impl Into<String>) -> Self {
        Self::new(offset, DecodeErrorKind::Malformed(what.into()))
    }
    pub(crate) fn missing(offset: u64, name: impl Into<String>) -> Self {
        Self::new(offset, DecodeErrorKind::MissingElement { name: name.into() })
    }
    pub(crate) fn unexpected(offset: u64, name: impl Into<String>) -> Self {
        Self::new(offset, DecodeErrorKind::UnexpectedElement { name: name.into() })
    }
    /// A bad value; the value is truncated so errors never carry large payloads, and the
    /// value of a credential field (ticket, password) is redacted like a [`super::Ticket`].
    pub(crate) fn bad_value(offset: u64, field: impl Into<String>, value: &str) -> Self {
        let field = field.into();
        let lower = field.to_ascii_lowercase();
        let shown = if lower.contains("ticket") || lower.contains("password") {
            super::Ticket::new(value).redacted()
        } else {
            value.chars().take(40).collect()
        };
        Self::new(offset, DecodeErrorKind::BadValue { field, value: shown })
    }
}

/// The attribute limits: at most `max_attributes` on an element (the `count`-th is being
/// read), each value at most `max_text_bytes`.
pub(crate) fn attribute_limits(
    count: usize,
    value_len: usize,
    limits: &Limits,
    offset: u64,
) -> Result<(), DecodeError> {
    if count > limits.max_attributes {
        return Err(DecodeError::new(
            offset,
            DecodeErrorKind::TooManyAttributes { limit: limits.max_attributes },
        ));
    }
    if value_len > limits.max_text_bytes {
        return Err(DecodeError::new(
            offset,
            DecodeErrorKind::TextTooLong { limit: limits.max_text_bytes },
        ));
    }
    Ok(())
}

/// The XML declaration: only UTF-8 is accepted (shared by every reader of this module's
/// contract). The encoding is the first `encoding` attribute, as `BytesDecl::encoding`
/// finds it (none after a malformed attribute), found by the start tags' byte scan.
pub(crate) fn check_declaration(
    d: &quick_xml::events::BytesDecl<'_>,
    at: u64,
) -> Result<(), DecodeError> {
    let encoding = match std::str::from_utf8(d) {
        Ok(content) => {
            let name_len = (content.bytes())
                .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .unwrap_or(content.len());
            (AttrScan::new(&content[name_len..]).map_while(Result::ok))
                .find(|a| a.key == "encoding")
                .map(|a| std::borrow::Cow::Borrowed(a.value.as_bytes()))
        }
        Err(_) => d.encoding().and_then(Result::ok),
    };
    match encoding {
        Some(enc) if !enc.eq_ignore_ascii_case(b"utf-8") => {
            Err(DecodeError::bad_value(at, "encoding", &String::from_utf8_lossy(&enc)))
        }
        _ => Ok(()),
    }
}

/// An expanded name: namespace URI (None = no namespace) and local name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpandedName {
    pub namespace: Option<String>,
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
    pub namespace: Option<String>,
    pub local: String,
    pub value: String,
}

/// A child node: an element or a run of character data (text, CDATA, references).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element of a parsed (or to-be-written) document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub namespace: Option<String>,
    pub local: String,
    pub attributes: Vec<Attribute>,
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
    let text = text.trim();
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

/// Parse `input` with [`Limits::DEFAULT`].
pub fn parse(input: &[u8]) -> Result<Element, DecodeError> {
    parse_with(input, &Limits::DEFAULT)
}

/// Parse `input` into its root element, enforcing `limits`. Never panics.
pub fn parse_with(input: &[u8], limits: &Limits) -> Result<Element, DecodeError> {
    if input.len() > limits.max_input_bytes {
        return Err(DecodeError::new(
            limits.max_input_bytes as u64,
            DecodeErrorKind::TooLarge { limit: limits.max_input_bytes },
        ));
    }
    let max_depth = limits.max_depth.min(HARD_MAX_DEPTH);
    let mut reader = new_reader(input);

    let mut stack: Vec<(Element, usize)> = Vec::new(); // element, its text bytes so far
    let mut root: Option<Element> = None;
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(DecodeError::malformed(reader.error_position(), e.to_string())),
        };
        match event {
            Event::Start(ref s) | Event::Empty(ref s) => {
                let empty = matches!(event, Event::Empty(_));
                if root.is_some() {
                    return Err(DecodeError::malformed(before, "content after the root element"));
                }
                if stack.len() + 1 > max_depth {
                    return Err(DecodeError::new(
                        before,
                        DecodeErrorKind::TooDeep { limit: max_depth },
                    ));
                }
                let el = start_element(reader.resolver(), s, before, limits)?;
                if empty {
                    close(&mut stack, &mut root, el);
                } else {
                    stack.push((el, 0));
                }
            }
            Event::End(_) => match stack.pop() {
                Some((el, _)) => close(&mut stack, &mut root, el),
                None => return Err(DecodeError::malformed(before, "unmatched end tag")),
            },
            // XML 1.0 line ends (SOAP is XML 1.0): only CR LF and CR become LF; NEL and
            // U+2028 are ordinary characters.
            Event::Text(t) => {
                let text =
                    t.xml10_content().map_err(|e| DecodeError::malformed(before, e.to_string()))?;
                push_text(&mut stack, &text, before, limits)?;
            }
            Event::CData(c) => {
                let text =
                    c.xml10_content().map_err(|e| DecodeError::malformed(before, e.to_string()))?;
                push_text(&mut stack, &text, before, limits)?;
            }
            Event::GeneralRef(r) => {
                let ch = resolve_reference(&r, before)?;
                let mut buf = [0u8; 4];
                push_text(&mut stack, ch.encode_utf8(&mut buf), before, limits)?;
            }
            Event::DocType(_) => return Err(DecodeError::new(before, DecodeErrorKind::Doctype)),
            Event::Decl(d) => check_declaration(&d, before)?,
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => {
                if !stack.is_empty() {
                    return Err(DecodeError::malformed(before, "unclosed element at end of input"));
                }
                return root.ok_or_else(|| DecodeError::malformed(before, "no root element"));
            }
        }
    }
}

/// The reader every decoder uses: end names checked, no unmatched ends, comments checked,
/// empty elements reported as `Empty`.
pub(crate) fn new_reader(input: &[u8]) -> NsReader<&[u8]> {
    let mut reader = NsReader::from_reader(input);
    configure(reader.config_mut());
    reader
}

/// [`new_reader`] without namespace handling, for a caller that keeps its own namespace
/// scopes (the streaming decoder: [`super::start_tag::check_start`]).
pub(crate) fn new_plain_reader(input: &[u8]) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(input);
    configure(reader.config_mut());
    reader
}

fn configure(cfg: &mut quick_xml::reader::Config) {
    cfg.check_end_names = true;
    cfg.allow_unmatched_ends = false;
    cfg.check_comments = true;
    cfg.expand_empty_elements = false;
}

fn close(stack: &mut [(Element, usize)], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some((parent, _)) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

fn push_text(
    stack: &mut [(Element, usize)],
    text: &str,
    offset: u64,
    limits: &Limits,
) -> Result<(), DecodeError> {
    match stack.last_mut() {
        None => {
            if text.trim().is_empty() {
                Ok(())
            } else {
                Err(DecodeError::malformed(offset, "text outside the root element"))
            }
        }
        Some((el, used)) => {
            *used += text.len();
            if *used > limits.max_text_bytes {
                return Err(DecodeError::new(
                    offset,
                    DecodeErrorKind::TextTooLong { limit: limits.max_text_bytes },
                ));
            }
            match el.children.last_mut() {
                Some(Node::Text(t)) => t.push_str(text),
                _ => el.children.push(Node::Text(text.to_owned())),
            }
            Ok(())
        }
    }
}

pub(crate) fn resolve_reference(
    r: &quick_xml::events::BytesRef<'_>,
    offset: u64,
) -> Result<char, DecodeError> {
    let name = r.decode().map_err(|e| DecodeError::malformed(offset, e.to_string()))?;
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(DecodeError::bad_value(offset, "character reference", &name)),
        };
    }
    match &*name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(DecodeError::new(
            offset,
            DecodeErrorKind::UnknownEntity { name: other.chars().take(40).collect() },
        )),
    }
}

fn utf8(bytes: &[u8], offset: u64) -> Result<String, DecodeError> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| DecodeError::malformed(offset, "invalid UTF-8"))
}

fn bound_ns(r: ResolveResult<'_>, offset: u64) -> Result<Option<String>, DecodeError> {
    match r {
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Bound(ns) => Ok(Some(utf8(ns.0, offset)?)),
        ResolveResult::Unknown(p) => Err(DecodeError::malformed(
            offset,
            format!("undeclared prefix {:?}", String::from_utf8_lossy(&p)),
        )),
    }
}

pub(crate) fn start_element(
    reader: &NamespaceResolver,
    s: &BytesStart<'_>,
    offset: u64,
    limits: &Limits,
) -> Result<Element, DecodeError> {
    let (ns, local) = reader.resolve_element(s.name());
    let mut el = Element {
        namespace: bound_ns(ns, offset)?,
        local: utf8(local.into_inner(), offset)?,
        offset,
        ..Element::default()
    };
    let mut count = 0usize;
    for attr in s.attributes().with_checks(true) {
        let attr = attr.map_err(|e| DecodeError::malformed(offset, e.to_string()))?;
        count += 1;
        attribute_limits(count, attr.value.len(), limits, offset)?;
        let value = attr.unescape_value().map_err(|e| attribute_error(offset, e))?;
        let key = attr.key;
        if let Some(decl) = key.as_namespace_binding() {
            let prefix = match decl {
                quick_xml::name::PrefixDeclaration::Default => String::new(),
                quick_xml::name::PrefixDeclaration::Named(p) => utf8(p, offset)?,
            };
            el.ns_decls.push((prefix, value.into_owned()));
            continue;
        }
        let (ans, alocal) = reader.resolve_attribute(key);
        let ans = bound_ns(ans, offset)?;
        let alocal = utf8(alocal.into_inner(), offset)?;
        if ans.as_deref() == Some(XSI_NS) && alocal == "type" {
            let (tns, tlocal) = reader.resolve_element(QName(value.trim().as_bytes()));
            el.xsi_type = Some(ExpandedName {
                namespace: bound_ns(tns, offset)?,
                local: utf8(tlocal.into_inner(), offset)?,
            });
        } else if ans.as_deref() == Some(XSI_NS) && alocal == "nil" {
            el.nil = matches!(value.trim(), "true" | "1");
        } else {
            el.attributes.push(Attribute {
                namespace: ans,
                local: alocal,
                value: value.into_owned(),
            });
        }
    }
    Ok(el)
}

pub(crate) fn attribute_error(offset: u64, e: quick_xml::Error) -> DecodeError {
    match e {
        quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(_, n)) => {
            DecodeError::new(offset, DecodeErrorKind::UnknownEntity { name: n })
        }
        other => DecodeError::malformed(offset, other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

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
const TEXT_SPECIALS: &[u8; 4] = b"<>&\r";
/// What [`escape_attr`] replaces.
const ATTR_SPECIALS: &[u8; 7] = b"<>&\r\"\t\n";

/// The reference of a byte of [`ATTR_SPECIALS`].
fn replacement(b: u8) -> &'static str {
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
pub(crate) fn find_special<const N: usize>(
    bytes: &[u8],
    from: usize,
    specials: &[u8; N],
) -> Option<usize> {
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

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn bad_credential_values_are_redacted() {
        let secret = "TICKET-SECRET-0123456789";
        for field in ["ticket", "CrmTicket", "PassportTicket", "Password"] {
            let e = DecodeError::bad_value(0, field, secret);
            assert!(!format!("{e} {e:?}").contains(secret), "{field}");
        }
        let e = DecodeError::bad_value(0, "AuthenticationType", "seven");
        assert!(e.to_string().contains("seven"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(input: &str, limits: &Limits) -> DecodeErrorKind {
        match parse_with(input.as_bytes(), limits) {
            Err(e) => e.kind,
            Ok(e) => panic!("accepted: {e:?}"),
        }
    }

    #[test]
    fn every_error_kind_has_a_json_form() {
        let e = parse(b"").unwrap_err();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"offset": 0, "kind": {"kind": "malformed", "message": "no root element"}})
        );
        let d = DecodeError::new(3, DecodeErrorKind::Doctype);
        assert_eq!(
            serde_json::to_value(&d).unwrap()["kind"],
            serde_json::json!({"kind": "doctype"})
        );
    }

    #[test]
    fn namespaces_not_prefixes() {
        let a = parse(br#"<a:x xmlns:a="urn:1"><a:y>t</a:y></a:x>"#).unwrap();
        let b = parse(br#"<x xmlns="urn:1"><y>t</y></x>"#).unwrap();
        assert!(a.is(Some("urn:1"), "x") && b.is(Some("urn:1"), "x"));
        assert_eq!(a.elements().next().map(|e| e.name()), b.elements().next().map(|e| e.name()));
    }

    #[test]
    fn every_limit_is_enforced() {
        let small =
            Limits { max_input_bytes: 100, max_depth: 3, max_attributes: 2, max_text_bytes: 5 };
        let big = "<a>".to_string() + &"x".repeat(200) + "</a>";
        assert_eq!(kind(&big, &small), DecodeErrorKind::TooLarge { limit: 100 });
        assert_eq!(
            kind("<a><b><c><d/></c></b></a>", &small),
            DecodeErrorKind::TooDeep { limit: 3 }
        );
        assert!(parse_with(b"<a><b><c/></b></a>", &small).is_ok());
        assert_eq!(
            kind(r#"<a x="1" y="2" z="3"/>"#, &small),
            DecodeErrorKind::TooManyAttributes { limit: 2 }
        );
        assert_eq!(
            kind(r#"<a xmlns:p="u" x="1" y="2"/>"#, &small),
            DecodeErrorKind::TooManyAttributes { limit: 2 }
        );
        assert_eq!(kind("<a>123456</a>", &small), DecodeErrorKind::TextTooLong { limit: 5 });
        assert_eq!(kind("<a>12&amp;456</a>", &small), DecodeErrorKind::TextTooLong { limit: 5 });
        assert_eq!(kind(r#"<a x="123456"/>"#, &small), DecodeErrorKind::TextTooLong { limit: 5 });
        assert!(parse_with(b"<a>12345</a>", &small).is_ok());
    }

    #[test]
    fn declaration_encoding_as_quick_xml_finds_it() {
        for decl in [
            "xml",
            "xml version='1.0'",
            "xml version='1.0' encoding='utf-8'",
            "xml version='1.0' encoding='UTF-8' standalone='yes'",
            "xml version='1.0' encoding='utf-16'",
            "xml version='1.0'encoding=\"latin1\"",
            "xml version='1.0' encoding='utf-16' encoding='utf-8'",
            "xml version encoding='utf-16'",
            "xml version='1.0 encoding='utf-16'",
            "xml version=1.0 encoding='utf-16'",
            "xml\tencoding = 'ascii'",
            "xml encoding='\u{e9}'",
        ] {
            let d = quick_xml::events::BytesDecl::from_start(BytesStart::from_content(decl, 3));
            let expected = match d.encoding() {
                Some(Ok(enc)) => !enc.eq_ignore_ascii_case(b"utf-8"),
                _ => false,
            };
            assert_eq!(check_declaration(&d, 0).is_err(), expected, "{decl}");
        }
        let bytes = b"xml encoding='\xff'";
        let d = quick_xml::events::BytesDecl::from_start(BytesStart::from_content(
            String::from_utf8_lossy(bytes).into_owned(),
            3,
        ));
        assert!(check_declaration(&d, 0).is_err());
        let doc = b"<?xml version='1.0' encoding='\xff'?><a/>";
        assert!(parse(doc).is_err());
    }

    #[test]
    fn depth_is_capped_even_with_huge_limit() {
        let l = Limits { max_depth: usize::MAX, ..Limits::DEFAULT };
        let deep = "<a>".repeat(HARD_MAX_DEPTH + 1);
        assert_eq!(kind(&deep, &l), DecodeErrorKind::TooDeep { limit: HARD_MAX_DEPTH });
    }

    #[test]
    fn doctype_and_entities_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxx">]><a>&x;</a>"#;
        let e = parse(bomb.as_bytes()).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::Doctype);
        assert_eq!(e.offset, 21);
        assert_eq!(
            kind("<a>&x;</a>", &Limits::DEFAULT),
            DecodeErrorKind::UnknownEntity { name: "x".into() }
        );
        assert_eq!(
            kind(r#"<a b="&x;"/>"#, &Limits::DEFAULT),
            DecodeErrorKind::UnknownEntity { name: "x".into() }
        );
        let ok = parse(b"<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;</a>").unwrap();
        assert_eq!(ok.direct_text(), "<>&'\"AB");
    }

    #[test]
    fn malformed_inputs_are_typed() {
        for bad in ["", "<a>", "<a></b>", "</a>", "<a/><b/>", "text", "<p:a/>", "<a>x</a>junk"] {
            let e = parse(bad.as_bytes()).unwrap_err();
            assert!(matches!(e.kind, DecodeErrorKind::Malformed(_)), "{bad:?}: {e:?}");
        }
        assert!(matches!(
            parse(b"<?xml version=\"1.0\" encoding=\"utf-16\"?><a/>").unwrap_err().kind,
            DecodeErrorKind::BadValue { .. }
        ));
        assert!(parse(b"<a>\xff</a>").is_err());
    }

    #[test]
    fn xsi_type_resolves_through_namespaces() {
        let e = parse(br#"<a xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:q="urn:t" i:type="q:T"/>"#).unwrap();
        assert_eq!(
            e.xsi_type,
            Some(ExpandedName { namespace: Some("urn:t".into()), local: "T".into() })
        );
        let d = parse(
            br#"<a xmlns="urn:d" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="T"/>"#,
        )
        .unwrap();
        assert_eq!(d.xsi_type.and_then(|t| t.namespace), Some("urn:d".into()));
        assert!(parse(
            br#"<a xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="zz:T"/>"#
        )
        .is_err());
    }

    #[test]
    fn writer_roundtrips_with_default_namespace() {
        let p = Prefixes::new(&[("urn:a", ""), (XSI_NS, "i"), ("urn:t", "t")]).unwrap();
        let tree = Element::new(Some("urn:a"), "root")
            .child(
                Element::new(None, "plain")
                    .child(Element::new(Some("urn:a"), "deep").text("a<&>\"b\r")),
            )
            .child(Element::new(Some("urn:a"), "typed").typed("urn:t", "T").attr("k", "v\"&\n"));
        let xml = p.write_document(&tree);
        let back = parse(xml.as_bytes()).unwrap();
        let plain = back.elements().next().unwrap();
        assert!(plain.is(None, "plain"));
        let deep = plain.elements().next().unwrap();
        assert!(deep.is(Some("urn:a"), "deep"));
        assert_eq!(deep.direct_text(), "a<&>\"b\r");
        let typed = back.elements().nth(1).unwrap();
        assert_eq!(typed.xsi_type.as_ref().map(|t| t.local.as_str()), Some("T"));
        assert_eq!(typed.attribute("k"), Some("v\"&\n"));
    }

    #[test]
    fn prefixes_validated() {
        assert!(Prefixes::new(&[("urn:a", "1x")]).is_err());
        assert!(Prefixes::new(&[("urn:a", "xmlfoo")]).is_err());
        assert!(Prefixes::new(&[("urn:a", "a"), ("urn:b", "a")]).is_err());
        assert!(Prefixes::new(&[(XSI_NS, "")]).is_err());
    }

    #[test]
    fn qname_text_resolution() {
        let root = parse(br#"<e xmlns:s="urn:s"><c>s:Server</c></e>"#).unwrap();
        let c = root.elements().next().unwrap();
        let q = resolve_qname_text(&[&root, c], "s:Server").unwrap();
        assert_eq!(q.namespace.as_deref(), Some("urn:s"));
        assert!(resolve_qname_text(&[&root, c], "zz:Server").is_none());
    }
}
