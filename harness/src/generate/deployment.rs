//! Whole deployments (PROTOCOL 1.5, 1.6): a strategy, its pipelines, a request and an
//! environment — the inputs of DEPLOY-NO-ANONYMOUS and DEPLOY-SPEC-AGREES.
//!
//! The generators reach what the fail-open holes of issue 11 needed: malformed, empty,
//! duplicated and decoy `MSCRMSession` cookies; AD tokens and Windows accounts under
//! Passport; CallerIds of other organizations; disabled users, disabled and deleted
//! organizations; pipelines of 0 to 130 steps (so that the engine's step filter is chosen,
//! across 64-bit word boundaries), and request paths and methods drawn from the pipeline's
//! own configuration as well as from the standard set.

use super::pipeline::{arb_step, PATHS};
use super::request::{
    arb_address, arb_environment, arb_token_body_from, ACCOUNTS, ORGANIZATIONS, TICKETS,
};
use crate::codec::redact::Ticket;
use crate::pipeline::model::{Pipeline, Predicate};
use crate::pipeline::request::{IssuedTicket, User};
use crate::pipeline::{xml, Environment, Request, Strategy as Deployment};
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::BTreeMap;
use std::fmt;
use uuid::Uuid;

/// The standard pipelines (PROTOCOL 1.6), as shipped in `corpus/pipelines/`.
pub const STANDARD: [(Deployment, &str, Option<&str>); 3] = [
    (
        Deployment::OnPremise,
        include_str!("../../../corpus/pipelines/onpremise.crmauthentication.xml"),
        None,
    ),
    (
        Deployment::Ifd,
        include_str!("../../../corpus/pipelines/ifd.crmauthentication.xml"),
        Some(include_str!("../../../corpus/pipelines/ifd.crmpostauthentication.xml")),
    ),
    (
        Deployment::Passport,
        include_str!("../../../corpus/pipelines/passport.crmpassport.xml"),
        None,
    ),
];

/// The organization that is not in the environment (deleted, its users and tickets left).
pub const DELETED_ORGANIZATION: &str = "Northwind";
/// The Windows account and ticket of the deleted organization's user.
pub const DELETED_ACCOUNT: &str = "NORTHWIND\\eve";
const DELETED_TICKET: &str = "TKT-EVE";
const TOKEN_TICKETS: [&str; 6] =
    [TICKETS[0], TICKETS[1], TICKETS[2], TICKETS[3], DELETED_TICKET, "TKT-NOBODY"];
const TOKEN_ORGANIZATIONS: [&str; 3] = [ORGANIZATIONS[0], ORGANIZATIONS[1], DELETED_ORGANIZATION];

/// One deployment and one request to it.
#[derive(Clone)]
pub struct DeploymentCase {
    /// The deployment's strategy (PROTOCOL 1.1).
    pub strategy: Deployment,
    /// `CrmAuthentication` (or `CrmPassport`).
    pub authentication: Pipeline,
    /// IFD's `CrmPostAuthentication`.
    pub post_authentication: Option<Pipeline>,
    /// The request sent to the deployment.
    pub request: Request,
    /// The server's state it is evaluated in.
    pub env: Environment,
}

impl fmt::Debug for DeploymentCase {
    /// Readable counterexamples that `crmauth eval` replays: the strategy, the pipelines as
    /// canonical XML, the request and the environment as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let request = serde_json::to_string(&self.request).map_err(|_| fmt::Error)?;
        let env = serde_json::to_string(&self.env).map_err(|_| fmt::Error)?;
        write!(
            f,
            "\nstrategy: {:?}\npipeline:\n{}",
            self.strategy,
            xml::print(&self.authentication)
        )?;
        if let Some(post) = &self.post_authentication {
            write!(f, "post_pipeline:\n{}", xml::print(post))?;
        }
        write!(f, "request: {request}\nenv: {env}\n")
    }
}

/// A pipeline of 0 to 130 steps: mostly short, often past the engine's step-filter
/// threshold, sometimes across one or two 64-bit words.
pub fn arb_sized_pipeline() -> impl Strategy<Value = Pipeline> {
    let steps = prop_oneof![
        6 => prop::collection::vec(arb_step(), 0..8),
        2 => prop::collection::vec(arb_step(), 8..20),
        1 => prop::collection::vec(arb_step(), 60..70),
        1 => prop::collection::vec(arb_step(), 120..=130),
    ];
    steps.prop_map(|steps| Pipeline { steps })
}

/// The strategy and its pipelines: generated, or the standard ones (a third of the time).
fn arb_pipelines() -> impl Strategy<Value = (Deployment, Pipeline, Option<Pipeline>)> {
    let strategy = select(vec![Deployment::OnPremise, Deployment::Ifd, Deployment::Passport]);
    let generated = (strategy, arb_sized_pipeline(), prop::collection::vec(arb_step(), 0..4))
        .prop_map(|(strategy, auth, post)| {
            let post = (strategy == Deployment::Ifd).then_some(Pipeline { steps: post });
            (strategy, auth, post)
        });
    let standard = (0..STANDARD.len()).prop_map(|i| {
        let (strategy, auth, post) = STANDARD[i];
        let parse = |text: &str| xml::parse(text).expect("the standard pipelines load");
        (strategy, parse(auth), post.map(parse))
    });
    prop_oneof![2 => generated, 1 => standard]
}

/// The paths and methods the pipelines' own predicates name.
fn configured(pipelines: &[&Pipeline]) -> (Vec<String>, Vec<String>) {
    let (mut paths, mut methods) = (Vec::new(), Vec::new());
    for predicate in pipelines.iter().flat_map(|p| &p.steps).flat_map(|s| &s.predicates) {
        match predicate {
            Predicate::UrlPath { paths: p } => paths.extend(p.values().cloned()),
            Predicate::HttpMethod { method } => methods.push(method.clone()),
            _ => {}
        }
    }
    (paths, methods)
}

/// A request path: one the pipelines configure (as written, in another case, with a query),
/// one of the standard set, or any.
fn arb_path_for(configured: Vec<String>) -> BoxedStrategy<String> {
    let standard = select(PATHS).prop_map(str::to_string);
    let any = "/[a-zA-Z0-9._/-]{0,16}";
    if configured.is_empty() {
        return prop_oneof![4 => standard, 1 => any].boxed();
    }
    let own = (select(configured), 0u8..4).prop_map(|(p, how)| match how {
        0 | 1 => p,
        2 => p.to_ascii_lowercase(),
        _ => format!("{p}?x=1"),
    });
    prop_oneof![4 => own, 3 => standard, 1 => any].boxed()
}

fn arb_method_for(configured: Vec<String>) -> BoxedStrategy<String> {
    let standard = select(&["GET", "POST", "post", "PUT", "HEAD"][..]).prop_map(str::to_string);
    if configured.is_empty() {
        return standard.boxed();
    }
    prop_oneof![1 => select(configured), 2 => standard].boxed()
}

/// A `Cookie` header: valid sessions, and every way a session cookie can be unreadable
/// or a decoy (PROTOCOL 1.6).
pub fn arb_session_cookie() -> impl Strategy<Value = String> {
    let ticket = prop_oneof![
        5 => select(&TICKETS[..]).prop_map(str::to_string),
        1 => Just(DELETED_TICKET.to_string()),
        1 => Just("TKT-NOBODY".to_string()),
    ];
    let valid = ticket.clone().prop_map(|t| format!("MSCRMSession=ticket={t}&expiration=2000"));
    let unreadable = select(vec![
        "MSCRMSession=ticket=%zz",
        "MSCRMSession=noticket",
        "MSCRMSession=\"ticket=%\"",
        "MSCRMSession=ticket=",
        "MSCRMSession=ticket",
        "MSCRMSession=ticket=T&ticket=b",
        "MSCRMSession=ticket=a&expiration=1&expiration=2",
        "MSCRMSession=expiration=1&tickets=2",
    ])
    .prop_map(str::to_string);
    let decoy = (ticket.clone(), any::<bool>()).prop_map(|(t, first)| {
        if first {
            format!("MSCRMSession=xyz; MSCRMSession=ticket={t}")
        } else {
            format!("mscrmsession=ticket={t}; MSCRMSession=\"ticket={t}\"")
        }
    });
    prop_oneof![
        4 => valid,
        2 => ticket.prop_map(|t| format!("lang=en; MsCrmSession=\"ticket={t}\"")),
        3 => unreadable,
        2 => decoy,
        1 => Just("MSCRMSession=expired".to_string()),
        1 => Just("Other=ticket=TKT-ALICE".to_string()),
        1 => Just("MSCRMSession=ticket=TKT-ALICE; \u{1}".to_string()),
    ]
}

/// An environment of the universe, sometimes with Fabrikam deleted (its user and ticket
/// left behind) and always with a user and ticket of [`DELETED_ORGANIZATION`].
pub fn arb_deployment_environment() -> impl Strategy<Value = Environment> {
    (arb_environment(), prop::bool::weighted(0.2)).prop_map(|(mut env, drop_fabrikam)| {
        if drop_fabrikam {
            env.organizations.retain(|o| o.name != "Fabrikam");
        }
        let eve = Uuid::from_u128(0xa0e0);
        env.users.push(User {
            id: eve,
            organization: DELETED_ORGANIZATION.into(),
            windows_account: Some(DELETED_ACCOUNT.into()),
            puid: None,
            full_name: Some("Eve".into()),
            deployment_admin: false,
            act_on_behalf: true,
            disabled: false,
        });
        env.tickets.push(IssuedTicket {
            ticket: Ticket::new(DELETED_TICKET),
            user: eve,
            organization: DELETED_ORGANIZATION.into(),
            expires_at: u64::MAX,
        });
        env
    })
}

/// A whole deployment case.
pub fn arb_deployment_case() -> BoxedStrategy<DeploymentCase> {
    (arb_pipelines(), arb_deployment_environment())
        .prop_flat_map(|((strategy, authentication, post_authentication), env)| {
            let pipelines: Vec<&Pipeline> =
                std::iter::once(&authentication).chain(&post_authentication).collect();
            let (paths, methods) = configured(&pipelines);
            let accounts: Vec<&'static str> =
                ACCOUNTS.iter().copied().chain([DELETED_ACCOUNT]).collect();
            let request = (
                arb_method_for(methods),
                arb_path_for(paths),
                arb_address(),
                prop::option::weighted(0.5, arb_session_cookie()),
                prop::option::weighted(
                    0.5,
                    arb_token_body_from(&TOKEN_TICKETS, &TOKEN_ORGANIZATIONS),
                ),
                prop::option::weighted(0.6, select(accounts)),
            )
                .prop_map(|(method, path, client_address, cookie, body, account)| Request {
                    method,
                    path,
                    client_address,
                    cookie,
                    headers: BTreeMap::new(),
                    body,
                    windows_identity: account.map(str::to_string),
                });
            (Just(strategy), Just(authentication), Just(post_authentication), request, Just(env))
        })
        .prop_map(|(strategy, authentication, post_authentication, request, env)| DeploymentCase {
            strategy,
            authentication,
            post_authentication,
            request,
            env,
        })
        .boxed()
}
