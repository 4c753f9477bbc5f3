//! Tests of reading and writing through the module's public surface.

use super::*;
use quick_xml::events::BytesStart;

fn kind(input: &str, limits: &DecodeLimits) -> DecodeErrorKind {
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
    assert_eq!(serde_json::to_value(&d).unwrap()["kind"], serde_json::json!({"kind": "doctype"}));
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
        DecodeLimits { max_input_bytes: 100, max_depth: 3, max_attributes: 2, max_text_bytes: 5 };
    let big = "<a>".to_string() + &"x".repeat(200) + "</a>";
    assert_eq!(kind(&big, &small), DecodeErrorKind::TooLarge { limit: 100 });
    assert_eq!(kind("<a><b><c><d/></c></b></a>", &small), DecodeErrorKind::TooDeep { limit: 3 });
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
    let l = DecodeLimits { max_depth: usize::MAX, ..DecodeLimits::DEFAULT };
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
        kind("<a>&x;</a>", &DecodeLimits::DEFAULT),
        DecodeErrorKind::UnknownEntity { name: "x".into() }
    );
    assert_eq!(
        kind(r#"<a b="&x;"/>"#, &DecodeLimits::DEFAULT),
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
    let e = parse(
        br#"<a xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:q="urn:t" i:type="q:T"/>"#,
    )
    .unwrap();
    assert_eq!(
        e.xsi_type,
        Some(ExpandedName { namespace: Some("urn:t".into()), local: "T".into() })
    );
    let d = parse(
        br#"<a xmlns="urn:d" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="T"/>"#,
    )
    .unwrap();
    assert_eq!(d.xsi_type.and_then(|t| t.namespace), Some("urn:d".into()));
    assert!(parse(br#"<a xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="zz:T"/>"#)
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
