//! Structured inputs and checks shared by the fuzz targets.
//!
//! The `Arb*` wrappers build model values ([`Pipeline`], [`Request`], [`Environment`]) from
//! fuzzer bytes. They draw mostly from small pools of realistic values (the standard
//! paths, the scenario environment's users and tickets) so that predicates match and
//! providers reach their deep branches, and sometimes from free strings. Every pipeline
//! they build is a valid configuration: what the XML reader would accept.

use arbitrary::{Arbitrary, Result, Unstructured};
use crmauth::pipeline::model::AuthenticationTypes;
use crmauth::pipeline::{
    BuiltIn, Environment, Pipeline, Predicate, PredicateKind, Provider, ProviderKind, Request,
    Step, Strategy,
};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::OnceLock;

/// Most steps a generated pipeline has.
pub const MAX_STEPS: usize = 8;
/// Most predicates a generated step has.
pub const MAX_PREDICATES: usize = 4;

/// Request paths, methods and redirect URLs: the lists `crmauth::generate` draws from.
pub use crmauth::pipeline::samples::{METHODS, PATHS, REDIRECT_URLS as URLS};

const ORGANIZATIONS: &[&str] = &["Contoso", "contoso", "Fabrikam", "Nowhere", ""];
const ACCOUNTS: &[&str] = &[
    "CONTOSO\\alice",
    "contoso\\ALICE",
    "CONTOSO\\bob",
    "CONTOSO\\carol",
    "CONTOSO\\crmadmin",
    "FABRIKAM\\dave",
    "EVIL\\mallory",
];
const TICKETS: &[&str] = &[
    "TKT-ALICE-VALID-6f1e2d",
    "TKT-ALICE-EXPIRED-9a8b7c",
    "TKT-BOB-VALID-1a2b3c",
    "TKT-DAVE-VALID-4d5e6f",
    "TKT-FORGED-000000",
];
const CALLERS: &[&str] = &[
    "00000000-0000-0000-0000-000000000000",
    "a11ce000-0000-0000-0000-000000000001",
    "b0b00000-0000-0000-0000-000000000002",
    "ca201000-0000-0000-0000-000000000003",
    "da7e0000-0000-0000-0000-000000000005",
    "12345678-9abc-def0-1234-56789abcdef0",
];
const ADDRESSES: &[&str] = &[
    "127.0.0.1",
    "::1",
    "10.1.2.3",
    "192.168.10.20",
    "192.168.11.20",
    "203.0.113.7",
    "::ffff:10.9.9.9",
    "2001:db8::1",
];
const NETWORKS: &[&str] = &[
    "",
    "10.0.0.0-255.0.0.0;192.168.10.0-255.255.255.0",
    "203.0.113.7-255.255.255.255",
    "0.0.0.0-0.0.0.0",
    "2001:db8::/32",
];
/// Session cookies that are unreadable, duplicated or decoys (PROTOCOL 1.6), and valid ones.
const SESSION_COOKIES: &[&str] = &[
    "MSCRMSession=ticket=%zz",
    "MSCRMSession=noticket",
    "MSCRMSession=\"ticket=%\"",
    "MSCRMSession=ticket=",
    "MSCRMSession=ticket=T&ticket=b",
    "MSCRMSession=xyz; MSCRMSession=ticket=TKT-BOB-VALID-1a2b3c",
    "mscrmsession=ticket=TKT-BOB-VALID-1a2b3c; MSCRMSession=ticket=TKT-BOB-VALID-1a2b3c",
    "MSCRMSession=ticket=TKT-EVE-DELETED-ORG-5e5e",
    "MSCRMSession=ticket=TKT-CAROL-DISABLED-77aa",
    "MSCRMSession=\"ticket=TKT-ALICE-VALID-6f1e2d&expiration=1\"",
];
const CLOCKS: &[u64] = &[1_700_000_000, 1_699_999_999, 1_700_003_600, 0, u64::MAX];
/// The scenario tables' environment, compiled in (never read at run time).
const ENV_JSON: &str = include_str!("../../corpus/vectors/scenarios/env.json");

/// The scenario environment, parsed once.
pub fn base_environment() -> &'static Environment {
    static ENV: OnceLock<Environment> = OnceLock::new();
    ENV.get_or_init(|| {
        serde_json::from_str(ENV_JSON).expect("corpus/vectors/scenarios/env.json is an Environment")
    })
}

/// A short string over an alphabet with XML specials, spaces and non-ASCII.
fn free_string(u: &mut Unstructured<'_>) -> Result<String> {
    const ALPHABET: &[char] = &[
        'a', 'Z', '0', '/', '.', '?', '&', '<', '>', '"', '\'', ' ', ';', '=', '%', 'é', 'ß', '\\',
        ':', '-',
    ];
    let len = u.int_in_range(0..=12)?;
    (0..len).map(|_| u.choose(ALPHABET).copied()).collect()
}

/// `s` with the letters chosen by `mask` in the other case.
fn flip_case(s: &str, mask: u64) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            } else {
                c
            }
        })
        .collect()
}

/// A path: from the pool (maybe in another case), or `/` and a free string.
fn path(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 => format!("/{}", free_string(u)?),
        1 => flip_case(u.choose(PATHS)?, u.arbitrary()?),
        _ => u.choose(PATHS)?.to_string(),
    })
}

/// A predicate with a valid configuration.
pub struct ArbPredicate(pub Predicate);

impl<'a> Arbitrary<'a> for ArbPredicate {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(ArbPredicate(match u.choose(PredicateKind::ALL)? {
            PredicateKind::UrlPath => {
                let mut paths = BTreeMap::new();
                for i in 0..u.int_in_range(1..=4)? {
                    let key = if u.ratio(1, 8)? { free_string(u)? } else { format!("path{i}") };
                    paths.insert(key, path(u)?);
                }
                Predicate::UrlPath { paths }
            }
            PredicateKind::HttpMethod => {
                let method = if u.ratio(1, 8)? {
                    let len = u.int_in_range(1..=6)?;
                    (0..len)
                        .map(|_| u.choose(b"ABCZ09!#$%&'*+-.^_`|~").map(|&b| b as char))
                        .collect::<Result<_>>()?
                } else {
                    u.choose(METHODS)?.to_string()
                };
                Predicate::HttpMethod { method }
            }
            PredicateKind::Always => Predicate::Always,
            PredicateKind::ServerRole => Predicate::ServerRole { roles: u.arbitrary()? },
            PredicateKind::CookieExist => Predicate::CookieExist,
            PredicateKind::InternalRequestAddress => Predicate::InternalRequestAddress,
            PredicateKind::ExternalRequestAddress => Predicate::ExternalRequestAddress,
        }))
    }
}

/// A provider with a valid configuration.
pub struct ArbProvider(pub Provider);

impl<'a> Arbitrary<'a> for ArbProvider {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(ArbProvider(match u.choose(ProviderKind::ALL)? {
            ProviderKind::PassThrough => Provider::PassThrough,
            ProviderKind::Reject => Provider::Reject,
            ProviderKind::Windows => Provider::Windows,
            ProviderKind::AnyOrganizationWindows => Provider::AnyOrganizationWindows,
            ProviderKind::ConfigDbWindows => Provider::ConfigDbWindows,
            ProviderKind::CrmPostAuthentication => Provider::CrmPostAuthentication,
            ProviderKind::Redirect => {
                let mut url =
                    if u.ratio(1, 4)? { free_string(u)? } else { u.choose(URLS)?.to_string() };
                if url.trim().is_empty() {
                    url.push('/');
                }
                Provider::Redirect { url }
            }
            ProviderKind::CrmServiceRedirect => Provider::CrmServiceRedirect,
            ProviderKind::IfdRedirect => Provider::IfdRedirect,
            ProviderKind::SingleOrganizationSoapHeader => Provider::SingleOrganizationSoapHeader,
            ProviderKind::MultipleOrganizationSoapHeader => {
                let mask = u.int_in_range(1u8..=7)?;
                let set: BTreeSet<u8> = (0..3).filter(|b| mask >> b & 1 == 1).collect();
                Provider::MultipleOrganizationSoapHeader {
                    authentication_types: AuthenticationTypes(set),
                }
            }
            ProviderKind::CookieAndSoapHeader => Provider::CookieAndSoapHeader,
        }))
    }
}

/// A pipeline of up to [`MAX_STEPS`] steps of up to [`MAX_PREDICATES`] predicates.
pub struct ArbPipeline(pub Pipeline);

impl<'a> Arbitrary<'a> for ArbPipeline {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut steps = Vec::new();
        for _ in 0..u.int_in_range(0..=MAX_STEPS)? {
            let mut predicates = Vec::new();
            for _ in 0..u.int_in_range(0..=MAX_PREDICATES)? {
                predicates.push(ArbPredicate::arbitrary(u)?.0);
            }
            steps.push(Step { predicates, provider: ArbProvider::arbitrary(u)?.0 });
        }
        Ok(ArbPipeline(Pipeline { steps }))
    }
}

/// A SOAP envelope carrying a `CrmAuthenticationToken` built from pooled fields, in
/// SOAP 1.1 or 1.2, with or without prefixes on the token's children.
pub fn token_envelope(u: &mut Unstructured<'_>) -> Result<String> {
    const WS: &str = "http://schemas.microsoft.com/crm/2007/WebServices";
    const CORE: &str = "http://schemas.microsoft.com/crm/2007/CoreTypes";
    let soap = if u.arbitrary()? {
        "http://schemas.xmlsoap.org/soap/envelope/"
    } else {
        "http://www.w3.org/2003/05/soap-envelope"
    };
    let p = *u.choose(&["soap", "s", "env"])?;
    let (open_core, core) =
        if u.arbitrary()? { (format!(" xmlns:c=\"{CORE}\""), "c:") } else { (String::new(), "") };
    let child = |name: &str, value: &str| {
        if core.is_empty() {
            format!("<{name} xmlns=\"{CORE}\">{value}</{name}>")
        } else {
            format!("<{core}{name}>{value}</{core}{name}>")
        }
    };
    let mut token = String::new();
    let auth = *u.choose(&["0", "1", "2", "3", " 1 ", "x"])?;
    token.push_str(&child("AuthenticationType", auth));
    if u.arbitrary()? {
        token.push_str(&child("CrmTicket", u.choose(TICKETS)?));
    }
    if u.ratio(3, 4)? {
        token.push_str(&child("OrganizationName", u.choose(ORGANIZATIONS)?));
    }
    if u.ratio(7, 8)? {
        token.push_str(&child("CallerId", u.choose(CALLERS)?));
    }
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><{p}:Envelope xmlns:{p}=\"{soap}\"><{p}:Header>\
         <CrmAuthenticationToken xmlns=\"{WS}\"{open_core}>{token}</CrmAuthenticationToken></{p}:Header>\
         <{p}:Body><Execute xmlns=\"{WS}\"><Request /></Execute></{p}:Body></{p}:Envelope>"
    ))
}

/// A request: method, path, address, cookie, body and Windows identity, mostly pooled.
pub struct ArbRequest(pub Request);

impl<'a> Arbitrary<'a> for ArbRequest {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let method = match u.int_in_range(0..=7)? {
            0 => free_string(u)?,
            1 => flip_case(u.choose(METHODS)?, u.arbitrary()?),
            _ => u.choose(METHODS)?.to_string(),
        };
        let mut path = path(u)?;
        if u.ratio(1, 8)? {
            path.push('?');
            path.push_str(&free_string(u)?);
        }
        let client_address = match u.int_in_range(0..=7)? {
            0 => IpAddr::from(u.arbitrary::<[u8; 4]>()?),
            1 => IpAddr::from(u.arbitrary::<[u8; 16]>()?),
            _ => u.choose(ADDRESSES)?.parse().expect("pool addresses parse"),
        };
        let cookie = match u.int_in_range(0..=5)? {
            0 => None,
            5 => Some(u.choose(SESSION_COOKIES)?.to_string()),
            1 => Some(free_string(u)?),
            2 => Some(format!("lang=en; MSCRMSession=ticket={}", u.choose(TICKETS)?)),
            3 => Some(format!("MSCRMSession=ticket={}&expiration=1700003600", u.choose(TICKETS)?)),
            _ => Some(format!("MSCRMSession={}", free_string(u)?)),
        };
        let body = match u.int_in_range(0..=3)? {
            0 => None,
            1 => Some(free_string(u)?),
            _ => Some(token_envelope(u)?),
        };
        let windows_identity = match u.int_in_range(0..=5)? {
            0 => None,
            1 => Some(free_string(u)?),
            _ => Some(u.choose(ACCOUNTS)?.to_string()),
        };
        Ok(ArbRequest(Request {
            method,
            path,
            client_address,
            cookie,
            headers: BTreeMap::new(),
            body,
            windows_identity,
        }))
    }
}

/// The scenario environment with its roles, network, clock and flags varied.
pub struct ArbEnvironment(pub Environment);

impl<'a> Arbitrary<'a> for ArbEnvironment {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut env = base_environment().clone();
        if u.arbitrary()? {
            env.server_roles = u.arbitrary()?;
        }
        env.ifd_internal_network_address =
            u.choose(NETWORKS)?.parse().expect("pool networks parse");
        env.now = if u.ratio(1, 8)? { u.arbitrary()? } else { *u.choose(CLOCKS)? };
        for o in &mut env.organizations {
            o.disabled ^= u.ratio(1, 8)?;
        }
        for user in &mut env.users {
            user.disabled ^= u.ratio(1, 8)?;
            user.act_on_behalf ^= u.ratio(1, 8)?;
            user.deployment_admin ^= u.ratio(1, 8)?;
        }
        if u.ratio(1, 8)? && !env.tickets.is_empty() {
            let i = u.choose_index(env.tickets.len())?;
            env.tickets.remove(i);
        }
        Ok(ArbEnvironment(env))
    }
}

/// One strategy, as MapOrg needs it.
pub struct ArbStrategy(pub Strategy);

impl<'a> Arbitrary<'a> for ArbStrategy {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(ArbStrategy(*u.choose(&[Strategy::OnPremise, Strategy::Ifd, Strategy::Passport])?))
    }
}

/// The evaluation-order invariants (PIPE-SHORT-CIRCUIT, PIPE-PROVIDER-GATED,
/// PIPE-FIRST-SUCCESS, PIPE-FAIL-CLOSED), checked strictly in both directions by the one
/// checker `crmauth check` uses, on what a [`Recorder`] recorded.
pub use crmauth::check::invariants::{check_evaluation, Event, Recorder, Violation};

pub mod codec;
