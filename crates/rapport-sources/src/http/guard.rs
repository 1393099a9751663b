//! The SSRF guard: user-supplied URLs (feeds, webhooks, instances) may only reach public
//! addresses unless an allow-list permits more.
//!
//! Names are resolved by [`GuardedResolver`], which reqwest uses for every connection, the
//! redirect hops included: it checks every address a name resolves to and hands reqwest only
//! those checked addresses, so the connection is pinned to what was checked and a second DNS
//! answer (rebinding) cannot swap in a private one. IP literals in URLs never reach a
//! resolver; [`SafetyPolicy::check_url`] checks them, for the first URL and every redirect.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

/// Which addresses outgoing requests may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetyPolicy {
    /// Allow every non-public address (a trusted single-user install on a home network).
    pub allow_private: bool,
    /// Networks and host names allowed even though they are not public.
    pub allow: Vec<AllowRule>,
}

/// One allow-list entry: a network (`10.0.0.0/8`, `127.0.0.1`) or a host name (`feeds.lan`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowRule {
    /// Any address in this network.
    Net(IpNet),
    /// This host name (case-insensitive, exact), whatever it resolves to.
    Host(String),
}

impl FromStr for AllowRule {
    type Err = std::convert::Infallible;

    /// A network in CIDR form, a single address, or else a host name.
    fn from_str(text: &str) -> Result<AllowRule, Self::Err> {
        let text = text.trim();
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(AllowRule::Net(net));
        }
        if let Ok(ip) = text.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(AllowRule::Net(IpNet::from(ip)));
        }
        Ok(AllowRule::Host(
            text.trim_end_matches('.').to_ascii_lowercase(),
        ))
    }
}

/// Why a destination was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host} resolves to {ip}, a {range} address; refused (add it to the source allow-list to permit it)")]
pub struct Refused {
    /// The host as written in the URL.
    pub host: String,
    /// The address it resolved to.
    pub ip: IpAddr,
    /// Which forbidden range the address lies in.
    pub range: &'static str,
}

/// The forbidden range `ip` lies in, or `None` for a public address. IPv4 addresses embedded
/// in IPv6 (v4-mapped, v4-compatible, NAT64, 6to4) are judged by the IPv4 address.
pub fn forbidden_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "unspecified (0.0.0.0/8)",
        (127, _, _) => "loopback",
        (10, _, _) => "private (10.0.0.0/8)",
        (172, 16..=31, _) => "private (172.16.0.0/12)",
        (192, 168, _) => "private (192.168.0.0/16)",
        (169, 254, _) => "link-local",
        (100, 64..=127, _) => "carrier-grade NAT (100.64.0.0/10)",
        (192, 0, 0) => "IETF protocol assignment (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved or broadcast (240.0.0.0/4)",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let embedded_v4 = || Ipv4Addr::from(((segments[6] as u32) << 16) | segments[7] as u32);
    if ip.is_unspecified() {
        return Some("unspecified (::)");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // ::ffff:a.b.c.d (v4-mapped) and ::a.b.c.d (v4-compatible, deprecated).
    if segments[..5] == [0; 5] && (segments[5] == 0xffff || segments[5] == 0) {
        return forbidden_v4(embedded_v4());
    }
    // 64:ff9b::/96 NAT64 reaches the embedded IPv4 address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(embedded_v4());
    }
    // 2002::/16 6to4 carries an IPv4 address in bits 16..48.
    if segments[0] == 0x2002 {
        let v4 = Ipv4Addr::from(((segments[1] as u32) << 16) | segments[2] as u32);
        return forbidden_v4(v4);
    }
    Some(match segments[0] {
        s if s & 0xffc0 == 0xfe80 => "link-local (fe80::/10)",
        s if s & 0xffc0 == 0xfec0 => "site-local (fec0::/10)",
        s if s & 0xfe00 == 0xfc00 => "unique-local (fc00::/7)",
        s if s & 0xff00 == 0xff00 => "multicast",
        0x2001 if segments[1] == 0x0db8 => "documentation (2001:db8::/32)",
        _ => return None,
    })
}

impl SafetyPolicy {
    /// Only public addresses: the default for everything a user can type in.
    pub fn public_only() -> SafetyPolicy {
        SafetyPolicy::default()
    }

    /// Whether `host` is allowed by name, whatever it resolves to.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.allow
            .iter()
            .any(|rule| matches!(rule, AllowRule::Host(h) if h.eq_ignore_ascii_case(host)))
    }

    /// Checks one address `host` resolved to.
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), Refused> {
        let Some(range) = forbidden_range(ip) else {
            return Ok(());
        };
        let allowed = self.allow_private
            || self.allows_host(host)
            || self.allow.iter().any(|rule| match rule {
                AllowRule::Net(net) => net.contains(&ip) || net.contains(&canonical(ip)),
                AllowRule::Host(_) => false,
            });
        if allowed {
            Ok(())
        } else {
            Err(Refused {
                host: host.to_string(),
                ip,
                range,
            })
        }
    }

    /// Checks a URL before it is requested: an `http(s)` scheme, and an IP literal host
    /// against the policy (names are checked when they are resolved).
    pub fn check_url(&self, url: &Url) -> Result<(), UrlRefused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlRefused::Scheme(url.scheme().to_string()));
        }
        match url.host() {
            None => Err(UrlRefused::NoHost),
            Some(url::Host::Ipv4(ip)) => self
                .check_ip(&ip.to_string(), IpAddr::V4(ip))
                .map_err(UrlRefused::Address),
            Some(url::Host::Ipv6(ip)) => self
                .check_ip(&format!("[{ip}]"), IpAddr::V6(ip))
                .map_err(UrlRefused::Address),
            Some(url::Host::Domain(_)) => Ok(()),
        }
    }
}

/// An IPv4 address written as v4-mapped IPv6 counts as that IPv4 address for allow rules.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Why a URL was refused before any connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    /// Only `http` and `https` are fetched.
    #[error("the scheme {0}: is not allowed (only http and https)")]
    Scheme(String),
    /// The URL names no host.
    #[error("the URL has no host")]
    NoHost,
    /// The host is an address the policy refuses.
    #[error(transparent)]
    Address(#[from] Refused),
}

/// A DNS resolver that refuses names resolving to addresses the policy forbids, and returns
/// exactly the addresses it checked (the connection is pinned to them).
#[derive(Clone)]
pub struct GuardedResolver {
    policy: Arc<SafetyPolicy>,
}

impl fmt::Debug for GuardedResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardedResolver")
            .field("policy", &self.policy)
            .finish()
    }
}

impl GuardedResolver {
    /// A resolver enforcing `policy`.
    pub fn new(policy: Arc<SafetyPolicy>) -> GuardedResolver {
        GuardedResolver { policy }
    }

    /// Resolves `host` and checks every address; refuses the host if any is forbidden.
    pub async fn resolve_checked(
        policy: &SafetyPolicy,
        host: &str,
    ) -> Result<Vec<SocketAddr>, ResolveError> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|e| ResolveError::Lookup {
                host: host.to_string(),
                message: e.to_string(),
            })?
            .collect();
        if addrs.is_empty() {
            return Err(ResolveError::Lookup {
                host: host.to_string(),
                message: "no addresses".into(),
            });
        }
        for addr in &addrs {
            policy.check_ip(host, addr.ip())?;
        }
        Ok(addrs)
    }
}

/// Why a name could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The name did not resolve.
    #[error("cannot resolve {host}: {message}")]
    Lookup {
        /// The name.
        host: String,
        /// The resolver's message.
        message: String,
    },
    /// It resolved to a forbidden address.
    #[error(transparent)]
    Refused(#[from] Refused),
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = GuardedResolver::resolve_checked(&policy, &host).await?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> bool {
        forbidden_range(ip.parse().unwrap()).is_some()
    }

    #[test]
    fn forbidden_ranges_cover_v4_and_v6_forms() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(refused(ip), "{ip} should be refused");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(!refused(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn the_allow_list_permits_networks_and_hosts() {
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let strict = SafetyPolicy::public_only();
        assert!(strict.check_ip("localhost", loopback).is_err());
        let by_net = SafetyPolicy {
            allow_private: false,
            allow: vec!["127.0.0.0/8".parse().unwrap()],
        };
        assert!(by_net.check_ip("localhost", loopback).is_ok());
        assert!(by_net
            .check_ip("x", "::ffff:127.0.0.1".parse().unwrap())
            .is_ok());
        assert!(by_net.check_ip("x", "10.0.0.1".parse().unwrap()).is_err());
        let by_host = SafetyPolicy {
            allow_private: false,
            allow: vec!["LocalHost.".parse().unwrap()],
        };
        assert!(by_host.check_ip("localhost", loopback).is_ok());
        assert!(by_host.check_ip("127.0.0.1", loopback).is_err());
        let open = SafetyPolicy {
            allow_private: true,
            allow: Vec::new(),
        };
        assert!(open.check_ip("x", loopback).is_ok());
    }

    #[test]
    fn urls_need_http_and_a_public_literal() {
        let policy = SafetyPolicy::public_only();
        let check = |u: &str| policy.check_url(&Url::parse(u).unwrap());
        assert!(check("https://example.org/feed").is_ok());
        assert!(matches!(
            check("file:///etc/passwd"),
            Err(UrlRefused::Scheme(_))
        ));
        assert!(matches!(
            check("http://127.0.0.1:80/"),
            Err(UrlRefused::Address(_))
        ));
        assert!(matches!(
            check("http://[::ffff:127.0.0.1]/"),
            Err(UrlRefused::Address(_))
        ));
        assert!(matches!(
            check("http://[::1]:8080/"),
            Err(UrlRefused::Address(_))
        ));
    }
}
