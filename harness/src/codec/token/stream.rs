//! Streaming decoder of the `CrmAuthenticationToken` header (PROTOCOL 2.1): one pass over
//! quick-xml's events (a plain `Reader`; each start tag checked and its namespace scope kept
//! by [`start_tag::check_start`] over [`Scopes`] borrowed from the input, so prefixes never
//! matter), no document tree.
//!
//! Contract (TOKEN-DECODE-AGREES): on every input it returns `Ok(v)` exactly when the tree
//! decoder ([`super::tree::decode_token_from_envelope_tree`]) returns `Ok(v)`, and a typed
//! [`DecodeError`] otherwise (offsets and kinds may differ). So it enforces everything the
//! tree path does: the whole document is scanned for well-formedness and [`DecodeLimits`]
//! (DOCTYPE, entities, encoding, attributes, depth, text per element), the envelope
//! structure (`Envelope` in a SOAP namespace, optional `Header` then `Body`, no text), no
//! repeated CRM header, and the content of the three CRM headers (the other two are read
//! by the tree readers on a small subtree built for them alone; they are rare). Past the
//! `Header`, only well-formedness and limits are checked, without allocating. Errors carry
//! the byte offset of the offending event. Never panics.

use crate::codec::xml::XmlWhitespace;
use std::borrow::Cow;

use quick_xml::events::Event;

use super::elements as token;
use super::model::CrmAuthenticationToken;
use crate::codec::ns_scope::{Known, Ns, Scopes};
use crate::codec::redact::Ticket;
use crate::codec::schema::{self, Max};
use crate::codec::soap::{SoapVersion, SOAP11_NS, SOAP12_NS};
use crate::codec::source::Source;
use crate::codec::start_tag;
use crate::codec::xml::{
    self, DecodeError, DecodeErrorKind, DecodeLimits, Element, Node, HARD_MAX_DEPTH,
};

const TOKEN: &str = "CrmAuthenticationToken";
const CALLER_ORIGIN: &str = "CallerOriginToken";
const CORRELATION: &str = "CorrelationToken";

/// A token child being read: particle index, nil, offset, its direct text.
struct Child<'a> {
    index: usize,
    nil: bool,
    offset: u64,
    text: Cow<'a, str>,
    /// An element child (an error unless the field is nil).
    nested: Option<(u64, String)>,
}

/// The `CrmAuthenticationToken` element being read (not nil).
struct TokenState<'a> {
    offset: u64,
    counts: [u32; 4],
    pos: usize,
    /// The first non-nil occurrence of each particle: text and offset.
    fields: [Option<(Cow<'a, str>, u64)>; 4],
    child: Option<Child<'a>>,
}

/// Where the reader is, relative to the envelope structure.
enum Place<'a> {
    /// Nothing (or only the root) open yet, past the structure we check, or inside a header
    /// block checked for well-formedness only (a nil CRM header, another header).
    Outside,
    /// Inside `CrmAuthenticationToken` (depth 3).
    Token(TokenState<'a>),
    /// Inside CallerOriginToken / CorrelationToken: the subtree being built.
    Capture(&'static str, Vec<Element>),
}

/// An open element: its direct text so far, and where its namespace scope starts.
#[derive(Clone, Copy)]
struct Open {
    text: usize,
    scope: usize,
}

/// Decode the token header of an envelope in one streaming pass, under `limits`.
pub(crate) fn decode(
    input: &[u8],
    limits: &DecodeLimits,
) -> Result<Option<CrmAuthenticationToken>, DecodeError> {
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
    let mut d = Decoder {
        open: Vec::with_capacity(16),
        root_seen: false,
        root_offset: 0,
        version: None,
        header_seen: false,
        body_seen: false,
        counts: [0; 3],
        token: None,
        place: Place::Outside,
    };
    loop {
        let before = reader.buffer_position();
        // Matched in place (not moved out of the `Result` first: that copy costs).
        let event = reader.read_event();
        match event {
            Err(e) => return Err(DecodeError::malformed(reader.error_position(), e.to_string())),
            Ok(Event::Start(ref s) | Event::Empty(ref s)) => {
                let empty = matches!(event, Ok(Event::Empty(_)));
                if d.root_seen && d.open.is_empty() {
                    return Err(DecodeError::malformed(before, "content after the root element"));
                }
                if d.open.len() + 1 > max_depth {
                    return Err(DecodeError::new(
                        before,
                        DecodeErrorKind::TooDeep { limit: max_depth },
                    ));
                }
                // A tag that is not UTF-8 is refused: so does the tree reader (see `start_tag`).
                let tag =
                    source.str(s).ok_or_else(|| DecodeError::malformed(before, "invalid UTF-8"))?;
                let scope = scopes.mark();
                d.start(&mut scopes, tag, s.name().as_ref().len(), before, limits)?;
                d.open.push(Open { text: 0, scope });
                if empty {
                    d.end(&mut scopes)?;
                }
            }
            Ok(Event::End(_)) => {
                if d.open.is_empty() {
                    return Err(DecodeError::malformed(before, "unmatched end tag"));
                }
                d.end(&mut scopes)?;
            }
            Ok(Event::Text(ref t)) => {
                d.text(source.content(t, || t.xml10_content(), before)?, before, limits)?;
            }
            Ok(Event::CData(ref c)) => {
                d.text(source.content(c, || c.xml10_content(), before)?, before, limits)?;
            }
            Ok(Event::GeneralRef(r)) => {
                let ch = xml::resolve_reference(&r, before)?;
                let mut buf = [0u8; 4];
                d.text(Cow::Owned(ch.encode_utf8(&mut buf).to_owned()), before, limits)?;
            }
            Ok(Event::DocType(_)) => {
                return Err(DecodeError::new(before, DecodeErrorKind::Doctype))
            }
            Ok(Event::Decl(decl)) => xml::check_declaration(&decl, before)?,
            Ok(Event::Comment(_) | Event::PI(_)) => {}
            Ok(Event::Eof) => {
                if !d.open.is_empty() {
                    return Err(DecodeError::malformed(before, "unclosed element at end of input"));
                }
                if !d.root_seen {
                    return Err(DecodeError::malformed(before, "no root element"));
                }
                if !d.body_seen {
                    return Err(DecodeError::missing(d.root_offset, "Body"));
                }
                return Ok(d.token);
            }
        }
    }
}

struct Decoder<'a> {
    /// The open elements, innermost last.
    open: Vec<Open>,
    root_seen: bool,
    root_offset: u64,
    version: Option<SoapVersion>,
    header_seen: bool,
    body_seen: bool,
    /// How many token, caller-origin and correlation headers were seen.
    counts: [u32; 3],
    token: Option<CrmAuthenticationToken>,
    place: Place<'a>,
}

fn is_ws(s: &str) -> bool {
    s.trim_xml().is_empty()
}

impl<'a> Decoder<'a> {
    /// A start tag at depth `self.open.len() + 1`: `tag` is its content (name, attributes),
    /// `name_len` the length of its name.
    fn start(
        &mut self,
        scopes: &mut Scopes<'a>,
        tag: &'a str,
        name_len: usize,
        offset: u64,
        limits: &DecodeLimits,
    ) -> Result<(), DecodeError> {
        let depth = self.open.len() + 1;
        let v = start_tag::check_start(scopes, tag, name_len, offset, limits)?;
        if let Place::Capture(_, stack) = &mut self.place {
            stack.push(start_tag::element(scopes, tag, name_len, offset)?);
            return Ok(());
        }
        let is = |k: Known| v.namespace.is_some_and(|n| n.is(k));
        match depth {
            1 => {
                self.root_seen = true;
                self.root_offset = offset;
                if v.local != "Envelope" {
                    return Err(DecodeError::missing(offset, "Envelope"));
                }
                self.version = if is(Known::Soap11) {
                    Some(SoapVersion::V11)
                } else if is(Known::Soap12) {
                    Some(SoapVersion::V12)
                } else {
                    return Err(DecodeError::new(
                        offset,
                        DecodeErrorKind::WrongNamespace {
                            name: "Envelope".into(),
                            expected: format!("{SOAP11_NS} or {SOAP12_NS}"),
                            found: v.namespace.map(|n| n.uri).unwrap_or_default().to_owned(),
                        },
                    ));
                };
            }
            2 => {
                let in_env = match self.version {
                    Some(SoapVersion::V11) => is(Known::Soap11),
                    Some(SoapVersion::V12) => is(Known::Soap12),
                    None => false,
                };
                if in_env && v.local == "Header" && !self.header_seen && !self.body_seen {
                    self.header_seen = true;
                } else if in_env && v.local == "Body" && !self.body_seen {
                    self.body_seen = true;
                } else {
                    return Err(DecodeError::unexpected(offset, v.local));
                }
            }
            3 if self.header_seen && !self.body_seen => {
                if !is(Known::Ws) {
                    self.place = Place::Outside;
                    return Ok(());
                }
                let (i, name) = match v.local {
                    TOKEN => (0, TOKEN),
                    CALLER_ORIGIN => (1, CALLER_ORIGIN),
                    CORRELATION => (2, CORRELATION),
                    _ => {
                        self.place = Place::Outside;
                        return Ok(());
                    }
                };
                self.counts[i] += 1;
                if self.counts[i] > 1 {
                    return Err(DecodeError::unexpected(
                        offset,
                        format!("{name} (repeated header)"),
                    ));
                }
                self.place = match (i, v.nil) {
                    (_, true) => Place::Outside,
                    (0, false) => Place::Token(TokenState {
                        offset,
                        counts: [0; 4],
                        pos: 0,
                        fields: [None, None, None, None],
                        child: None,
                    }),
                    _ => Place::Capture(
                        name,
                        vec![start_tag::element(scopes, tag, name_len, offset)?],
                    ),
                };
            }
            4 => {
                if let Place::Token(t) = &mut self.place {
                    t.child_start(v.namespace, v.local, v.nil, offset)?;
                }
            }
            _ => {
                if let Place::Token(TokenState { child: Some(c), .. }) = &mut self.place {
                    if c.nested.is_none() {
                        c.nested = Some((offset, v.local.to_owned()));
                    }
                }
            }
        }
        Ok(())
    }

    /// The end of the element at depth `self.open.len()`: its namespace scope closes.
    fn end(&mut self, scopes: &mut Scopes<'a>) -> Result<(), DecodeError> {
        let depth = self.open.len();
        if let Some(o) = self.open.pop() {
            scopes.truncate(o.scope);
        }
        match &mut self.place {
            Place::Capture(name, stack) => {
                let el = stack.pop().unwrap_or_default();
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Element(el));
                } else {
                    if *name == CALLER_ORIGIN {
                        token::read_caller_origin(&el)?;
                    } else {
                        token::read_correlation(&el)?;
                    }
                    self.place = Place::Outside;
                }
            }
            Place::Token(t) if depth == 4 => t.child_end()?,
            Place::Token(_) if depth == 3 => {
                let Place::Token(t) = std::mem::replace(&mut self.place, Place::Outside) else {
                    unreachable!("matched above")
                };
                self.token = Some(t.finish()?);
            }
            _ => {}
        }
        Ok(())
    }

    /// Character data directly inside the innermost open element (or outside the root).
    fn text(
        &mut self,
        text: Cow<'a, str>,
        offset: u64,
        limits: &DecodeLimits,
    ) -> Result<(), DecodeError> {
        let depth = self.open.len();
        let Some(Open { text: used, .. }) = self.open.last_mut() else {
            return if is_ws(&text) {
                Ok(())
            } else {
                Err(DecodeError::malformed(offset, "text outside the root element"))
            };
        };
        *used += text.len();
        if *used > limits.max_text_bytes {
            return Err(DecodeError::new(
                offset,
                DecodeErrorKind::TextTooLong { limit: limits.max_text_bytes },
            ));
        }
        match &mut self.place {
            _ if depth == 1 && !is_ws(&text) => {
                return Err(DecodeError::malformed(self.root_offset, "text inside Envelope"));
            }
            Place::Capture(_, stack) => {
                if let Some(el) = stack.last_mut() {
                    match el.children.last_mut() {
                        Some(Node::Text(t)) => t.push_str(&text),
                        _ => el.children.push(Node::Text(text.into_owned())),
                    }
                }
            }
            Place::Token(t) if depth == 3 && !is_ws(&text) => {
                return Err(DecodeError::malformed(t.offset, format!("text inside {TOKEN}")));
            }
            Place::Token(TokenState { child: Some(c), .. }) if depth == 4 => {
                if c.text.is_empty() {
                    c.text = text;
                } else {
                    c.text.to_mut().push_str(&text);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl<'a> TokenState<'a> {
    /// A child of the token element: `schema::read` on [`schema::TOKEN_TYPE`], one child.
    fn child_start(
        &mut self,
        ns: Option<Ns<'_>>,
        local: &str,
        nil: bool,
        offset: u64,
    ) -> Result<(), DecodeError> {
        let def = &schema::TOKEN_TYPE;
        let name = || local.to_owned();
        let ns = ns.map(|n| n.uri);
        let Some(j) = def.particles.iter().position(|p| p.name == local) else {
            return Err(DecodeError::unexpected(offset, name()));
        };
        let part = &def.particles[j];
        if ns != Some(part.ns) {
            return Err(DecodeError::new(
                offset,
                DecodeErrorKind::WrongNamespace {
                    name: name(),
                    expected: part.ns.to_owned(),
                    found: ns.unwrap_or_default().to_owned(),
                },
            ));
        }
        if j < self.pos {
            return Err(DecodeError::unexpected(offset, format!("{} (out of order)", name())));
        }
        for (k, skipped) in def.particles.iter().enumerate().take(j).skip(self.pos) {
            if self.counts[k] < skipped.min {
                return Err(DecodeError::missing(offset, skipped.name));
            }
        }
        self.pos = j;
        self.counts[j] += 1;
        if part.max == Max::One && self.counts[j] > 1 {
            return Err(DecodeError::unexpected(offset, format!("{} (repeated)", name())));
        }
        self.child = Some(Child { index: j, nil, offset, text: Cow::Borrowed(""), nested: None });
        Ok(())
    }

    /// The end of a token child: its text, unless it is nil (a nil field counts as absent).
    fn child_end(&mut self) -> Result<(), DecodeError> {
        let Some(c) = self.child.take() else { return Ok(()) };
        if c.nil {
            return Ok(());
        }
        if let Some((off, local)) = c.nested {
            return Err(DecodeError::unexpected(off, local));
        }
        if self.fields[c.index].is_none() {
            self.fields[c.index] = Some((c.text, c.offset));
        }
        Ok(())
    }

    /// The end of the token element: required children, then the values ([`token::read_token`]).
    fn finish(self) -> Result<CrmAuthenticationToken, DecodeError> {
        let def = &schema::TOKEN_TYPE;
        for (k, part) in def.particles.iter().enumerate() {
            if self.counts[k] < part.min {
                return Err(DecodeError::missing(self.offset, part.name));
            }
        }
        let [at, ticket, org, caller] = self.fields;
        let (at, off) =
            at.ok_or_else(|| DecodeError::missing(self.offset, "AuthenticationType"))?;
        let authentication_type = token::parse_authentication_type(&at, off)?;
        let (id, off) = caller.ok_or_else(|| DecodeError::missing(self.offset, "CallerId"))?;
        Ok(CrmAuthenticationToken {
            authentication_type,
            crm_ticket: ticket.map(|(t, _)| Ticket::new(t.into_owned())),
            organization_name: org.map(|(t, _)| t.into_owned()),
            caller_id: schema::parse_guid(&id, "CallerId", off)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::ns::{CORE_NS, WS_NS};
    use crate::codec::token::{decode_token_from_envelope_tree, AuthenticationType};

    const S11: &str = SOAP11_NS;
    const XSI: &str = xml::XSI_NS;

    fn env(header: &str, body: &str) -> String {
        format!(
            r#"<s:Envelope xmlns:s="{S11}" xmlns:i="{XSI}" xmlns:w="{WS_NS}" xmlns:c="{CORE_NS}">{header}<s:Body>{body}</s:Body></s:Envelope>"#
        )
    }

    fn tok(attrs: &str, inner: &str) -> String {
        format!("<s:Header><w:CrmAuthenticationToken{attrs}>{inner}</w:CrmAuthenticationToken></s:Header>")
    }

    /// Both decoders on `xml`: the same `Ok`, or both `Err`; returns the streaming result.
    fn agree(xml: &str) -> Result<Option<CrmAuthenticationToken>, DecodeError> {
        agree_bytes(xml.as_bytes())
    }

    fn agree_bytes(xml: &[u8]) -> Result<Option<CrmAuthenticationToken>, DecodeError> {
        let fast = decode(xml, &DecodeLimits::DEFAULT);
        let tree = decode_token_from_envelope_tree(xml);
        let text = String::from_utf8_lossy(xml);
        match (&fast, &tree) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
            (Err(_), Err(_)) => {}
            _ => panic!("disagree on {text}\nstreaming {fast:?}\ntree {tree:?}"),
        }
        fast
    }

    #[test]
    fn input_that_is_not_utf8_as_a_whole() {
        let children = format!(
            "<c:AuthenticationType>1</c:AuthenticationType><c:OrganizationName>a\r\nb<![CDATA[\rc]]></c:OrganizationName><c:CallerId>{Z}</c:CallerId>"
        );
        let ok = env(&tok("", &children), "<x/>");
        let t = agree(&ok).unwrap().unwrap();
        assert_eq!(t.organization_name.as_deref(), Some("a\nb\nc"));
        // Invalid UTF-8 in a comment or a processing instruction is accepted by both (then
        // every tag and text is checked on its own) ...
        for (from, to) in [("<x/>", "<!--\u{0}-->"), ("<x/>", "<?pi \u{0}?>")] {
            let mut bytes = ok.replace(from, to).into_bytes();
            let nul = bytes.iter().position(|&b| b == 0).unwrap();
            bytes[nul] = 0xff;
            assert_eq!(agree_bytes(&bytes).unwrap(), Some(t.clone()));
        }
        // ... and refused by both in a tag, an attribute, a text or CDATA.
        for (from, to) in [
            ("<x/>", "<x\u{0}/>"),
            ("<x/>", "<x a='\u{0}'/>"),
            ("<x/>", "<x \u{0}='1'/>"),
            ("<x/>", "<x>\u{0}</x>"),
            ("<x/>", "<x><![CDATA[\u{0}]]></x>"),
            (">1<", ">1\u{0}<"),
            ("<c:CallerId>", "<c:CallerId \u{0}='1'>"),
        ] {
            let mut bytes = ok.replace(from, to).into_bytes();
            let nul = bytes.iter().position(|&b| b == 0).unwrap();
            bytes[nul] = 0xff;
            assert!(agree_bytes(&bytes).is_err(), "{to}");
        }
    }

    const Z: &str = "00000000-0000-0000-0000-000000000000";

    #[test]
    fn namespace_scopes_and_attributes_agree() {
        let many = (0..20).map(|i| format!(" a{i}='1'")).collect::<String>();
        let children =
            format!("<c:AuthenticationType>2</c:AuthenticationType><c:CallerId>{Z}</c:CallerId>");
        // xsi:nil before the declaration of its prefix, on the same element
        let late = format!(
            "<s:Header><w:CrmAuthenticationToken n:nil='true' xmlns:n='{XSI}'>{children}</w:CrmAuthenticationToken></s:Header>"
        );
        assert_eq!(agree(&env(&late, "")).unwrap(), None);
        let undeclared = "<s:Header><w:CrmAuthenticationToken xmlns:n='' n:nil='true'/></s:Header>";
        let scoped = format!(
            "<s:Header><w:X xmlns:k='{CORE_NS}'/><w:CrmAuthenticationToken><k:AuthenticationType>2</k:AuthenticationType></w:CrmAuthenticationToken></s:Header>"
        );
        for bad in [
            env(undeclared, ""),
            env(&scoped, ""),
            env("", &format!("<a{many} a19='2'/>")),
            env("", "<a a='1' a='2'/>"),
            env("", "<a xmlns:xml='urn:x'/>"),
            env("", "<a xmlns:p='http://www.w3.org/XML/1998/namespace'/>"),
            env("", "<a xmlns:xmlns='urn:x'/>"),
            env("", &format!("<a i:type='q:T' xmlns:i='{XSI}'/>")),
            env("", "<a p:b='1'/>"),
        ] {
            assert!(agree(&bad).is_err(), "{bad}");
        }
        for ok in [
            env("", &format!("<a{many}/>")),
            env("", "<a xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='en'/>"),
            env("", "<a i:type='q:T' xmlns:q='urn:q' b='&amp;'/>"),
            env("", "<a xmlns:p='urn:&amp;'><p:b/></a>"),
        ] {
            assert_eq!(agree(&ok).unwrap(), None, "{ok}");
        }
        let token = format!(
            "<s:Header><w:CrmAuthenticationToken>{children}</w:CrmAuthenticationToken></s:Header>"
        );
        // the same decoder twice on one thread (the reused resolver), after an error
        assert!(agree(&env("", "<p:x/>")).is_err());
        assert!(agree(&env(&token, "")).unwrap().is_some());
        assert!(agree(&env(&token, "")).unwrap().is_some());
    }

    #[test]
    fn edge_cases_agree() {
        let ok_children = format!(
            "<c:AuthenticationType><![CDATA[ 1]]>&#32;</c:AuthenticationType><c:CrmTicket>a&lt;<!--x-->b\r\nc</c:CrmTicket><c:CallerId>{Z}</c:CallerId>"
        );
        let t = agree(&env(&tok("", &ok_children), "")).unwrap().unwrap();
        assert_eq!(t.crm_ticket.as_ref().map(|t| t.reveal()), Some("a<b\nc"));
        // A nil field with element content is absent, not an error.
        let nil_child = format!(
            "<c:AuthenticationType>0</c:AuthenticationType><c:CrmTicket i:nil='true'><x/></c:CrmTicket><c:CallerId>{Z}</c:CallerId>"
        );
        assert_eq!(agree(&env(&tok("", &nil_child), "")).unwrap().unwrap().crm_ticket, None);
        for bad in [
            // text, nesting, order, repetition, missing, nil required field
            env(&tok("", &format!("x{ok_children}")), ""),
            env(&tok("", &ok_children.replace("b\r\nc", "<y/>")), ""),
            env(&tok("", &format!("<c:CallerId>{Z}</c:CallerId>{ok_children}")), ""),
            env(&tok("", "<c:AuthenticationType>0</c:AuthenticationType>"), ""),
            env(&tok("", &ok_children.replace("<c:AuthenticationType>", "<c:AuthenticationType i:nil='1'>")), ""),
            // repeated token (even nil), a bad CorrelationToken, text in Envelope,
            // structure, body well-formedness and limits
            env("<s:Header><w:CrmAuthenticationToken i:nil='true'/><w:CrmAuthenticationToken i:nil='true'/></s:Header>", ""),
            env("<s:Header><w:CorrelationToken><c:Depth>1</c:Depth></w:CorrelationToken></s:Header>", ""),
            env("<s:Header/>x", ""),
            env("<s:Header/><s:Header/>", ""),
            env("", "<a b='&bad;'/>"),
            env("", "<p:a/>"),
            env("", &"<a>".repeat(70)),
            env("", &format!("<a>{}</a>", "x".repeat(70_000))),
            format!("<s:Envelope xmlns:s='{S11}'><s:Body/></s:Envelope><x/>"),
            format!("<s:Envelope xmlns:s='{S11}'><s:Body/><s:Header/></s:Envelope>"),
            format!("<!DOCTYPE s><s:Envelope xmlns:s='{S11}'><s:Body/></s:Envelope>"),
        ] {
            assert!(agree(&bad).is_err(), "{bad}");
        }
        for none in [
            env("", ""),
            env(&tok(" i:nil='true'", "junk<x/>"), ""),
            env("<s:Header><CrmAuthenticationToken xmlns='urn:o'/></s:Header>", ""),
            env("", &format!("<w:CrmAuthenticationToken>{ok_children}</w:CrmAuthenticationToken>")),
            env("<s:Header><w:CallerOriginToken i:nil='true'/></s:Header> \n", "&#xA0;"),
        ] {
            assert_eq!(agree(&none).unwrap(), None, "{none}");
        }
    }

    /// DECODE-TOTAL: every limit of [`DecodeLimits`] is inclusive. An input, a nesting or a
    /// text of exactly the limit is decoded; one more is the typed error naming the limit.
    #[test]
    fn limits_are_inclusive_and_name_themselves() {
        let kind =
            |xml: &str, limits: &DecodeLimits| decode(xml.as_bytes(), limits).unwrap_err().kind;
        let base = env("", "<a/>");
        let size = |n: usize| DecodeLimits { max_input_bytes: n, ..DecodeLimits::DEFAULT };
        assert_eq!(decode(base.as_bytes(), &size(base.len())), Ok(None));
        assert_eq!(
            kind(&base, &size(base.len() - 1)),
            DecodeErrorKind::TooLarge { limit: base.len() - 1 }
        );
        // Envelope, Body, then `n` nested elements: depth n + 2.
        let nested = |n: usize| env("", &format!("{}{}", "<a>".repeat(n), "</a>".repeat(n)));
        let depth = DecodeLimits { max_depth: 6, ..DecodeLimits::DEFAULT };
        assert_eq!(decode(nested(4).as_bytes(), &depth), Ok(None));
        assert_eq!(kind(&nested(5), &depth), DecodeErrorKind::TooDeep { limit: 6 });
        // 64 bytes: the namespace URIs of `env` (attribute values) stay within it.
        let text = |n: usize| env("", &format!("<a>{}</a>", "x".repeat(n)));
        let long = DecodeLimits { max_text_bytes: 64, ..DecodeLimits::DEFAULT };
        assert_eq!(decode(text(64).as_bytes(), &long), Ok(None));
        assert_eq!(kind(&text(65), &long), DecodeErrorKind::TextTooLong { limit: 64 });
    }

    /// PROTOCOL 2.1: the CRM headers are children of `Header`. An element of the same name in
    /// `Body` is body content: not the token, not a repeated header.
    #[test]
    fn a_token_in_the_body_is_not_a_header() {
        let token = format!(
            "<w:CrmAuthenticationToken><c:AuthenticationType>2</c:AuthenticationType><c:CallerId>{Z}</c:CallerId></w:CrmAuthenticationToken>"
        );
        let header = format!("<s:Header>{token}</s:Header>");
        let t = agree(&env(&header, &token)).unwrap().unwrap();
        assert_eq!(t.authentication_type, AuthenticationType::Spla);
        assert_eq!(agree(&env("<s:Header/>", &token)).unwrap(), None);
    }

    /// PROTOCOL 2.1: the whole envelope must be valid, `CallerOriginToken` included: at most
    /// one, of a known `xsi:type`, with only its defined children — though the token decoder
    /// returns the token alone.
    #[test]
    fn the_caller_origin_header_is_checked_too() {
        let origin = |t: &str| {
            format!("<w:CallerOriginToken><c:CallerOrigin i:type='c:{t}'/></w:CallerOriginToken>")
        };
        let ok = origin("ApplicationOrigin");
        assert_eq!(agree(&env(&format!("<s:Header>{ok}</s:Header>"), "")).unwrap(), None);
        for bad in [
            format!("<s:Header>{ok}{ok}</s:Header>"),
            format!("<s:Header>{}</s:Header>", origin("NoSuchOrigin")),
            format!("<s:Header>{}</s:Header>", ok.replace("/></w:", "/><c:X/></w:")),
        ] {
            assert!(agree(&env(&bad, "")).is_err(), "{bad}");
        }
        let twice = agree(&env(&format!("<s:Header>{ok}{ok}</s:Header>"), "")).unwrap_err();
        assert_eq!(
            twice.kind,
            DecodeErrorKind::UnexpectedElement {
                name: "CallerOriginToken (repeated header)".into()
            }
        );
    }

    /// PROTOCOL 2.1 (the WSDL's `CrmAuthenticationToken`): each child occurs at most once; a
    /// repeated one is an error, not "the first wins".
    #[test]
    fn a_repeated_token_child_is_an_error() {
        let at = "<c:AuthenticationType>2</c:AuthenticationType>";
        let id = format!("<c:CallerId>{Z}</c:CallerId>");
        let org = "<c:OrganizationName>a</c:OrganizationName>";
        for inner in
            [format!("{at}{at}{id}"), format!("{at}{org}{org}{id}"), format!("{at}{id}{id}")]
        {
            let e = agree(&env(&tok("", &inner), "")).unwrap_err();
            assert!(
                matches!(&e.kind, DecodeErrorKind::UnexpectedElement { name } if name.ends_with("(repeated)")),
                "{inner}: {e}"
            );
        }
    }
}
