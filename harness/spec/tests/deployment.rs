//! MapOrg (PROTOCOL 1.5), the IFD composition (rule 7), "identity is never implied"
//! (PROTOCOL 1.6, rule 6; DEPLOY-NO-ANONYMOUS) and the deployment's input errors.

mod common;
use common::*;
use crmauth_spec::{Deployment, SpecError, Strategy};
use serde_json::json;

const PASS: &str = "PassThroughAuthenticationProvider";
const POST: &str = "CrmPostAuthenticationProvider";
const WINDOWS: &str = "WindowsAuthenticationProvider";

fn pass_through(strategy: Strategy) -> Deployment {
    deployment(strategy, &always(PASS, &[]))
}

fn organization_of(d: &Deployment, request: &serde_json::Value) -> serde_json::Value {
    // under a discovery path PassThrough's outcome survives rule 6 and shows MapOrg
    decide(d, request)["organization"].clone()
}

#[test]
fn maporg_sdk_calls_read_the_token() {
    let d = pass_through(Strategy::OnPremise);
    let path = "/mscrmservices/2007/SPLA/CrmDiscoveryService.asmx?x=1";
    let body = envelope(1, None, Some("Fabrikam"), NIL);
    assert_eq!(organization_of(&d, &with(request("POST", path), "body", &body)), json!("Fabrikam"));
    assert_eq!(organization_of(&d, &request("POST", path)), json!(null));
    let no_org = envelope(1, None, None, NIL);
    assert_eq!(organization_of(&d, &with(request("POST", path), "body", &no_org)), json!(null));
}

#[test]
fn maporg_web_requests_read_the_first_of_two_segments() {
    let d = deployment(Strategy::OnPremise, &always(WINDOWS, &[]));
    let bob =
        |path: &str| decide(&d, &with(request("GET", path), "windows_identity", "CONTOSO\\bob"));
    expect(&bob("/Contoso/main.aspx"), json!({"kind": "authenticated", "organization": "Contoso"}));
    expect(&bob("/Contoso/"), json!({"kind": "authenticated"}));
    expect(&bob("/Contoso"), unhandled());
    expect(&bob("/Contoso?a=/b"), unhandled());
    expect(&bob("//Contoso/main.aspx"), unhandled());
    // a web request's body token does not choose the organization
    let body = envelope(0, None, Some("Contoso"), NIL);
    let outcome = decide(
        &d,
        &with(
            with(request("GET", "/main.aspx"), "windows_identity", "CONTOSO\\bob"),
            "body",
            &body,
        ),
    );
    expect(&outcome, unhandled());
}

#[test]
fn passport_runs_no_maporg() {
    let d = pass_through(Strategy::Passport);
    let path = "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx";
    let body = envelope(1, None, Some("Contoso"), NIL);
    assert_eq!(organization_of(&d, &with(request("POST", path), "body", &body)), json!(null));
    let d = pass_through(Strategy::OnPremise);
    assert_eq!(organization_of(&d, &with(request("POST", path), "body", &body)), json!("Contoso"));
}

#[test]
fn rule6_anonymous_outcomes_only_on_discovery_and_ifd_signin() {
    for strategy in [Strategy::OnPremise, Strategy::Ifd, Strategy::Passport] {
        let d = match strategy {
            Strategy::Ifd => ifd(&always(PASS, &[]), &pipeline(&[])),
            other => pass_through(other),
        };
        for path in [
            "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx",
            "/mscrmservices/2007/spla/crmdiscoveryservice.ASMX?wsdl",
            "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx",
        ] {
            expect(
                &decide(&d, &request("POST", path)),
                json!({"kind": "authenticated", "step": 0, "provider": PASS, "user": null}),
            );
        }
        let signin = decide(&d, &request("GET", "/SignIn.aspx?ReturnUrl=/x"));
        if strategy == Strategy::Ifd {
            expect(&signin, json!({"kind": "authenticated", "step": 0, "user": null}));
        } else {
            expect(&signin, unhandled());
        }
        for path in [
            "/Contoso/main.aspx",
            "/MSCRMServices/2007/CrmService.asmx",
            "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx/x",
            "/signin.aspx/",
        ] {
            expect(&decide(&d, &request("GET", path)), unhandled());
        }
    }
}

#[test]
fn rule6_leaves_outcomes_with_a_user_alone() {
    let d = deployment(Strategy::OnPremise, &always("ConfigDBWindowsAuthenticationProvider", &[]));
    let outcome = decide(&d, &with(request("GET", "/x"), "windows_identity", "CONTOSO\\crmadmin"));
    expect(&outcome, json!({"kind": "authenticated", "user": ADMIN, "organization": null}));
}

fn external_cookie_step(provider_class: &str) -> String {
    step(&[
        predicate("ExternalRequestAddressPredicate", &[]),
        predicate("CookieExistPredicate", &[]),
        provider(provider_class, &[]),
    ])
}

#[test]
fn ifd_post_authentication_replaces_an_authenticated_outcome() {
    let first = pipeline(&[
        step(&[predicate("InternalRequestAddressPredicate", &[]), provider(WINDOWS, &[])]),
        external_cookie_step(PASS),
        step(&[provider("IfdRedirectAuthenticationProvider", &[])]),
    ]);
    let post = pipeline(&[
        step(&[provider("RejectAuthenticationProvider", &[])]),
        external_cookie_step(POST),
    ]);
    let d = ifd(&first, &post);
    let cookie =
        |path: &str, cookie: &str| decide(&d, &with(request("GET", path), "cookie", cookie));
    // post authenticates: its own step number
    expect(
        &cookie("/Contoso/main.aspx", "MSCRMSession=ticket=ALICE"),
        authenticated(1, POST, ALICE, Some("Contoso"), None),
    );
    // post fails: denied with the post step
    expect(
        &cookie("/Contoso/main.aspx", "MSCRMSession=ticket=ALICE-EXPIRED"),
        failed(1, POST, "8004A101"),
    );
    expect(&cookie("/Contoso/main.aspx", "MSCRMSession=ticket=%"), failed(1, POST, "8004A100"));
    // no cookie: the first pipeline redirects; post does not run
    expect(
        &decide(&d, &request("GET", "/Contoso/main.aspx")),
        json!({"kind": "redirect", "step": 2,
        "location": "/signin.aspx?ReturnUrl=/Contoso/main.aspx"}),
    );
    // internal with a user: post does not handle (internal), the first outcome stands
    let internal = with(
        with(request("GET", "/Contoso/main.aspx"), "client_address", "10.0.0.1"),
        "windows_identity",
        "CONTOSO\\bob",
    );
    expect(&decide(&d, &internal), authenticated(0, WINDOWS, BOB, Some("Contoso"), None));
    // internal without a user: nothing handles at all (step 2 redirects internal too)
    let nobody = with(request("GET", "/Contoso/main.aspx"), "client_address", "10.0.0.1");
    expect(&decide(&d, &nobody), json!({"kind": "redirect", "step": 2}));
}

#[test]
fn ifd_first_outcome_stands_when_post_does_not_handle_then_rule6() {
    let first = pipeline(&[step(&[provider(PASS, &[])])]);
    let post = pipeline(&[step(&[provider("RejectAuthenticationProvider", &[])])]);
    let d = ifd(&first, &post);
    expect(
        &decide(&d, &request("GET", "/signin.aspx")),
        json!({"kind": "authenticated", "step": 0, "provider": PASS}),
    );
    // PassThrough "checked after" that post-authentication did not check: denied
    expect(
        &decide(
            &d,
            &with(request("GET", "/Contoso/main.aspx"), "cookie", "MSCRMSession=ticket=ALICE"),
        ),
        unhandled(),
    );
}

#[test]
fn ifd_post_redirect_replaces_and_a_denied_first_outcome_skips_post() {
    let first = pipeline(&[
        step(&[predicate("UrlPathPredicate", &[("p", "/fail/x")]), provider(POST, &[])]),
        step(&[predicate("UrlPathPredicate", &[("p", "/ok/x")]), provider(PASS, &[])]),
    ]);
    let post =
        pipeline(&[step(&[provider("RedirectAuthenticationProvider", &[("url", "/again")])])]);
    let d = ifd(&first, &post);
    expect(
        &decide(&d, &request("GET", "/ok/x")),
        json!({"kind": "redirect", "step": 0,
        "provider": "RedirectAuthenticationProvider", "location": "/again", "user": null, "organization": null}),
    );
    expect(
        &decide(&d, &with(request("GET", "/fail/x"), "cookie", "MSCRMSession=ticket=NOPE")),
        failed(0, POST, "8004A100"),
    );
    expect(&decide(&d, &request("GET", "/other/x")), unhandled());
}

#[test]
fn deployment_and_input_errors() {
    let xml = always(PASS, &[]);
    assert!(matches!(Deployment::load(Strategy::Ifd, &xml, None), Err(SpecError::Deployment(_))));
    assert!(matches!(
        Deployment::load(Strategy::OnPremise, &xml, Some(&xml)),
        Err(SpecError::Deployment(_))
    ));
    assert!(matches!("ifd".parse::<Strategy>(), Err(SpecError::Strategy(_))));
    assert_eq!("IFD".parse::<Strategy>().unwrap(), Strategy::Ifd);
    let d = pass_through(Strategy::OnPremise);
    let good_request = request("GET", "/x").to_string();
    assert!(matches!(d.decide("{", &env()), Err(SpecError::Request(_))));
    assert!(matches!(
        d.decide(r#"{"method":"GET","path":"/","client_address":"1.2.3.4","extra":1}"#, &env()),
        Err(SpecError::Request(_))
    ));
    assert!(matches!(
        d.decide(r#"{"method":"GET","path":"/"}"#, &env()),
        Err(SpecError::Request(_))
    ));
    assert!(matches!(d.decide(&good_request, r#"{"clock": 1}"#), Err(SpecError::Environment(_))));
    assert!(matches!(
        d.decide(&good_request, r#"{"ifd_internal_network_address": "10.0.0.0"}"#),
        Err(SpecError::Environment(_))
    ));
    assert!(matches!(
        d.decide(
            &good_request,
            r#"{"tickets": [{"ticket": "T", "user": "x", "organization": "O", "expires_at": 1}]}"#
        ),
        Err(SpecError::Environment(_))
    ));
    assert!(d.decide(&good_request, "{}").is_ok());
}
