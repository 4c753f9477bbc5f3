//! The WSDL the mock serves at `?wsdl` (PROTOCOL 2.1–2.3): generated from our schema table
//! (`codec::schema`) for the operations the mock implements, with the real WSDL's names,
//! namespaces, SOAP 1.1 and 1.2 bindings and CRM header messages.

use crate::codec::create::{CREATE, CREATE_RESPONSE};
use crate::codec::ns::{CORE_NS, DISCO_NS, GUID_NS, QUERY_NS, WS2006_NS, WS_NS};
use crate::codec::schema::wsdl::WSDL_NS;
use crate::codec::schema::{self, Definition};
use crate::codec::xml::{Element, Prefixes, XSD_NS};

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
    let types = schema::wsdl::types_element(&service.definitions(), &p);

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
