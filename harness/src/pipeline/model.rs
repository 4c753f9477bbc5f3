//! The pipeline model (PROTOCOL 1.1, 1.3, 1.4): steps of predicates and one provider,
//! with every type resolved to an enum and every configuration typed.

use crate::codec::token::AuthenticationType;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A pipeline: the steps in the order they are evaluated (PROTOCOL 1.2).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Pipeline {
    /// The steps, evaluated in this order; the first handling provider ends the pipeline.
    pub steps: Vec<Step>,
}

/// One step: predicates evaluated in order, then exactly one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The predicates, evaluated in order; the first `false` ends the step (PROTOCOL 1.2).
    pub predicates: Vec<Predicate>,
    /// The provider that runs when every predicate is true.
    pub provider: Provider,
}

/// A built-in predicate (PROTOCOL 1.3), with its configuration typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum Predicate {
    /// True when the request path equals one of `paths` (ASCII case-insensitive).
    /// Every configuration key counts; keys are kept so printing is faithful.
    UrlPath {
        /// Configuration key → path; every key counts, keys kept for faithful printing.
        paths: BTreeMap<String, String>,
    },
    /// True when the request method equals `method` (ASCII case-insensitive).
    HttpMethod {
        /// The method to match, e.g. `POST` (configuration key `method`).
        method: String,
    },
    /// Always true.
    Always,
    /// True when `server_roles & roles != 0` (key `roles`, ours).
    ServerRole {
        /// The role bit mask (configuration key `roles`, an integer).
        roles: u32,
    },
    /// True when a cookie `MSCRMSession` exists and its value contains `ticket`.
    CookieExist,
    /// True when the client is loopback or inside `IfdInternalNetworkAddress`.
    InternalRequestAddress,
    /// The negation of [`Predicate::InternalRequestAddress`].
    ExternalRequestAddress,
}

/// A set of [`AuthenticationType`]s, as listed by `authenticationType0`, `authenticationType1`, ….
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AuthenticationTypes(pub BTreeSet<u8>);

impl AuthenticationTypes {
    /// Whether `t` is one of the configured types.
    pub fn allows(&self, t: AuthenticationType) -> bool {
        self.0.contains(&(t as u8))
    }
}

/// A built-in provider (PROTOCOL 1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum Provider {
    /// `PassThroughAuthenticationProvider`: always handles, anonymously.
    PassThrough,
    /// `RejectAuthenticationProvider`: never handles; the pipeline goes on.
    Reject,
    /// `WindowsAuthenticationProvider`: handles when the Windows identity is a user of the organization MapOrg chose.
    Windows,
    /// `AnyOrganizationWindowsAuthenticationProvider`: handles when the Windows identity is a user of any organization.
    AnyOrganizationWindows,
    /// `ConfigDBWindowsAuthenticationProvider`: handles when the Windows identity is a deployment administrator.
    ConfigDbWindows,
    /// `CrmPostAuthenticationProvider`: handles when the `MSCRMSession` cookie carries a valid, unexpired ticket for the organization.
    CrmPostAuthentication,
    /// Redirects to `url` (key `url`, ours).
    Redirect {
        /// The redirect target, verbatim from the configuration.
        url: String,
    },
    /// `CrmServiceRedirectAuthenticationProvider`: always redirects to `CrmServiceWsdl.aspx`.
    CrmServiceRedirect,
    /// `IfdRedirectAuthenticationProvider`: always redirects to the IFD `signin.aspx`, with a return URL.
    IfdRedirect,
    /// `Crm2006.SingleOrganizationSoapHeaderAuthenticationProvider`: the 2006 SOAP header authenticates the user to their default organization.
    SingleOrganizationSoapHeader,
    /// `Crm2007.MultipleOrganizationSoapHeaderAuthenticationProvider`: the 2007 `CrmAuthenticationToken` header is valid for its `OrganizationName`.
    MultipleOrganizationSoapHeader {
        /// The accepted `AuthenticationType`s (`authenticationType0`, `authenticationType1`, …); others are not handled.
        authentication_types: AuthenticationTypes,
    },
    /// `Crm2007.CookieAndSoapHeaderAuthenticationProvider`: the token from the SOAP header (SDK) or the cookie (web) is valid.
    CookieAndSoapHeader,
}

/// Where a class lives: its namespace and assembly, for type strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassInfo {
    /// The .NET namespace, e.g. `Microsoft.Crm.Authentication`.
    pub namespace: &'static str,
    /// The class name, e.g. `UrlPathPredicate`.
    pub class: &'static str,
    /// The assembly, e.g. `Microsoft.Crm`.
    pub assembly: &'static str,
}

const AUTH: &str = "Microsoft.Crm.Authentication";
const CRM: &str = "Microsoft.Crm";
const WS: &str = "Microsoft.Crm.WebServices";

/// The public key token every built-in type string carries.
pub const PUBLIC_KEY_TOKEN: &str = "31bf3856ad364e35";

/// The kind of a predicate, without configuration: the closed set of PROTOCOL 1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PredicateKind {
    /// `UrlPathPredicate`.
    UrlPath,
    /// `HttpMethodPredicate`.
    HttpMethod,
    /// `AlwaysAuthenticationPredicate`.
    Always,
    /// `ServerRolePredicate`.
    ServerRole,
    /// `CookieExistPredicate`.
    CookieExist,
    /// `InternalRequestAddressPredicate`.
    InternalRequestAddress,
    /// `ExternalRequestAddressPredicate`.
    ExternalRequestAddress,
}

/// The kind of a provider, without configuration: the closed set of PROTOCOL 1.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ProviderKind {
    /// `PassThroughAuthenticationProvider`.
    PassThrough,
    /// `RejectAuthenticationProvider`.
    Reject,
    /// `WindowsAuthenticationProvider`.
    Windows,
    /// `AnyOrganizationWindowsAuthenticationProvider`.
    AnyOrganizationWindows,
    /// `ConfigDBWindowsAuthenticationProvider`.
    ConfigDbWindows,
    /// `CrmPostAuthenticationProvider`.
    CrmPostAuthentication,
    /// `RedirectAuthenticationProvider`.
    Redirect,
    /// `CrmServiceRedirectAuthenticationProvider`.
    CrmServiceRedirect,
    /// `IfdRedirectAuthenticationProvider`.
    IfdRedirect,
    /// `Crm2006.SingleOrganizationSoapHeaderAuthenticationProvider`.
    SingleOrganizationSoapHeader,
    /// `Crm2007.MultipleOrganizationSoapHeaderAuthenticationProvider`.
    MultipleOrganizationSoapHeader,
    /// `Crm2007.CookieAndSoapHeaderAuthenticationProvider`.
    CookieAndSoapHeader,
}

impl BuiltIn for PredicateKind {
    const ALL: &'static [PredicateKind] = &[
        PredicateKind::UrlPath,
        PredicateKind::HttpMethod,
        PredicateKind::Always,
        PredicateKind::ServerRole,
        PredicateKind::CookieExist,
        PredicateKind::InternalRequestAddress,
        PredicateKind::ExternalRequestAddress,
    ];

    fn info(self) -> ClassInfo {
        let class = match self {
            PredicateKind::UrlPath => "UrlPathPredicate",
            PredicateKind::HttpMethod => "HttpMethodPredicate",
            PredicateKind::Always => "AlwaysAuthenticationPredicate",
            PredicateKind::ServerRole => "ServerRolePredicate",
            PredicateKind::CookieExist => "CookieExistPredicate",
            PredicateKind::InternalRequestAddress => "InternalRequestAddressPredicate",
            PredicateKind::ExternalRequestAddress => "ExternalRequestAddressPredicate",
        };
        ClassInfo { namespace: AUTH, class, assembly: CRM }
    }
}

impl BuiltIn for ProviderKind {
    const ALL: &'static [ProviderKind] = &[
        ProviderKind::PassThrough,
        ProviderKind::Reject,
        ProviderKind::Windows,
        ProviderKind::AnyOrganizationWindows,
        ProviderKind::ConfigDbWindows,
        ProviderKind::CrmPostAuthentication,
        ProviderKind::Redirect,
        ProviderKind::CrmServiceRedirect,
        ProviderKind::IfdRedirect,
        ProviderKind::SingleOrganizationSoapHeader,
        ProviderKind::MultipleOrganizationSoapHeader,
        ProviderKind::CookieAndSoapHeader,
    ];

    fn info(self) -> ClassInfo {
        let (namespace, class, assembly) = match self {
            ProviderKind::PassThrough => (AUTH, "PassThroughAuthenticationProvider", CRM),
            ProviderKind::Reject => (AUTH, "RejectAuthenticationProvider", CRM),
            ProviderKind::Windows => (AUTH, "WindowsAuthenticationProvider", CRM),
            ProviderKind::AnyOrganizationWindows => {
                (AUTH, "AnyOrganizationWindowsAuthenticationProvider", CRM)
            }
            ProviderKind::ConfigDbWindows => (AUTH, "ConfigDBWindowsAuthenticationProvider", CRM),
            ProviderKind::CrmPostAuthentication => (AUTH, "CrmPostAuthenticationProvider", CRM),
            ProviderKind::Redirect => (AUTH, "RedirectAuthenticationProvider", CRM),
            ProviderKind::CrmServiceRedirect => {
                (AUTH, "CrmServiceRedirectAuthenticationProvider", CRM)
            }
            ProviderKind::IfdRedirect => (AUTH, "IfdRedirectAuthenticationProvider", CRM),
            ProviderKind::SingleOrganizationSoapHeader => (
                "Microsoft.Crm.WebServices.Crm2006",
                "SingleOrganizationSoapHeaderAuthenticationProvider",
                WS,
            ),
            ProviderKind::MultipleOrganizationSoapHeader => (
                "Microsoft.Crm.WebServices.Crm2007",
                "MultipleOrganizationSoapHeaderAuthenticationProvider",
                WS,
            ),
            ProviderKind::CookieAndSoapHeader => (
                "Microsoft.Crm.WebServices.Crm2007",
                "CookieAndSoapHeaderAuthenticationProvider",
                WS,
            ),
        };
        ClassInfo { namespace, class, assembly }
    }
}

/// A closed set of built-in classes (PROTOCOL 1.3, 1.4) and their .NET type names.
pub trait BuiltIn: Copy + 'static {
    /// Every member of the set.
    const ALL: &'static [Self];

    /// The class's namespace, name and assembly.
    fn info(self) -> ClassInfo;

    /// The short class name, e.g. `UrlPathPredicate`.
    fn class_name(self) -> &'static str {
        self.info().class
    }

    /// The full class name, e.g. `Microsoft.Crm.Authentication.UrlPathPredicate`.
    fn full_name(self) -> String {
        let i = self.info();
        format!("{}.{}", i.namespace, i.class)
    }

    /// The canonical type string, with the `Version={0}` placeholder.
    fn type_string(self) -> String {
        let i = self.info();
        format!(
            "{}.{}, {}, Version={{0}}, Culture=neutral, PublicKeyToken={PUBLIC_KEY_TOKEN}",
            i.namespace, i.class, i.assembly
        )
    }

    /// Resolves a full class name (the part of a type string before the first comma).
    fn from_full_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| {
            let i = k.info();
            name.strip_prefix(i.namespace).and_then(|r| r.strip_prefix('.')) == Some(i.class)
        })
    }
}

impl Predicate {
    /// The predicate's kind, without its configuration.
    pub fn kind(&self) -> PredicateKind {
        match self {
            Predicate::UrlPath { .. } => PredicateKind::UrlPath,
            Predicate::HttpMethod { .. } => PredicateKind::HttpMethod,
            Predicate::Always => PredicateKind::Always,
            Predicate::ServerRole { .. } => PredicateKind::ServerRole,
            Predicate::CookieExist => PredicateKind::CookieExist,
            Predicate::InternalRequestAddress => PredicateKind::InternalRequestAddress,
            Predicate::ExternalRequestAddress => PredicateKind::ExternalRequestAddress,
        }
    }
}

impl Provider {
    /// The provider's kind, without its configuration.
    pub fn kind(&self) -> ProviderKind {
        match self {
            Provider::PassThrough => ProviderKind::PassThrough,
            Provider::Reject => ProviderKind::Reject,
            Provider::Windows => ProviderKind::Windows,
            Provider::AnyOrganizationWindows => ProviderKind::AnyOrganizationWindows,
            Provider::ConfigDbWindows => ProviderKind::ConfigDbWindows,
            Provider::CrmPostAuthentication => ProviderKind::CrmPostAuthentication,
            Provider::Redirect { .. } => ProviderKind::Redirect,
            Provider::CrmServiceRedirect => ProviderKind::CrmServiceRedirect,
            Provider::IfdRedirect => ProviderKind::IfdRedirect,
            Provider::SingleOrganizationSoapHeader => ProviderKind::SingleOrganizationSoapHeader,
            Provider::MultipleOrganizationSoapHeader { .. } => {
                ProviderKind::MultipleOrganizationSoapHeader
            }
            Provider::CookieAndSoapHeader => ProviderKind::CookieAndSoapHeader,
        }
    }
}
