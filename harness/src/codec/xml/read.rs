//! Reading: the hardened reader configuration, the tree parser, and the pieces the
//! streaming decoders share (declaration check, references, start tags).

use super::XmlWhitespace;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::{NsReader, Reader};

use super::super::attr_scan::AttrScan;
use super::{
    attribute_limits, Attribute, DecodeError, DecodeErrorKind, DecodeLimits, Element, ExpandedName,
    Node, HARD_MAX_DEPTH, XSI_NS,
};

/// Parse `input` with [`DecodeLimits::DEFAULT`].
pub fn parse(input: &[u8]) -> Result<Element, DecodeError> {
    parse_with(input, &DecodeLimits::DEFAULT)
}

/// Parse `input` into its root element, enforcing `limits`. Never panics.
pub fn parse_with(input: &[u8], limits: &DecodeLimits) -> Result<Element, DecodeError> {
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
fn new_reader(input: &[u8]) -> NsReader<&[u8]> {
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
    limits: &DecodeLimits,
) -> Result<(), DecodeError> {
    match stack.last_mut() {
        None => {
            if text.trim_xml().is_empty() {
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

fn start_element(
    reader: &NamespaceResolver,
    s: &BytesStart<'_>,
    offset: u64,
    limits: &DecodeLimits,
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
            let (tns, tlocal) = reader.resolve_element(QName(value.trim_xml().as_bytes()));
            el.xsi_type = Some(ExpandedName {
                namespace: bound_ns(tns, offset)?,
                local: utf8(tlocal.into_inner(), offset)?,
            });
        } else if ans.as_deref() == Some(XSI_NS) && alocal == "nil" {
            el.nil = matches!(value.trim_xml(), "true" | "1");
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
