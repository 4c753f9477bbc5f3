//! `crmauth wsdl-check`: the schemas of real WSDL files compared with our table
//! ([`crate::codec::schema::TABLE`]), reading a directory of `*.wsdl` (PROTOCOL 2.1–2.3).

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::codec::ns::*;
use crate::codec::schema::wsdl::WSDL_NS;
use crate::codec::schema::{effective_particles, Definition, Kind, Max, TypeName, TABLE};
use crate::codec::xml::{self, resolve_qname_text, DecodeError, DecodeLimits, Element, XSD_NS};

// ---------------------------------------------------------------------------------------

/// What differs between a WSDL and the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DifferenceKind {
    /// The definition is not in any WSDL of the directory.
    Missing,
    /// The base type (`complexContent/extension` or `restriction` `@base`) differs.
    BaseMismatch {
        /// Our base type as `{ns}name`; `None` when the table gives none.
        expected: Option<String>,
        /// The WSDL's base type as `{ns}name`; `None` when it has none.
        found: Option<String>,
    },
    /// A global element's `@type` differs.
    ElementTypeMismatch {
        /// Our element type as `{ns}name`; `None` when the table gives an inline type.
        expected: Option<String>,
        /// The WSDL's element type as `{ns}name`; `None` for an inline type.
        found: Option<String>,
    },
    /// A particle of the table (base types' included) is not in the WSDL's sequence.
    MissingParticle {
        /// Local name of the particle.
        particle: String,
    },
    /// The WSDL's sequence has a particle the table lacks (not reported for `subset` definitions).
    ExtraParticle {
        /// Local name of the particle.
        particle: String,
    },
    /// The particles both sides have are in a different order.
    WrongOrder {
        /// The common particles' names in the table's order.
        expected: Vec<String>,
        /// The common particles' names in the WSDL's order.
        found: Vec<String>,
    },
    /// `minOccurs`/`maxOccurs` of a particle differ.
    WrongCardinality {
        /// Local name of the particle.
        particle: String,
        /// Our cardinality as `min..max` (`max` a number or `unbounded`).
        expected: String,
        /// The WSDL's cardinality as `min..max`, from the attribute texts (default 1).
        found: String,
    },
    /// A particle's element namespace differs.
    WrongNamespace {
        /// Local name of the particle.
        particle: String,
        /// Namespace URI in the table.
        expected: String,
        /// Namespace URI in the WSDL: the target namespace under `elementFormDefault="qualified"`,
        /// the `ref`'d element's, or empty.
        found: String,
    },
    /// A particle's type differs.
    TypeMismatch {
        /// Local name of the particle.
        particle: String,
        /// Our type as `{ns}name`.
        expected: String,
        /// The WSDL's type as `{ns}name`, or `ref {ns}name` for an element reference (empty
        /// when the particle has no `@type`).
        found: String,
    },
    /// `nillable` differs: on a particle, or on the global element itself (`particle` None).
    WrongNillable {
        /// Local name of the particle; `None` for the global element itself.
        particle: Option<String>,
        /// `nillable` in the table.
        expected: bool,
        /// `nillable` in the WSDL.
        found: bool,
    },
    /// `abstract` differs.
    WrongAbstract {
        /// `abstract` in the table.
        expected: bool,
        /// `abstract` in the WSDL.
        found: bool,
    },
    /// A particle's type `base` has a concrete derived type `derived` in the WSDL that the
    /// table does not define: a valid request form we would not read.
    MissingDerivedType {
        /// Local name of the particle.
        particle: String,
        /// The particle's declared type as `{ns}name`.
        base: String,
        /// The derived type's name as `{ns}name`.
        derived: String,
    },
}

/// One difference: where (file, definition) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// File name, or `""` for [`DifferenceKind::Missing`].
    pub file: String,
    /// The table's definition, as `{ns}name`.
    pub definition: String,
    /// What differs.
    pub difference: DifferenceKind,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = serde_json::to_string(&self.difference).unwrap_or_default();
        write!(f, "{} {}: {}", self.file, self.definition, what)
    }
}

/// The outcome of [`wsdl_check`]: differences (a failure) and informational notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct WsdlReport {
    /// Names of the WSDL files read, in the order read (sorted for a directory).
    pub files: Vec<String>,
    /// Every difference found; any one fails the check.
    pub differences: Vec<Difference>,
    /// Informational notes (e.g. an Online-only definition absent, as expected); not failures.
    pub notes: Vec<String>,
}

/// Why the check could not run.
#[derive(Debug, thiserror::Error)]
pub enum WsdlCheckError {
    /// Listing the directory or reading a file failed.
    #[error("{path}: {message}")]
    Io {
        /// The directory or file that could not be read.
        path: String,
        /// The I/O error's message.
        message: String,
    },
    /// A file is not well-formed XML within [`WSDL_LIMITS`].
    #[error("{path}: {error}")]
    Decode {
        /// The file name given for the document.
        path: String,
        /// Why the XML reader rejected it.
        error: DecodeError,
    },
    /// The directory (named here) holds no file with a `.wsdl` extension (any case).
    #[error("no *.wsdl file in {0}")]
    NoWsdl(String),
}

/// Limits for reading WSDL files (they are large: CrmService.wsdl is ~850 KiB).
pub const WSDL_LIMITS: DecodeLimits = DecodeLimits {
    max_input_bytes: 16 << 20,
    max_depth: 64,
    max_attributes: 64,
    max_text_bytes: 1 << 20,
};

/// How a complex type derives from its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Derivation {
    /// The base's particles, then the type's own.
    Extension,
    /// The type's own particles replace the base's.
    Restriction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    file: String,
    /// `wsdl:service/@name`, `""` when the document has none (then it matches every def).
    service: String,
    kind: Kind,
    ns: String,
    name: String,
    base: Option<String>,
    derivation: Option<Derivation>,
    is_abstract: bool,
    nillable: bool,
    element_type: Option<String>,
    /// The type's own particles (see [`flatten`] for the inherited ones).
    particles: Vec<FoundParticle>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FoundParticle {
    name: String,
    ns: String,
    min: String,
    max: String,
    ty: String,
    nillable: bool,
}

const fn t(ns: &'static str, name: &'static str) -> TypeName {
    TypeName { ns, name }
}

fn show(t: &TypeName) -> String {
    format!("{{{}}}{}", t.ns, t.name)
}

fn show_max(m: Max) -> &'static str {
    match m {
        Max::One => "1",
        Max::Unbounded => "unbounded",
    }
}

/// Particle types whose derived types we model only in part: the operations the mock
/// implements (request and response types) and the entities it stores. Every other base
/// type a particle names must have all of its WSDL-derived concrete types in the table
/// (`ColumnSetBase`, `OptionalParameter`, `CallerOrigin`, …).
pub static PARTIAL_FAMILIES: &[TypeName] = &[
    t(WS_NS, "Request"),
    t(WS_NS, "Response"),
    t(DISCO_NS, "Request"),
    t(DISCO_NS, "Response"),
    t(WS2006_NS, "BusinessEntity"),
];

/// Read every `*.wsdl` in `dir` and compare the `<types>` schemas with [`TABLE`].
pub fn wsdl_check(dir: &Path) -> Result<WsdlReport, WsdlCheckError> {
    let io = |e: std::io::Error| WsdlCheckError::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wsdl")))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(WsdlCheckError::NoWsdl(dir.display().to_string()));
    }
    let mut files = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).map_err(|e| WsdlCheckError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        files.push((name, bytes));
    }
    let inputs: Vec<(&str, &[u8])> =
        files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    check_documents(&inputs)
}

/// [`wsdl_check`] on in-memory documents `(file name, bytes)`.
pub fn check_documents(docs: &[(&str, &[u8])]) -> Result<WsdlReport, WsdlCheckError> {
    check_documents_against(TABLE, docs)
}

/// [`check_documents`] with another table (tests plant differences in a copy of [`TABLE`]).
pub fn check_documents_against(
    table: &[&Definition],
    docs: &[(&str, &[u8])],
) -> Result<WsdlReport, WsdlCheckError> {
    let mut found = Vec::new();
    let mut report = WsdlReport::default();
    for (name, bytes) in docs {
        let root = xml::parse_with(bytes, &WSDL_LIMITS)
            .map_err(|error| WsdlCheckError::Decode { path: (*name).to_owned(), error })?;
        collect_definitions(name, &root, &mut found);
        report.files.push((*name).to_owned());
    }
    let mut derived_seen: Vec<(String, String, String)> = Vec::new();
    for def in table {
        let here: Vec<&Found> = found
            .iter()
            .filter(|f| f.kind == def.kind && f.ns == def.ns && f.name == def.name)
            .filter(|f| f.service.is_empty() || def.service.is_none_or(|s| s == f.service))
            .collect();
        if here.is_empty() {
            if def.online_only {
                report.notes.push(format!(
                    "{} is absent (expected: CRM Online only, modelled as the seed shows)",
                    def.qualified()
                ));
            } else {
                report.differences.push(Difference {
                    file: String::new(),
                    definition: def.qualified(),
                    difference: DifferenceKind::Missing,
                });
            }
        }
        for f in here {
            let theirs = flatten(&found, f);
            compare(table, def, f, &theirs, &mut report.differences);
            for p in &theirs {
                for derived in derived_types(&found, &f.file, &p.ty) {
                    let modelled = table
                        .iter()
                        .any(|d| d.kind == Kind::ComplexType && show(&t(d.ns, d.name)) == derived);
                    let partial = PARTIAL_FAMILIES.iter().any(|b| show(b) == p.ty);
                    let key = (f.file.clone(), p.ty.clone(), derived.clone());
                    if modelled || partial || derived_seen.contains(&key) {
                        continue;
                    }
                    derived_seen.push(key);
                    report.differences.push(Difference {
                        file: f.file.clone(),
                        definition: def.qualified(),
                        difference: DifferenceKind::MissingDerivedType {
                            particle: p.name.clone(),
                            base: p.ty.clone(),
                            derived,
                        },
                    });
                }
            }
        }
    }
    Ok(report)
}

/// The complex type `{ns}name` as found, preferring `file`.
/// (Compared field by field: formatting each candidate's `{ns}name` made a check of the
/// real CrmService.wsdl, with its thousands of types, take 13 s.)
fn find_type<'f>(found: &'f [Found], file: &str, qname: &str) -> Option<&'f Found> {
    let (ns, name) = qname.strip_prefix('{')?.split_once('}')?;
    let is = |f: &&Found| f.kind == Kind::ComplexType && f.ns == ns && f.name == name;
    found.iter().filter(is).find(|f| f.file == file).or_else(|| found.iter().find(is))
}

/// A WSDL type's particles with its base types' first (extension) or its own only
/// (restriction). An unknown base contributes nothing.
fn flatten(found: &[Found], f: &Found) -> Vec<FoundParticle> {
    let mut chain = vec![f];
    let mut cur = f;
    while cur.derivation == Some(Derivation::Extension) && chain.len() < 16 {
        let Some(b) = cur.base.as_deref().and_then(|b| find_type(found, &cur.file, b)) else {
            break;
        };
        if chain.iter().any(|c| std::ptr::eq(*c, b)) {
            break;
        }
        chain.push(b);
        cur = b;
    }
    chain.iter().rev().flat_map(|d| d.particles.iter().cloned()).collect()
}

/// Concrete complex types of `file` that derive (transitively) from `base`.
fn derived_types(found: &[Found], file: &str, base: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in found.iter().filter(|f| f.file == file && f.kind == Kind::ComplexType) {
        if f.is_abstract {
            continue;
        }
        let mut cur = f;
        for _ in 0..16 {
            let Some(b) = cur.base.as_deref() else {
                break;
            };
            if b == base {
                out.push(format!("{{{}}}{}", f.ns, f.name));
                break;
            }
            match find_type(found, file, b) {
                Some(next) => cur = next,
                None => break,
            }
        }
    }
    out
}

fn compare(
    table: &[&Definition],
    def: &Definition,
    f: &Found,
    theirs_all: &[FoundParticle],
    out: &mut Vec<Difference>,
) {
    let mut push = |d: DifferenceKind| {
        out.push(Difference { file: f.file.clone(), definition: def.qualified(), difference: d })
    };
    let base = def.base.as_ref().map(show);
    if base != f.base {
        push(DifferenceKind::BaseMismatch { expected: base, found: f.base.clone() });
    }
    let et = def.element_type.as_ref().map(show);
    if et != f.element_type {
        push(DifferenceKind::ElementTypeMismatch { expected: et, found: f.element_type.clone() });
    }
    if def.kind == Kind::Element && def.nillable != f.nillable {
        push(DifferenceKind::WrongNillable {
            particle: None,
            expected: def.nillable,
            found: f.nillable,
        });
    }
    if def.kind == Kind::ComplexType && def.is_abstract != f.is_abstract {
        push(DifferenceKind::WrongAbstract { expected: def.is_abstract, found: f.is_abstract });
    }
    let parts = effective_particles(def, table);
    let ours: Vec<String> = parts.iter().map(|p| p.name.to_owned()).collect();
    let theirs: Vec<String> = theirs_all
        .iter()
        .map(|p| p.name.clone())
        .filter(|n| !def.subset || ours.contains(n))
        .collect();
    for n in &ours {
        if !theirs.contains(n) {
            push(DifferenceKind::MissingParticle { particle: n.clone() });
        }
    }
    for n in &theirs {
        if !ours.contains(n) {
            push(DifferenceKind::ExtraParticle { particle: n.clone() });
        }
    }
    let common_ours: Vec<String> = ours.iter().filter(|n| theirs.contains(n)).cloned().collect();
    let common_theirs: Vec<String> = theirs.iter().filter(|n| ours.contains(n)).cloned().collect();
    if common_ours != common_theirs {
        push(DifferenceKind::WrongOrder { expected: common_ours, found: common_theirs });
    }
    for p in parts {
        let Some(fp) = theirs_all.iter().find(|fp| fp.name == p.name) else {
            continue;
        };
        let card = format!("{}..{}", p.min, show_max(p.max));
        let fcard = format!("{}..{}", fp.min, fp.max);
        if card != fcard {
            push(DifferenceKind::WrongCardinality {
                particle: p.name.into(),
                expected: card,
                found: fcard,
            });
        }
        if p.nillable != fp.nillable {
            push(DifferenceKind::WrongNillable {
                particle: Some(p.name.into()),
                expected: p.nillable,
                found: fp.nillable,
            });
        }
        if p.ns != fp.ns {
            push(DifferenceKind::WrongNamespace {
                particle: p.name.into(),
                expected: p.ns.into(),
                found: fp.ns.clone(),
            });
        }
        if show(&p.ty) != fp.ty {
            push(DifferenceKind::TypeMismatch {
                particle: p.name.into(),
                expected: show(&p.ty),
                found: fp.ty.clone(),
            });
        }
    }
}

fn qattr(path: &[&Element], e: &Element, attr: &str) -> Option<String> {
    let v = e.attribute(attr)?;
    let q = resolve_qname_text(path, v)?;
    Some(format!("{{{}}}{}", q.namespace.unwrap_or_default(), q.local))
}

fn is_true(v: Option<&str>) -> bool {
    matches!(v.map(str::trim), Some("true" | "1"))
}

fn collect_definitions(file: &str, root: &Element, out: &mut Vec<Found>) {
    let xs = |e: &Element, n: &str| e.is(Some(XSD_NS), n);
    let service = root
        .elements()
        .find(|e| e.is(Some(WSDL_NS), "service"))
        .and_then(|e| e.attribute("name"))
        .unwrap_or("")
        .to_owned();
    for types in root.elements().filter(|e| e.is(Some(WSDL_NS), "types")) {
        for schema in types.elements().filter(|e| xs(e, "schema")) {
            let tns = schema.attribute("targetNamespace").unwrap_or("").to_owned();
            let qualified = schema.attribute("elementFormDefault") == Some("qualified");
            for d in schema.elements() {
                let path = [root, types, schema, d];
                let kind = if xs(d, "element") {
                    Kind::Element
                } else if xs(d, "complexType") {
                    Kind::ComplexType
                } else {
                    continue;
                };
                let Some(name) = d.attribute("name") else {
                    continue;
                };
                let mut f = Found {
                    file: file.to_owned(),
                    service: service.clone(),
                    kind,
                    ns: tns.clone(),
                    name: name.to_owned(),
                    base: None,
                    derivation: None,
                    is_abstract: is_true(d.attribute("abstract")),
                    nillable: is_true(d.attribute("nillable")),
                    element_type: if kind == Kind::Element {
                        qattr(&path, d, "type")
                    } else {
                        None
                    },
                    particles: Vec::new(),
                };
                let ctype = if kind == Kind::Element {
                    d.elements().find(|c| xs(c, "complexType"))
                } else {
                    Some(d)
                };
                if let Some(ctype) = ctype {
                    let mut seq_holder = ctype;
                    let mut p2: Vec<&Element> = path.to_vec();
                    if ctype != d {
                        p2.push(ctype);
                    }
                    if let Some(cc) = ctype.elements().find(|c| xs(c, "complexContent")) {
                        let derived = cc.elements().find_map(|c| {
                            if xs(c, "extension") {
                                Some((c, Derivation::Extension))
                            } else if xs(c, "restriction") {
                                Some((c, Derivation::Restriction))
                            } else {
                                None
                            }
                        });
                        if let Some((ext, how)) = derived {
                            p2.push(cc);
                            p2.push(ext);
                            f.base = qattr(&p2, ext, "base");
                            f.derivation = Some(how);
                            seq_holder = ext;
                        }
                    }
                    if let Some(seq) = seq_holder.elements().find(|c| xs(c, "sequence")) {
                        p2.push(seq);
                        for pe in seq.elements().filter(|c| xs(c, "element")) {
                            p2.push(pe);
                            f.particles.push(particle(&p2, pe, &tns, qualified));
                            p2.pop();
                        }
                    }
                }
                out.push(f);
            }
        }
    }
}

fn particle(path: &[&Element], pe: &Element, tns: &str, qualified: bool) -> FoundParticle {
    let min = pe.attribute("minOccurs").unwrap_or("1").to_owned();
    let max = pe.attribute("maxOccurs").unwrap_or("1").to_owned();
    let nillable = is_true(pe.attribute("nillable"));
    if let Some(r) = pe.attribute("ref").and_then(|r| resolve_qname_text(path, r)) {
        return FoundParticle {
            ns: r.namespace.clone().unwrap_or_default(),
            ty: format!("ref {{{}}}{}", r.namespace.unwrap_or_default(), r.local),
            name: r.local,
            min,
            max,
            nillable,
        };
    }
    FoundParticle {
        name: pe.attribute("name").unwrap_or("").to_owned(),
        ns: if qualified { tns.to_owned() } else { String::new() },
        min,
        max,
        ty: qattr(path, pe, "type").unwrap_or_default(),
        nillable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::schema::table_as_wsdl;

    #[test]
    fn table_against_itself_is_clean() {
        let w = table_as_wsdl();
        let r = check_documents(&[("self.wsdl", w.as_bytes())]).unwrap();
        assert_eq!(r.differences, vec![]);
        assert_eq!(r.notes, Vec::<String>::new());
    }

    /// A synthetic WSDL (written here, in the shape of a real one) with planted differences.
    const PLANTED: &str = r#"<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:g="http://microsoft.com/wsdl/types/" xmlns:c="http://schemas.microsoft.com/crm/2007/CoreTypes">
  <types>
    <s:schema elementFormDefault="qualified" targetNamespace="http://schemas.microsoft.com/crm/2007/CoreTypes">
      <s:complexType name="CrmAuthenticationToken">
        <s:sequence>
          <s:element minOccurs="1" maxOccurs="1" name="AuthenticationType" type="s:string" />
          <s:element minOccurs="0" maxOccurs="1" name="OrganizationName" type="s:string" />
          <s:element minOccurs="0" maxOccurs="unbounded" name="CrmTicket" type="s:string" />
          <s:element name="CallerId" type="g:guid" />
          <s:element name="Extra" type="s:string" />
        </s:sequence>
      </s:complexType>
    </s:schema>
  </types>
</definitions>"#;

    #[test]
    fn planted_differences_are_caught() {
        let r = check_documents(&[("planted.wsdl", PLANTED.as_bytes())]).unwrap();
        let token: Vec<&DifferenceKind> = r
            .differences
            .iter()
            .filter(|d| d.definition.ends_with("CoreTypes}CrmAuthenticationToken"))
            .map(|d| &d.difference)
            .collect();
        assert!(token.contains(&&DifferenceKind::TypeMismatch {
            particle: "AuthenticationType".into(),
            expected: format!("{{{XSD_NS}}}int"),
            found: format!("{{{XSD_NS}}}string"),
        }));
        assert!(token.iter().any(|d| matches!(d, DifferenceKind::WrongOrder { .. })));
        assert!(token.contains(&&DifferenceKind::WrongCardinality {
            particle: "CrmTicket".into(),
            expected: "0..1".into(),
            found: "0..unbounded".into(),
        }));
        assert!(token.contains(&&DifferenceKind::ExtraParticle { particle: "Extra".into() }));
        assert_eq!(token.len(), 4, "{token:?}");
        // Everything else of the table is missing from this file, except the online-only notes.
        assert!(r.differences.iter().any(|d| d.definition.ends_with("}WhoAmIResponse")
            && d.difference == DifferenceKind::Missing));
        assert_eq!(r.notes.len(), 2);
    }

    #[test]
    fn wrong_namespace_is_caught() {
        let w = table_as_wsdl().replace(
            "targetNamespace=\"http://schemas.microsoft.com/crm/2007/CoreTypes\"",
            "targetNamespace=\"http://schemas.microsoft.com/crm/2006/CoreTypes\"",
        );
        let r = check_documents(&[("x.wsdl", w.as_bytes())]).unwrap();
        assert!(r
            .differences
            .iter()
            .any(|d| d.definition.ends_with("CoreTypes}CrmAuthenticationToken")
                && d.difference == DifferenceKind::Missing));
    }
}
