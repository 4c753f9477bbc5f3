//! The environment a deployment runs in: organizations, users, tickets, clock, server
//! roles and `IfdInternalNetworkAddress` (PROTOCOL 1.3, 1.4; the JSON of
//! `corpus/vectors/scenarios/env.json`).

use crate::error::SpecError;
use serde::Deserialize;
use std::net::IpAddr;
use uuid::Uuid;

/// The environment JSON; unknown keys are an error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvironmentJson {
    #[serde(default = "all_roles")]
    server_roles: u32,
    #[serde(default)]
    ifd_internal_network_address: Option<String>,
    #[serde(default)]
    now: u64,
    #[serde(default)]
    organizations: Vec<Organization>,
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    tickets: Vec<Ticket>,
}

fn all_roles() -> u32 {
    u32::MAX
}

/// An organization of the deployment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub disabled: bool,
}

/// A CRM user (a `systemuser` record).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: Uuid,
    pub organization: String,
    #[serde(default)]
    pub windows_account: Option<String>,
    #[serde(default)]
    pub puid: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub deployment_admin: bool,
    #[serde(default)]
    pub act_on_behalf: bool,
    #[serde(default)]
    pub disabled: bool,
}

/// An issued CRM ticket.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    pub ticket: String,
    pub user: Uuid,
    pub organization: String,
    pub expires_at: u64,
}

/// One `IfdInternalNetworkAddress` range: an address and a mask of the same family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkRange {
    pub address: IpAddr,
    pub mask: IpAddr,
}

/// The parsed environment.
#[derive(Debug, Clone)]
pub struct Environment {
    pub server_roles: u32,
    pub internal_ranges: Vec<NetworkRange>,
    pub now: u64,
    pub organizations: Vec<Organization>,
    pub users: Vec<User>,
    pub tickets: Vec<Ticket>,
}

impl Environment {
    /// Read the environment JSON. A malformed `ifd_internal_network_address` is an error
    /// (PROTOCOL 1.3: a configuration error, not "external").
    pub fn from_json(text: &str) -> Result<Environment, SpecError> {
        let json: EnvironmentJson =
            serde_json::from_str(text).map_err(|e| SpecError::Environment(e.to_string()))?;
        let internal_ranges = match &json.ifd_internal_network_address {
            Some(value) => parse_internal_network_address(value)?,
            None => Vec::new(),
        };
        Ok(Environment {
            server_roles: json.server_roles,
            internal_ranges,
            now: json.now,
            organizations: json.organizations,
            users: json.users,
            tickets: json.tickets,
        })
    }

    /// Rule 3: an organization is enabled when it is in the environment (name compared
    /// ASCII case-insensitively; the first record with that name) and not disabled.
    pub fn organization_enabled(&self, name: &str) -> bool {
        match self.organizations.iter().find(|org| org.name.eq_ignore_ascii_case(name)) {
            Some(org) => !org.disabled,
            None => false,
        }
    }

    /// The first user record with this id.
    pub fn user_by_id(&self, id: Uuid) -> Option<&User> {
        self.users.iter().find(|user| user.id == id)
    }

    /// The first ticket record with exactly this ticket string.
    pub fn ticket(&self, ticket: &str) -> Option<&Ticket> {
        self.tickets.iter().find(|record| record.ticket == ticket)
    }
}

/// `IfdInternalNetworkAddress` (PROTOCOL 1.3; docs/pipeline.md "Evaluation"): `IP-SubnetMask`
/// pairs separated by `,` or `;`, CIDR (`IP/prefix`) accepted too. Spaces and tabs around a
/// pair are ignored; an empty pair, a bad address, a bad mask or mixed families are errors.
/// An empty value (nothing but spaces) is no ranges, as an absent one (docs/pipeline.md).
fn parse_internal_network_address(value: &str) -> Result<Vec<NetworkRange>, SpecError> {
    let mut ranges = Vec::new();
    if value.trim_matches(|c| c == ' ' || c == '\t').is_empty() {
        return Ok(ranges);
    }
    for pair in value.split([',', ';']) {
        let pair = pair.trim_matches(|c| c == ' ' || c == '\t');
        match parse_range(pair) {
            Some(range) => ranges.push(range),
            None => {
                return Err(SpecError::Environment(format!(
                    "ifd_internal_network_address: malformed range {pair:?}"
                )))
            }
        }
    }
    Ok(ranges)
}

/// One `IP-Mask` or `IP/prefix` pair.
fn parse_range(pair: &str) -> Option<NetworkRange> {
    if let Some((address, prefix)) = pair.split_once('/') {
        let address: IpAddr = address.parse().ok()?;
        let prefix: u8 = digits_only(prefix)?;
        let mask = mask_of_prefix(address, prefix)?;
        return Some(NetworkRange { address, mask });
    }
    let (address, mask) = pair.split_once('-')?;
    let address: IpAddr = address.parse().ok()?;
    let mask: IpAddr = mask.parse().ok()?;
    if address.is_ipv4() != mask.is_ipv4() {
        return None;
    }
    Some(NetworkRange { address, mask })
}

fn digits_only(text: &str) -> Option<u8> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The mask of a CIDR prefix (at most 32 for IPv4, 128 for IPv6).
fn mask_of_prefix(address: IpAddr, prefix: u8) -> Option<IpAddr> {
    match address {
        IpAddr::V4(_) => {
            if prefix > 32 {
                return None;
            }
            let bits: u32 = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            Some(IpAddr::V4(bits.into()))
        }
        IpAddr::V6(_) => {
            if prefix > 128 {
                return None;
            }
            let bits: u128 = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
            Some(IpAddr::V6(bits.into()))
        }
    }
}

/// An IPv4-mapped IPv6 address counts as IPv4 (docs/pipeline.md "Evaluation").
pub fn canonical_address(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        IpAddr::V4(v4) => IpAddr::V4(v4),
    }
}

/// Loopback: 127.0.0.0/8 or ::1 (docs/pipeline.md "Evaluation").
fn is_loopback(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.octets()[0] == 127,
        IpAddr::V6(v6) => v6 == std::net::Ipv6Addr::LOCALHOST,
    }
}

/// `address & mask == range & mask`, same family only.
fn in_range(address: IpAddr, range: &NetworkRange) -> bool {
    match (address, range.address, range.mask) {
        (IpAddr::V4(a), IpAddr::V4(r), IpAddr::V4(m)) => {
            u32::from(a) & u32::from(m) == u32::from(r) & u32::from(m)
        }
        (IpAddr::V6(a), IpAddr::V6(r), IpAddr::V6(m)) => {
            u128::from(a) & u128::from(m) == u128::from(r) & u128::from(m)
        }
        _ => false,
    }
}

/// `InternalRequestAddressPredicate` (PROTOCOL 1.3): loopback, or inside one of the ranges.
pub fn is_internal(address: IpAddr, ranges: &[NetworkRange]) -> bool {
    let address = canonical_address(address);
    if is_loopback(address) {
        return true;
    }
    ranges.iter().any(|range| in_range(address, range))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(value: &str) -> Vec<NetworkRange> {
        parse_internal_network_address(value).unwrap()
    }

    fn internal(address: &str, value: &str) -> bool {
        is_internal(address.parse().unwrap(), &ranges(value))
    }

    #[test]
    fn mask_pairs_and_cidr() {
        let value = "10.0.0.0-255.0.0.0;192.168.10.0-255.255.255.0, 172.16.0.0/12";
        assert!(internal("10.200.1.1", value));
        assert!(internal("192.168.10.77", value));
        assert!(!internal("192.168.11.77", value));
        assert!(internal("172.31.255.255", value));
        assert!(!internal("172.32.0.0", value));
        assert!(internal("::ffff:10.9.9.9", value));
        assert!(!internal("::ffff:203.0.113.5", value));
        assert!(internal("127.4.5.6", "10.0.0.0/8"));
        assert!(internal("::1", "10.0.0.0/8"));
        assert!(internal("::ffff:127.0.0.1", "10.0.0.0/8"));
        assert!(!internal("203.0.113.9", "10.0.0.0/8"));
    }

    #[test]
    fn malformed_values_are_errors() {
        assert!(ranges("").is_empty() && ranges("  ").is_empty());
        for value in [
            "10.0.0.0",
            "10.0.0.0-255.0.0",
            "10.0.0.0/33",
            "10.0.0.0/+8",
            "10.0.0.0-ffff::",
            "10.0.0.0/8;",
            "x-y",
        ] {
            assert!(
                parse_internal_network_address(value).is_err(),
                "{value:?} should be malformed"
            );
        }
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(Environment::from_json(r#"{"nope": 1}"#).is_err());
        assert!(Environment::from_json(r#"{"users": [{"id": "a11ce000-0000-0000-0000-000000000001", "organization": "X", "admin": true}]}"#).is_err());
        let env = Environment::from_json("{}").unwrap();
        assert_eq!(env.server_roles, u32::MAX);
        assert_eq!(env.now, 0);
    }
}
