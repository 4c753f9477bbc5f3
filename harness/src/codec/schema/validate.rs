//! Reading and writing by the table: children matched against a definition's particles,
//! and elements built with the table's namespaces.

use super::{Definition, Kind, Max, Particle, TABLE};
use crate::codec::xml::XmlWhitespace;
use crate::codec::xml::{DecodeError, DecodeErrorKind, Element};

// ---------------------------------------------------------------------------------------

/// The children of an element matched against a definition's particles.
#[derive(Debug)]
pub struct Fields<'a> {
    items: Vec<(&'static str, &'a Element)>,
    owner_offset: u64,
}

impl<'a> Fields<'a> {
    /// The (single) child for particle `name`, if present and not `xsi:nil`.
    pub fn get(&self, name: &str) -> Option<&'a Element> {
        self.items.iter().find(|(n, e)| *n == name && !e.nil).map(|(_, e)| *e)
    }
    /// Every child for particle `name`.
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a Element> + 's {
        self.items.iter().filter(move |(n, _)| *n == name).map(|(_, e)| *e)
    }
    /// Text of an optional simple child.
    pub fn text(&self, name: &str) -> Result<Option<String>, DecodeError> {
        self.get(name).map(Element::simple_text).transpose()
    }
    /// Text of a required simple child.
    pub fn required_text(&self, name: &str) -> Result<(String, u64), DecodeError> {
        match self.get(name) {
            Some(e) => Ok((e.simple_text()?, e.offset)),
            None => Err(DecodeError::missing(self.owner_offset, name)),
        }
    }
    /// A required GUID child.
    pub fn guid(&self, name: &str) -> Result<uuid::Uuid, DecodeError> {
        let (s, off) = self.required_text(name)?;
        parse_guid(&s, name, off)
    }
}

/// Parse an `xs:guid`-style value (surrounding whitespace allowed, as xs collapses it).
pub fn parse_guid(s: &str, field: &str, offset: u64) -> Result<uuid::Uuid, DecodeError> {
    let v = s.trim_xml();
    if v.len() != 36 {
        return Err(DecodeError::bad_value(offset, field, v));
    }
    uuid::Uuid::parse_str(v).map_err(|_| DecodeError::bad_value(offset, field, v))
}

/// The particles of `def` with those of its base types first (`complexContent/extension`,
/// resolved through `table`; a base that `table` does not define contributes nothing).
pub fn effective_particles<'d>(
    def: &'d Definition,
    table: &[&'d Definition],
) -> Vec<&'static Particle> {
    let mut chain: Vec<&Definition> = vec![def];
    let mut cur = def;
    while let Some(b) = cur.base {
        let base = table
            .iter()
            .copied()
            .find(|d| d.kind == Kind::ComplexType && d.ns == b.ns && d.name == b.name);
        match base {
            // A cycle or an absurd depth ends the walk (the table is ours; this is a guard).
            Some(d) if chain.len() < 16 && !chain.iter().any(|c| std::ptr::eq(*c, d)) => {
                chain.push(d);
                cur = d;
            }
            _ => break,
        }
    }
    chain.iter().rev().flat_map(|d| d.particles.iter()).collect()
}

/// Match the element children of `e` against `def`'s sequence, base types' particles first
/// ([`effective_particles`]): order, namespaces and cardinality. Unknown children are
/// errors (skipped for `subset` definitions); text between children is an error.
/// `xsi:nil="true"` on an entry of a list (`maxOccurs="unbounded"`) is kept as a nil
/// entry when the particle is nillable and refused otherwise; on a single element it reads
/// as absent ([`Fields::get`]).
pub fn read<'a>(e: &'a Element, def: &'static Definition) -> Result<Fields<'a>, DecodeError> {
    if !e.direct_text().trim_xml().is_empty() {
        return Err(DecodeError::malformed(e.offset, format!("text inside {}", e.local)));
    }
    let parts = effective_particles(def, TABLE);
    let mut counts = vec![0u32; parts.len()];
    let mut pos = 0usize;
    let mut items = Vec::new();
    for c in e.elements() {
        let Some(j) = parts.iter().position(|p| p.name == c.local) else {
            if def.subset {
                continue;
            }
            return Err(DecodeError::unexpected(c.offset, c.local.clone()));
        };
        let part = parts[j];
        if c.namespace.as_deref() != Some(part.ns) {
            return Err(DecodeError::new(
                c.offset,
                DecodeErrorKind::WrongNamespace {
                    name: c.local.clone(),
                    expected: part.ns.to_owned(),
                    found: c.namespace.clone().unwrap_or_default(),
                },
            ));
        }
        if j < pos {
            return Err(DecodeError::unexpected(c.offset, format!("{} (out of order)", c.local)));
        }
        for (k, skipped) in parts.iter().enumerate().take(j).skip(pos) {
            if counts[k] < skipped.min {
                return Err(DecodeError::missing(c.offset, skipped.name));
            }
        }
        pos = j;
        counts[j] += 1;
        if part.max == Max::One && counts[j] > 1 {
            return Err(DecodeError::unexpected(c.offset, format!("{} (repeated)", c.local)));
        }
        if c.nil && part.max == Max::Unbounded && !part.nillable {
            return Err(DecodeError::bad_value(
                c.offset,
                format!("{}/@xsi:nil (not nillable)", c.local),
                "true",
            ));
        }
        items.push((part.name, c));
    }
    for (k, part) in parts.iter().enumerate() {
        if counts[k] < part.min {
            return Err(DecodeError::missing(e.offset, part.name));
        }
    }
    Ok(Fields { items, owner_offset: e.offset })
}

/// A child element for particle `name` of `def`, namespace from the table, with text.
pub fn leaf(def: &Definition, name: &str, text: &str) -> Element {
    node(def, name).text(text)
}

/// An empty child element for particle `name` of `def`, namespace from the table.
pub fn node(def: &Definition, name: &str) -> Element {
    let ns = def.particle(name).map(|p| p.ns).unwrap_or(def.ns);
    Element::new(Some(ns), name)
}

/// The element a definition describes (global elements only), or for complex types an
/// element named `name` in `ns` with `xsi:type` set to the type.
pub fn typed_element(ns: &str, name: &str, def: &Definition) -> Element {
    Element::new(Some(ns), name).typed(def.ns, def.name)
}

/// Look up the definition of `xsi:type` `ty` among `candidates` (namespace must match).
pub fn dispatch(
    e: &Element,
    candidates: &[&'static Definition],
) -> Result<&'static Definition, DecodeError> {
    let Some(ty) = &e.xsi_type else {
        return Err(DecodeError::missing(e.offset, format!("{}/@xsi:type", e.local)));
    };
    let found = candidates.iter().find(|d| d.name == ty.local);
    match found {
        Some(d) if ty.namespace.as_deref() == Some(d.ns) => Ok(d),
        Some(d) => Err(DecodeError::new(
            e.offset,
            DecodeErrorKind::WrongNamespace {
                name: format!("xsi:type {}", ty.local),
                expected: d.ns.to_owned(),
                found: ty.namespace.clone().unwrap_or_default(),
            },
        )),
        None => Err(DecodeError::bad_value(e.offset, "xsi:type", &ty.local)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::schema::TOKEN_TYPE;
    use crate::codec::xml;

    #[test]
    fn read_enforces_order_cardinality_namespace() {
        let ok = xml::parse(br#"<t xmlns="http://schemas.microsoft.com/crm/2007/CoreTypes"><AuthenticationType>0</AuthenticationType><CallerId>00000000-0000-0000-0000-000000000000</CallerId></t>"#).unwrap();
        assert!(read(&ok, &TOKEN_TYPE).is_ok());
        let cases: [(&[u8], &str); 4] = [
            (br#"<t xmlns="http://schemas.microsoft.com/crm/2007/CoreTypes"><CallerId>x</CallerId><AuthenticationType>0</AuthenticationType></t>"#, "missing"),
            (br#"<t xmlns="http://schemas.microsoft.com/crm/2007/CoreTypes"><AuthenticationType>0</AuthenticationType><AuthenticationType>0</AuthenticationType><CallerId>x</CallerId></t>"#, "repeat"),
            (br#"<t xmlns="urn:other"><AuthenticationType>0</AuthenticationType><CallerId>x</CallerId></t>"#, "ns"),
            (br#"<t xmlns="http://schemas.microsoft.com/crm/2007/CoreTypes"><AuthenticationType>0</AuthenticationType><CallerId>x</CallerId><Z/></t>"#, "extra"),
        ];
        for (x, what) in cases {
            let e = xml::parse(x).unwrap();
            let err = read(&e, &TOKEN_TYPE).unwrap_err();
            let ok = match what {
                "missing" => matches!(err.kind, DecodeErrorKind::MissingElement { .. }),
                "ns" => matches!(err.kind, DecodeErrorKind::WrongNamespace { .. }),
                _ => matches!(err.kind, DecodeErrorKind::UnexpectedElement { .. }),
            };
            assert!(ok, "{what}: {err:?}");
        }
    }
}
