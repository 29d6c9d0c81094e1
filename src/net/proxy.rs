//! The one proxy rule every connection srec makes follows (platform checks,
//! media, chat websockets): the configured `proxy` when set, else the
//! standard environment variables (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, upper or lower case) with `NO_PROXY` exclusions, as curl
//! reads them. One type decides, so an HTTP request and a websocket to the
//! same host can never take different routes.

use std::net::IpAddr;

use url::Url;

use super::error::NetError;

/// Which proxy, if any, a connection to a URL goes through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyRules {
    /// The configured proxy: used for every URL, no exclusions.
    configured: Option<Url>,
    /// From the environment, used only when nothing is configured.
    http: Option<Url>,
    https: Option<Url>,
    no_proxy: Vec<NoProxyEntry>,
}

/// One `NO_PROXY` item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxyEntry {
    /// `*`: nothing goes through the environment proxy.
    All,
    /// `example.com` or `.example.com`: the domain and its subdomains.
    Domain(String),
    /// An address, or a network with a prefix length.
    Ip(IpAddr, u8),
}

impl ProxyRules {
    /// The rules for a streamer whose configured proxy is `configured`,
    /// with the process environment as the fallback.
    pub fn new(configured: Option<&str>) -> Result<Self, NetError> {
        Self::with_env(configured, |k| std::env::var(k).ok())
    }

    /// As [`ProxyRules::new`] with `env` standing in for the environment.
    pub fn with_env(
        configured: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, NetError> {
        if let Some(p) = configured.map(str::trim).filter(|p| !p.is_empty()) {
            let url = parse_proxy(p)
                .ok_or_else(|| NetError::Config(format!("invalid proxy `{}`", shown(p))))?;
            return Ok(Self {
                configured: Some(url),
                ..Self::default()
            });
        }
        let var = |names: [&str; 2]| {
            names
                .iter()
                .filter_map(|n| env(n))
                .map(|v| v.trim().to_string())
                .find(|v| !v.is_empty())
        };
        // An unusable environment value is ignored (as curl does), not an
        // error: it is not srec's configuration.
        let all = var(["ALL_PROXY", "all_proxy"]).and_then(|v| parse_proxy(&v));
        let http = var(["HTTP_PROXY", "http_proxy"])
            .and_then(|v| parse_proxy(&v))
            .or_else(|| all.clone());
        let https = var(["HTTPS_PROXY", "https_proxy"])
            .and_then(|v| parse_proxy(&v))
            .or(all);
        let no_proxy = var(["NO_PROXY", "no_proxy"])
            .map(|v| v.split(',').filter_map(NoProxyEntry::parse).collect())
            .unwrap_or_default();
        Ok(Self {
            configured: None,
            http,
            https,
            no_proxy,
        })
    }

    /// Whether any URL at all may go through a proxy.
    pub fn is_empty(&self) -> bool {
        self.configured.is_none() && self.http.is_none() && self.https.is_none()
    }

    /// Whether the proxy was configured (not taken from the environment).
    pub fn is_configured(&self) -> bool {
        self.configured.is_some()
    }

    /// The proxy for a request to `url` (`ws`/`wss` count as `http`/`https`),
    /// credentials included; `None` for a direct connection.
    pub fn for_url(&self, url: &Url) -> Option<Url> {
        if let Some(p) = &self.configured {
            return Some(p.clone());
        }
        let proxy = match url.scheme() {
            "http" | "ws" => self.http.as_ref(),
            "https" | "wss" => self.https.as_ref(),
            _ => None,
        }?;
        let host = url.host()?;
        let excluded = self.no_proxy.iter().any(|e| e.matches(&host));
        (!excluded).then(|| proxy.clone())
    }
}

impl NoProxyEntry {
    fn parse(item: &str) -> Option<Self> {
        let item = item.trim();
        if item.is_empty() {
            return None;
        }
        if item == "*" {
            return Some(Self::All);
        }
        let (addr, bits) = match item.split_once('/') {
            Some((a, b)) => (a, b.parse::<u8>().ok()),
            None => (item, None),
        };
        let bare = addr.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            return Some(Self::Ip(ip, bits.unwrap_or(max).min(max)));
        }
        // `host:port` entries name the host (the port is not compared).
        let host = item.rsplit_once(':').map_or(item, |(h, _)| h);
        Some(Self::Domain(
            host.trim_start_matches('.').to_ascii_lowercase(),
        ))
    }

    fn matches(&self, host: &url::Host<&str>) -> bool {
        match (self, host) {
            (Self::All, _) => true,
            (Self::Domain(d), url::Host::Domain(h)) => {
                let h = h.to_ascii_lowercase();
                h == *d || h.ends_with(&format!(".{d}"))
            }
            (Self::Ip(net, bits), url::Host::Ipv4(ip)) => in_net(IpAddr::V4(*ip), *net, *bits),
            (Self::Ip(net, bits), url::Host::Ipv6(ip)) => in_net(IpAddr::V6(*ip), *net, *bits),
            _ => false,
        }
    }
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// A proxy URL; a bare `host:port` means an HTTP proxy (curl's reading).
fn parse_proxy(p: &str) -> Option<Url> {
    let text = if p.contains("://") {
        p.to_string()
    } else {
        format!("http://{p}")
    };
    let url = Url::parse(&text).ok()?;
    let known = matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h");
    (known && url.host().is_some()).then_some(url)
}

/// A proxy setting for an error message, without its credentials.
fn shown(p: &str) -> String {
    match Url::parse(p) {
        Ok(mut u) => {
            let _ = u.set_username("");
            super::redact_url(&u)
        }
        Err(_) => "(unparsable URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn configured_wins_over_the_environment() {
        let r = ProxyRules::with_env(
            Some("socks5h://u:p@10.0.0.1:1080"),
            env(&[("HTTPS_PROXY", "http://other:1"), ("NO_PROXY", "*")]),
        )
        .unwrap();
        assert!(r.is_configured());
        assert_eq!(
            r.for_url(&u("https://example.com/x")),
            Some(u("socks5h://u:p@10.0.0.1:1080"))
        );
        assert!(ProxyRules::with_env(Some("not a url"), env(&[])).is_err());
    }

    #[test]
    fn environment_by_scheme_with_all_proxy_fallback() {
        let r = ProxyRules::with_env(
            None,
            env(&[
                ("http_proxy", "127.0.0.1:3128"),
                ("ALL_PROXY", "socks5://s:1"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.for_url(&u("ws://a.example/")),
            Some(u("http://127.0.0.1:3128"))
        );
        assert_eq!(r.for_url(&u("wss://a.example/")), Some(u("socks5://s:1")));
        assert!(ProxyRules::with_env(None, env(&[])).unwrap().is_empty());
    }

    #[test]
    fn no_proxy_excludes_hosts_domains_and_networks() {
        let r = ProxyRules::with_env(
            None,
            env(&[
                ("HTTPS_PROXY", "http://p:1"),
                ("HTTP_PROXY", "http://p:1"),
                ("NO_PROXY", "127.0.0.1, .internal.example,10.0.0.0/8,[::1]"),
            ]),
        )
        .unwrap();
        for direct in [
            "http://127.0.0.1:8080/x",
            "https://internal.example/",
            "https://a.internal.example/",
            "http://10.1.2.3/",
            "http://[::1]:9/",
        ] {
            assert_eq!(r.for_url(&u(direct)), None, "{direct}");
        }
        for proxied in [
            "http://127.0.0.2/",
            "https://notinternal.example/",
            "http://11.0.0.1/",
        ] {
            assert!(r.for_url(&u(proxied)).is_some(), "{proxied}");
        }
    }
}
