//! Each provider of PROTOCOL 1.4 (docs/pipeline.md "Providers"; issue 11 rules 2-5), one
//! `[Always] → provider` pipeline at a time.

mod common;
use common::*;
use crmauth_spec::Strategy;
use serde_json::json;

const MULTI: &str = "MultipleOrganizationSoapHeaderAuthenticationProvider";
const COOKIE_SOAP: &str = "CookieAndSoapHeaderAuthenticationProvider";
const POST: &str = "CrmPostAuthenticationProvider";
const WINDOWS: &str = "WindowsAuthenticationProvider";
const ANY: &str = "AnyOrganizationWindowsAuthenticationProvider";
const CONFIG_DB: &str = "ConfigDBWindowsAuthenticationProvider";
const SDK: &str = "/MSCRMServices/2007/CrmService.asmx";
const AD_DISCOVERY: &str = "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx";

fn on_premise(provider_class: &str) -> crmauth_spec::Deployment {
    deployment(Strategy::OnPremise, &always(provider_class, &[]))
}

fn multi(types: &[&str]) -> crmauth_spec::Deployment {
    let keys: Vec<String> = (0..types.len()).map(|i| format!("authenticationType{i}")).collect();
    let configuration: Vec<(&str, &str)> =
        keys.iter().map(String::as_str).zip(types.iter().copied()).collect();
    deployment(Strategy::OnPremise, &always(MULTI, &configuration))
}

fn sdk_call(body: String, account: Option<&str>) -> serde_json::Value {
    let request = with(request("POST", SDK), "body", &body);
    match account {
        Some(account) => with(request, "windows_identity", account),
        None => request,
    }
}

#[test]
fn pass_through_is_anonymous_with_the_maporg_organization_as_written() {
    let d = on_premise("PassThroughAuthenticationProvider");
    let body = envelope(0, None, Some("contoso"), NIL);
    let outcome = decide(&d, &with(request("POST", AD_DISCOVERY), "body", &body));
    // a discovery path is an SDK path (/MSCRMServices/…): MapOrg reads the token
    expect(
        &outcome,
        json!({"kind": "authenticated", "step": 0, "provider": "PassThroughAuthenticationProvider",
        "user": null, "organization": "contoso", "caller": null, "error": null}),
    );
    let outcome = decide(&d, &request("GET", AD_DISCOVERY));
    expect(&outcome, json!({"kind": "authenticated", "user": null, "organization": null}));
}

#[test]
fn reject_never_handles() {
    let d = on_premise("RejectAuthenticationProvider");
    expect(&decide(&d, &request("GET", AD_DISCOVERY)), unhandled());
    let two = pipeline(&[
        step(&[provider("RejectAuthenticationProvider", &[])]),
        step(&[provider("ConfigDBWindowsAuthenticationProvider", &[])]),
    ]);
    let d = deployment(Strategy::OnPremise, &two);
    let outcome = decide(&d, &with(request("GET", "/x"), "windows_identity", "contoso\\CRMADMIN"));
    expect(
        &outcome,
        json!({"kind": "authenticated", "step": 1, "provider": CONFIG_DB, "user": ADMIN}),
    );
}

#[test]
fn windows_needs_an_enabled_user_of_the_enabled_maporg_organization() {
    let d = on_premise(WINDOWS);
    let bob = |path: &str, account: &str| {
        decide(&d, &with(request("GET", path), "windows_identity", account))
    };
    expect(
        &bob("/contoso/main.aspx", "contoso\\BOB"),
        authenticated(0, WINDOWS, BOB, Some("Contoso"), None),
    );
    expect(&bob("/Fabrikam/main.aspx", "CONTOSO\\bob"), unhandled());
    expect(&bob("/Fabrikam/main.aspx", "FABRIKAM\\dave"), unhandled()); // organization disabled
    expect(&bob("/Ghost/main.aspx", "GHOST\\gus"), unhandled()); // organization missing
    expect(&bob("/Contoso/main.aspx", "CONTOSO\\carol"), unhandled()); // user disabled
    expect(&bob("/Contoso", "CONTOSO\\bob"), unhandled()); // one segment: no organization
    expect(&decide(&d, &request("GET", "/Contoso/main.aspx")), unhandled()); // no identity
                                                                             // the organization is the user record's, however the path spells it
    expect(
        &bob("/CONTOSO/main.aspx", "SHARED\\sam"),
        authenticated(0, WINDOWS, SAM_CONTOSO, Some("contoso"), None),
    );
}

#[test]
fn any_organization_windows_takes_the_first_enabled_record_of_an_enabled_organization() {
    for class in [ANY, "SingleOrganizationSoapHeaderAuthenticationProvider"] {
        let d = on_premise(class);
        let who =
            |account: &str| decide(&d, &with(request("POST", "/x"), "windows_identity", account));
        // SHARED\sam: the Fabrikam record (disabled organization) is skipped
        expect(&who("shared\\SAM"), authenticated(0, class, SAM_CONTOSO, Some("contoso"), None));
        expect(&who("CONTOSO\\alice"), authenticated(0, class, ALICE, Some("Contoso"), None));
        expect(&who("FABRIKAM\\dave"), unhandled());
        expect(&who("GHOST\\gus"), unhandled());
        expect(&who("CONTOSO\\carol"), unhandled());
        expect(&who("CONTOSO\\nobody"), unhandled());
    }
}

#[test]
fn config_db_windows_takes_an_enabled_deployment_administrator() {
    let d = on_premise(CONFIG_DB);
    let who = |account: &str| decide(&d, &with(request("GET", "/x"), "windows_identity", account));
    expect(
        &who("CONTOSO\\crmadmin"),
        json!({"kind": "authenticated", "step": 0, "provider": CONFIG_DB,
        "user": ADMIN, "organization": null, "caller": null, "error": null}),
    );
    expect(&who("CONTOSO\\alice"), unhandled()); // not an administrator
    expect(&who("CONTOSO\\oldadmin"), unhandled()); // disabled
                                                    // rule 4 asks only for an enabled user record: the organization does not matter
    expect(
        &who("GHOST\\admin"),
        json!({"kind": "authenticated", "user": GHOST_ADMIN, "organization": null}),
    );
    let passport = deployment(Strategy::Passport, &always(CONFIG_DB, &[]));
    let outcome =
        decide(&passport, &with(request("GET", "/x"), "windows_identity", "CONTOSO\\crmadmin"));
    expect(&outcome, unhandled()); // rule 5
}

#[test]
fn crm_post_authentication_reads_the_cookie_ticket() {
    let d = on_premise(POST);
    let with_cookie =
        |path: &str, cookie: &str| decide(&d, &with(request("GET", path), "cookie", cookie));
    expect(
        &with_cookie("/Contoso/main.aspx", "MSCRMSession=ticket=ALICE"),
        authenticated(0, POST, ALICE, Some("Contoso"), None),
    );
    expect(
        &with_cookie("/Contoso/main.aspx", "MSCRMSession=ticket=%zz"),
        failed(0, POST, "8004A100"),
    );
    expect(
        &with_cookie("/Contoso/main.aspx", "MSCRMSession=xyz; MSCRMSession=ticket=ALICE"),
        failed(0, POST, "8004A100"),
    );
    expect(&with_cookie("/Contoso/main.aspx", "MSCRMSession=expired"), unhandled());
    expect(&with_cookie("/Contoso/main.aspx", "MSCRMSession=ticket=ALICE\u{1}"), unhandled()); // invalid header
    expect(&decide(&d, &request("GET", "/Contoso/main.aspx")), unhandled());
    // no MapOrg organization: no organization check
    expect(
        &with_cookie("/main.aspx", "MSCRMSession=ticket=ALICE"),
        authenticated(0, POST, ALICE, Some("Contoso"), None),
    );
    // the ticket's organization compares case-insensitively
    expect(
        &with_cookie("/CONTOSO/main.aspx", "MSCRMSession=ticket=BOB"),
        authenticated(0, POST, BOB, Some("Contoso"), None),
    );
}

#[test]
fn ticket_checks_come_in_the_documented_order() {
    let d = on_premise(POST);
    let cookie = |path: &str, ticket: &str| {
        decide(&d, &with(request("GET", path), "cookie", &format!("MSCRMSession=ticket={ticket}")))
    };
    expect(&cookie("/Contoso/a", "UNKNOWN"), failed(0, POST, "8004A100"));
    // another organization is reported before expiry
    expect(&cookie("/Other/a", "ALICE-EXPIRED"), failed(0, POST, "8004A102"));
    // now >= expires_at is expired
    expect(&cookie("/Contoso/a", "ALICE-EXPIRED"), failed(0, POST, "8004A101"));
    // expiry is reported before the disabled organization
    expect(&cookie("/Fabrikam/a", "DAVE-EXPIRED"), failed(0, POST, "8004A101"));
    expect(&cookie("/Fabrikam/a", "DAVE"), failed(0, POST, "8004A104"));
    expect(&cookie("/Ghost/a", "GUS"), failed(0, POST, "8004A104")); // organization missing
    expect(&cookie("/Contoso/a", "ORPHAN"), failed(0, POST, "8004A100")); // user unknown
    expect(&cookie("/Contoso/a", "CAROL"), failed(0, POST, "8004A112")); // user disabled
}

#[test]
fn redirect_providers() {
    let d = deployment(
        Strategy::OnPremise,
        &always("RedirectAuthenticationProvider", &[("url", "https://example.test/x?y=1")]),
    );
    expect(
        &decide(&d, &request("GET", "/a")),
        json!({"kind": "redirect", "step": 0,
        "provider": "RedirectAuthenticationProvider", "location": "https://example.test/x?y=1",
        "user": null, "organization": null, "caller": null, "error": null}),
    );
    let d = on_premise("CrmServiceRedirectAuthenticationProvider");
    expect(
        &decide(&d, &request("GET", "/a")),
        json!({"kind": "redirect", "location": "/CrmServiceWsdl.aspx"}),
    );
    let d = on_premise("IfdRedirectAuthenticationProvider");
    expect(
        &decide(&d, &request("GET", "/Contoso/my page.aspx?id=1")),
        json!({"kind": "redirect", "location": "/signin.aspx?ReturnUrl=/Contoso/my%20page.aspx"}),
    );
    expect(
        &decide(&d, &request("GET", "/a+b/%7E~")),
        json!({"kind": "redirect", "location": "/signin.aspx?ReturnUrl=/a%2Bb/%257E~"}),
    );
}

#[test]
fn multiple_organization_handles_only_its_configured_types() {
    let d = multi(&["0"]);
    let passport = envelope(1, Some("ALICE"), Some("Contoso"), NIL);
    expect(&decide(&d, &sdk_call(passport.clone(), None)), unhandled());
    let d = multi(&["2", "1"]);
    expect(
        &decide(&d, &sdk_call(passport, None)),
        authenticated(0, MULTI, ALICE, Some("Contoso"), None),
    );
    expect(&decide(&d, &request("POST", SDK)), unhandled()); // no body
    let broken = envelope(1, Some("ALICE"), Some("Contoso"), "not-a-guid");
    expect(&decide(&d, &sdk_call(broken, None)), unhandled()); // undecodable: no token
    let no_org = envelope(1, Some("ALICE"), None, NIL);
    expect(&decide(&d, &sdk_call(no_org, None)), unhandled());
}

#[test]
fn multiple_organization_ad_tokens() {
    let d = multi(&["0"]);
    let ad = |org: &str, account: Option<&str>| {
        decide(&d, &sdk_call(envelope(0, None, Some(org), NIL), account))
    };
    expect(
        &ad("contoso", Some("CONTOSO\\ALICE")),
        authenticated(0, MULTI, ALICE, Some("Contoso"), None),
    );
    expect(&ad("Contoso", None), failed(0, MULTI, "80040204"));
    expect(&ad("Contoso", Some("CONTOSO\\carol")), failed(0, MULTI, "80040204")); // disabled
    expect(&ad("Contoso", Some("FABRIKAM\\dave")), failed(0, MULTI, "80040204")); // other org
    expect(&ad("Fabrikam", Some("FABRIKAM\\dave")), failed(0, MULTI, "80040204")); // org disabled
    expect(&ad("Ghost", Some("GHOST\\gus")), failed(0, MULTI, "80040204")); // org missing
                                                                            // rule 5: Passport has no Windows identity
    let passport = deployment(Strategy::Passport, &always(MULTI, &[("authenticationType0", "0")]));
    let outcome = decide(
        &passport,
        &sdk_call(envelope(0, None, Some("Contoso"), NIL), Some("CONTOSO\\alice")),
    );
    expect(&outcome, failed(0, MULTI, "80040204"));
}

#[test]
fn multiple_organization_ticket_tokens() {
    let d = multi(&["1", "2"]);
    let token = |t: u8, ticket: Option<&str>, org: &str| {
        decide(&d, &sdk_call(envelope(t, ticket, Some(org), NIL), None))
    };
    expect(&token(2, Some("BOB"), "CONTOSO"), authenticated(0, MULTI, BOB, Some("Contoso"), None));
    expect(&token(1, None, "Contoso"), failed(0, MULTI, "8004A100"));
    expect(&token(1, Some("ALICE"), "Fabrikam"), failed(0, MULTI, "8004A102"));
    expect(&token(1, Some("ALICE-EXPIRED"), "Contoso"), failed(0, MULTI, "8004A101"));
    expect(&token(1, Some("DAVE"), "Fabrikam"), failed(0, MULTI, "8004A104"));
    expect(&token(1, Some("CAROL"), "Contoso"), failed(0, MULTI, "8004A112"));
    expect(&token(1, Some("ORPHAN"), "Contoso"), failed(0, MULTI, "8004A100"));
}

#[test]
fn impersonation_rules() {
    let d = multi(&["1"]);
    let as_caller = |ticket: &str, caller: &str| {
        decide(&d, &sdk_call(envelope(1, Some(ticket), Some("Contoso"), caller), None))
    };
    expect(&as_caller("ALICE", BOB), authenticated(0, MULTI, ALICE, Some("Contoso"), Some(BOB)));
    expect(
        &as_caller("ALICE", &BOB.to_uppercase()),
        authenticated(0, MULTI, ALICE, Some("Contoso"), Some(BOB)),
    );
    expect(&as_caller("BOB", ALICE), failed(0, MULTI, "8004A110"));
    expect(&as_caller("ALICE", DAVE), failed(0, MULTI, "80040204")); // caller of another organization
    expect(&as_caller("ALICE", NOBODY), failed(0, MULTI, "80040204"));
    expect(&as_caller("ALICE", CAROL), failed(0, MULTI, "8004A112"));
    // the privilege is checked before the caller
    expect(&as_caller("BOB", NOBODY), failed(0, MULTI, "8004A110"));
}

#[test]
fn cookie_and_soap_header_prefers_the_token_then_the_cookie() {
    let d = on_premise(COOKIE_SOAP);
    // any token type
    let token = sdk_call(envelope(2, Some("ALICE"), Some("Contoso"), NIL), None);
    expect(&decide(&d, &token), authenticated(0, COOKIE_SOAP, ALICE, Some("Contoso"), None));
    let token = sdk_call(envelope(0, None, Some("Contoso"), NIL), Some("CONTOSO\\bob"));
    expect(&decide(&d, &token), authenticated(0, COOKIE_SOAP, BOB, Some("Contoso"), None));
    // a token decides even when a cookie is present
    let token = with(
        sdk_call(envelope(1, Some("ALICE-EXPIRED"), Some("Contoso"), NIL), None),
        "cookie",
        "MSCRMSession=ticket=BOB",
    );
    expect(&decide(&d, &token), failed(0, COOKIE_SOAP, "8004A101"));
    // no token: the cookie
    let web =
        |cookie: &str| decide(&d, &with(request("GET", "/Contoso/main.aspx"), "cookie", cookie));
    expect(
        &web("MSCRMSession=ticket=BOB&expiration=1"),
        authenticated(0, COOKIE_SOAP, BOB, Some("Contoso"), None),
    );
    expect(&web("MSCRMSession=ticket=T&ticket=b"), failed(0, COOKIE_SOAP, "8004A100"));
    expect(&web("MSCRMSession=other"), unhandled());
    // Passport: no MapOrg, so no organization check on the cookie; no Windows identity
    let passport = deployment(Strategy::Passport, &always(COOKIE_SOAP, &[]));
    let outcome = decide(
        &passport,
        &with(request("GET", "/Fabrikam/main.aspx"), "cookie", "MSCRMSession=ticket=ALICE"),
    );
    expect(&outcome, authenticated(0, COOKIE_SOAP, ALICE, Some("Contoso"), None));
    let ad = sdk_call(envelope(0, None, Some("Contoso"), NIL), Some("CONTOSO\\bob"));
    expect(&decide(&passport, &ad), failed(0, COOKIE_SOAP, "80040204"));
}

#[test]
fn predicates_gate_the_provider() {
    let xml = pipeline(&[
        step(&[predicate("ServerRolePredicate", &[("roles", "1")]), provider(CONFIG_DB, &[])]),
        step(&[
            predicate("HttpMethodPredicate", &[("method", "post")]),
            predicate("CookieExistPredicate", &[]),
            provider(POST, &[]),
        ]),
        step(&[predicate("InternalRequestAddressPredicate", &[]), provider(WINDOWS, &[])]),
        step(&[
            predicate("ExternalRequestAddressPredicate", &[]),
            predicate("UrlPathPredicate", &[("a", "/X/Y"), ("b", "/contoso/main.aspx")]),
            provider(ANY, &[]),
        ]),
    ]);
    let d = deployment(Strategy::OnPremise, &xml);
    // roles 6 & 1 == 0: step 0 never runs
    let admin =
        with(request("POST", "/Contoso/main.aspx?q"), "windows_identity", "CONTOSO\\crmadmin");
    expect(&decide(&d, &admin), authenticated(3, ANY, ADMIN, Some("Contoso"), None));
    let cookie = with(admin.clone(), "cookie", "MSCRMSession=ticket=ALICE");
    expect(&decide(&d, &cookie), authenticated(1, POST, ALICE, Some("Contoso"), None));
    let internal = with(admin, "client_address", "::ffff:10.1.1.1");
    expect(&decide(&d, &internal), authenticated(2, WINDOWS, ADMIN, Some("Contoso"), None));
}
