//! The streaming fault reader (`codec::fault_stream`) against the tree reader
//! (`fault::read_fault`): the same `Ok` fault on every input, or both reject — and so
//! FAULT-EXPIRED, FAULT-NO-FALSE-POSITIVE and FAULT-SEED-AGREES (PROTOCOL 2.4, section 3)
//! hold for it with the same generators `crmauth check` uses, and DECODE-TOTAL (typed
//! errors within the input, no panic) on arbitrary bytes.
//!
//! The structured generator below writes faults the canonical encoder never does: both
//! versions under any prefix or the default namespace; fault children repeated, missing,
//! reordered, in the wrong namespace, nested; namespace declarations (with references in
//! their URIs, undeclaring, the `xml` prefix) on every element of the fault code's path;
//! text split by comments, CDATA and references; other body elements around the fault.
//! Then it splices junk into them, so both readers meet the same broken documents.

use crmauth::check::codec::{fault_expired, fault_no_false_positive, fault_seed_agrees};
use crmauth::codec::fault::{read_fault, Fault};
use crmauth::codec::fault_stream::read_fault_stream;
use crmauth::codec::{DecodeError, SoapVersion};
use crmauth::generate::codec::{
    arb_canonical_fault, arb_decoder_input, arb_decoy_fault, arb_fault_spelling,
};
use proptest::prelude::*;
use proptest::sample::{select, Index};

/// Both readers on `xml`: the same `Ok`, or both `Err` (the differential property).
fn agree(xml: &[u8]) -> Result<Option<Fault>, TestCaseError> {
    let (fast, tree) = (read_fault_stream(xml), read_fault(xml));
    match (fast, tree) {
        (Ok(a), Ok(b)) => {
            prop_assert_eq!(&a, &b, "{}", String::from_utf8_lossy(xml));
            Ok(Some(a))
        }
        (Err(e), Err(_)) => {
            typed(xml, &e)?;
            Ok(None)
        }
        (a, b) => Err(TestCaseError::fail(format!(
            "streaming {a:?}, tree {b:?} on\n{}",
            String::from_utf8_lossy(xml)
        ))),
    }
}

/// DECODE-TOTAL: a rejection names a place within the input (or the size limit).
fn typed(xml: &[u8], e: &DecodeError) -> Result<(), TestCaseError> {
    prop_assert!(e.offset <= (xml.len() as u64).max(1 << 20), "offset {} past the input", e.offset);
    Ok(())
}

fn decls() -> impl Strategy<Value = &'static str> {
    select(vec![
        "",
        "",
        "",
        " xmlns:p='urn:p'",
        " xmlns:p='urn:&amp;p'",
        " xmlns:p='urn:p2'",
        " xmlns:p=''",
        " xmlns='urn:d'",
        " xmlns=''",
        " xmlns:='urn:e'",
        " xmlns:xml='http://www.w3.org/XML/1998/namespace'",
        " xmlns:q='http://www.w3.org/2003/05/soap-envelope'",
        " a='1' b=\"&lt;\"",
    ])
}

fn text() -> impl Strategy<Value = &'static str> {
    select(vec![
        "0x8004A101",
        " 0x8004a101\r\n",
        "8004A101",
        "0x80040220",
        "",
        "p:Server",
        "s:Server",
        " q:Receiver ",
        ":x",
        "a:b:c",
        "xml:lang",
        "Server",
        "0x8004<!--c-->A101",
        "<![CDATA[0x8004]]>A101",
        "&#x38;004A101",
        "a&amp;b",
        "x<b>0x8004A101</b>y",
        "<code>0x8004A101</code>",
        "\r\r\n",
    ])
}

/// An element `name` (qualified as drawn) with declarations and content.
fn el(name: &str, decl: &str, content: &str) -> String {
    format!("<{name}{decl}>{content}</{name}>")
}

/// A fault child's name in the three forms a reader might confuse: unqualified, in the
/// envelope's namespace, in another.
fn named(local: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(local.to_string()),
        2 => Just(format!("E:{local}")),
        1 => Just(format!("p:{local}")),
    ]
}

/// Content: text, or children built from `names` (each with text, repeated or not).
fn content(names: Vec<&'static str>) -> impl Strategy<Value = String> {
    let child = (select(names), text(), decls())
        .prop_flat_map(|(n, t, d)| (named(n), Just(t), Just(d)))
        .prop_map(|(n, t, d)| el(&n, d, t));
    prop_oneof![
        1 => text().prop_map(str::to_string),
        3 => prop::collection::vec(child, 0..5).prop_map(|c| c.concat()),
    ]
}

fn detail(v: SoapVersion) -> impl Strategy<Value = String> {
    let fields = vec!["code", "code", "code", "description", "type", "other"];
    let error = (content(fields), decls()).prop_map(|(c, d)| el("error", d, &c));
    let item = prop_oneof![4 => error, 1 => text().prop_map(|t| el("other", "", t))];
    // The name the version reads (unqualified in 1.1, the envelope's namespace in 1.2)
    // most of the time, the other forms too.
    let name = match v {
        SoapVersion::V11 => prop_oneof![3 => Just("detail".to_string()), 1 => named("Detail")],
        SoapVersion::V12 => prop_oneof![3 => Just("E:Detail".to_string()), 1 => named("detail")],
    };
    (name, prop::collection::vec(item, 0..3), decls())
        .prop_map(|(n, items, d)| el(&n, d, &items.concat()))
}

fn fault_child(v: SoapVersion) -> impl Strategy<Value = String> {
    let leaf =
        |local: &'static str| (named(local), decls(), text()).prop_map(|(n, d, t)| el(&n, d, t));
    let code12 = (named("Code"), decls(), prop::collection::vec(leaf("Value"), 0..3))
        .prop_map(|(n, d, v)| el(&n, d, &v.concat()));
    let reason12 = (named("Reason"), prop::collection::vec(leaf("Text"), 0..3))
        .prop_map(|(n, t)| el(&n, " xml:lang='en'", &t.concat()));
    prop_oneof![
        2 => leaf("faultcode"),
        1 => leaf("faultstring"),
        2 => code12,
        1 => reason12,
        4 => detail(v),
        1 => text().prop_map(|t| el("x", "", t)),
    ]
}

/// Declarations for the envelope (whose own bindings of `E`, `p` and the envelope's
/// prefix are fixed: redeclaring one there would be a duplicate attribute).
fn envelope_decls() -> impl Strategy<Value = &'static str> {
    select(vec![
        "",
        "",
        " xmlns:q='urn:&amp;q'",
        " xmlns:xml='http://www.w3.org/XML/1998/namespace'",
        " xmlns:q=''",
        " a='1'",
    ])
}

/// A whole fault document (as text): version, prefix, header, body elements around the
/// fault, fault children.
fn arb_fault_document() -> impl Strategy<Value = String> {
    select(SoapVersion::ALL.to_vec())
        .prop_flat_map(|v| {
            (
                Just(v),
                select(vec!["s", "soap", "S", ""]),
                (envelope_decls(), decls(), decls()),
                prop::collection::vec(fault_child(v), 0..6),
                (any::<bool>(), 0u8..5),
            )
        })
        .prop_map(|(v, prefix, (d_env, d_body, d_fault), children, (header, around))| {
            let q = |local: &str| {
                if prefix.is_empty() {
                    local.to_string()
                } else {
                    format!("{prefix}:{local}")
                }
            };
            let ns = v.namespace();
            let binding = if prefix.is_empty() {
                format!(" xmlns='{ns}'")
            } else {
                format!(" xmlns:{prefix}='{ns}'")
            };
            // `E:` in the children is the envelope's namespace, `p:` another.
            let env_decls = format!("{binding} xmlns:E='{ns}' xmlns:p='urn:p'{d_env}");
            let fault = el(&q("Fault"), d_fault, &children.concat());
            let body = match around {
                0 | 1 => fault,
                2 => format!("<other/>{fault}"),
                3 => format!("{fault}{fault}"),
                _ => "<other/>".to_string(),
            };
            let head = if header { el(&q("Header"), "", "<h/>") } else { String::new() };
            el(&q("Envelope"), &env_decls, &format!("{head}{}", el(&q("Body"), d_body, &body)))
        })
}

/// Junk spliced into documents: markup pieces that break or change structure.
fn junk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        select(vec![
            "<",
            ">",
            "</",
            "/>",
            "&",
            "&bad;",
            "'",
            "\"",
            ":",
            "xmlns:p='urn:x' ",
            "<!--",
            "-->",
            "]]>",
            "<![CDATA[",
            "<?pi?>",
            "<!DOCTYPE x>",
            "\u{0}",
            "é",
            " ",
            "\r",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 1..4),
    ]
}

fn arb_mutated_fault() -> impl Strategy<Value = Vec<u8>> {
    (arb_fault_document(), prop::collection::vec((any::<Index>(), 0usize..6, junk()), 1..3))
        .prop_map(|(doc, edits)| {
            let mut m = doc.into_bytes();
            for (at, cut, junk) in edits {
                let i = at.index(m.len() + 1);
                let end = (i + cut).min(m.len());
                m.splice(i..end, junk);
            }
            m
        })
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config(4_000))]

    /// The differential property on structured fault documents: most are faults, many
    /// are read differently from the canonical shape, some are not faults at all.
    #[test]
    fn stream_agrees_with_tree_on_fault_documents(doc in arb_fault_document()) {
        agree(doc.as_bytes())?;
    }

    /// ... and on the same documents with junk spliced in (mostly errors, for both).
    #[test]
    fn stream_agrees_with_tree_on_mutated_faults(doc in arb_mutated_fault()) {
        agree(&doc)?;
    }
}

proptest! {
    #![proptest_config(config(1_000))]

    /// DECODE-TOTAL and the differential property on the decoders' hostile inputs
    /// (arbitrary bytes, mutated messages of every codec, deep nesting).
    #[test]
    fn decode_total_and_agrees_on_hostile_input(b in arb_decoder_input()) {
        agree(&b.0)?;
    }

    /// FAULT-EXPIRED for the streaming reader (every spelling of every code), and the
    /// tree reader reads the same.
    #[test]
    fn fault_expired_streaming(doc in arb_fault_spelling()) {
        agree(doc.xml.as_bytes())?;
        fault_expired(read_fault_stream, doc)?;
    }

    /// FAULT-NO-FALSE-POSITIVE for the streaming reader (the code in descriptions,
    /// attributes, comments, CDATA, other elements never counts).
    #[test]
    fn fault_no_false_positive_streaming(doc in arb_decoy_fault()) {
        agree(doc.xml.as_bytes())?;
        fault_no_false_positive(read_fault_stream, doc)?;
    }

    /// FAULT-SEED-AGREES for the streaming reader on canonical server faults.
    #[test]
    fn fault_seed_agrees_streaming(f in arb_canonical_fault()) {
        fault_seed_agrees(read_fault_stream, f)?;
    }
}

/// The structured generator reaches what it is for: faults read with an expired code, with
/// a namespaced fault code, with none; documents that are not faults.
#[test]
fn the_generator_reaches_every_kind_of_document() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut expired, mut resolved, mut no_code, mut rejected) = (0, 0, 0, 0);
    for _ in 0..2_000 {
        let doc = arb_fault_document().new_tree(&mut runner).expect("a value").current();
        match read_fault_stream(doc.as_bytes()) {
            Ok(f) => {
                expired += usize::from(f.is_expired_ticket());
                resolved += usize::from(f.faultcode.is_some_and(|c| c.namespace.is_some()));
                no_code += usize::from(f.raw_code.is_none());
            }
            Err(_) => rejected += 1,
        }
    }
    for (what, n) in
        [("expired", expired), ("resolved", resolved), ("no code", no_code), ("rejected", rejected)]
    {
        assert!(n >= 20, "{what}: {n} of 2,000 ({expired} {resolved} {no_code} {rejected})");
    }
}

/// The vectors of `corpus/vectors/faults` and the seeds of the `fault_stream` fuzz target
/// (`corpus/fuzz/fault_stream`) read alike.
#[test]
fn fault_vectors_and_fuzz_seeds_read_alike() {
    for dir in ["vectors/faults", "fuzz/fault_stream"] {
        read_alike(dir);
    }
}

fn read_alike(dir: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus").join(dir);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("the fault vectors") {
        let path = entry.expect("an entry").path();
        if path.to_string_lossy().ends_with(".expected.json") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("readable");
        agree(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n > 0);
}
