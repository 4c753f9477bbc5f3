//! The strict pipeline XML reader (PROTOCOL 1.1): the document's limits, the element
//! walk, and each predicate's and provider's configuration.

use super::attribute::plain_attribute;
use crate::pipeline::error::{line_column, ConfigError, ConfigErrorKind};
use crate::pipeline::model::BuiltIn;
use crate::pipeline::model::{
    AuthenticationTypes, Pipeline, Predicate, PredicateKind, Provider, ProviderKind, Step,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::BTreeMap;

/// The reader's stated limits; input beyond them is a [`ConfigErrorKind::Limit`] error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Size of the document in bytes.
    pub max_bytes: usize,
    /// Element nesting depth.
    pub max_depth: usize,
    /// Most steps in one pipeline (a `<step>` and a step of the flat form count alike).
    pub max_steps: usize,
    /// Most predicates in one step.
    pub max_predicates_per_step: usize,
    /// `<configuration>` entries of one predicate or provider.
    pub max_configuration: usize,
}

impl DocumentLimits {
    /// 4 MiB, depth 16, 10,000 steps, 64 predicates a step, 256 configuration entries.
    pub const DEFAULT: DocumentLimits = DocumentLimits {
        max_bytes: 4 << 20,
        max_depth: 16,
        max_steps: 10_000,
        max_predicates_per_step: 64,
        max_configuration: 256,
    };
}

impl Default for DocumentLimits {
    fn default() -> Self {
        DocumentLimits::DEFAULT
    }
}

/// Reads a pipeline document with [`DocumentLimits::DEFAULT`].
pub fn parse(text: &str) -> Result<Pipeline, ConfigError> {
    parse_with_limits(text, DocumentLimits::DEFAULT)
}

/// Reads a pipeline document within `limits`.
pub fn parse_with_limits(text: &str, limits: DocumentLimits) -> Result<Pipeline, ConfigError> {
    let mut parser =
        Parser { text, limits, stack: vec![Frame::Document], steps: Vec::new(), flat: None };
    if text.len() > limits.max_bytes {
        return Err(
            parser.error(0, ConfigErrorKind::Limit { what: "bytes", limit: limits.max_bytes })
        );
    }
    parser.run()?;
    Ok(Pipeline { steps: parser.steps })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Predicate,
    Provider,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Predicate => "predicate",
            Role::Provider => "provider",
        }
    }
}

/// A step being read: where it started, its predicates, its provider.
struct StepAcc {
    at: usize,
    predicates: Vec<Predicate>,
    provider: Option<Provider>,
}

/// A `<predicate>` or `<provider>` being read.
struct ItemAcc {
    role: Role,
    at: usize,
    type_name: String,
    configuration: Vec<(String, String, usize)>,
}

enum Frame {
    Document,
    Pipeline,
    Steps,
    Step(StepAcc),
    Predicates,
    Item(ItemAcc),
    Configuration,
    Closed,
}

impl Frame {
    fn name(&self) -> &'static str {
        match self {
            Frame::Document | Frame::Closed => "document",
            Frame::Pipeline => "pipeline",
            Frame::Steps => "steps",
            Frame::Step(_) => "step",
            Frame::Predicates => "predicates",
            Frame::Item(i) => i.role.name(),
            Frame::Configuration => "configuration",
        }
    }
}

struct Parser<'t> {
    text: &'t str,
    limits: DocumentLimits,
    stack: Vec<Frame>,
    steps: Vec<Step>,
    /// The open step of the flat form, outside any `<step>`.
    flat: Option<StepAcc>,
}

impl Parser<'_> {
    fn error(&self, offset: usize, kind: ConfigErrorKind) -> ConfigError {
        let (line, column) = line_column(self.text, offset);
        ConfigError { line, column, kind }
    }

    fn top(&self) -> &Frame {
        self.stack.last().unwrap_or(&Frame::Closed)
    }

    /// The byte offset where the next markup starts, from where the reader stood.
    fn markup_start(&self, from: usize) -> usize {
        let rest = self.text.as_bytes().get(from..).unwrap_or(&[]);
        from + rest.iter().take_while(|b| b.is_ascii_whitespace()).count()
    }

    fn run(&mut self) -> Result<(), ConfigError> {
        let mut reader = Reader::from_str(self.text);
        reader.config_mut().trim_text(true);
        loop {
            let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    let at = usize::try_from(reader.error_position()).unwrap_or(before);
                    return Err(self.error(at, ConfigErrorKind::Xml(e.to_string())));
                }
            };
            let at = self.markup_start(before);
            match event {
                Event::Start(e) => self.open(&e, at)?,
                Event::Empty(e) => {
                    self.open(&e, at)?;
                    self.close(at)?;
                }
                Event::End(_) => self.close(at)?,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    let parent = self.top().name().to_string();
                    return Err(self.error(at, ConfigErrorKind::UnexpectedText { parent }));
                }
                Event::DocType(_) => return Err(self.error(at, ConfigErrorKind::Doctype)),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => {
                    return match self.top() {
                        Frame::Closed => Ok(()),
                        _ => Err(self.error(at, ConfigErrorKind::NoPipeline)),
                    };
                }
            }
        }
    }

    fn open(&mut self, e: &BytesStart<'_>, at: usize) -> Result<(), ConfigError> {
        if self.stack.len() > self.limits.max_depth {
            let limit = self.limits.max_depth;
            return Err(self.error(at, ConfigErrorKind::Limit { what: "levels of nesting", limit }));
        }
        let name = e.name();
        let name = String::from_utf8_lossy(name.as_ref());
        self.no_namespace(e, &name, at)?;
        let frame = match (self.top(), name.as_ref()) {
            (Frame::Document, "pipeline") => Frame::Pipeline,
            // Wrappers are transparent (PROTOCOL 1.1) at any depth: `<steps>` in `<steps>`,
            // `<predicates>` in a step, around predicates of the flat form, and in itself.
            (Frame::Pipeline | Frame::Steps, "steps") => {
                self.end_flat_step()?;
                Frame::Steps
            }
            (Frame::Pipeline | Frame::Steps, "step") => {
                self.end_flat_step()?;
                if self.steps.len() >= self.limits.max_steps {
                    let limit = self.limits.max_steps;
                    return Err(self.error(at, ConfigErrorKind::Limit { what: "steps", limit }));
                }
                Frame::Step(StepAcc { at, predicates: Vec::new(), provider: None })
            }
            (Frame::Pipeline | Frame::Steps | Frame::Step(_) | Frame::Predicates, "predicates") => {
                Frame::Predicates
            }
            (Frame::Pipeline | Frame::Steps | Frame::Step(_) | Frame::Predicates, "predicate") => {
                Frame::Item(self.item(e, Role::Predicate, at)?)
            }
            (Frame::Pipeline | Frame::Steps | Frame::Step(_), "provider") => {
                Frame::Item(self.item(e, Role::Provider, at)?)
            }
            (Frame::Item(_), "configuration") => {
                let key = self.attribute(e, "configuration", "key", at)?;
                let value = self.attribute(e, "configuration", "value", at)?;
                #[cfg(feature = "mutants")]
                let value = crate::pipeline::planted::config_value(value);
                let Some(Frame::Item(item)) = self.stack.last_mut() else { unreachable!() };
                if item.configuration.len() >= self.limits.max_configuration {
                    let limit = self.limits.max_configuration;
                    let what = "configuration entries";
                    return Err(self.error(at, ConfigErrorKind::Limit { what, limit }));
                }
                item.configuration.push((key, value, at));
                Frame::Configuration
            }
            (Frame::Document, _) => return Err(self.error(at, ConfigErrorKind::NoPipeline)),
            (parent, _) => {
                let kind = ConfigErrorKind::UnexpectedElement {
                    name: name.into_owned(),
                    parent: parent.name().to_string(),
                };
                return Err(self.error(at, kind));
            }
        };
        self.stack.push(frame);
        Ok(())
    }

    /// Pipeline elements are in no XML namespace (ours, fail closed): a prefixed name, or
    /// an element under a non-empty default namespace, is an error rather than a stranger's
    /// element read as ours. Only `<pipeline>` may carry a default namespace declaration at
    /// all, and it must be empty.
    fn no_namespace(&self, e: &BytesStart<'_>, name: &str, at: usize) -> Result<(), ConfigError> {
        if let Some((prefix, _)) = name.split_once(':') {
            let uri = format!("(the namespace of prefix `{prefix}`)");
            return Err(self.error(at, ConfigErrorKind::Namespace { name: name.into(), uri }));
        }
        if memchr::memmem::find(e.attributes_raw(), b"xmlns").is_none() {
            return Ok(());
        }
        for a in e.attributes() {
            let a = a.map_err(|err| self.error(at, ConfigErrorKind::Xml(err.to_string())))?;
            if a.key.as_ref() == b"xmlns" && !a.value.is_empty() {
                let uri = String::from_utf8_lossy(&a.value).into_owned();
                return Err(self.error(at, ConfigErrorKind::Namespace { name: name.into(), uri }));
            }
        }
        Ok(())
    }

    fn attribute(
        &self,
        e: &BytesStart<'_>,
        element: &'static str,
        attribute: &'static str,
        at: usize,
    ) -> Result<String, ConfigError> {
        if let Some(v) = plain_attribute(e.attributes_raw(), attribute) {
            return Ok(v.to_owned());
        }
        for a in e.attributes() {
            let a = a.map_err(|err| self.error(at, ConfigErrorKind::Xml(err.to_string())))?;
            if a.key.as_ref() == attribute.as_bytes() {
                let v = a
                    .unescape_value()
                    .map_err(|err| self.error(at, ConfigErrorKind::Xml(err.to_string())))?;
                return Ok(v.into_owned());
            }
        }
        Err(self.error(at, ConfigErrorKind::MissingAttribute { element, attribute }))
    }

    fn item(&self, e: &BytesStart<'_>, role: Role, at: usize) -> Result<ItemAcc, ConfigError> {
        let type_name = self.attribute(e, role.name(), "type", at)?;
        Ok(ItemAcc { role, at, type_name, configuration: Vec::new() })
    }

    fn close(&mut self, at: usize) -> Result<(), ConfigError> {
        match self.stack.pop() {
            Some(Frame::Pipeline) => {
                self.end_flat_step()?;
                self.stack.push(Frame::Closed);
                // Document is below; replace it so only Eof may follow.
                self.stack.retain(|f| matches!(f, Frame::Closed));
            }
            Some(Frame::Steps) => self.end_flat_step()?,
            Some(Frame::Step(acc)) => {
                let step = self.finish_step(acc)?;
                self.steps.push(step);
            }
            Some(Frame::Item(item)) => self.finish_item(item)?,
            Some(Frame::Predicates | Frame::Configuration) => {}
            Some(Frame::Document | Frame::Closed) | None => {
                return Err(self.error(at, ConfigErrorKind::Xml("unbalanced end tag".into())));
            }
        }
        Ok(())
    }

    fn finish_step(&self, acc: StepAcc) -> Result<Step, ConfigError> {
        match acc.provider {
            Some(provider) => Ok(Step { predicates: acc.predicates, provider }),
            None => Err(self.error(acc.at, ConfigErrorKind::NoProvider)),
        }
    }

    /// Ends the flat form's open step: predicates with no provider are an error.
    fn end_flat_step(&mut self) -> Result<(), ConfigError> {
        match self.flat.take() {
            Some(acc) => Err(self.error(acc.at, ConfigErrorKind::NoProvider)),
            None => Ok(()),
        }
    }

    fn finish_item(&mut self, item: ItemAcc) -> Result<(), ConfigError> {
        let at = item.at;
        let limits = self.limits;
        match item.role {
            Role::Predicate => {
                let predicate = self.predicate(item)?;
                // The innermost `<step>` around it (through `<predicates>` wrappers), or
                // else the flat form's open step.
                let step = self.stack.iter_mut().rev().find_map(|f| match f {
                    Frame::Step(acc) => Some(acc),
                    _ => None,
                });
                let acc = match step {
                    Some(acc) => acc,
                    None => self.flat.get_or_insert_with(|| StepAcc {
                        at,
                        predicates: Vec::new(),
                        provider: None,
                    }),
                };
                if acc.provider.is_some() {
                    return Err(self.error(at, ConfigErrorKind::PredicateAfterProvider));
                }
                if acc.predicates.len() >= limits.max_predicates_per_step {
                    let limit = limits.max_predicates_per_step;
                    let what = "predicates in a step";
                    return Err(self.error(at, ConfigErrorKind::Limit { what, limit }));
                }
                acc.predicates.push(predicate);
            }
            Role::Provider => {
                let provider = self.provider(item)?;
                if let Some(Frame::Step(acc)) = self.stack.last_mut() {
                    if acc.provider.is_some() {
                        return Err(self.error(at, ConfigErrorKind::SecondProvider));
                    }
                    acc.provider = Some(provider);
                } else {
                    if self.steps.len() >= limits.max_steps {
                        let limit = limits.max_steps;
                        return Err(self.error(at, ConfigErrorKind::Limit { what: "steps", limit }));
                    }
                    let predicates = self.flat.take().map(|a| a.predicates).unwrap_or_default();
                    self.steps.push(Step { predicates, provider });
                }
            }
        }
        Ok(())
    }

    fn class_of(item: &ItemAcc) -> &str {
        item.type_name.split(',').next().unwrap_or("").trim()
    }

    fn predicate(&self, item: ItemAcc) -> Result<Predicate, ConfigError> {
        let Some(kind) = PredicateKind::from_full_name(Self::class_of(&item)) else {
            let kind =
                ConfigErrorKind::UnknownType { role: "predicate", type_name: item.type_name };
            return Err(self.error(item.at, kind));
        };
        let mut cfg = Config::new(self, kind.class_name(), item.configuration)?;
        let predicate = match kind {
            PredicateKind::UrlPath => {
                let mut paths = BTreeMap::new();
                for (key, value, at) in cfg.take_all() {
                    if !value.starts_with('/') {
                        let reason = "a path starts with /";
                        return Err(cfg.bad(at, key, value, reason));
                    }
                    paths.insert(key, value);
                }
                if paths.is_empty() {
                    return Err(self.error(
                        item.at,
                        ConfigErrorKind::MissingKey {
                            class: kind.class_name(),
                            key: "<any key>: a path",
                        },
                    ));
                }
                Predicate::UrlPath { paths }
            }
            PredicateKind::HttpMethod => {
                let (value, at) = cfg.required("method", item.at)?;
                let token = !value.is_empty()
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                if !token {
                    return Err(cfg.bad(at, "method".into(), value, "not an HTTP method token"));
                }
                Predicate::HttpMethod { method: value.to_ascii_uppercase() }
            }
            PredicateKind::Always => Predicate::Always,
            PredicateKind::ServerRole => {
                let (value, at) = cfg.required("roles", item.at)?;
                // ASCII digits only (ours, fail closed): no sign, no spaces.
                let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                match value.parse::<u32>() {
                    Ok(roles) if digits => Predicate::ServerRole { roles },
                    _ => {
                        return Err(cfg.bad(
                            at,
                            "roles".into(),
                            value,
                            "not an unsigned 32-bit integer",
                        ))
                    }
                }
            }
            PredicateKind::CookieExist => Predicate::CookieExist,
            PredicateKind::InternalRequestAddress => Predicate::InternalRequestAddress,
            PredicateKind::ExternalRequestAddress => Predicate::ExternalRequestAddress,
        };
        cfg.finish()?;
        Ok(predicate)
    }

    fn provider(&self, item: ItemAcc) -> Result<Provider, ConfigError> {
        let Some(kind) = ProviderKind::from_full_name(Self::class_of(&item)) else {
            let kind = ConfigErrorKind::UnknownType { role: "provider", type_name: item.type_name };
            return Err(self.error(item.at, kind));
        };
        let mut cfg = Config::new(self, kind.class_name(), item.configuration)?;
        let provider = match kind {
            ProviderKind::PassThrough => Provider::PassThrough,
            ProviderKind::Reject => Provider::Reject,
            ProviderKind::Windows => Provider::Windows,
            ProviderKind::AnyOrganizationWindows => Provider::AnyOrganizationWindows,
            ProviderKind::ConfigDbWindows => Provider::ConfigDbWindows,
            ProviderKind::CrmPostAuthentication => Provider::CrmPostAuthentication,
            ProviderKind::Redirect => {
                let (url, at) = cfg.required("url", item.at)?;
                if url.trim().is_empty() {
                    return Err(cfg.bad(at, "url".into(), url, "empty URL"));
                }
                Provider::Redirect { url }
            }
            ProviderKind::CrmServiceRedirect => Provider::CrmServiceRedirect,
            ProviderKind::IfdRedirect => Provider::IfdRedirect,
            ProviderKind::SingleOrganizationSoapHeader => Provider::SingleOrganizationSoapHeader,
            ProviderKind::MultipleOrganizationSoapHeader => {
                let mut types = AuthenticationTypes::default();
                for (key, value, at) in cfg.take_matching(|k| {
                    k.strip_prefix("authenticationType")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                }) {
                    // Exactly one digit (ours, fail closed): no sign, no spaces.
                    match value.as_str() {
                        "0" | "1" | "2" => {
                            types.0.insert(value.as_bytes()[0] - b'0');
                        }
                        _ => {
                            let reason =
                                "an AuthenticationType is 0 (AD), 1 (Passport) or 2 (Spla)";
                            return Err(cfg.bad(at, key, value, reason));
                        }
                    }
                }
                cfg.finish()?; // a misspelt key is the likelier cause of "no types"
                if types.0.is_empty() {
                    return Err(self.error(
                        item.at,
                        ConfigErrorKind::MissingKey {
                            class: kind.class_name(),
                            key: "authenticationType0",
                        },
                    ));
                }
                Provider::MultipleOrganizationSoapHeader { authentication_types: types }
            }
            ProviderKind::CookieAndSoapHeader => Provider::CookieAndSoapHeader,
        };
        cfg.finish()?;
        Ok(provider)
    }
}

/// The configuration entries of one predicate or provider, consumed key by key; what is
/// left at the end is an unknown key.
struct Config<'p, 't> {
    parser: &'p Parser<'t>,
    class: &'static str,
    entries: Vec<(String, String, usize)>,
}

impl<'p, 't> Config<'p, 't> {
    fn new(
        parser: &'p Parser<'t>,
        class: &'static str,
        entries: Vec<(String, String, usize)>,
    ) -> Result<Self, ConfigError> {
        for (i, (key, _, at)) in entries.iter().enumerate() {
            if entries[..i].iter().any(|(k, _, _)| k == key) {
                return Err(parser.error(*at, ConfigErrorKind::DuplicateKey { key: key.clone() }));
            }
        }
        Ok(Config { parser, class, entries })
    }

    fn required(&mut self, key: &'static str, at: usize) -> Result<(String, usize), ConfigError> {
        match self.entries.iter().position(|(k, _, _)| k == key) {
            Some(i) => {
                let (_, v, at) = self.entries.remove(i);
                Ok((v, at))
            }
            None => {
                Err(self.parser.error(at, ConfigErrorKind::MissingKey { class: self.class, key }))
            }
        }
    }

    fn take_all(&mut self) -> Vec<(String, String, usize)> {
        std::mem::take(&mut self.entries)
    }

    fn take_matching(&mut self, f: impl Fn(&str) -> bool) -> Vec<(String, String, usize)> {
        let (taken, kept) =
            std::mem::take(&mut self.entries).into_iter().partition(|(k, _, _)| f(k));
        self.entries = kept;
        taken
    }

    fn bad(&self, at: usize, key: String, value: String, reason: &'static str) -> ConfigError {
        self.parser.error(at, ConfigErrorKind::BadValue { class: self.class, key, value, reason })
    }

    /// Fails on the first key nobody took.
    fn finish(&mut self) -> Result<(), ConfigError> {
        #[cfg(feature = "mutants")]
        if crate::pipeline::planted::ignores_unknown_keys() {
            return Ok(());
        }
        match self.entries.first() {
            Some((key, _, at)) => {
                let key = key.clone();
                Err(self.parser.error(*at, ConfigErrorKind::UnknownKey { class: self.class, key }))
            }
            None => Ok(()),
        }
    }
}
