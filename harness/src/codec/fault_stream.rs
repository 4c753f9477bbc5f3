//! Streaming fault reader (PROTOCOL 2.4): [`read_fault`](super::fault::read_fault) in one
//! pass over quick-xml's events, without a document tree — each start tag checked and its
//! namespace scope kept by `start_tag::check_start` over `Scopes` borrowed from the input,
//! as the token decoder does (`token_stream`).
//!
//! Contract (FAULT-EXPIRED, FAULT-NO-FALSE-POSITIVE, FAULT-SEED-AGREES hold for it as for
//! the tree reader, because): on every input [`read_fault_stream`] returns `Ok(f)` exactly
//! when the tree reader returns `Ok(f)` with the same [`Fault`], and a typed [`DecodeError`]
//! otherwise (offsets and kinds may differ). So it checks what the tree reader checks: the
//! whole document for well-formedness and [`DecodeLimits`] (DOCTYPE, entities, encoding, UTF-8,
//! attributes, depth, text per element), the envelope structure (`Envelope` in a SOAP
//! namespace, optional `Header` then one `Body`, no text), and a `Fault` among the body's
//! children. It reads the same elements: the first of each name, in document order —
//! `faultcode`/`faultstring`/`detail` (1.1) or `Code/Value`, `Reason/Text`, `Detail` (1.2),
//! then `error` and its `code`, `description`, `type` — each as its whole descendant text;
//! the fault code's QName is resolved against the declarations of the elements on its path
//! (references in the URI expanded), as [`super::xml::resolve_qname_text`] does. Nothing
//! else is kept. Never panics.

use crate::codec::xml::XmlWhitespace;
use std::borrow::Cow;

use quick_xml::events::Event;

use super::attr_scan::AttrScan;
use super::fault::Fault;
use super::ns_scope::{Decl, Known, Scopes};
use super::soap::{SoapVersion, SOAP11_NS, SOAP12_NS};
use super::source::Source;
use super::start_tag;
use super::xml::{self, DecodeError, DecodeErrorKind, DecodeLimits, ExpandedName, HARD_MAX_DEPTH};

/// What an open element is to the fault reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Envelope,
    Header,
    Body,
    /// The first `Fault` child of `Body`.
    Fault,
    /// 1.2: the first `Code` of the fault.
    Code,
    /// 1.2: the first `Reason` of the fault.
    Reason,
    /// The first `detail` (1.1) / `Detail` (1.2) of the fault.
    Detail,
    /// The first `error` of the detail.
    Error,
    /// An element whose whole text is a field.
    Field(Slot),
    /// Anything else: checked, not read.
    Other,
}

/// The text fields of a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    FaultCode = 0,
    FaultString = 1,
    Code = 2,
    Description = 3,
    Type = 4,
}

/// An open element: its role, its direct text so far, where its namespace scope starts.
#[derive(Clone, Copy)]
struct Open {
    role: Role,
    text: usize,
    scope: usize,
}

/// A start tag kept for the fault code's QName: its content and the length of its name.
#[derive(Clone, Copy, Default)]
struct Tag<'a> {
    content: &'a str,
    name_len: usize,
}

/// [`read_fault`](super::fault::read_fault) in one streaming pass, under [`DecodeLimits::DEFAULT`]:
/// the same `Ok` value on every input, an error exactly when it errs.
pub fn read_fault_stream(input: &[u8]) -> Result<Fault, DecodeError> {
    let limits = &DecodeLimits::DEFAULT;
    if input.len() > limits.max_input_bytes {
        return Err(DecodeError::new(
            limits.max_input_bytes as u64,
            DecodeErrorKind::TooLarge { limit: limits.max_input_bytes },
        ));
    }
    let max_depth = limits.max_depth.min(HARD_MAX_DEPTH);
    let mut reader = xml::new_plain_reader(input);
    let source = Source::new(input);
    let mut scopes = Scopes::new();
    let mut r = Reader::default();
    loop {
        let before = reader.buffer_position();
        // Matched in place (moving the event out of the `Result` first costs a copy).
        let event = reader.read_event();
        match event {
            Err(e) => return Err(DecodeError::malformed(reader.error_position(), e.to_string())),
            Ok(Event::Start(ref s) | Event::Empty(ref s)) => {
                let empty = matches!(event, Ok(Event::Empty(_)));
                if r.root_seen && r.open.is_empty() {
                    return Err(DecodeError::malformed(before, "content after the root element"));
                }
                if r.open.len() + 1 > max_depth {
                    return Err(DecodeError::new(
                        before,
                        DecodeErrorKind::TooDeep { limit: max_depth },
                    ));
                }
                let tag =
                    source.str(s).ok_or_else(|| DecodeError::malformed(before, "invalid UTF-8"))?;
                let scope = scopes.mark();
                let tag = Tag { content: tag, name_len: s.name().as_ref().len() };
                let role = r.start(&mut scopes, tag, before, limits)?;
                r.open.push(Open { role, text: 0, scope });
                if empty {
                    r.end(&mut scopes);
                }
            }
            Ok(Event::End(_)) => {
                if r.open.is_empty() {
                    return Err(DecodeError::malformed(before, "unmatched end tag"));
                }
                r.end(&mut scopes);
            }
            Ok(Event::Text(ref t)) => {
                r.text(source.content(t, || t.xml10_content(), before)?, before, limits)?;
            }
            Ok(Event::CData(ref c)) => {
                r.text(source.content(c, || c.xml10_content(), before)?, before, limits)?;
            }
            Ok(Event::GeneralRef(ref g)) => {
                let ch = xml::resolve_reference(g, before)?;
                let mut buf = [0u8; 4];
                r.text(Cow::Owned(ch.encode_utf8(&mut buf).to_owned()), before, limits)?;
            }
            Ok(Event::DocType(_)) => {
                return Err(DecodeError::new(before, DecodeErrorKind::Doctype))
            }
            Ok(Event::Decl(ref d)) => xml::check_declaration(d, before)?,
            Ok(Event::Comment(_) | Event::PI(_)) => {}
            Ok(Event::Eof) => return r.finish(before),
        }
    }
}

/// The reader's state between events.
#[derive(Default)]
struct Reader<'a> {
    /// The open elements, innermost last.
    open: Vec<Open>,
    root_seen: bool,
    root_offset: u64,
    version: Option<SoapVersion>,
    header_seen: bool,
    body_seen: bool,
    /// Which first-of-their-name elements were met (each parent role is held by one
    /// element only, so one flag per name is enough).
    fault_seen: bool,
    code_seen: bool,
    value_seen: bool,
    reason_seen: bool,
    text_seen: bool,
    detail_seen: bool,
    error_seen: bool,
    /// The fields, each `Some` from its element's start tag on.
    fields: [Option<Cow<'a, str>>; 5],
    /// The field being read and the depth of its element.
    capture: Option<(Slot, usize)>,
    /// The start tags on the fault code's path: Envelope, Body, Fault, 1.2 Code, the
    /// code's element; `path_len` of them are set.
    path: [Tag<'a>; 5],
    path_len: usize,
}

fn is_ws(s: &str) -> bool {
    s.trim_xml().is_empty()
}

impl<'a> Reader<'a> {
    /// A start tag at depth `self.open.len() + 1`: check it, open its scope, and say what
    /// it is to the fault.
    fn start(
        &mut self,
        scopes: &mut Scopes<'a>,
        tag: Tag<'a>,
        offset: u64,
        limits: &DecodeLimits,
    ) -> Result<Role, DecodeError> {
        let v = start_tag::check_start(scopes, tag.content, tag.name_len, offset, limits)?;
        let (ns, local) = (v.namespace, v.local);
        let Some(parent) = self.open.last().map(|o| o.role) else {
            // The root.
            self.root_seen = true;
            self.root_offset = offset;
            if local != "Envelope" {
                return Err(DecodeError::missing(offset, "Envelope"));
            }
            self.version = match ns.map(|n| n.known) {
                Some(Known::Soap11) => Some(SoapVersion::V11),
                Some(Known::Soap12) => Some(SoapVersion::V12),
                _ => {
                    return Err(DecodeError::new(
                        offset,
                        DecodeErrorKind::WrongNamespace {
                            name: "Envelope".into(),
                            expected: format!("{SOAP11_NS} or {SOAP12_NS}"),
                            found: ns.map(|n| n.uri).unwrap_or_default().to_owned(),
                        },
                    ))
                }
            };
            self.push_path(tag);
            return Ok(Role::Envelope);
        };
        let v12 = self.version == Some(SoapVersion::V12);
        let soap = ns.is_some_and(|n| n.is(if v12 { Known::Soap12 } else { Known::Soap11 }));
        let plain = ns.is_none();
        let role = match parent {
            Role::Envelope => {
                if soap && local == "Header" && !self.header_seen && !self.body_seen {
                    self.header_seen = true;
                    return Ok(Role::Header);
                }
                if soap && local == "Body" && !self.body_seen {
                    self.body_seen = true;
                    self.push_path(tag);
                    return Ok(Role::Body);
                }
                return Err(DecodeError::unexpected(offset, local));
            }
            Role::Body if soap && local == "Fault" && !self.fault_seen => {
                self.fault_seen = true;
                self.push_path(tag);
                Role::Fault
            }
            Role::Fault if !v12 && plain => match local {
                "faultcode" => self.field(Slot::FaultCode, tag),
                "faultstring" => self.field(Slot::FaultString, tag),
                "detail" if !self.detail_seen => {
                    self.detail_seen = true;
                    Role::Detail
                }
                _ => Role::Other,
            },
            Role::Fault if v12 && soap => match local {
                "Code" if !self.code_seen => {
                    self.code_seen = true;
                    self.push_path(tag);
                    Role::Code
                }
                "Reason" if !self.reason_seen => {
                    self.reason_seen = true;
                    Role::Reason
                }
                "Detail" if !self.detail_seen => {
                    self.detail_seen = true;
                    Role::Detail
                }
                _ => Role::Other,
            },
            Role::Code if soap && local == "Value" && !self.value_seen => {
                self.value_seen = true;
                self.field(Slot::FaultCode, tag)
            }
            Role::Reason if soap && local == "Text" && !self.text_seen => {
                self.text_seen = true;
                self.field(Slot::FaultString, tag)
            }
            Role::Detail if plain && local == "error" && !self.error_seen => {
                self.error_seen = true;
                Role::Error
            }
            Role::Error if plain => match local {
                "code" => self.field(Slot::Code, tag),
                "description" => self.field(Slot::Description, tag),
                "type" => self.field(Slot::Type, tag),
                _ => Role::Other,
            },
            _ => Role::Other,
        };
        Ok(role)
    }

    fn push_path(&mut self, tag: Tag<'a>) {
        if let Some(slot) = self.path.get_mut(self.path_len) {
            *slot = tag;
            self.path_len += 1;
        }
    }

    /// The first element of a field's name starts: its text is read until it ends.
    fn field(&mut self, slot: Slot, tag: Tag<'a>) -> Role {
        let f = &mut self.fields[slot as usize];
        if f.is_some() {
            return Role::Other;
        }
        *f = Some(Cow::Borrowed(""));
        if slot == Slot::FaultCode {
            self.push_path(tag);
        }
        self.capture = Some((slot, self.open.len() + 1));
        Role::Field(slot)
    }

    /// The innermost open element ends: its namespace scope closes, a field is complete.
    fn end(&mut self, scopes: &mut Scopes<'a>) {
        let depth = self.open.len();
        if let Some(o) = self.open.pop() {
            scopes.truncate(o.scope);
        }
        if self.capture.is_some_and(|(_, d)| d == depth) {
            self.capture = None;
        }
    }

    /// Character data directly inside the innermost open element (or outside the root).
    fn text(
        &mut self,
        text: Cow<'a, str>,
        offset: u64,
        limits: &DecodeLimits,
    ) -> Result<(), DecodeError> {
        let depth = self.open.len();
        let Some(open) = self.open.last_mut() else {
            return if is_ws(&text) {
                Ok(())
            } else {
                Err(DecodeError::malformed(offset, "text outside the root element"))
            };
        };
        open.text += text.len();
        if open.text > limits.max_text_bytes {
            return Err(DecodeError::new(
                offset,
                DecodeErrorKind::TextTooLong { limit: limits.max_text_bytes },
            ));
        }
        if depth == 1 && !is_ws(&text) {
            return Err(DecodeError::malformed(self.root_offset, "text inside Envelope"));
        }
        if let Some((slot, _)) = self.capture {
            match &mut self.fields[slot as usize] {
                Some(f) if f.is_empty() => *f = text,
                Some(f) => f.to_mut().push_str(&text),
                None => {}
            }
        }
        Ok(())
    }

    /// The end of the input: the envelope must be complete and hold a fault.
    fn finish(self, offset: u64) -> Result<Fault, DecodeError> {
        if !self.open.is_empty() {
            return Err(DecodeError::malformed(offset, "unclosed element at end of input"));
        }
        let Some(version) = self.version else {
            return Err(DecodeError::malformed(offset, "no root element"));
        };
        if !self.body_seen {
            return Err(DecodeError::missing(self.root_offset, "Body"));
        }
        if !self.fault_seen {
            return Err(DecodeError::missing(self.root_offset, "Fault"));
        }
        let [faultcode, faultstring, code, description, error_type] = self.fields;
        let faultcode = faultcode.map(|text| {
            resolve_qname(&self.path[..self.path_len], &text).unwrap_or_else(|| ExpandedName {
                namespace: None,
                local: text.trim_xml().to_owned(),
            })
        });
        let raw_code = code.map(Cow::into_owned);
        Ok(Fault {
            soap_version: version,
            faultcode,
            faultstring: faultstring.map(Cow::into_owned),
            code: raw_code.as_deref().and_then(|c| c.parse().ok()),
            raw_code,
            description: description.map(Cow::into_owned),
            error_type: error_type.map(Cow::into_owned),
        })
    }
}

/// [`xml::resolve_qname_text`] over the start tags of the path (root first): the innermost
/// declaration of the prefix, its value with references expanded, as the tree keeps it.
fn resolve_qname(path: &[Tag<'_>], text: &str) -> Option<ExpandedName> {
    let text = text.trim_xml();
    let (prefix, local) = text.split_once(':').unwrap_or(("", text));
    if local.is_empty() || local.contains(':') {
        return None;
    }
    let uri = path.iter().rev().find_map(|tag| declared(tag, prefix));
    match (prefix, uri) {
        (_, Some(u)) if !u.is_empty() => {
            Some(ExpandedName { namespace: Some(u.into_owned()), local: local.to_owned() })
        }
        ("", _) => Some(ExpandedName { namespace: None, local: local.to_owned() }),
        _ => None,
    }
}

/// The value of the first declaration of `prefix` (`""`: `xmlns` or `xmlns:`) on a tag the
/// reader accepted.
fn declared<'t>(tag: &Tag<'t>, prefix: &str) -> Option<Cow<'t, str>> {
    let attrs = tag.content.get(tag.name_len..)?;
    let a = AttrScan::new(attrs).map_while(Result::ok).find(|a| match Decl::of(a.key) {
        Some(Decl::Default) => prefix.is_empty(),
        Some(Decl::Named(p)) => p == prefix,
        None => false,
    })?;
    if !a.has_ref {
        return Some(Cow::Borrowed(a.value));
    }
    Some(quick_xml::escape::unescape(a.value).unwrap_or(Cow::Borrowed(a.value)))
}

#[cfg(test)]
mod tests {
    use super::super::fault::{encode_fault, read_fault, ErrorCode};
    use super::*;

    /// Both readers: the same `Ok`, or both `Err`; returns the streaming result.
    fn agree(xml: &str) -> Result<Fault, DecodeError> {
        let (fast, tree) = (read_fault_stream(xml.as_bytes()), read_fault(xml.as_bytes()));
        match (&fast, &tree) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{xml}"),
            (Err(_), Err(_)) => {}
            _ => panic!("disagree on {xml}\nstreaming {fast:?}\ntree {tree:?}"),
        }
        fast
    }

    #[test]
    fn canonical_faults_read_alike() {
        for v in SoapVersion::ALL {
            let x = encode_fault(v, ErrorCode::EXPIRED_TICKET, "The ticket & <expired>.");
            let f = agree(&x).unwrap();
            assert!(f.is_expired_ticket());
            assert_eq!(f.description.as_deref(), Some("The ticket & <expired>."));
        }
    }

    #[test]
    fn first_of_each_name_and_qname_paths() {
        let s11 = SOAP11_NS;
        let s12 = SOAP12_NS;
        let env11 = |fault: &str| {
            format!("<s:Envelope xmlns:s='{s11}'><s:Body>{fault}</s:Body></s:Envelope>")
        };
        let env12 = |fault: &str| {
            format!("<e:Envelope xmlns:e='{s12}' xmlns:q='urn:&amp;q'><e:Body>{fault}</e:Body></e:Envelope>")
        };
        for ok in [
            env11("<s:Fault><faultcode>s:Server</faultcode><faultcode>x</faultcode><detail/><detail><error><code>0x8004A101</code></error></detail></s:Fault>"),
            env11("<x/><s:Fault xmlns:p='urn:p'><faultcode xmlns:p='urn:inner'> p:X </faultcode><detail><error><code>1</code><code>2</code><description>a<b>c</b>d</description></error><error><type>t</type></error></detail></s:Fault><s:Fault/>"),
            env11("<s:Fault><faultcode>xml:lang</faultcode><faultstring/></s:Fault>"),
            env11("<s:Fault xmlns:xml='http://www.w3.org/XML/1998/namespace'><faultcode>xml:lang</faultcode></s:Fault>"),
            env11("<s:Fault xmlns:p=''><faultcode>p:x</faultcode></s:Fault>"),
            env11("<s:Fault xmlns='urn:d'><faultcode xmlns=''>:x</faultcode></s:Fault>"),
            env11("<s:Fault xmlns:='urn:d'><faultcode xmlns=''>:x</faultcode></s:Fault>"),
            env11("<s:Fault><faultcode>a:b:c</faultcode><faultcode/></s:Fault>"),
            env11("<s:Fault><s:faultcode>s:Server</s:faultcode><detail><s:error><code>1</code></s:error></detail></s:Fault>"),
            env12("<e:Fault><e:Code/><e:Code><e:Value>q:A</e:Value></e:Code><e:Reason><e:Text>r<![CDATA[s]]>&#116;</e:Text><e:Text>u</e:Text></e:Reason><e:Detail><error><code>\r\n0x8004a101 </code></error></e:Detail></e:Fault>"),
            env12("<e:Fault><e:Code><e:Value>q:A</e:Value><e:Value>e:B</e:Value></e:Code><e:Reason/><e:Reason><e:Text>u</e:Text></e:Reason></e:Fault>"),
            env12("<e:Fault><faultcode>e:A</faultcode><detail><error><code>0x8004A101</code></error></detail></e:Fault>"),
        ] {
            agree(&ok).unwrap_or_else(|e| panic!("{e}: {ok}"));
        }
        for bad in [
            env11("<x/>"),
            env11("<s:fault/>"),
            env11("<s:Fault><faultcode>x</faultcode></s:Fault><y>&bad;</y>"),
            env11("<s:Fault/>").replace("<s:Body>", "x<s:Body>"),
            env11("<s:Fault/>").replace("<s:Body>", "<s:Header/><s:Header/><s:Body>"),
            env12("<e:Fault/>").replace("<e:Body>", "<e:Body/><e:Body>"),
            format!("<s:Envelope xmlns:s='{s12}'><s:Header/></s:Envelope>"),
            format!(
                "<!DOCTYPE x><s:Envelope xmlns:s='{s11}'><s:Body><s:Fault/></s:Body></s:Envelope>"
            ),
            env11("<s:Fault/>") + "<x/>",
            env11(&format!("<s:Fault><faultstring>{}</faultstring></s:Fault>", "x".repeat(70_000))),
            env11(&format!("<s:Fault>{}</s:Fault>", "<a>".repeat(70))),
            "<Envelope><Body><Fault/></Body></Envelope>".to_owned(),
            String::new(),
        ] {
            assert!(agree(&bad).is_err(), "{bad}");
        }
    }
}
