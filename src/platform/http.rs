//! HTTP clients for platform checks, built by the one builder in
//! [`crate::net`] (API timeouts, the shared proxy rule and user agent). A
//! client is built per distinct proxy, headers and cookies and reused
//! (connection pooling, TLS set-up once).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::config::EffectiveConfig;

/// User agent sent when the config sets none (the one of [`crate::net`]).
pub use crate::net::USER_AGENT;

/// Reusable clients keyed by proxy, headers and cookies.
#[derive(Default)]
pub struct ClientPool {
    clients: Mutex<HashMap<String, reqwest::Client>>,
}

impl ClientPool {
    /// Client for this config's proxy, with its headers and cookies as defaults.
    pub fn client(&self, config: &EffectiveConfig) -> Result<reqwest::Client, String> {
        let key = format!(
            "{:?}|{:?}|{:?}",
            config.proxy, config.headers, config.cookies
        );
        let mut map = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = map.get(&key) {
            return Ok(c.clone());
        }
        let client = build(config)?;
        map.insert(key, client.clone());
        Ok(client)
    }
}

/// A desktop Chrome user agent, for sites that serve a different page (or
/// none) to unknown clients: the shared default.
pub use crate::net::USER_AGENT as CHROME_UA;

/// The `Cookie` header for a request that sends cookies of its own. A
/// per-request `Cookie` replaces the client's default one (the streamer's
/// configured cookies), so those are carried over first; `extra` pairs are
/// appended unless the configured cookies already set that name (the
/// user's value wins).
pub fn merge_cookies(configured: Option<&str>, extra: &[(&str, &str)]) -> String {
    let mut parts: Vec<String> = configured
        .into_iter()
        .flat_map(|c| c.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let has = |parts: &[String], name: &str| {
        parts
            .iter()
            .any(|p| p.split_once('=').is_some_and(|(k, _)| k.trim() == name))
    };
    for (k, v) in extra {
        if !has(&parts, k) {
            parts.push(format!("{k}={v}"));
        }
    }
    parts.join("; ")
}

/// Builds a client honouring proxy (configured, else the environment),
/// headers and cookies, with the API timeouts (20 s per exchange).
pub fn build(config: &EffectiveConfig) -> Result<reqwest::Client, String> {
    crate::net::api_client(config).map_err(|e| e.to_string())
}

/// Sends a platform API request; a transport failure is classified.
pub async fn send(req: reqwest::RequestBuilder) -> Result<reqwest::Response, super::PlatformError> {
    req.send()
        .await
        .map_err(|e| super::PlatformError::from_reqwest(&e))
}

/// The response when its status is a success, else the classified error
/// (with `Retry-After` when the server sent one).
pub fn checked(
    resp: reqwest::Response,
    url: &str,
) -> Result<reqwest::Response, super::PlatformError> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let retry = super::generic::retry_after(&resp);
    Err(super::PlatformError::from_status(
        resp.status().as_u16(),
        url,
        retry,
    ))
}

/// Sends a request and returns the body of a successful answer.
pub async fn fetch_text(
    req: reqwest::RequestBuilder,
    url: &str,
) -> Result<String, super::PlatformError> {
    checked(send(req).await?, url)?
        .text()
        .await
        .map_err(|e| super::PlatformError::from_reqwest(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_merge_user_first() {
        assert_eq!(
            merge_cookies(Some("a=1; SOCS=mine"), &[("SOCS", "CAI"), ("b", "2")]),
            "a=1; SOCS=mine; b=2"
        );
        assert_eq!(merge_cookies(None, &[("ttwid", "x")]), "ttwid=x");
    }
}
