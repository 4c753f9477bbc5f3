//! What the pipeline sees: the request and the server's environment, as plain data.
//!
//! A [`Request`] is prepared once ([`Request::prepare`]): the SOAP token and the
//! `MSCRMSession` cookie are decoded then, so that evaluating a step allocates nothing.

use super::caseless;
use super::network::InternalNetwork;
use crate::codec::cookie::{self, SessionCookie};
use crate::codec::redact::Ticket;
use crate::codec::token::{self, CrmAuthenticationToken};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use uuid::Uuid;

/// An HTTP request as the pipeline sees it (the `--request` file of `crmauth eval`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The HTTP method, for `HttpMethodPredicate` (compared case-insensitively).
    pub method: String,
    /// The request path; a query string after `?` is not part of it.
    pub path: String,
    /// The client's IP address, for the internal/external address predicates (PROTOCOL 1.3).
    pub client_address: IpAddr,
    /// The `Cookie` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    /// Other request headers, by name; no built-in predicate or provider reads them.
    pub headers: BTreeMap<String, String>,
    /// The SOAP envelope of an SDK call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The Windows account IIS authenticated (`DOMAIN\user`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_identity: Option<String>,
}

/// The server's state: roles, registry, clock, organizations, users and tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Server role bits, for `ServerRolePredicate`.
    #[serde(default = "all_roles")]
    pub server_roles: u32,
    /// The `IfdInternalNetworkAddress` registry value, parsed when loaded.
    #[serde(default)]
    pub ifd_internal_network_address: InternalNetwork,
    /// The clock, in seconds since 1970.
    #[serde(default)]
    pub now: u64,
    /// The deployment's organizations.
    #[serde(default)]
    pub organizations: Vec<Organization>,
    /// The users of all organizations.
    #[serde(default)]
    pub users: Vec<User>,
    /// The CRM tickets issued so far, for the cookie and SOAP-header providers.
    #[serde(default)]
    pub tickets: Vec<IssuedTicket>,
}

fn all_roles() -> u32 {
    u32::MAX
}

impl Default for Environment {
    /// Every server role, no internal ranges, the clock at 0, nothing else.
    fn default() -> Self {
        Environment {
            server_roles: all_roles(),
            ifd_internal_network_address: InternalNetwork::default(),
            now: 0,
            organizations: Vec::new(),
            users: Vec::new(),
            tickets: Vec::new(),
        }
    }
}

/// A CRM organization of the deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// The organization id.
    pub id: Uuid,
    /// The unique name (`OrganizationName`, the first path segment).
    pub name: String,
    /// The display name Discovery returns, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// A disabled organization authenticates no one: its tickets fail with the
    /// organization-disabled code (PROTOCOL 2.4).
    #[serde(default)]
    pub disabled: bool,
}

/// A CRM user (systemuser) of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The systemuser id.
    pub id: Uuid,
    /// The unique name of the user's organization.
    pub organization: String,
    /// The Windows account (`DOMAIN\user`, compared case-insensitively), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_account: Option<String>,
    /// The Windows Live PUID (16 hex digits), for Passport users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub puid: Option<String>,
    /// The display name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// A deployment administrator in the config database.
    #[serde(default)]
    pub deployment_admin: bool,
    /// Holds the act-on-behalf-of-another-user privilege.
    #[serde(default)]
    pub act_on_behalf: bool,
    /// A disabled user is never authenticated (its tickets fail with the user-disabled
    /// code, PROTOCOL 2.4).
    #[serde(default)]
    pub disabled: bool,
}

/// A CRM ticket the server issued, valid for one organization until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuedTicket {
    /// The ticket string (redacted when displayed).
    pub ticket: Ticket,
    /// The id of the user it was issued to.
    pub user: Uuid,
    /// The unique name of the organization it is valid for.
    pub organization: String,
    /// Seconds since 1970; the ticket is expired when `now >= expires_at`.
    pub expires_at: u64,
}

/// A request with everything decoded once: the path without query, the SOAP token,
/// the `MSCRMSession` ticket, and the organization MapOrg chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    /// The request as given.
    pub request: Request,
    /// `None` when the body is absent, is not a SOAP envelope or carries no token.
    pub token: Option<CrmAuthenticationToken>,
    /// Whether the body was present but could not be decoded.
    pub token_error: bool,
    /// The `MSCRMSession` cookie, read once: CookieExist's answer and the ticket.
    pub session: SessionCookie,
    path_len: usize,
    /// Whether the path is under `/MSCRMServices/`.
    is_sdk: bool,
    /// The byte range of the path's first segment when the path has at least two.
    first_segment: Option<(usize, usize)>,
}

impl Request {
    /// Decodes what the providers need, once. Never fails: an undecodable body counts as
    /// "no token" (`token_error` set), so SOAP providers do not handle it (fail closed).
    pub fn prepare(self) -> PreparedRequest {
        let (token, token_error) = match &self.body {
            Some(body) => match token::decode_token_from_envelope(body.as_bytes()) {
                Ok(t) => (t, false),
                Err(_) => (None, true),
            },
            None => (None, false),
        };
        let header = self.cookie.as_deref().unwrap_or("");
        let session = cookie::session_cookie(header);
        let path_len = self.path.find('?').unwrap_or(self.path.len());
        let path = &self.path[..path_len];
        let is_sdk = is_sdk_path(path);
        let first_segment = first_segment(path);
        PreparedRequest {
            request: self,
            token,
            token_error,
            session,
            path_len,
            is_sdk,
            first_segment,
        }
    }
}

fn is_sdk_path(path: &str) -> bool {
    const SDK: &str = "/MSCRMServices/";
    path.len() > SDK.len() && caseless::starts_with(path, SDK)
}

/// MapOrg's segment of a web path (PROTOCOL 1.5): the first, when there are at least two.
fn first_segment(path: &str) -> Option<(usize, usize)> {
    let rest = path.strip_prefix('/')?;
    let (first, _) = rest.split_once('/')?;
    (!first.is_empty()).then_some((1, 1 + first.len()))
}

impl PreparedRequest {
    /// The path without its query string.
    pub fn path(&self) -> &str {
        &self.request.path[..self.path_len]
    }

    /// Whether this is an SDK call: the path is under `/MSCRMServices/`.
    pub fn is_sdk(&self) -> bool {
        self.is_sdk
    }

    /// CookieExistPredicate's answer (PROTOCOL 1.3), from the one parse of the header.
    pub fn cookie_exist(&self) -> bool {
        self.session.exists()
    }

    /// Whether the path (no query, ASCII case-insensitive) is one that PROTOCOL 1.6 lets
    /// be authenticated without a user: a discovery endpoint, or under IFD `/signin.aspx`.
    pub fn may_be_anonymous(&self, strategy: Strategy) -> bool {
        const DISCOVERY: [&str; 3] = [
            "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx",
            "/MSCRMServices/2007/SPLA/CrmDiscoveryService.asmx",
            "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx",
        ];
        let path = self.path();
        DISCOVERY.iter().any(|d| caseless::eq(path, d))
            || (strategy == Strategy::Ifd && caseless::eq(path, "/signin.aspx"))
    }
}

/// The authentication strategy (`<authentication strategy="…"/>`, PROTOCOL 1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Strategy {
    /// `OnPremise`: Windows authentication, the `CrmAuthentication` pipeline.
    #[default]
    OnPremise,
    /// `IFD` (Internet-facing deployment): `CrmAuthentication`, then `CrmPostAuthentication`.
    #[serde(rename = "IFD")]
    Ifd,
    /// `Passport` (Windows Live, CRM Online): the `CrmPassport` pipeline.
    Passport,
}

/// What a deployment fixes before its pipelines run (PROTOCOL 1.5, 1.6): the organization
/// MapOrg chose, and whether the request can carry a Windows account at all (IIS runs
/// Windows authentication for OnPremise and IFD; a Passport site is anonymous, so a
/// Windows account on the request is ignored there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    /// The organization MapOrg chose.
    pub organization: Option<&'a str>,
    /// Whether providers may read the request's Windows account.
    pub windows_accounts: bool,
}

impl<'a> Scope<'a> {
    /// A Windows-authenticated site (OnPremise, IFD) with `organization` chosen.
    pub fn windows(organization: Option<&'a str>) -> Self {
        Scope { organization, windows_accounts: true }
    }

    /// What `strategy` fixes for `request`: MapOrg, and Windows accounts unless Passport.
    pub fn of(strategy: Strategy, request: &'a PreparedRequest) -> Self {
        #[cfg(feature = "mutants")]
        if crate::pipeline::planted::is(
            crate::pipeline::planted::SharedFault::PassportWindowsAccounts,
        ) {
            return Scope::windows(map_org(strategy, request));
        }
        Scope {
            organization: map_org(strategy, request),
            windows_accounts: strategy != Strategy::Passport,
        }
    }
}

/// MapOrg (PROTOCOL 1.5): the organization of a request, before the pipeline.
///
/// SDK calls take `OrganizationName` from the token; web requests take the first path
/// segment when the path has at least two segments (`/Contoso/main.aspx`; ours: a lone
/// `/signin.aspx` names a page, not an organization). Passport runs no MapOrg.
pub fn map_org(strategy: Strategy, req: &PreparedRequest) -> Option<&str> {
    if strategy == Strategy::Passport {
        return None;
    }
    if req.is_sdk() {
        return req.token.as_ref()?.organization_name.as_deref();
    }
    let (start, end) = req.first_segment?;
    Some(&req.request.path[start..end])
}
