//! Requests and environments from a small universe: two organizations, four users, a few
//! tickets; addresses internal, external, loopback, IPv6 and IPv4-mapped; cookies; SOAP
//! bodies with and without tokens.

use super::pipeline::{arb_pipeline, PATHS};
use crate::codec::redact::Ticket;
use crate::codec::token::{self, AuthenticationType, CrmAuthenticationToken};
use crate::codec::SoapVersion;
use crate::pipeline::network::InternalNetwork;
use crate::pipeline::request::{IssuedTicket, Organization, User};
use crate::pipeline::{xml, Environment, Pipeline, Predicate, Request};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::BoxedStrategy;
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use uuid::Uuid;

/// The organizations of the universe.
pub const ORGANIZATIONS: [&str; 2] = ["Contoso", "Fabrikam"];
/// The Windows accounts of the universe's users (index = user number).
pub const ACCOUNTS: [&str; 4] =
    ["CONTOSO\\alice", "CONTOSO\\bob", "CONTOSO\\carol", "FABRIKAM\\dave"];
/// The tickets the universe issues (index = user number).
pub const TICKETS: [&str; 4] = ["TKT-ALICE", "TKT-BOB", "TKT-CAROL", "TKT-DAVE"];

/// The id of user number `n` of the universe.
pub fn user_id(n: usize) -> Uuid {
    Uuid::from_u128(0xa000 + n as u128)
}

fn organization_of(n: usize) -> &'static str {
    if n == 3 {
        ORGANIZATIONS[1]
    } else {
        ORGANIZATIONS[0]
    }
}

/// An environment of the universe with random flags, roles, clock, network and expiries.
pub fn arb_environment() -> impl Strategy<Value = Environment> {
    environment_with(0u32..16)
}

/// [`arb_environment`] with the server roles drawn from `roles`.
fn environment_with(roles: impl Strategy<Value = u32>) -> impl Strategy<Value = Environment> {
    let flags =
        prop::collection::vec((any::<bool>(), any::<bool>(), prop::bool::weighted(0.15)), 4);
    let network =
        select(vec!["", "10.0.0.0-255.0.0.0", "10.0.0.0/8;192.168.1.0-255.255.255.0;fd00::/8"]);
    (
        roles,
        network,
        select(vec![0u64, 1_000, 2_000]),
        flags,
        prop::bool::weighted(0.2),
        prop::collection::vec(0u64..3_000, 4),
    )
        .prop_map(|(roles, network, now, flags, fabrikam_disabled, expiries)| {
            let network: InternalNetwork = network.parse().unwrap_or_default();
            let organizations = ORGANIZATIONS
                .iter()
                .enumerate()
                .map(|(i, name)| Organization {
                    id: Uuid::from_u128(0xc000 + i as u128),
                    name: name.to_string(),
                    friendly_name: Some(format!("{name} Ltd")),
                    disabled: i == 1 && fabrikam_disabled,
                })
                .collect();
            let users = flags
                .iter()
                .enumerate()
                .map(|(n, &(act_on_behalf, deployment_admin, disabled))| User {
                    id: user_id(n),
                    organization: organization_of(n).to_string(),
                    windows_account: Some(ACCOUNTS[n].to_string()),
                    puid: Some(format!("{:016X}", 0x0003_BFFD_0000_0000u64 + n as u64)),
                    full_name: Some(format!("User {n}")),
                    deployment_admin,
                    act_on_behalf,
                    disabled,
                })
                .collect();
            let tickets = expiries
                .iter()
                .enumerate()
                .map(|(n, &expires_at)| IssuedTicket {
                    ticket: Ticket::new(TICKETS[n]),
                    user: user_id(n),
                    organization: organization_of(n).to_string(),
                    expires_at,
                })
                .collect();
            Environment {
                server_roles: roles,
                ifd_internal_network_address: network,
                now,
                organizations,
                users,
                tickets,
            }
        })
}

/// A request path: near a configured one (case, trailing slash, query, a character more)
/// or far from all of them.
pub fn arb_path() -> impl Strategy<Value = String> {
    let near = (select(PATHS), 0u8..6).prop_map(|(p, how)| match how {
        0 | 1 => p.to_string(),
        2 => p.to_ascii_lowercase(),
        3 => format!("{p}?wsdl"),
        4 => format!("{p}/"),
        _ => format!("{p}x"),
    });
    prop_oneof![6 => near, 1 => "/[a-zA-Z0-9._/-]{0,16}"]
}

/// A client address: loopback, internal ranges, external, IPv6 and IPv4-mapped.
pub fn arb_address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| IpAddr::V4(Ipv4Addr::new(127, a, b, 1))),
        Just(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        any::<[u8; 3]>().prop_map(|[a, b, c]| IpAddr::V4(Ipv4Addr::new(10, a, b, c))),
        any::<u8>().prop_map(|d| IpAddr::V4(Ipv4Addr::new(192, 168, 1, d))),
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
        any::<u16>().prop_map(|s| IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, s))),
        any::<[u8; 4]>().prop_map(|b| IpAddr::V6(Ipv4Addr::from(b).to_ipv6_mapped())),
        any::<u8>().prop_map(|d| IpAddr::V6(Ipv4Addr::new(10, 0, 0, d).to_ipv6_mapped())),
    ]
}

/// A Cookie header: a session with a known or unknown ticket, a cookie without ticket,
/// other cookies.
pub fn arb_cookie() -> impl Strategy<Value = String> {
    let ticket = prop_oneof![4 => select(&TICKETS[..]).prop_map(str::to_string), 1 => Just("TKT-NOBODY".to_string())];
    prop_oneof![
        3 => ticket.clone().prop_map(|t| format!("MSCRMSession=ticket={t}&expiration=2000")),
        2 => ticket.prop_map(|t| format!("lang=en; MSCRMSession=ticket={t}")),
        1 => Just("MSCRMSession=expired".to_string()),
        1 => Just("Other=ticket=TKT-ALICE".to_string()),
    ]
}

/// A SOAP 1.1 or 1.2 envelope with a `CrmAuthenticationToken` header drawn from the
/// universe, written by the token codec.
pub fn arb_token_body() -> impl Strategy<Value = String> {
    let ticket = prop_oneof![
        4 => select(&TICKETS[..]).prop_map(str::to_string),
        1 => Just("TKT-NOBODY".to_string()),
    ];
    token_body(ticket, select(&ORGANIZATIONS[..]))
}

/// [`arb_token_body`] with tickets and organization names drawn from the given pools.
pub fn arb_token_body_from(
    tickets: &'static [&'static str],
    organizations: &'static [&'static str],
) -> impl Strategy<Value = String> {
    token_body(select(tickets).prop_map(str::to_string), select(organizations))
}

fn token_body(
    ticket: impl Strategy<Value = String>,
    org: impl Strategy<Value = &'static str>,
) -> impl Strategy<Value = String> {
    let ticket = prop::option::of(ticket);
    let org = prop::option::weighted(0.9, org);
    let caller = prop_oneof![
        3 => Just(Uuid::nil()),
        2 => (0usize..4).prop_map(user_id),
        1 => Just(Uuid::from_u128(0xa0e0)),
        1 => Just(Uuid::from_u128(0xdead)),
    ];
    let version = prop_oneof![Just(SoapVersion::V11), Just(SoapVersion::V12)];
    let auth = select(vec![
        AuthenticationType::Ad,
        AuthenticationType::Passport,
        AuthenticationType::Spla,
    ]);
    (auth, ticket, org, caller, version).prop_map(
        |(authentication_type, ticket, org, caller_id, version)| {
            let token = CrmAuthenticationToken {
                authentication_type,
                crm_ticket: ticket.map(Ticket::new),
                organization_name: org.map(str::to_string),
                caller_id,
            };
            token::encode_envelope_with_token(&token, version, "")
        },
    )
}

/// A request of the universe.
pub fn arb_request() -> impl Strategy<Value = Request> {
    request_with(select(&["GET", "POST", "post", "PUT", "HEAD"][..]), arb_path())
}

/// A request with the method and path from the given strategies, the rest from the universe.
fn request_with<M: ToString + fmt::Debug + Clone>(
    method: impl Strategy<Value = M>,
    path: impl Strategy<Value = String>,
) -> impl Strategy<Value = Request> {
    (
        method,
        path,
        arb_address(),
        prop::option::weighted(0.4, arb_cookie()),
        prop::option::weighted(0.5, arb_token_body()),
        prop::option::weighted(0.6, select(&ACCOUNTS[..])),
    )
        .prop_map(|(method, path, client_address, cookie, body, account)| Request {
            method: method.to_string(),
            path,
            client_address,
            cookie,
            headers: BTreeMap::new(),
            body,
            windows_identity: account.map(str::to_string),
        })
}

/// The values a pipeline configures that its predicates compare requests and the
/// environment with (PROTOCOL 1.3): UrlPath paths, HttpMethod methods, ServerRole masks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Configured {
    /// Every configured path, as configured, without duplicates.
    pub paths: Vec<String>,
    /// Every configured method, as configured, without duplicates.
    pub methods: Vec<String>,
    /// Every configured role mask, without duplicates.
    pub roles: Vec<u32>,
}

impl Configured {
    /// What `pipeline`'s predicates are configured with, in step order.
    pub fn of(pipeline: &Pipeline) -> Self {
        fn push<T: PartialEq>(v: &mut Vec<T>, x: T) {
            if !v.contains(&x) {
                v.push(x);
            }
        }
        let mut c = Configured::default();
        for p in pipeline.steps.iter().flat_map(|s| &s.predicates) {
            match p {
                Predicate::UrlPath { paths } => {
                    paths.values().for_each(|v| push(&mut c.paths, v.clone()))
                }
                Predicate::HttpMethod { method } => push(&mut c.methods, method.clone()),
                Predicate::ServerRole { roles } => push(&mut c.roles, *roles),
                _ => {}
            }
        }
        c
    }
}

/// `text` with the case of each ASCII letter flipped where `flips` says (cycled).
fn flip_case(text: &str, flips: &[bool]) -> String {
    text.chars()
        .zip(flips.iter().cycle())
        .map(|(c, &f)| match (f, c.is_ascii_uppercase()) {
            (false, _) => c,
            (true, true) => c.to_ascii_lowercase(),
            (true, false) => c.to_ascii_uppercase(),
        })
        .collect()
}

/// A value from `configured` (cloned), or `None` when there is none.
fn pick(configured: &[String]) -> Option<BoxedStrategy<String>> {
    (!configured.is_empty()).then(|| select(configured.to_vec()).boxed())
}

/// A request path near one `paths` configures — as configured, in varied case (UrlPath
/// compares ASCII case-insensitively, PROTOCOL 1.3), with a query (not part of the path),
/// or just off it (a trailing `/` or a character more) — or from [`arb_path`].
pub fn arb_path_from(paths: &[String]) -> impl Strategy<Value = String> {
    let Some(configured) = pick(paths) else { return arb_path().boxed() };
    let near = (configured, 0u8..8, prop::collection::vec(any::<bool>(), 1..8)).prop_map(
        |(p, how, flips)| match how {
            0..=2 => p,
            3 | 4 => flip_case(&p, &flips),
            5 => format!("{}?wsdl", flip_case(&p, &flips)),
            6 => format!("{p}/"),
            _ => format!("{p}x"),
        },
    );
    prop_oneof![6 => near, 2 => arb_path()].boxed()
}

/// A request method: one `methods` configures (in varied case, PROTOCOL 1.3) or a common one.
pub fn arb_method_from(methods: &[String]) -> impl Strategy<Value = String> {
    let common = select(&["GET", "POST", "post", "PUT", "HEAD"][..]).prop_map(str::to_string);
    let Some(configured) = pick(methods) else { return common.boxed() };
    let configured = (configured, prop::collection::vec(any::<bool>(), 1..4))
        .prop_map(|(m, flips)| flip_case(&m, &flips));
    prop_oneof![2 => configured, 1 => common].boxed()
}

/// Server role bits: each configured mask, one bit of it, all of them together, none, or
/// anything (so each `ServerRolePredicate` is true and false on some inputs).
pub fn arb_roles_from(masks: &[u32]) -> impl Strategy<Value = u32> {
    if masks.is_empty() {
        return (0u32..16).boxed();
    }
    let all = masks.iter().fold(0, |a, m| a | m);
    let one = select(masks.to_vec());
    prop_oneof![
        3 => one.clone(),
        2 => one.prop_flat_map(|m| {
            let bits: Vec<u32> = (0..32).map(|b| 1u32 << b).filter(|b| m & b != 0).collect();
            if bits.is_empty() { Just(0).boxed() } else { select(bits).boxed() }
        }),
        1 => Just(all),
        1 => Just(0),
        1 => Just(!all),
        1 => any::<u32>(),
    ]
    .boxed()
}

/// A request of the universe whose path and method are drawn from what `pipeline`
/// configures as well as from the standard set, so that a user's own predicates are true
/// on a fair share of the inputs.
pub fn arb_request_for(pipeline: &Pipeline) -> impl Strategy<Value = Request> {
    let c = Configured::of(pipeline);
    request_with(arb_method_from(&c.methods), arb_path_from(&c.paths))
}

/// An environment of the universe whose server roles are drawn from the masks `pipeline`'s
/// `ServerRolePredicate`s configure.
pub fn arb_environment_for(pipeline: &Pipeline) -> impl Strategy<Value = Environment> {
    environment_with(arb_roles_from(&Configured::of(pipeline).roles))
}

/// Inputs for the pipeline properties: `pipeline` (a user's) with requests and environments
/// drawn from its own configuration ([`arb_request_for`], [`arb_environment_for`]), or
/// generated pipelines with the universe's requests when `None`.
pub fn arb_case_for(pipeline: Option<&Pipeline>) -> BoxedStrategy<PipelineCase> {
    match pipeline {
        Some(p) => (Just(p.clone()), arb_request_for(p), arb_environment_for(p))
            .prop_map(|(pipeline, request, env)| PipelineCase { pipeline, request, env })
            .boxed(),
        None => arb_case().boxed(),
    }
}

/// A pipeline, a request and an environment: one input of the pipeline properties.
#[derive(Clone)]
pub struct PipelineCase {
    /// The pipeline evaluated.
    pub pipeline: Pipeline,
    /// The request evaluated.
    pub request: Request,
    /// The server's state it is evaluated in.
    pub env: Environment,
}

impl fmt::Debug for PipelineCase {
    /// Readable counterexamples: the pipeline as canonical XML, request and environment
    /// as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let request = serde_json::to_string(&self.request).map_err(|_| fmt::Error)?;
        let env = serde_json::to_string(&self.env).map_err(|_| fmt::Error)?;
        write!(f, "\npipeline:\n{}request: {request}\nenv: {env}\n", xml::print(&self.pipeline))
    }
}

/// A whole input: pipeline, request, environment.
pub fn arb_case() -> impl Strategy<Value = PipelineCase> {
    (arb_pipeline(), arb_request(), arb_environment())
        .prop_map(|(pipeline, request, env)| PipelineCase { pipeline, request, env })
}
