//! Every built-in predicate (PROTOCOL 1.3) and provider (1.4), one step at a time, on both
//! evaluators; and the evaluation order of 1.2 (PIPE-FIRST-SUCCESS, PIPE-SHORT-CIRCUIT,
//! PIPE-PROVIDER-GATED, PIPE-FAIL-CLOSED) on small hand-made pipelines.

use crmauth::pipeline::model::AuthenticationTypes;
use crmauth::pipeline::request::{IssuedTicket, Organization, Scope, User};
use crmauth::pipeline::{
    reference, CompiledPipeline, Environment, Outcome, Pipeline, Predicate, Provider, Request, Step,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

const ALICE: Uuid = Uuid::from_u128(0xa11ce);
const BOB: Uuid = Uuid::from_u128(0xb0b);
const ADMIN: Uuid = Uuid::from_u128(0xad);
/// A disabled user of Contoso.
const DORA: Uuid = Uuid::from_u128(0xd0a);

fn env() -> Environment {
    let user = |id, org: &str, acct: &str| User {
        id,
        organization: org.into(),
        windows_account: Some(acct.into()),
        puid: None,
        full_name: None,
        deployment_admin: false,
        act_on_behalf: false,
        disabled: false,
    };
    let mut admin = user(ADMIN, "Contoso", "CONTOSO\\admin");
    admin.deployment_admin = true;
    let mut alice = user(ALICE, "Contoso", "CONTOSO\\alice");
    alice.act_on_behalf = true;
    let mut dora = user(DORA, "Contoso", "CONTOSO\\dora");
    dora.disabled = true;
    let ticket = |t: &str, user, expires_at| IssuedTicket {
        ticket: crmauth::codec::redact::Ticket::new(t),
        user,
        organization: "Contoso".into(),
        expires_at,
    };
    Environment {
        server_roles: 0b0101,
        ifd_internal_network_address: "10.0.0.0-255.0.0.0".parse().unwrap(),
        now: 1_000,
        organizations: vec![Organization {
            id: Uuid::from_u128(1),
            name: "Contoso".into(),
            friendly_name: None,
            disabled: false,
        }],
        users: vec![alice, user(BOB, "Contoso", "CONTOSO\\bob"), admin, dora],
        tickets: vec![
            ticket("GOOD", ALICE, 2_000),
            ticket("OLD", ALICE, 1_000),
            ticket("BOBS", BOB, 2_000),
        ],
    }
}

fn request(method: &str, path: &str, addr: &str) -> Request {
    Request {
        method: method.into(),
        path: path.into(),
        client_address: addr.parse().unwrap(),
        cookie: None,
        headers: BTreeMap::new(),
        body: None,
        windows_identity: None,
    }
}

fn token_body(auth_type: u8, ticket: Option<&str>, org: &str, caller: Uuid) -> String {
    let core = "http://schemas.microsoft.com/crm/2007/CoreTypes";
    let ticket =
        ticket.map(|t| format!("<CrmTicket xmlns=\"{core}\">{t}</CrmTicket>")).unwrap_or_default();
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Header>\
         <CrmAuthenticationToken xmlns=\"http://schemas.microsoft.com/crm/2007/WebServices\">\
         <AuthenticationType xmlns=\"{core}\">{auth_type}</AuthenticationType>{ticket}\
         <OrganizationName xmlns=\"{core}\">{org}</OrganizationName>\
         <CallerId xmlns=\"{core}\">{caller}</CallerId></CrmAuthenticationToken></s:Header>\
         <s:Body/></s:Envelope>"
    )
}

/// Evaluates on both evaluators, asserts they agree, and returns the outcome's JSON.
fn eval(pipeline: &Pipeline, req: Request, env: &Environment, org: Option<&str>) -> Value {
    let prepared = req.prepare();
    let org = Scope::windows(org);
    let (reference_outcome, reference_trace) = reference::interpret(pipeline, &prepared, env, org);
    let compiled = CompiledPipeline::compile(pipeline);
    let (engine_outcome, engine_trace) = compiled.evaluate_traced(&prepared, env, org);
    assert_eq!(reference_outcome, engine_outcome, "PIPE-ORACLE");
    assert_eq!(reference_trace, engine_trace, "PIPE-ORACLE trace");
    serde_json::to_value(engine_outcome).unwrap()
}

fn one(predicates: Vec<Predicate>, provider: Provider) -> Pipeline {
    Pipeline { steps: vec![Step { predicates, provider }] }
}

/// Whether a lone predicate lets PassThrough run.
fn holds(p: Predicate, req: Request) -> bool {
    eval(&one(vec![p], Provider::PassThrough), req, &env(), None)["kind"] == "authenticated"
}

#[test]
fn url_path_predicate_matches_any_configured_path_case_insensitively() {
    let p = || Predicate::UrlPath {
        paths: [("a".to_string(), "/One.aspx".to_string()), ("b".into(), "/two/Three.asmx".into())]
            .into(),
    };
    assert!(holds(p(), request("GET", "/one.ASPX", "1.2.3.4")));
    assert!(holds(p(), request("GET", "/TWO/three.asmx?wsdl", "1.2.3.4")));
    assert!(!holds(p(), request("GET", "/one.aspx/", "1.2.3.4")));
    assert!(!holds(p(), request("GET", "/one", "1.2.3.4")));
    assert!(!holds(p(), request("GET", "/Ône.aspx", "1.2.3.4")));
}

#[test]
fn http_method_predicate() {
    let p = || Predicate::HttpMethod { method: "POST".into() };
    assert!(holds(p(), request("POST", "/", "1.2.3.4")));
    assert!(holds(p(), request("post", "/", "1.2.3.4")));
    assert!(!holds(p(), request("GET", "/", "1.2.3.4")));
    assert!(!holds(p(), request("POSTX", "/", "1.2.3.4")));
}

#[test]
fn always_predicate() {
    assert!(holds(Predicate::Always, request("DELETE", "/anything", "::1")));
}

#[test]
fn server_role_predicate_is_a_mask() {
    assert!(holds(Predicate::ServerRole { roles: 0b0001 }, request("GET", "/", "1.2.3.4")));
    assert!(holds(Predicate::ServerRole { roles: 0b1100 }, request("GET", "/", "1.2.3.4")));
    assert!(!holds(Predicate::ServerRole { roles: 0b1010 }, request("GET", "/", "1.2.3.4")));
    assert!(!holds(Predicate::ServerRole { roles: 0 }, request("GET", "/", "1.2.3.4")));
}

#[test]
fn cookie_exist_predicate_needs_mscrmsession_with_ticket() {
    let with = |c: &str| {
        let mut r = request("GET", "/", "1.2.3.4");
        r.cookie = Some(c.into());
        r
    };
    assert!(holds(Predicate::CookieExist, with("MSCRMSession=ticket=abc")));
    assert!(holds(Predicate::CookieExist, with("a=1; MSCRMSession=ticket=abc&expiration=5; b=2")));
    assert!(!holds(Predicate::CookieExist, with("MSCRMSession=expired")));
    assert!(!holds(Predicate::CookieExist, with("Other=ticket=abc")));
    assert!(!holds(Predicate::CookieExist, request("GET", "/", "1.2.3.4")));
}

#[test]
fn internal_and_external_address_predicates_are_negations() {
    for (addr, internal) in [
        ("127.0.0.1", true),
        ("::1", true),
        ("10.255.0.1", true),
        ("::ffff:10.0.0.9", true),
        ("11.0.0.1", false),
        ("2001:db8::1", false),
    ] {
        assert_eq!(
            holds(Predicate::InternalRequestAddress, request("GET", "/", addr)),
            internal,
            "{addr}"
        );
        assert_eq!(
            holds(Predicate::ExternalRequestAddress, request("GET", "/", addr)),
            !internal,
            "{addr}"
        );
    }
}

fn run_provider(p: Provider, req: Request, org: Option<&str>) -> Value {
    eval(&one(vec![], p), req, &env(), org)
}

fn windows(acct: &str, path: &str) -> Request {
    let mut r = request("GET", path, "10.0.0.1");
    r.windows_identity = Some(acct.into());
    r
}

#[test]
fn pass_through_and_reject() {
    let got = run_provider(Provider::PassThrough, request("GET", "/", "1.2.3.4"), Some("Contoso"));
    assert_eq!(
        (got["kind"].clone(), got["user"].clone(), got["organization"].clone()),
        (json!("authenticated"), json!(null), json!("Contoso"))
    );
    let got = run_provider(Provider::Reject, request("GET", "/", "1.2.3.4"), None);
    assert_eq!((got["kind"].clone(), got["step"].clone()), (json!("denied"), json!(null)));
}

#[test]
fn windows_provider_needs_a_user_of_the_maporg_organization() {
    let got = run_provider(
        Provider::Windows,
        windows("contoso\\BOB", "/Contoso/x.aspx"),
        Some("Contoso"),
    );
    assert_eq!(got["user"], json!(BOB));
    assert_eq!(
        run_provider(Provider::Windows, windows("CONTOSO\\bob", "/x"), Some("Other"))["kind"],
        "denied"
    );
    assert_eq!(
        run_provider(Provider::Windows, windows("CONTOSO\\bob", "/x"), None)["kind"],
        "denied"
    );
    assert_eq!(
        run_provider(Provider::Windows, windows("CONTOSO\\nobody", "/x"), Some("Contoso"))["kind"],
        "denied"
    );
    assert_eq!(
        run_provider(Provider::Windows, request("GET", "/", "10.0.0.1"), Some("Contoso"))["kind"],
        "denied"
    );
}

#[test]
fn any_organization_and_config_db_windows_providers() {
    let got = run_provider(Provider::AnyOrganizationWindows, windows("CONTOSO\\alice", "/"), None);
    assert_eq!(
        (got["user"].clone(), got["organization"].clone()),
        (json!(ALICE), json!("Contoso"))
    );
    assert_eq!(
        run_provider(Provider::AnyOrganizationWindows, windows("X\\y", "/"), None)["kind"],
        "denied"
    );
    assert_eq!(
        run_provider(Provider::ConfigDbWindows, windows("CONTOSO\\admin", "/"), None)["kind"],
        "authenticated"
    );
    assert_eq!(
        run_provider(Provider::ConfigDbWindows, windows("CONTOSO\\alice", "/"), None)["kind"],
        "denied"
    );
}

#[test]
fn redirect_providers() {
    let got = run_provider(
        Provider::Redirect { url: "https://crm.example/elsewhere".into() },
        request("GET", "/", "1.2.3.4"),
        None,
    );
    assert_eq!(
        (got["kind"].clone(), got["location"].clone()),
        (json!("redirect"), json!("https://crm.example/elsewhere"))
    );
    let got = run_provider(Provider::CrmServiceRedirect, request("GET", "/", "1.2.3.4"), None);
    assert_eq!(got["location"], "/CrmServiceWsdl.aspx");
    let got = run_provider(
        Provider::IfdRedirect,
        request("GET", "/Contoso/a b.aspx?x=1", "1.2.3.4"),
        None,
    );
    assert_eq!(got["location"], "/signin.aspx?ReturnUrl=/Contoso/a%20b.aspx");
}

fn sdk(body: String) -> Request {
    let mut r = request("POST", "/MSCRMServices/2007/CrmService.asmx", "1.2.3.4");
    r.body = Some(body);
    r
}

fn multi(types: &[u8]) -> Provider {
    Provider::MultipleOrganizationSoapHeader {
        authentication_types: AuthenticationTypes(types.iter().copied().collect()),
    }
}

#[test]
fn multiple_organization_soap_header_provider() {
    let ok =
        run_provider(multi(&[1]), sdk(token_body(1, Some("GOOD"), "Contoso", Uuid::nil())), None);
    assert_eq!((ok["kind"].clone(), ok["user"].clone()), (json!("authenticated"), json!(ALICE)));
    // a type not listed: not handled, the pipeline goes on
    assert_eq!(
        run_provider(
            multi(&[0, 2]),
            sdk(token_body(1, Some("GOOD"), "Contoso", Uuid::nil())),
            None
        )["step"],
        json!(null)
    );
    // ticket problems are faults that stop the pipeline
    for (ticket, org, code) in [
        ("OLD", "Contoso", "8004A101"),
        ("NOPE", "Contoso", "8004A100"),
        ("GOOD", "Other", "8004A102"),
    ] {
        let got =
            run_provider(multi(&[1]), sdk(token_body(1, Some(ticket), org, Uuid::nil())), None);
        assert_eq!(
            (got["kind"].clone(), got["error"].clone()),
            (json!("denied"), json!(code)),
            "{ticket}"
        );
    }
    // no ticket on a ticket type
    assert_eq!(
        run_provider(multi(&[2]), sdk(token_body(2, None, "Contoso", Uuid::nil())), None)["error"],
        "8004A100"
    );
    // no token: not handled
    assert_eq!(
        run_provider(multi(&[0, 1, 2]), request("POST", "/", "1.2.3.4"), None)["step"],
        json!(null)
    );
    // AD: by Windows identity
    let mut ad = sdk(token_body(0, None, "Contoso", Uuid::nil()));
    ad.windows_identity = Some("CONTOSO\\bob".into());
    assert_eq!(run_provider(multi(&[0]), ad, None)["user"], json!(BOB));
}

#[test]
fn impersonation_needs_act_on_behalf() {
    let got = run_provider(multi(&[1]), sdk(token_body(1, Some("GOOD"), "Contoso", BOB)), None);
    assert_eq!((got["user"].clone(), got["caller"].clone()), (json!(ALICE), json!(BOB)));
    let got = run_provider(multi(&[1]), sdk(token_body(1, Some("BOBS"), "Contoso", ALICE)), None);
    assert_eq!(got["error"], "8004A110");
    let got = run_provider(
        multi(&[1]),
        sdk(token_body(1, Some("GOOD"), "Contoso", Uuid::from_u128(0xdead))),
        None,
    );
    assert_eq!(got["error"], "80040204");
    // Fail closed (PROTOCOL 1.4, the 2.4 table): a disabled caller is never acted for,
    // even by an account that may act on behalf of others: 8004A112, system user disabled.
    let got = run_provider(multi(&[1]), sdk(token_body(1, Some("GOOD"), "Contoso", DORA)), None);
    assert_eq!(got["error"], "8004A112");
}

#[test]
fn crm_post_authentication_and_cookie_and_soap_header() {
    let cookie = |c: &str| {
        let mut r = request("GET", "/Contoso/main.aspx", "1.2.3.4");
        r.cookie = Some(c.into());
        r
    };
    let got = run_provider(
        Provider::CrmPostAuthentication,
        cookie("MSCRMSession=ticket=GOOD&expiration=2000"),
        Some("Contoso"),
    );
    assert_eq!(got["user"], json!(ALICE));
    assert_eq!(
        run_provider(
            Provider::CrmPostAuthentication,
            cookie("MSCRMSession=ticket=OLD"),
            Some("Contoso")
        )["error"],
        "8004A101"
    );
    assert_eq!(
        run_provider(Provider::CrmPostAuthentication, cookie("x=1"), Some("Contoso"))["step"],
        json!(null)
    );
    assert_eq!(
        run_provider(Provider::CookieAndSoapHeader, cookie("MSCRMSession=ticket=BOBS"), None)
            ["user"],
        json!(BOB)
    );
    let got = run_provider(
        Provider::CookieAndSoapHeader,
        sdk(token_body(1, Some("GOOD"), "Contoso", Uuid::nil())),
        None,
    );
    assert_eq!(got["user"], json!(ALICE));
    assert_eq!(
        run_provider(Provider::CookieAndSoapHeader, request("GET", "/", "1.2.3.4"), None)["step"],
        json!(null)
    );
}

#[test]
fn single_organization_soap_header_uses_the_users_own_organization() {
    let got = run_provider(
        Provider::SingleOrganizationSoapHeader,
        windows("CONTOSO\\bob", "/MSCRMServices/2006/CrmService.asmx"),
        None,
    );
    assert_eq!((got["user"].clone(), got["organization"].clone()), (json!(BOB), json!("Contoso")));
}

/// PIPE-FIRST-SUCCESS and PIPE-SHORT-CIRCUIT on a hand-made pipeline: the trace holds
/// exactly the evaluations up to the first handling provider.
#[test]
fn evaluation_order_and_trace() {
    let p = Pipeline {
        steps: vec![
            Step {
                predicates: vec![Predicate::Always, Predicate::CookieExist, Predicate::Always],
                provider: Provider::PassThrough,
            },
            Step { predicates: vec![Predicate::Always], provider: Provider::Reject },
            Step { predicates: vec![], provider: Provider::CrmServiceRedirect },
            Step { predicates: vec![Predicate::Always], provider: Provider::PassThrough },
        ],
    };
    let prepared = request("GET", "/", "1.2.3.4").prepare();
    let e = env();
    let (outcome, trace) = reference::interpret(&p, &prepared, &e, Scope::windows(None));
    assert!(matches!(outcome, Outcome::Redirect { step: 2, .. }));
    let shape: Vec<(usize, usize, bool)> =
        trace.steps.iter().map(|s| (s.step, s.predicates.len(), s.provider.is_some())).collect();
    assert_eq!(shape, vec![(0, 2, false), (1, 1, true), (2, 0, true)]);
    let compiled = CompiledPipeline::compile(&p);
    let (engine_outcome, engine_trace) =
        compiled.evaluate_traced(&prepared, &e, Scope::windows(None));
    assert_eq!((engine_outcome, engine_trace), (outcome, trace));
}

/// PIPE-FAIL-CLOSED: an empty pipeline and one whose providers never handle deny.
#[test]
fn fail_closed() {
    let e = env();
    assert_eq!(eval(&Pipeline::default(), request("GET", "/", "::1"), &e, None)["kind"], "denied");
    let rejecting = one(vec![Predicate::Always], Provider::Reject);
    let got = eval(&rejecting, request("GET", "/", "::1"), &e, None);
    assert_eq!(
        (got["kind"].clone(), got["step"].clone(), got["error"].clone()),
        (json!("denied"), json!(null), json!(null))
    );
}
