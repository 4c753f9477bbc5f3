//! The request JSON (the same bytes `crmauth eval` reads) and the facts read from a path.

use crate::error::SpecError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A request to the deployment; unknown keys are an error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: String,
    /// The path as sent, possibly with a query string.
    pub path: String,
    pub client_address: String,
    /// The `Cookie` header.
    #[serde(default)]
    pub cookie: Option<String>,
    /// Other headers; no rule of section 1 reads them.
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    /// The SOAP envelope text, if any.
    #[serde(default)]
    pub body: Option<String>,
    /// The authenticated Windows account (IIS), if any.
    #[serde(default)]
    pub windows_identity: Option<String>,
}

impl Request {
    /// Read the request JSON; `client_address` must be an IPv4 or IPv6 address.
    pub fn from_json(text: &str) -> Result<Request, SpecError> {
        let request: Request =
            serde_json::from_str(text).map_err(|e| SpecError::Request(e.to_string()))?;
        request.address()?;
        Ok(request)
    }

    /// The client address.
    pub fn address(&self) -> Result<IpAddr, SpecError> {
        self.client_address.parse().map_err(|_| {
            SpecError::Request(format!(
                "client_address {:?} is not an IP address",
                self.client_address
            ))
        })
    }

    /// The path without its query string (docs/pipeline.md: comparisons ignore a query).
    pub fn path_without_query(&self) -> &str {
        match self.path.split_once('?') {
            Some((path, _query)) => path,
            None => &self.path,
        }
    }
}

/// `/MSCRMServices/…` is an SDK call (docs/pipeline.md "Evaluation", MapOrg); compared
/// ASCII case-insensitively like every path.
pub fn is_sdk_path(path_without_query: &str) -> bool {
    let prefix = "/MSCRMServices/";
    path_without_query.len() >= prefix.len()
        && path_without_query.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The first path segment of a web request when the path has at least two segments
/// (docs/pipeline.md; ours): `/Contoso/main.aspx` → `Contoso`. An empty first segment is
/// no organization.
pub fn first_path_segment(path_without_query: &str) -> Option<&str> {
    let rest = path_without_query.strip_prefix('/')?;
    let (first, _more) = rest.split_once('/')?;
    if first.is_empty() {
        return None;
    }
    Some(first)
}

/// The `ReturnUrl` encoding of `IfdRedirect` (the brief): every byte other than ASCII
/// alphanumerics and `-._~/` becomes `%XX` (upper-case hex).
pub fn encode_return_url(path: &str) -> String {
    let mut encoded = String::new();
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/');
        if keep {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_segment_needs_two_segments() {
        assert_eq!(first_path_segment("/Contoso/main.aspx"), Some("Contoso"));
        assert_eq!(first_path_segment("/Contoso/"), Some("Contoso"));
        assert_eq!(first_path_segment("/Contoso"), None);
        assert_eq!(first_path_segment("//main.aspx"), None);
        assert_eq!(first_path_segment("Contoso/main.aspx"), None);
    }

    #[test]
    fn sdk_prefix_is_case_insensitive() {
        assert!(is_sdk_path("/mscrmservices/2007/CrmService.asmx"));
        assert!(!is_sdk_path("/MSCRMServices"));
        assert!(!is_sdk_path("/Contoso/MSCRMServices/x"));
    }

    #[test]
    fn return_url_encoding() {
        assert_eq!(encode_return_url("/Contoso/main.aspx"), "/Contoso/main.aspx");
        assert_eq!(encode_return_url("/a b/é?&"), "/a%20b/%C3%A9%3F%26");
    }

    #[test]
    fn unknown_keys_and_bad_addresses_are_errors() {
        assert!(Request::from_json(
            r#"{"method":"GET","path":"/","client_address":"1.2.3.4","x":1}"#
        )
        .is_err());
        assert!(
            Request::from_json(r#"{"method":"GET","path":"/","client_address":"nope"}"#).is_err()
        );
        assert!(Request::from_json(r#"{"method":"GET","path":"/","client_address":"::1"}"#).is_ok());
    }
}
