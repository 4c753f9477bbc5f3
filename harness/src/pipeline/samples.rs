//! Realistic values the generators draw from (the proptest strategies of `generate` and
//! the fuzz targets' `Arbitrary` inputs share these lists): the paths of the standard
//! pipelines and scenario tables, HTTP methods, redirect URLs. Drawing mostly from them
//! makes configured predicates match generated requests often.

/// Request and configured paths: the standard pipelines' endpoints (PROTOCOL 1.5, 2.2),
/// organization pages, and a few others.
pub const PATHS: &[&str] = &[
    "/MSCRMServices/2007/CrmService.asmx",
    "/MSCRMServices/2007/MetadataService.asmx",
    "/MSCRMServices/Metadata.asmx",
    "/MSCRMServices/2009/Metadata.asmx",
    "/MSCRMServices/2009/CrmService.asmx",
    "/MSCRMServices/2006/CrmService.asmx",
    "/MSCRMServices/2007/AD/CrmDiscoveryService.asmx",
    "/MSCRMServices/2007/SPLA/CrmDiscoveryService.asmx",
    "/MSCRMServices/2007/Passport/CrmDiscoveryService.asmx",
    "/signin.aspx",
    "/Contoso/main.aspx",
    "/Fabrikam/main.aspx",
    "/Fabrikam/loader.aspx",
    "/contoso/",
    "/",
    "/CrmServiceWsdl.aspx",
];

/// HTTP methods, in the case real clients send them.
pub const METHODS: &[&str] = &["POST", "GET", "PUT", "HEAD", "OPTIONS"];

/// `url`s of `RedirectAuthenticationProvider`: absolute, relative, and one with spaces.
pub const REDIRECT_URLS: &[&str] =
    &["https://crm.contoso.com/signin.aspx", "/CrmServiceWsdl.aspx", "/elsewhere.aspx", " x "];
