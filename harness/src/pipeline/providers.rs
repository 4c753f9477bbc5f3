//! What each built-in provider does with a request (PROTOCOL 1.4). Both evaluators call
//! this: they differ in how they reach a provider, not in what a provider decides.

use super::caseless;
use super::model::Provider;
use super::outcome::{Identity, Location, ProviderResult};
use super::request::{Environment, PreparedRequest, Scope, User};
use crate::codec::cookie::SessionCookie;
use crate::codec::fault::ErrorCode;
use crate::codec::redact::Ticket;
use crate::codec::token::{AuthenticationType, CrmAuthenticationToken};
use uuid::Uuid;

/// CRM error codes a provider raises (PROTOCOL 2.4).
pub mod codes {
    use crate::codec::fault::ErrorCode;
    /// `8004A100`: no ticket, an unreadable session cookie, or a ticket never issued (or
    /// whose user is gone).
    pub const INVALID_TICKET: ErrorCode = ErrorCode(0x8004_A100);
    /// `8004A101`: the ticket expired (`now >= expires_at`); a client retries with a new one.
    pub const EXPIRED_TICKET: ErrorCode = ErrorCode(0x8004_A101);
    /// `8004A102`: the ticket was issued for another organization.
    pub const BAD_TICKET: ErrorCode = ErrorCode(0x8004_A102);
    /// `8004A104`: the organization is disabled (or not there).
    pub const ORGANIZATION_DISABLED: ErrorCode = ErrorCode(0x8004_A104);
    /// `8004A110`: a `CallerId` without the act-on-behalf privilege (PROTOCOL 1.4).
    pub const CANNOT_ACT_ON_BEHALF: ErrorCode = ErrorCode(0x8004_A110);
    /// `8004A112`: the ticket's user or the impersonated caller is disabled.
    pub const USER_DISABLED: ErrorCode = ErrorCode(0x8004_A112);
    /// `80040204`: no such user for an AD token, or an impersonated caller not in the
    /// organization.
    pub const INVALID_USER_AUTH: ErrorCode = ErrorCode(0x8004_0204);
}

/// Everything a provider may look at.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The request, decoded once.
    pub request: &'a PreparedRequest,
    /// The server's state: users, organizations, tickets, clock.
    pub env: &'a Environment,
    /// What the deployment fixed: the organization MapOrg chose (PROTOCOL 1.5), and
    /// whether the site has Windows accounts at all (not under Passport, 1.6).
    pub scope: Scope<'a>,
}

/// Runs `provider` on the request.
pub fn authenticate<'a>(provider: &'a Provider, cx: Context<'a>) -> ProviderResult<'a> {
    match provider {
        Provider::PassThrough => ProviderResult::Handled(Identity {
            organization: cx.scope.organization,
            ..Identity::default()
        }),
        Provider::Reject => ProviderResult::NotHandled,
        Provider::Windows => match cx.scope.organization {
            Some(org) => windows_user(cx, |u| caseless::eq(&u.organization, org)),
            None => ProviderResult::NotHandled,
        },
        Provider::AnyOrganizationWindows | Provider::SingleOrganizationSoapHeader => {
            // The 2006 endpoint authenticates the Windows identity to the user's own
            // (default) organization: the first enabled user record of that account.
            windows_user(cx, |_| true)
        }
        // A deployment administrator is a user of the config database, not of an
        // organization: the identity names the user record, no organization (ours).
        Provider::ConfigDbWindows => {
            match account(cx).and_then(|acct| {
                cx.env
                    .users
                    .iter()
                    .find(|u| is_account(u, acct) && u.deployment_admin && !u.disabled)
            }) {
                Some(u) => ProviderResult::Handled(Identity {
                    user: Some(u.id),
                    organization: None,
                    caller: None,
                }),
                None => ProviderResult::NotHandled,
            }
        }
        Provider::CrmPostAuthentication => session_cookie(cx),
        Provider::Redirect { url } => ProviderResult::Redirect(Location::Configured(url)),
        Provider::CrmServiceRedirect => ProviderResult::Redirect(Location::CrmServiceWsdl),
        Provider::IfdRedirect => {
            ProviderResult::Redirect(Location::IfdSignIn { return_url: cx.request.path() })
        }
        Provider::MultipleOrganizationSoapHeader { authentication_types } => {
            match &cx.request.token {
                Some(t) if authentication_types.allows(t.authentication_type) => token(cx, t),
                _ => ProviderResult::NotHandled,
            }
        }
        Provider::CookieAndSoapHeader => match &cx.request.token {
            Some(t) => token(cx, t),
            None => session_cookie(cx),
        },
    }
}

/// The request's Windows account, where the site has Windows accounts (PROTOCOL 1.6).
fn account<'a>(cx: Context<'a>) -> Option<&'a str> {
    if !cx.scope.windows_accounts {
        return None;
    }
    cx.request.request.windows_identity.as_deref()
}

fn is_account(u: &User, acct: &str) -> bool {
    u.windows_account.as_deref().is_some_and(|a| caseless::eq(a, acct))
}

/// Whether `org` is an enabled organization of the deployment: it is there, and no record
/// of that name is disabled (fail closed: a deleted organization whose users and tickets
/// remain is not enabled).
fn org_enabled(env: &Environment, org: &str) -> bool {
    #[cfg(feature = "mutants")]
    if let Some(planted) = super::planted::org_enabled(env, org) {
        return planted;
    }
    let mut named = env.organizations.iter().filter(|o| caseless::eq(&o.name, org)).peekable();
    named.peek().is_some() && named.all(|o| !o.disabled)
}

/// The Windows identity as an enabled user of an enabled organization chosen by `which`.
fn windows_user<'a>(cx: Context<'a>, which: impl Fn(&User) -> bool) -> ProviderResult<'a> {
    match find_windows_user(cx, which) {
        Some(u) => ProviderResult::Handled(Identity {
            user: Some(u.id),
            organization: Some(&u.organization),
            caller: None,
        }),
        None => ProviderResult::NotHandled,
    }
}

/// The first enabled user of an enabled organization, chosen by `which`, whose Windows
/// account is the request's.
fn find_windows_user<'a>(cx: Context<'a>, which: impl Fn(&User) -> bool) -> Option<&'a User> {
    let acct = account(cx)?;
    cx.env.users.iter().find(|u| {
        is_account(u, acct) && which(u) && !u.disabled && org_enabled(cx.env, &u.organization)
    })
}

/// A ticket's user, when the ticket is issued, unexpired, and for `org` (if given).
fn ticket_user<'a>(
    env: &'a Environment,
    ticket: &Ticket,
    org: Option<&str>,
) -> Result<&'a User, ErrorCode> {
    let issued = env.tickets.iter().find(|t| t.ticket == *ticket).ok_or(codes::INVALID_TICKET)?;
    if org.is_some_and(|o| !caseless::eq(&issued.organization, o)) {
        return Err(codes::BAD_TICKET);
    }
    if env.now >= issued.expires_at {
        return Err(codes::EXPIRED_TICKET);
    }
    if !org_enabled(env, &issued.organization) {
        return Err(codes::ORGANIZATION_DISABLED);
    }
    let user = env.users.iter().find(|u| u.id == issued.user).ok_or(codes::INVALID_TICKET)?;
    if user.disabled {
        return Err(codes::USER_DISABLED);
    }
    Ok(user)
}

/// The `MSCRMSession` cookie (PROTOCOL 1.6): none → not handled; unreadable → 8004A100;
/// else its ticket, for the MapOrg organization when there is one (ours: a page with no
/// organization in its path, such as `/signin.aspx`, takes any organization's ticket).
fn session_cookie<'a>(cx: Context<'a>) -> ProviderResult<'a> {
    match &cx.request.session {
        SessionCookie::Absent => ProviderResult::NotHandled,
        #[cfg(feature = "mutants")]
        SessionCookie::Unreadable(_)
            if super::planted::is(super::planted::SharedFault::UnreadableCookieDeclines) =>
        {
            ProviderResult::NotHandled
        }
        SessionCookie::Unreadable(_) => ProviderResult::Failed(codes::INVALID_TICKET),
        SessionCookie::Ticket(s) => session(cx, &s.ticket),
    }
}

/// A session ticket, for the MapOrg organization if there is one.
fn session<'a>(cx: Context<'a>, ticket: &Ticket) -> ProviderResult<'a> {
    match ticket_user(cx.env, ticket, cx.scope.organization) {
        Ok(u) => ProviderResult::Handled(Identity {
            user: Some(u.id),
            organization: Some(&u.organization),
            caller: None,
        }),
        Err(code) => ProviderResult::Failed(code),
    }
}

/// A 2007 `CrmAuthenticationToken`: the account by ticket (Passport, Spla) or by Windows
/// identity (AD), for the token's organization; then the CallerId rule.
fn token<'a>(cx: Context<'a>, t: &'a CrmAuthenticationToken) -> ProviderResult<'a> {
    let Some(org) = t.organization_name.as_deref() else {
        return ProviderResult::NotHandled;
    };
    let acting = match (t.authentication_type, &t.crm_ticket) {
        (AuthenticationType::Ad, _) => {
            match find_windows_user(cx, |u| caseless::eq(&u.organization, org)) {
                Some(u) => u,
                None => return ProviderResult::Failed(codes::INVALID_USER_AUTH),
            }
        }
        (_, Some(ticket)) => match ticket_user(cx.env, ticket, Some(org)) {
            Ok(u) => u,
            Err(code) => return ProviderResult::Failed(code),
        },
        (_, None) => return ProviderResult::Failed(codes::INVALID_TICKET),
    };
    let caller = if t.caller_id.is_nil() {
        None
    } else {
        match impersonated(cx.env, acting, t.caller_id, org) {
            Ok(id) => Some(id),
            Err(code) => return ProviderResult::Failed(code),
        }
    };
    ProviderResult::Handled(Identity {
        user: Some(acting.id),
        organization: Some(&acting.organization),
        caller,
    })
}

/// PROTOCOL 1.4: impersonation needs the act-on-behalf privilege, and the caller must be
/// an enabled user of the same organization.
fn impersonated(
    env: &Environment,
    acting: &User,
    caller: Uuid,
    org: &str,
) -> Result<Uuid, ErrorCode> {
    if !acting.act_on_behalf {
        return Err(codes::CANNOT_ACT_ON_BEHALF);
    }
    match env.users.iter().find(|u| u.id == caller && caseless::eq(&u.organization, org)) {
        Some(u) if u.disabled => Err(codes::USER_DISABLED),
        Some(u) => Ok(u.id),
        None => Err(codes::INVALID_USER_AUTH),
    }
}
