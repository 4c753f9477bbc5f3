//! `IfdInternalNetworkAddress` (PROTOCOL 1.3): which client addresses are internal.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// The parsed registry value: `IP-SubnetMask` pairs separated by `,` or `;` (ours), e.g.
/// `157.55.160.202-255.255.255.255`. A CIDR pair `10.0.0.0/8` is accepted too (ours).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InternalNetwork {
    ranges: Vec<IpNet>,
}

/// A malformed `IfdInternalNetworkAddress`: a configuration error, never "external".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("IfdInternalNetworkAddress entry {index} ({entry:?}): {reason}")]
pub struct NetworkError {
    /// Position (0-based) of the bad entry among the `,`/`;`-separated ones.
    pub index: usize,
    /// The entry, trimmed.
    pub entry: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl InternalNetwork {
    /// The configured ranges, in order.
    pub fn ranges(&self) -> &[IpNet] {
        &self.ranges
    }

    /// Builds from ranges directly.
    pub fn from_ranges(ranges: Vec<IpNet>) -> Self {
        InternalNetwork { ranges }
    }

    /// Whether `addr` is inside one of the ranges (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.contains_canonical(canonical(addr))
    }

    /// [`InternalNetwork::contains`] of an address already [`canonical`]: the address
    /// agrees with a range's address on the range's mask, as `IpNet::contains` decides
    /// (`network <= addr <= broadcast`; tested against it), without its generic dispatch.
    #[inline]
    fn contains_canonical(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.ranges.iter().any(|r| match r {
                    IpNet::V4(n) => (a ^ u32::from(n.addr())) & u32::from(n.netmask()) == 0,
                    IpNet::V6(_) => false,
                })
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.ranges.iter().any(|r| match r {
                    IpNet::V6(n) => (a ^ u128::from(n.addr())) & u128::from(n.netmask()) == 0,
                    IpNet::V4(_) => false,
                })
            }
        }
    }

    /// PROTOCOL 1.3 `InternalRequestAddressPredicate`: loopback, or inside a range.
    pub fn is_internal(&self, addr: IpAddr) -> bool {
        let addr = canonical(addr);
        addr.is_loopback() || self.contains_canonical(addr)
    }
}

/// A request's address class (PROTOCOL 1.3 `InternalRequestAddressPredicate` and
/// `ExternalRequestAddressPredicate`), classified at most once: it depends only on the
/// request's address and the environment's `IfdInternalNetworkAddress`, so one request
/// evaluated in one environment asks [`InternalNetwork::is_internal`] once however many
/// predicates and pipelines look at it (IFD's two pipelines both do). Start a new one for
/// each request and environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressClass {
    internal: Option<bool>,
}

impl AddressClass {
    /// Whether `addr` is internal to `network`, classified on the first call only.
    #[inline]
    pub fn is_internal(&mut self, network: &InternalNetwork, addr: IpAddr) -> bool {
        *self.internal.get_or_insert_with(|| network.is_internal(addr))
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it carries.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => addr,
        },
        v4 => v4,
    }
}

fn parse_entry(entry: &str) -> Result<IpNet, &'static str> {
    if let Some((ip, mask)) = entry.split_once('-') {
        let ip = IpAddr::from_str(ip.trim()).map_err(|_| "not an IP address")?;
        let mask = IpAddr::from_str(mask.trim()).map_err(|_| "subnet mask is not an address")?;
        match (ip, mask) {
            (IpAddr::V4(ip), IpAddr::V4(mask)) => Ipv4Net::with_netmask(ip, mask)
                .map(|n| IpNet::V4(n.trunc()))
                .map_err(|_| "subnet mask is not contiguous"),
            (IpAddr::V6(ip), IpAddr::V6(mask)) => Ipv6Net::with_netmask(ip, mask)
                .map(|n| IpNet::V6(n.trunc()))
                .map_err(|_| "subnet mask is not contiguous"),
            _ => Err("address and mask are of different families"),
        }
    } else if entry.contains('/') {
        IpNet::from_str(entry).map(|n| n.trunc()).map_err(|_| "not a CIDR range")
    } else {
        Err("expected IP-SubnetMask")
    }
}

impl FromStr for InternalNetwork {
    type Err = NetworkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut ranges = Vec::new();
        if s.trim().is_empty() {
            return Ok(InternalNetwork { ranges });
        }
        for (index, entry) in s.split([',', ';']).enumerate() {
            let trimmed = entry.trim();
            let net = parse_entry(trimmed).map_err(|reason| NetworkError {
                index,
                entry: trimmed.to_string(),
                reason,
            })?;
            ranges.push(net);
        }
        Ok(InternalNetwork { ranges })
    }
}

impl fmt::Display for InternalNetwork {
    /// Prints the canonical registry form, `IP-SubnetMask` pairs joined by `;`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{}-{}", r.network(), r.netmask())?;
        }
        Ok(())
    }
}

impl serde::Serialize for InternalNetwork {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for InternalNetwork {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn single_host_pair_from_the_spec() {
        let n: InternalNetwork = "157.55.160.202-255.255.255.255".parse().unwrap();
        assert!(n.contains(ip("157.55.160.202")));
        assert!(!n.contains(ip("157.55.160.203")));
    }

    #[test]
    fn several_pairs_with_either_separator() {
        let n: InternalNetwork =
            "10.0.0.0-255.0.0.0, 192.168.1.0-255.255.255.0;fd00::/8".parse().unwrap();
        assert_eq!(n.ranges().len(), 3);
        assert!(n.contains(ip("10.200.3.4")));
        assert!(n.contains(ip("192.168.1.77")));
        assert!(!n.contains(ip("192.168.2.1")));
        assert!(n.contains(ip("fd12::1")));
    }

    #[test]
    fn mapped_ipv6_counts_as_ipv4() {
        let n: InternalNetwork = "10.0.0.0-255.0.0.0".parse().unwrap();
        assert!(n.contains(ip("::ffff:10.1.2.3")));
        assert!(n.is_internal(ip("::ffff:127.0.0.1")));
    }

    /// The masked comparison decides as ipnet's `contains` on every range and address of
    /// either family, untruncated ranges included (`from_ranges`).
    #[test]
    fn contains_agrees_with_ipnet() {
        use proptest::prelude::*;
        let v4 = (any::<u32>(), 0u8..=32).prop_map(|(a, p)| {
            IpNet::V4(Ipv4Net::new(std::net::Ipv4Addr::from(a), p).expect("prefix <= 32"))
        });
        let v6 = (any::<u128>(), 0u8..=128).prop_map(|(a, p)| {
            IpNet::V6(Ipv6Net::new(std::net::Ipv6Addr::from(a), p).expect("prefix <= 128"))
        });
        let range = prop_oneof![v4, v6];
        // Addresses near a range's address often, so that both answers occur.
        let case = (proptest::collection::vec(range, 0..4), any::<u128>(), any::<u32>(), 0..4u8);
        proptest!(|((ranges, a6, a4, pick) in case)| {
            let addr = match (pick, ranges.first()) {
                (0, Some(IpNet::V4(n))) => IpAddr::V4((u32::from(n.addr()) ^ (a4 & 0xff)).into()),
                (0, Some(IpNet::V6(n))) => IpAddr::V6((u128::from(n.addr()) ^ (a6 & 0xff)).into()),
                (1, _) => IpAddr::V4(a4.into()),
                (2, _) => IpAddr::V6(std::net::Ipv4Addr::from(a4).to_ipv6_mapped()),
                _ => IpAddr::V6(a6.into()),
            };
            let n = InternalNetwork::from_ranges(ranges.clone());
            let c = canonical(addr);
            prop_assert_eq!(n.contains(addr), ranges.iter().any(|r| r.contains(&c)));
            prop_assert_eq!(n.is_internal(addr), c.is_loopback() || n.contains(addr));
        });
    }

    #[test]
    fn address_class_classifies_once() {
        let n: InternalNetwork = "10.0.0.0-255.0.0.0".parse().unwrap();
        let mut class = AddressClass::default();
        assert!(class.is_internal(&n, ip("10.1.2.3")));
        // The cached answer stands for the rest of the request, whatever is asked after.
        assert!(class.is_internal(&InternalNetwork::default(), ip("8.8.8.8")));
        assert!(!AddressClass::default().is_internal(&n, ip("8.8.8.8")));
    }

    #[test]
    fn loopback_is_internal_without_ranges() {
        let n = InternalNetwork::default();
        assert!(n.is_internal(ip("127.0.0.1")));
        assert!(n.is_internal(ip("127.8.9.10")));
        assert!(n.is_internal(ip("::1")));
        assert!(!n.is_internal(ip("8.8.8.8")));
    }

    #[test]
    fn malformed_values_are_errors_naming_the_entry() {
        for (bad, index) in [
            ("10.0.0.0", 0),
            ("10.0.0.0-255.0.255.0", 0),
            ("10.0.0.0-255.0.0.0,300.1.1.1-255.255.255.255", 1),
            ("10.0.0.0-ffff::", 0),
            ("10.0.0.0-255.0.0.0;", 1),
        ] {
            let err = bad.parse::<InternalNetwork>().unwrap_err();
            assert_eq!(err.index, index, "{bad}");
        }
    }

    #[test]
    fn display_round_trips() {
        let n: InternalNetwork =
            "10.1.2.3-255.0.0.0;::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".parse().unwrap();
        assert_eq!(n.to_string(), "10.0.0.0-255.0.0.0;::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assert_eq!(n.to_string().parse::<InternalNetwork>().unwrap(), n);
    }
}
