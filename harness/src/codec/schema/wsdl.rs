//! The one WSDL writer of the table: the `<wsdl:types>` schemas of a set of definitions
//! (used by the mock's `?wsdl`, `server::wsdl`), and the whole table as a WSDL document
//! (checked against the table itself by `check::wsdl_diff`).

use super::{Definition, Kind, Max, TypeName, TABLE};
use crate::codec::ns::{CORE_NS, DISCO_NS, GUID_NS, QUERY_NS, WS2006_NS, WS_NS};
use crate::codec::xml::{Element, Prefixes, XSD_NS};

/// The WSDL 1.1 namespace.
pub const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";

fn xs(local: &str) -> Element {
    Element::new(Some(XSD_NS), local)
}

/// The `<wsdl:types>` element declaring `defs`: one schema per namespace (in order of first
/// use) importing the others; types referenced but not defined are declared as open stubs
/// (`guid` as its pattern). QNames are written with `p`, which must bind every namespace
/// of `defs`.
pub fn types_element(defs: &[&Definition], p: &Prefixes) -> Element {
    let q = |t: &TypeName| p.qname(t.ns, t.name);
    // Types referenced but not defined by the table: declared as open stubs.
    let mut stubs: Vec<TypeName> = Vec::new();
    for d in defs {
        let refs =
            d.base.iter().chain(d.element_type.iter()).chain(d.particles.iter().map(|p| &p.ty));
        for t in refs {
            let defined = defs
                .iter()
                .any(|x| x.kind == Kind::ComplexType && x.ns == t.ns && x.name == t.name);
            if t.ns != XSD_NS && !defined && !stubs.contains(t) {
                stubs.push(*t);
            }
        }
    }
    let mut nss: Vec<&str> = Vec::new();
    for ns in defs.iter().map(|d| d.ns).chain(stubs.iter().map(|t| t.ns)) {
        if !nss.contains(&ns) {
            nss.push(ns);
        }
    }
    let mut types = Element::new(Some(WSDL_NS), "types");
    for ns in &nss {
        let mut sch =
            xs("schema").attr("elementFormDefault", "qualified").attr("targetNamespace", ns);
        for other in nss.iter().filter(|o| *o != ns) {
            sch = sch.child(xs("import").attr("namespace", other));
        }
        for d in defs.iter().filter(|d| d.ns == *ns) {
            sch = sch.child(definition(d, &q));
        }
        for t in stubs.iter().filter(|t| t.ns == *ns) {
            sch = sch.child(if t.ns == GUID_NS {
                xs("simpleType").attr("name", t.name).child(
                    xs("restriction").attr("base", &p.qname(XSD_NS, "string")).child(
                        xs("pattern").attr(
                            "value",
                            "[\\da-fA-F]{8}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{4}-[\\da-fA-F]{12}",
                        ),
                    ),
                )
            } else {
                xs("complexType").attr("name", t.name).child(xs("sequence"))
            });
        }
        types = types.child(sch);
    }
    types
}

/// The whole [`TABLE`] as a WSDL document holding only `<types>` (written by
/// [`types_element`]). Used by tests (the table checked against itself) and as
/// documentation.
pub fn table_as_wsdl() -> String {
    let mut bindings: Vec<(&str, &str)> = vec![(WSDL_NS, "wsdl"), (XSD_NS, "s")];
    for (i, ns) in [GUID_NS, CORE_NS, WS_NS, WS2006_NS, QUERY_NS, DISCO_NS].iter().enumerate() {
        bindings.push((ns, ["n1", "n2", "n3", "n4", "n5", "n6"][i]));
    }
    let p = Prefixes::trusted(&bindings);
    let root = Element::new(Some(WSDL_NS), "definitions").child(types_element(TABLE, &p));
    p.write_document(&root)
}

fn particles(def: &Definition, q: &dyn Fn(&TypeName) -> String) -> Element {
    let mut seq = xs("sequence");
    for p in def.particles {
        let max = match p.max {
            Max::One => "1",
            Max::Unbounded => "unbounded",
        };
        let mut e = xs("element")
            .attr("minOccurs", &p.min.to_string())
            .attr("maxOccurs", max)
            .attr("name", p.name);
        if p.nillable {
            e = e.attr("nillable", "true");
        }
        seq = seq.child(e.attr("type", &q(&p.ty)));
    }
    seq
}

fn definition(d: &Definition, q: &dyn Fn(&TypeName) -> String) -> Element {
    match d.kind {
        Kind::Element => {
            let mut e = xs("element").attr("name", d.name);
            if d.nillable {
                e = e.attr("nillable", "true");
            }
            match &d.element_type {
                Some(t) => e.attr("type", &q(t)),
                None => e.child(xs("complexType").child(particles(d, q))),
            }
        }
        Kind::ComplexType => {
            let mut c = xs("complexType").attr("name", d.name);
            if d.is_abstract {
                c = c.attr("abstract", "true");
            }
            match &d.base {
                Some(b) => c.child(
                    xs("complexContent")
                        .attr("mixed", "false")
                        .child(xs("extension").attr("base", &q(b)).child(particles(d, q))),
                ),
                None => c.child(particles(d, q)),
            }
        }
    }
}
