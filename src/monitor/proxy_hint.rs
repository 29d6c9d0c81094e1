//! Names the proxy in a failed check: with a dead proxy, reqwest reports a
//! failed connection to the *platform's* URL, which sends the user looking
//! at the wrong host. The proxy URL is shown without its credentials.

use crate::config::EffectiveConfig;
use crate::platform::PlatformError;

/// `e` with "(through proxy URL; is the proxy running?)" appended when a
/// proxy is configured and the failure is a transport one.
pub fn name_proxy(e: PlatformError, eff: &EffectiveConfig) -> PlatformError {
    let Some(proxy) = eff.proxy.as_deref().filter(|p| !p.trim().is_empty()) else {
        return e;
    };
    match e {
        PlatformError::Transient(msg)
            if msg.starts_with("connection failed") || msg.starts_with("timed out") =>
        {
            let shown = url::Url::parse(proxy)
                .map(|mut u| {
                    let _ = u.set_username("");
                    crate::net::redact_url(&u)
                })
                .unwrap_or_else(|_| "(unparsable URL)".into());
            PlatformError::Transient(format!(
                "{msg} (through proxy {shown}; is the proxy reachable?)"
            ))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_name_the_proxy_without_credentials() {
        let mut eff = EffectiveConfig::defaults("/tmp".into());
        let e = PlatformError::Transient("connection failed: http://site/x".into());
        assert_eq!(name_proxy(e.clone(), &eff), e, "no proxy, no hint");
        eff.proxy = Some("http://user:pw@127.0.0.1:9".into());
        let msg = name_proxy(e, &eff).to_string();
        assert!(msg.contains("through proxy http://127.0.0.1:9/"), "{msg}");
        assert!(!msg.contains("pw") && !msg.contains("user"), "{msg}");
        let other = PlatformError::NotFound("room".into());
        assert_eq!(name_proxy(other.clone(), &eff), other);
    }
}
