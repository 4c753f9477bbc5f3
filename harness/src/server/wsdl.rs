//! The WSDL the mock serves at `?wsdl` (PROTOCOL 2.1–2.3): generated from our schema table
//! (`codec::schema`) for the operations the mock implements, with the real WSDL's names,
//! namespaces, SOAP 1.1 and 1.2 bindings and CRM header messages.

use crate::codec::create::{CREATE, CREATE_RESPONSE};
use crate::codec::ns::{CORE_NS, DISCO_NS, GUID_NS, QUERY_NS, WS2006_NS, WS_NS};
use crate::codec::schema::{self, Definition, Kind, Max, TypeName};
use crate::codec::xml::{Element, Prefixes, XSD_NS};

const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap/";
const SOAP12_NS: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
const HTTP_TRANSPORT: &str = "http://schemas.xmlsoap.org/soap/http";

/// Which service's WSDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `CrmService` (2007): Execute (WhoAmI), Retrieve (systemuser), Create.
    Crm,
    /// `CrmDiscoveryService`: Execute with the four requests of PROTOCOL 2.2.
    Discovery,
}

impl Service {
    fn name(self) -> &'static str {
        match self {
            Service::Crm => "CrmService",
            Service::Discovery => "CrmDiscoveryService",
        }
    }
    fn target(self) -> &'static str {
        match self {
            Service::Crm => WS_NS,
            Service::Discovery => DISCO_NS,
        }
    }
    fn operations(self) -> &'static [&'static str] {
        match self {
            Service::Crm => &["Execute", "Retrieve", "Create"],
            Service::Discovery => &["Execute"],
        }
    }
    fn definitions(self) -> Vec<&'static Definition> {
        let mut defs: Vec<&'static Definition> = schema::TABLE
            .iter()
            .copied()
            .filter(|d| (d.ns == DISCO_NS) == (self == Service::Discovery))
            .collect();
        if self == Service::Crm {
            defs.push(&CREATE);
            defs.push(&CREATE_RESPONSE);
        }
        defs
    }
}

fn xs(local: &str) -> Element {
    Element::new(Some(XSD_NS), local)
}
fn w(local: &str) -> Element {
    Element::new(Some(WSDL_NS), local)
}

/// The WSDL document for `service`, with `location` as the endpoint address.
pub fn generate(service: Service, location: &str) -> String {
    let tns = service.target();
    let mut bindings: Vec<(&str, &str)> = vec![
        (WSDL_NS, "wsdl"),
        (SOAP_NS, "soap"),
        (SOAP12_NS, "soap12"),
        (XSD_NS, "s"),
        (tns, "tns"),
    ];
    for (i, ns) in [WS_NS, CORE_NS, WS2006_NS, QUERY_NS, GUID_NS, DISCO_NS].iter().enumerate() {
        if *ns != tns {
            bindings.push((ns, ["s1", "s2", "s3", "s4", "s5", "s6"][i]));
        }
    }
    let p = Prefixes::trusted(&bindings);
    let q = |t: &TypeName| p.qname(t.ns, t.name);

    let defs = service.definitions();
    // Types referenced but not defined by the table: declared as open stubs.
    let mut stubs: Vec<TypeName> = Vec::new();
    for d in &defs {
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
    let mut types = w("types");
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

    let headers: &[&str] = match service {
        Service::Crm => &["CrmAuthenticationToken", "CallerOriginToken", "CorrelationToken"],
        Service::Discovery => &[],
    };
    let mut root = w("definitions").attr("targetNamespace", tns).child(types);
    for op in service.operations() {
        for (suffix, el) in [("SoapIn", op.to_string()), ("SoapOut", format!("{op}Response"))] {
            root =
                root.child(w("message").attr("name", &format!("{op}{suffix}")).child(
                    w("part").attr("name", "parameters").attr("element", &p.qname(tns, &el)),
                ));
        }
        for h in headers {
            root = root.child(
                w("message")
                    .attr("name", &format!("{op}{h}"))
                    .child(w("part").attr("name", h).attr("element", &p.qname(tns, h))),
            );
        }
    }
    let port_type = format!("{}Soap", service.name());
    let mut pt = w("portType").attr("name", &port_type);
    for op in service.operations() {
        pt = pt.child(
            w("operation")
                .attr("name", op)
                .child(w("input").attr("message", &p.qname(tns, &format!("{op}SoapIn"))))
                .child(w("output").attr("message", &p.qname(tns, &format!("{op}SoapOut")))),
        );
    }
    root = root.child(pt);
    let mut svc = w("service").attr("name", service.name());
    for (bns, suffix) in [(SOAP_NS, "Soap"), (SOAP12_NS, "Soap12")] {
        let bname = format!("{}{suffix}", service.name());
        let mut b = w("binding")
            .attr("name", &bname)
            .attr("type", &p.qname(tns, &port_type))
            .child(Element::new(Some(bns), "binding").attr("transport", HTTP_TRANSPORT));
        for op in service.operations() {
            let body = || Element::new(Some(bns), "body").attr("use", "literal");
            let mut input = w("input").child(body());
            for h in headers {
                input = input.child(
                    Element::new(Some(bns), "header")
                        .attr("message", &p.qname(tns, &format!("{op}{h}")))
                        .attr("part", h)
                        .attr("use", "literal"),
                );
            }
            b = b.child(
                w("operation")
                    .attr("name", op)
                    .child(
                        Element::new(Some(bns), "operation")
                            .attr("soapAction", &format!("{tns}/{op}"))
                            .attr("style", "document"),
                    )
                    .child(input)
                    .child(w("output").child(body())),
            );
        }
        root = root.child(b);
        svc = svc.child(
            w("port")
                .attr("name", &bname)
                .attr("binding", &p.qname(tns, &bname))
                .child(Element::new(Some(bns), "address").attr("location", location)),
        );
    }
    p.write_document(&root.child(svc))
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
