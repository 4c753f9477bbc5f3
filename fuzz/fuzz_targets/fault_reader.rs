//! The two fault readers: the seed's `//code` and the robust `read_fault`.
//!
//! On the raw input: DECODE-TOTAL for both, and the robust reader's code and expired
//! verdict are those of [`spec_fault`], a reader written from PROTOCOL 2.4 alone on
//! roxmltree (no code shared with `codec::fault` or crmauth's XML). On a canonical server fault built from the input (any version,
//! code, description): FAULT-SEED-AGREES. The same fault with the code spelled another
//! way (`0x`/`0X`/none, either case, whitespace): FAULT-EXPIRED. With 8004A101 planted in
//! the description, an attribute, a comment or CDATA while the real code differs:
//! FAULT-NO-FALSE-POSITIVE.
#![no_main]

use crmauth::check::codec::{fault_expired, fault_no_false_positive, fault_seed_agrees};
use crmauth::codec::fault::{self, ErrorCode};
use crmauth::codec::SoapVersion;
use crmauth::generate::codec::FaultDoc;
use crmauth_fuzz::codec::{typed, xml_text};
use libfuzzer_sys::arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const KNOWN: &[u32] = &[0x8004_A100, 0x8004_A101, 0x8004_A102, 0x8004_A110, 0x8004_0204, 0];

struct Input<'a> {
    raw: &'a [u8],
    version: SoapVersion,
    code: ErrorCode,
    description: String,
    spelled: String,
    decoys: u8,
}

impl<'a> Arbitrary<'a> for Input<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let version = *u.choose(&SoapVersion::ALL)?;
        let code = ErrorCode(if u.ratio(3, 4)? { *u.choose(KNOWN)? } else { u.arbitrary()? });
        let description =
            xml_text(u, &["Ticket expired", "0x8004A101", "<code>0x8004A101</code>"])?;
        // Another spelling of the same code: prefix, digits' case, surrounding whitespace.
        let hex = format!("{:08X}", code.0);
        let hex = if u.arbitrary()? { hex.to_ascii_lowercase() } else { hex };
        let hex = if u.arbitrary()? { hex.trim_start_matches('0').to_string() } else { hex };
        let hex = if hex.is_empty() { "0".to_string() } else { hex };
        let ws = [" ", "\n", "\t", "\r\n", ""];
        let spelled =
            format!("{}{}{hex}{}", u.choose(&ws)?, u.choose(&["0x", "0X", ""])?, u.choose(&ws)?);
        let decoys = u.arbitrary()?;
        Ok(Input { raw: &[], version, code, description, spelled, decoys })
    }
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} {} {:?} {:?} decoys={:#b}",
            self.version, self.code, self.description, self.spelled, self.decoys
        )
    }
}

fn fail(invariant: &str, input: &Input<'_>, e: impl std::fmt::Debug) -> ! {
    panic!("{invariant}: {e:?}\ninput: {input:?}")
}

// The raw input is the whole of the data (so real faults are useful seeds); the structured
// fields are read from the same bytes.
fuzz_target!(|data: &[u8]| {
    let Ok(mut input) = Input::arbitrary(&mut Unstructured::new(data)) else { return };
    input.raw = data;
    let raw = input.raw;
    let robust = fault::read_fault(raw);
    typed("read_fault", raw.len(), &robust);
    typed("seed_error_code", raw.len(), &fault::seed_error_code(raw));
    // The independent statement of PROTOCOL 2.4: a reader written from its rules alone, on
    // another XML parser. Compared where both read the document as a SOAP fault (the two
    // parsers' limits and well-formedness corners differ; DECODE-TOTAL covers rejections).
    if let (Ok(f), Some(spec)) = (&robust, spec_fault::read(raw)) {
        assert_eq!(
            f.code.map(|c| c.0),
            spec,
            "read_fault's detail code differs from PROTOCOL 2.4's reading (raw {:?})",
            f.raw_code
        );
        assert_eq!(f.is_expired_ticket(), spec == Some(0x8004_A101), "expired verdict");
    }

    // One canonical check a run, chosen by the input (each parses whole envelopes).
    let (v, code) = (input.version, input.code);
    let check = input.decoys % 3;
    if check == 0 {
        if let Err(e) = fault_seed_agrees(fault::read_fault, (v, code, input.description.clone())) {
            fail("FAULT-SEED-AGREES", &input, e);
        }
        return;
    }

    let canonical = fault::encode_fault(v, code, &input.description);
    let wire = format!("<code>{}</code>", code.wire());
    assert!(canonical.contains(&wire), "encode_fault writes no {wire}");
    if check == 1 {
        let xml = canonical.replacen(&wire, &format!("<code>{}</code>", input.spelled), 1);
        if let Err(e) =
            fault_expired(fault::read_fault, FaultDoc { version: v, code: Some(code), xml })
        {
            fail("FAULT-EXPIRED", &input, e);
        }
        return;
    }

    let d = input.decoys >> 2;
    if code != ErrorCode::EXPIRED_TICKET && d != 0 {
        let mut xml = canonical.clone();
        if d & 1 != 0 {
            xml = xml.replacen("<error>", "<error code=\"0x8004A101\">", 1);
        }
        if d & 2 != 0 {
            xml = xml.replacen("<error>", "<!--<code>0x8004A101</code>--><error>", 1);
        }
        if d & 4 != 0 {
            xml = xml.replacen(
                "<description>",
                "<description><![CDATA[<code>0x8004A101</code>]]>",
                1,
            );
        }
        if d & 8 != 0 {
            xml = xml.replacen("</error>", "</error><error><code>0x8004A101</code></error>", 1);
        }
        if d & 16 != 0 {
            xml = xml.replacen("<type>", "<detailcode>0x8004A101</detailcode><type>", 1);
        }
        if let Err(e) = fault_no_false_positive(
            fault::read_fault,
            FaultDoc { version: v, code: Some(code), xml },
        ) {
            fail("FAULT-NO-FALSE-POSITIVE", &input, e);
        }
    }
});

/// PROTOCOL 2.4, stated independently of `codec::fault`: the envelope is SOAP 1.1 or 1.2; a
/// `Fault` in the envelope's namespace is an element of its `Body`; the code is the text of
/// `detail/error/code` (1.1: `detail` without namespace; 1.2: the envelope's `Detail`;
/// `error` and `code` without namespace, the first of each, in any sibling order); the text
/// is the element's character data (comments aside, CDATA included) and is read as an
/// optional `0x`/`0X` and 1 to 8 hex digits of either case, with XML whitespace around
/// (docs/codecs.md). Nothing else counts: attributes, `description`, `faultstring`, other
/// elements.
mod spec_fault {
    const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
    const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

    /// `None`: not a SOAP fault this reader understands (or not XML to roxmltree);
    /// `Some(None)`: a fault without a readable detail code; `Some(Some(code))`.
    pub fn read(xml: &[u8]) -> Option<Option<u32>> {
        let text = std::str::from_utf8(xml).ok()?;
        let doc = roxmltree::Document::parse(text).ok()?;
        let envelope = doc.root_element();
        let ns = envelope.tag_name().namespace()?;
        if envelope.tag_name().name() != "Envelope" || (ns != SOAP11 && ns != SOAP12) {
            return None;
        }
        fn child<'a, 'i>(
            n: roxmltree::Node<'a, 'i>,
            ns: Option<&str>,
            name: &str,
        ) -> Option<roxmltree::Node<'a, 'i>> {
            n.children().find(|c| {
                c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == ns
            })
        }
        let body = child(envelope, Some(ns), "Body")?;
        let fault = child(body, Some(ns), "Fault")?;
        let detail = if ns == SOAP11 {
            child(fault, None, "detail")
        } else {
            child(fault, Some(ns), "Detail")
        };
        let code =
            detail.and_then(|d| child(d, None, "error")).and_then(|e| child(e, None, "code"));
        Some(code.and_then(|c| {
            let text: String =
                c.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
            parse(&text)
        }))
    }

    fn parse(text: &str) -> Option<u32> {
        let t = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
        if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(hex, 16).ok()
    }
}
