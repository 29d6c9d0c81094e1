//! HTTP clients for platform checks. A client is built per distinct proxy
//! setting and reused (connection pooling, TLS set-up once); headers and
//! cookies are applied per request from the streamer's effective config.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::config::EffectiveConfig;

/// User agent sent when the config sets none.
pub const USER_AGENT: &str = concat!("srec/", env!("CARGO_PKG_VERSION"));

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

/// Builds a client honouring proxy, headers and cookies.
pub fn build(config: &EffectiveConfig) -> Result<reqwest::Client, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in &config.headers {
        let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
            .map_err(|e| format!("header `{k}`: {e}"))?;
        let value =
            reqwest::header::HeaderValue::from_str(v).map_err(|e| format!("header `{k}`: {e}"))?;
        headers.insert(name, value);
    }
    if let Some(c) = &config.cookies {
        let value =
            reqwest::header::HeaderValue::from_str(c).map_err(|e| format!("cookies: {e}"))?;
        headers.insert(reqwest::header::COOKIE, value);
    }
    let mut b = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .default_headers(headers)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::limited(10));
    b = match &config.proxy {
        Some(p) => b.proxy(reqwest::Proxy::all(p).map_err(|e| format!("proxy `{p}`: {e}"))?),
        None => b.no_proxy(),
    };
    b.build().map_err(|e| format!("HTTP client: {e}"))
}
