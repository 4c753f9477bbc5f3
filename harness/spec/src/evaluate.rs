//! Evaluation of one pipeline (PROTOCOL 1.2), its predicates (1.3) and providers (1.4;
//! docs/pipeline.md "Providers"; issue 11 rules 2-5 and the brief's details).

use crate::cookie::{CookieHeader, SessionTicket};
use crate::environment::{is_internal, Environment, User};
use crate::pipeline::{AuthenticationType, Pipeline, Predicate, Provider};
use crate::request::{encode_return_url, Request};
use crate::token::Token;
use serde_json::{json, Value};
use std::fmt;
use std::net::IpAddr;
use uuid::Uuid;

/// A CRM error code (PROTOCOL 2.4), printed as 8 upper-case hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    /// 8004A100 invalid ticket.
    pub const INVALID_TICKET: ErrorCode = ErrorCode(0x8004_A100);
    /// 8004A101 expired ticket.
    pub const EXPIRED_TICKET: ErrorCode = ErrorCode(0x8004_A101);
    /// 8004A102 bad ticket (another organization's).
    pub const BAD_TICKET: ErrorCode = ErrorCode(0x8004_A102);
    /// 8004A104 organization disabled.
    pub const ORGANIZATION_DISABLED: ErrorCode = ErrorCode(0x8004_A104);
    /// 8004A110 cannot act on behalf of another user.
    pub const CANNOT_ACT_ON_BEHALF: ErrorCode = ErrorCode(0x8004_A110);
    /// 8004A112 system user disabled.
    pub const USER_DISABLED: ErrorCode = ErrorCode(0x8004_A112);
    /// 80040204 invalid user authentication.
    pub const INVALID_USER: ErrorCode = ErrorCode(0x8004_0204);
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08X}", self.0)
    }
}

/// The three outcomes (PROTOCOL 1.2, ours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    Authenticated,
    Redirect,
    Denied,
}

impl OutcomeKind {
    fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Authenticated => "authenticated",
            OutcomeKind::Redirect => "redirect",
            OutcomeKind::Denied => "denied",
        }
    }
}

/// Who an authenticated request is (PROTOCOL 1.2): the user, the organization and, for
/// impersonation, the caller the work is done for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    pub user: Option<Uuid>,
    pub organization: Option<String>,
    pub caller: Option<Uuid>,
}

/// The outcome of a deployment (the eight keys of the outcome JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub step: Option<usize>,
    pub provider: Option<&'static str>,
    pub location: Option<String>,
    pub identity: Identity,
    pub error: Option<ErrorCode>,
}

impl Outcome {
    /// Denied because no step handled the request (PROTOCOL 1.2, fail closed): step,
    /// provider and error are null.
    pub fn denied_unhandled() -> Outcome {
        Outcome {
            kind: OutcomeKind::Denied,
            step: None,
            provider: None,
            location: None,
            identity: Identity::default(),
            error: None,
        }
    }

    /// The outcome JSON: always all eight keys.
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind.as_str(),
            "step": self.step,
            "provider": self.provider,
            "location": self.location,
            "user": self.identity.user.map(|u| u.hyphenated().to_string()),
            "organization": self.identity.organization,
            "caller": self.identity.caller.map(|u| u.hyphenated().to_string()),
            "error": self.error.map(|e| e.to_string()),
        })
    }
}

/// What a provider decides (docs/pipeline.md "Evaluation").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The pipeline goes on.
    NotHandled,
    /// Handled: authenticated with this identity.
    Authenticated(Identity),
    /// Handled: redirect to this location.
    Redirect(String),
    /// Stops the pipeline; the request is denied with this code.
    Failed(ErrorCode),
}

/// Everything a predicate or provider may read about one request.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub request: &'a Request,
    pub environment: &'a Environment,
    pub address: IpAddr,
    /// The `Cookie` header, parsed once (rule 1).
    pub cookies: CookieHeader,
    /// The 2007 token of the body, if the body decodes and has one.
    pub token: Option<Token>,
    /// The organization MapOrg chose (PROTOCOL 1.5), as written in the request.
    pub organization: Option<String>,
    /// The Windows account; always none under Passport (rule 5).
    pub windows_identity: Option<String>,
}

// ---------------------------------------------------------------------------------------
// PROTOCOL 1.2: evaluation.

/// Run a pipeline: steps in order; a step's predicates in order, the first false ends the
/// step; all true runs the provider; the first provider that handles or fails decides.
/// `None` when no step handled the request.
pub fn run_pipeline(pipeline: &Pipeline, context: &Context<'_>) -> Option<Outcome> {
    for (index, step) in pipeline.steps.iter().enumerate() {
        if !all_predicates_true(&step.predicates, context) {
            continue;
        }
        let decision = run_provider(&step.provider, context);
        if let Some(outcome) = outcome_of(index, &step.provider, decision) {
            return Some(outcome);
        }
    }
    None
}

/// Predicates in order; the first false one ends the evaluation (PIPE-SHORT-CIRCUIT).
fn all_predicates_true(predicates: &[Predicate], context: &Context<'_>) -> bool {
    for predicate in predicates {
        if !evaluate_predicate(predicate, context) {
            return false;
        }
    }
    true
}

/// The outcome of a step whose provider decided; `None` when it did not handle.
fn outcome_of(step: usize, provider: &Provider, decision: Decision) -> Option<Outcome> {
    let base = Outcome {
        kind: OutcomeKind::Denied,
        step: Some(step),
        provider: Some(provider.class_name()),
        location: None,
        identity: Identity::default(),
        error: None,
    };
    match decision {
        Decision::NotHandled => None,
        Decision::Authenticated(identity) => {
            Some(Outcome { kind: OutcomeKind::Authenticated, identity, ..base })
        }
        Decision::Redirect(location) => {
            Some(Outcome { kind: OutcomeKind::Redirect, location: Some(location), ..base })
        }
        Decision::Failed(code) => Some(Outcome { error: Some(code), ..base }),
    }
}

// ---------------------------------------------------------------------------------------
// PROTOCOL 1.3: predicates.

fn evaluate_predicate(predicate: &Predicate, context: &Context<'_>) -> bool {
    match predicate {
        Predicate::UrlPath { paths } => url_path(paths, context),
        Predicate::HttpMethod { method } => context.request.method.eq_ignore_ascii_case(method),
        Predicate::Always => true,
        Predicate::ServerRole { roles } => context.environment.server_roles & roles != 0,
        Predicate::CookieExist => context.cookies.cookie_exist(),
        Predicate::InternalRequestAddress => internal_address(context),
        Predicate::ExternalRequestAddress => !internal_address(context),
    }
}

/// `UrlPathPredicate`: the path (no query) equals one of the values, ASCII
/// case-insensitively (PROTOCOL 1.3; docs/pipeline.md "Evaluation").
fn url_path(paths: &[String], context: &Context<'_>) -> bool {
    let path = context.request.path_without_query();
    paths.iter().any(|value| value.eq_ignore_ascii_case(path))
}

/// `InternalRequestAddressPredicate` (PROTOCOL 1.3).
fn internal_address(context: &Context<'_>) -> bool {
    is_internal(context.address, &context.environment.internal_ranges)
}

// ---------------------------------------------------------------------------------------
// PROTOCOL 1.4: providers.

fn run_provider(provider: &Provider, context: &Context<'_>) -> Decision {
    match provider {
        Provider::PassThrough => pass_through(context),
        Provider::Reject => Decision::NotHandled,
        Provider::Windows => windows(context),
        Provider::AnyOrganizationWindows => any_organization_windows(context),
        Provider::ConfigDbWindows => config_db_windows(context),
        Provider::CrmPostAuthentication => crm_post_authentication(context),
        Provider::Redirect { url } => Decision::Redirect(url.clone()),
        Provider::CrmServiceRedirect => Decision::Redirect("/CrmServiceWsdl.aspx".to_string()),
        Provider::IfdRedirect => ifd_redirect(context),
        Provider::SingleOrganizationSoapHeader => any_organization_windows(context),
        Provider::MultipleOrganizationSoapHeader { types } => {
            multiple_organization_soap_header(types, context)
        }
        Provider::CookieAndSoapHeader => cookie_and_soap_header(context),
    }
}

/// `PassThroughAuthenticationProvider`: always handles, anonymously; the organization is
/// MapOrg's as written in the request (the brief).
fn pass_through(context: &Context<'_>) -> Decision {
    Decision::Authenticated(Identity {
        user: None,
        organization: context.organization.clone(),
        caller: None,
    })
}

/// `IfdRedirectAuthenticationProvider`: `/signin.aspx?ReturnUrl=` + the encoded path
/// without its query (docs/pipeline.md "Providers"; the brief).
fn ifd_redirect(context: &Context<'_>) -> Decision {
    let path = context.request.path_without_query();
    Decision::Redirect(format!("/signin.aspx?ReturnUrl={}", encode_return_url(path)))
}

/// The identity of a user found by Windows account or ticket: the user's id and the user
/// record's organization (the brief).
fn identity_of(user: &User, caller: Option<Uuid>) -> Identity {
    Identity { user: Some(user.id), organization: Some(user.organization.clone()), caller }
}

/// The user record has this Windows account (ASCII case-insensitive).
fn has_windows_account(user: &User, account: &str) -> bool {
    match &user.windows_account {
        Some(own) => own.eq_ignore_ascii_case(account),
        None => false,
    }
}

/// `WindowsAuthenticationProvider`: the first enabled user of the MapOrg organization
/// (which must be enabled) with the request's Windows account (docs/pipeline.md; rule 3).
fn windows(context: &Context<'_>) -> Decision {
    let organization = match &context.organization {
        Some(organization) => organization,
        None => return Decision::NotHandled,
    };
    let account = match &context.windows_identity {
        Some(account) => account,
        None => return Decision::NotHandled,
    };
    if !context.environment.organization_enabled(organization) {
        return Decision::NotHandled;
    }
    let found = context.environment.users.iter().find(|user| {
        !user.disabled
            && user.organization.eq_ignore_ascii_case(organization)
            && has_windows_account(user, account)
    });
    match found {
        Some(user) => Decision::Authenticated(identity_of(user, None)),
        None => Decision::NotHandled,
    }
}

/// `AnyOrganizationWindowsAuthenticationProvider` and Crm2006
/// `SingleOrganizationSoapHeaderAuthenticationProvider`: the first enabled user, in
/// environment order, with the Windows account and an enabled organization (its default
/// organization) (docs/pipeline.md; rule 3).
fn any_organization_windows(context: &Context<'_>) -> Decision {
    let account = match &context.windows_identity {
        Some(account) => account,
        None => return Decision::NotHandled,
    };
    let environment = context.environment;
    let found = environment.users.iter().find(|user| {
        !user.disabled
            && has_windows_account(user, account)
            && environment.organization_enabled(&user.organization)
    });
    match found {
        Some(user) => Decision::Authenticated(identity_of(user, None)),
        None => Decision::NotHandled,
    }
}

/// `ConfigDBWindowsAuthenticationProvider` (rule 4): the first enabled user record with
/// the Windows account that is a deployment administrator; organization null.
fn config_db_windows(context: &Context<'_>) -> Decision {
    let account = match &context.windows_identity {
        Some(account) => account,
        None => return Decision::NotHandled,
    };
    let found =
        context.environment.users.iter().find(|user| {
            !user.disabled && user.deployment_admin && has_windows_account(user, account)
        });
    match found {
        Some(user) => Decision::Authenticated(Identity {
            user: Some(user.id),
            organization: None,
            caller: None,
        }),
        None => Decision::NotHandled,
    }
}

/// `CrmPostAuthenticationProvider` (rule 2): a readable ticket is checked against the
/// MapOrg organization; an unreadable one fails 8004A100; none is not handled.
fn crm_post_authentication(context: &Context<'_>) -> Decision {
    cookie_ticket(context)
}

/// The cookie half of rule 2, shared by CrmPostAuthentication and CookieAndSoapHeader.
fn cookie_ticket(context: &Context<'_>) -> Decision {
    match context.cookies.session_ticket() {
        SessionTicket::Absent => Decision::NotHandled,
        SessionTicket::Unreadable => Decision::Failed(ErrorCode::INVALID_TICKET),
        SessionTicket::Readable(ticket) => {
            match check_ticket(context, &ticket, context.organization.as_deref()) {
                Ok(user) => Decision::Authenticated(identity_of(user, None)),
                Err(code) => Decision::Failed(code),
            }
        }
    }
}

/// `CookieAndSoapHeaderAuthenticationProvider`: the SOAP token (any type) when there is
/// one, else the cookie ticket (PROTOCOL 1.4; rule 2).
fn cookie_and_soap_header(context: &Context<'_>) -> Decision {
    match &context.token {
        Some(token) => check_2007_token(context, token),
        None => cookie_ticket(context),
    }
}

/// `MultipleOrganizationSoapHeaderAuthenticationProvider`: only tokens of a configured
/// type are handled (PROTOCOL 1.4).
fn multiple_organization_soap_header(
    types: &[AuthenticationType],
    context: &Context<'_>,
) -> Decision {
    let token = match &context.token {
        Some(token) => token,
        None => return Decision::NotHandled,
    };
    if !types.contains(&token.authentication_type) {
        return Decision::NotHandled;
    }
    check_2007_token(context, token)
}

/// A 2007 token (the brief): no OrganizationName → not handled; AD by Windows account,
/// Passport/Spla by ticket; then impersonation.
fn check_2007_token(context: &Context<'_>, token: &Token) -> Decision {
    let organization = match &token.organization_name {
        Some(organization) => organization,
        None => return Decision::NotHandled,
    };
    let acting = match token.authentication_type {
        AuthenticationType::Ad => ad_user(context, organization),
        AuthenticationType::Passport | AuthenticationType::Spla => match &token.crm_ticket {
            Some(ticket) => check_ticket(context, ticket, Some(organization)),
            None => Err(ErrorCode::INVALID_TICKET),
        },
    };
    let acting = match acting {
        Ok(user) => user,
        Err(code) => return Decision::Failed(code),
    };
    match check_impersonation(context, acting, token.caller_id, organization) {
        Ok(caller) => Decision::Authenticated(identity_of(acting, caller)),
        Err(code) => Decision::Failed(code),
    }
}

/// AD token: the first enabled user of the token's (enabled) organization with the
/// request's Windows account, else 80040204. Under Passport there is no Windows account
/// (rule 5), so this always fails there.
fn ad_user<'e>(context: &Context<'e>, organization: &str) -> Result<&'e User, ErrorCode> {
    let account = match &context.windows_identity {
        Some(account) => account,
        None => return Err(ErrorCode::INVALID_USER),
    };
    let environment = context.environment;
    if !environment.organization_enabled(organization) {
        return Err(ErrorCode::INVALID_USER);
    }
    let found = environment.users.iter().find(|user| {
        !user.disabled
            && user.organization.eq_ignore_ascii_case(organization)
            && has_windows_account(user, account)
    });
    found.ok_or(ErrorCode::INVALID_USER)
}

/// The ticket check, in this order (the brief): not issued → 8004A100; another
/// organization than the required one → 8004A102; `now >= expires_at` → 8004A101;
/// organization not enabled → 8004A104; user unknown → 8004A100; user disabled →
/// 8004A112. Returns the ticket's user.
fn check_ticket<'e>(
    context: &Context<'e>,
    ticket: &str,
    required_organization: Option<&str>,
) -> Result<&'e User, ErrorCode> {
    let environment = context.environment;
    let record = environment.ticket(ticket).ok_or(ErrorCode::INVALID_TICKET)?;
    if let Some(required) = required_organization {
        if !record.organization.eq_ignore_ascii_case(required) {
            return Err(ErrorCode::BAD_TICKET);
        }
    }
    if environment.now >= record.expires_at {
        return Err(ErrorCode::EXPIRED_TICKET);
    }
    if !environment.organization_enabled(&record.organization) {
        return Err(ErrorCode::ORGANIZATION_DISABLED);
    }
    let user = environment.user_by_id(record.user).ok_or(ErrorCode::INVALID_TICKET)?;
    if user.disabled {
        return Err(ErrorCode::USER_DISABLED);
    }
    Ok(user)
}

/// Impersonation (PROTOCOL 1.4; the brief): a non-nil CallerId needs the act-on-behalf
/// privilege (8004A110), a user of the token's organization (80040204) that is enabled
/// (8004A112). Returns the caller, or none for the nil GUID.
fn check_impersonation(
    context: &Context<'_>,
    acting: &User,
    caller_id: Uuid,
    organization: &str,
) -> Result<Option<Uuid>, ErrorCode> {
    if caller_id.is_nil() {
        return Ok(None);
    }
    if !acting.act_on_behalf {
        return Err(ErrorCode::CANNOT_ACT_ON_BEHALF);
    }
    let caller = context
        .environment
        .users
        .iter()
        .find(|user| user.id == caller_id && user.organization.eq_ignore_ascii_case(organization))
        .ok_or(ErrorCode::INVALID_USER)?;
    if caller.disabled {
        return Err(ErrorCode::USER_DISABLED);
    }
    Ok(Some(caller_id))
}
