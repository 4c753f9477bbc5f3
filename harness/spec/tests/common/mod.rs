//! Builders shared by the model's hand-written tests: pipeline XML, SOAP envelopes, a
//! small environment, requests.
#![allow(dead_code)]

use crmauth_spec::{Deployment, Strategy};
use serde_json::{json, Value};

pub const ALICE: &str = "a11ce000-0000-0000-0000-000000000001";
pub const BOB: &str = "b0b00000-0000-0000-0000-000000000002";
pub const CAROL: &str = "ca201000-0000-0000-0000-000000000003";
pub const ADMIN: &str = "ad000000-0000-0000-0000-000000000004";
pub const DAVE: &str = "da7e0000-0000-0000-0000-000000000005";
pub const GUS: &str = "6a500000-0000-0000-0000-000000000006";
pub const SAM_FABRIKAM: &str = "5a300000-0000-0000-0000-000000000007";
pub const SAM_CONTOSO: &str = "5a300000-0000-0000-0000-000000000008";
pub const OLD_ADMIN: &str = "01dad000-0000-0000-0000-000000000009";
pub const GHOST_ADMIN: &str = "6a0ad000-0000-0000-0000-00000000000a";
pub const NOBODY: &str = "00000000-0000-0000-0000-0000000000ff";
pub const NIL: &str = "00000000-0000-0000-0000-000000000000";

pub const NOW: u64 = 1_700_000_000;

/// Contoso (enabled), Fabrikam (disabled); "Ghost" is referenced but not listed.
pub fn env() -> String {
    json!({
        "server_roles": 6,
        "ifd_internal_network_address": "10.0.0.0-255.0.0.0",
        "now": NOW,
        "organizations": [
            {"id": "c0c0c0c0-0000-0000-0000-000000000001", "name": "Contoso"},
            {"id": "fabf0000-0000-0000-0000-000000000002", "name": "Fabrikam", "disabled": true}
        ],
        "users": [
            {"id": ALICE, "organization": "Contoso", "windows_account": "CONTOSO\\alice", "act_on_behalf": true},
            {"id": BOB, "organization": "Contoso", "windows_account": "CONTOSO\\bob"},
            {"id": CAROL, "organization": "Contoso", "windows_account": "CONTOSO\\carol", "disabled": true},
            {"id": ADMIN, "organization": "Contoso", "windows_account": "CONTOSO\\crmadmin", "deployment_admin": true},
            {"id": DAVE, "organization": "Fabrikam", "windows_account": "FABRIKAM\\dave"},
            {"id": GUS, "organization": "Ghost", "windows_account": "GHOST\\gus", "act_on_behalf": true},
            {"id": SAM_FABRIKAM, "organization": "Fabrikam", "windows_account": "SHARED\\sam"},
            {"id": SAM_CONTOSO, "organization": "contoso", "windows_account": "SHARED\\sam"},
            {"id": OLD_ADMIN, "organization": "Contoso", "windows_account": "CONTOSO\\oldadmin", "deployment_admin": true, "disabled": true},
            {"id": GHOST_ADMIN, "organization": "Ghost", "windows_account": "GHOST\\admin", "deployment_admin": true}
        ],
        "tickets": [
            {"ticket": "ALICE", "user": ALICE, "organization": "Contoso", "expires_at": NOW + 3600},
            {"ticket": "ALICE-EXPIRED", "user": ALICE, "organization": "Contoso", "expires_at": NOW},
            {"ticket": "BOB", "user": BOB, "organization": "contoso", "expires_at": NOW + 1},
            {"ticket": "CAROL", "user": CAROL, "organization": "Contoso", "expires_at": NOW + 3600},
            {"ticket": "DAVE", "user": DAVE, "organization": "Fabrikam", "expires_at": NOW + 3600},
            {"ticket": "DAVE-EXPIRED", "user": DAVE, "organization": "Fabrikam", "expires_at": 1},
            {"ticket": "GUS", "user": GUS, "organization": "Ghost", "expires_at": NOW + 3600},
            {"ticket": "ORPHAN", "user": NOBODY, "organization": "Contoso", "expires_at": NOW + 3600}
        ]
    })
    .to_string()
}

pub fn predicate(class: &str, configuration: &[(&str, &str)]) -> String {
    element("predicate", &format!("Microsoft.Crm.Authentication.{class}"), configuration)
}

/// A provider by short name; the namespace is chosen as PROTOCOL 1.4 gives it.
pub fn provider(class: &str, configuration: &[(&str, &str)]) -> String {
    let namespace = match class {
        "SingleOrganizationSoapHeaderAuthenticationProvider" => "Microsoft.Crm.WebServices.Crm2006",
        "MultipleOrganizationSoapHeaderAuthenticationProvider"
        | "CookieAndSoapHeaderAuthenticationProvider" => "Microsoft.Crm.WebServices.Crm2007",
        _ => "Microsoft.Crm.Authentication",
    };
    element("provider", &format!("{namespace}.{class}"), configuration)
}

fn element(name: &str, class: &str, configuration: &[(&str, &str)]) -> String {
    let mut text = format!(
        "<{name} type=\"{class}, Microsoft.Crm, Version={{0}}, Culture=neutral, PublicKeyToken=31bf3856ad364e35\">"
    );
    for (key, value) in configuration {
        text.push_str(&format!("<configuration key=\"{key}\" value=\"{value}\" />"));
    }
    text.push_str(&format!("</{name}>"));
    text
}

pub fn step(parts: &[String]) -> String {
    format!("<step>{}</step>", parts.concat())
}

pub fn pipeline(steps: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<pipeline xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">{}</pipeline>",
        steps.concat()
    )
}

/// A one-step pipeline `[Always] → provider`.
pub fn always(provider_class: &str, configuration: &[(&str, &str)]) -> String {
    pipeline(&[step(&[
        predicate("AlwaysAuthenticationPredicate", &[]),
        provider(provider_class, configuration),
    ])])
}

pub fn deployment(strategy: Strategy, xml: &str) -> Deployment {
    Deployment::load(strategy, xml, None).unwrap()
}

pub fn ifd(xml: &str, post: &str) -> Deployment {
    Deployment::load(Strategy::Ifd, xml, Some(post)).unwrap()
}

pub fn request(method: &str, path: &str) -> Value {
    json!({"method": method, "path": path, "client_address": "203.0.113.9"})
}

pub fn with(mut request: Value, key: &str, value: &str) -> Value {
    request[key] = json!(value);
    request
}

pub fn decide(deployment: &Deployment, request: &Value) -> Value {
    deployment.decide(&request.to_string(), &env()).unwrap()
}

/// A SOAP 1.1 envelope with a 2007 token.
pub fn envelope(
    authentication_type: u8,
    ticket: Option<&str>,
    organization: Option<&str>,
    caller: &str,
) -> String {
    let core = "xmlns=\"http://schemas.microsoft.com/crm/2007/CoreTypes\"";
    let mut token =
        format!("<AuthenticationType {core}>{authentication_type}</AuthenticationType>");
    if let Some(ticket) = ticket {
        token.push_str(&format!("<CrmTicket {core}>{ticket}</CrmTicket>"));
    }
    if let Some(organization) = organization {
        token.push_str(&format!("<OrganizationName {core}>{organization}</OrganizationName>"));
    }
    token.push_str(&format!("<CallerId {core}>{caller}</CallerId>"));
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header><CrmAuthenticationToken xmlns=\"http://schemas.microsoft.com/crm/2007/WebServices\">{token}</CrmAuthenticationToken></soap:Header><soap:Body><Execute xmlns=\"http://schemas.microsoft.com/crm/2007/WebServices\"/></soap:Body></soap:Envelope>"
    )
}

/// Asserts the outcome keys given.
pub fn expect(outcome: &Value, expected: Value) {
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&outcome[key], value, "key {key} of {outcome}");
    }
    assert_eq!(outcome.as_object().unwrap().len(), 8, "eight keys: {outcome}");
}

pub fn authenticated(
    step: usize,
    provider: &str,
    user: &str,
    organization: Option<&str>,
    caller: Option<&str>,
) -> Value {
    json!({"kind": "authenticated", "step": step, "provider": provider, "location": null,
           "user": user, "organization": organization, "caller": caller, "error": null})
}

pub fn failed(step: usize, provider: &str, code: &str) -> Value {
    json!({"kind": "denied", "step": step, "provider": provider, "location": null,
           "user": null, "organization": null, "caller": null, "error": code})
}

pub fn unhandled() -> Value {
    json!({"kind": "denied", "step": null, "provider": null, "location": null,
           "user": null, "organization": null, "caller": null, "error": null})
}
