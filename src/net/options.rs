//! The one place a `reqwest::Client` is built, for every use srec has:
//! platform API checks ([`HttpOptions::api`]: a 20 s bound on the whole
//! exchange), media ([`HttpOptions::media`]: connect and read-idle timeouts,
//! never a total bound, since a stream lasts hours) and notifications. All
//! share the proxy rule of [`ProxyRules`] and one user agent policy: a
//! configured `User-Agent` header wins, else [`USER_AGENT`].

use std::time::Duration;

use reqwest::header::{COOKIE, HeaderMap, HeaderName, HeaderValue};

use super::error::NetError;
use super::proxy::ProxyRules;
use crate::config::EffectiveConfig;

/// A browser-like user agent: several CDNs and site APIs refuse or serve a
/// different page to unknown clients, and a recorder that looks like a
/// player is the least surprising choice.
pub const USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Bound on a whole platform API exchange (request and body).
pub const API_TOTAL_TIMEOUT: Duration = Duration::from_secs(20);

/// Settings of a client; built from an `EffectiveConfig` or by hand.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// `http://`, `https://`, `socks5://` or `socks5h://` proxy URL; when
    /// unset the proxy environment variables apply (see [`ProxyRules`]).
    pub proxy: Option<String>,
    /// Sent as the `Cookie` header on every request.
    pub cookies: Option<String>,
    /// Extra headers; a `User-Agent` here replaces [`USER_AGENT`].
    pub headers: Vec<(String, String)>,
    pub connect_timeout: Duration,
    /// Longest silence while reading a body before the request fails; a
    /// stalled CDN connection must not hang a recording forever.
    pub read_timeout: Duration,
    /// Bound on a whole-body read of the media client
    /// (`HttpClient::get_bytes`, `HttpClient::post`); never a stream's.
    pub request_timeout: Duration,
    /// Bound reqwest puts on every exchange, body included: API clients
    /// only, since it would cut a stream.
    pub total_timeout: Option<Duration>,
    pub max_redirects: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            proxy: None,
            cookies: None,
            headers: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(30),
            total_timeout: None,
            max_redirects: 10,
        }
    }
}

impl HttpOptions {
    /// Proxy, cookies and headers of one streamer, media timeouts.
    pub fn from_config(cfg: &EffectiveConfig) -> Self {
        Self::media(cfg)
    }

    /// For a streamer's media: no total bound, a 20 s read-idle bound.
    pub fn media(cfg: &EffectiveConfig) -> Self {
        Self {
            proxy: cfg.proxy.clone(),
            cookies: cfg.cookies.clone(),
            headers: cfg
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ..Self::default()
        }
    }

    /// For a streamer's platform API checks: 20 s for the whole exchange.
    pub fn api(cfg: &EffectiveConfig) -> Self {
        Self {
            total_timeout: Some(API_TOTAL_TIMEOUT),
            ..Self::media(cfg)
        }
    }
}

/// A client for platform API requests of `cfg`'s streamer (the caller adds
/// per-request headers).
pub fn api_client(cfg: &EffectiveConfig) -> Result<reqwest::Client, NetError> {
    build(&HttpOptions::api(cfg))
}

/// Builds the client `opts` describe.
pub fn build(opts: &HttpOptions) -> Result<reqwest::Client, NetError> {
    let mut headers = HeaderMap::new();
    let mut user_agent = USER_AGENT.to_string();
    for (k, v) in &opts.headers {
        if k.eq_ignore_ascii_case("user-agent") {
            user_agent = v.clone();
            continue;
        }
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| NetError::Config(format!("invalid header name `{k}`")))?;
        let value = HeaderValue::from_str(v)
            .map_err(|_| NetError::Config(format!("invalid value for header `{k}`")))?;
        headers.insert(name, value);
    }
    if let Some(c) = &opts.cookies {
        let value = HeaderValue::from_str(c)
            .map_err(|_| NetError::Config("cookies contain invalid characters".into()))?;
        headers.insert(COOKIE, value);
    }
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .default_headers(headers)
        .connect_timeout(opts.connect_timeout)
        .read_timeout(opts.read_timeout)
        .redirect(reqwest::redirect::Policy::limited(opts.max_redirects))
        // reqwest's own reading of the environment is replaced by ours,
        // which the chat websockets share.
        .no_proxy();
    if let Some(t) = opts.total_timeout {
        builder = builder.timeout(t);
    }
    let configured = opts.proxy.as_deref().filter(|p| !p.trim().is_empty());
    if let Some(p) = configured {
        let proxy = reqwest::Proxy::all(p).map_err(|e| {
            let shown = url::Url::parse(p)
                .map(|mut u| {
                    let _ = u.set_username("");
                    super::redact_url(&u)
                })
                .unwrap_or_else(|_| "(unparsable URL)".into());
            NetError::Config(format!("invalid proxy `{shown}`: {e}"))
        })?;
        builder = builder.proxy(proxy);
    } else {
        let rules = ProxyRules::new(None)?;
        if !rules.is_empty() {
            builder = builder.proxy(reqwest::Proxy::custom(move |url| rules.for_url(url)));
        }
    }
    builder
        .build()
        .map_err(|e| NetError::Config(format!("cannot build HTTP client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that answers every connection with a body of `parts`
    /// chunks, one every `every`.
    async fn trickle(parts: usize, every: Duration) -> String {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {parts}\r\n\r\n");
                    let _ = s.write_all(head.as_bytes()).await;
                    for _ in 0..parts {
                        tokio::time::sleep(every).await;
                        if s.write_all(b"x").await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn the_total_bound_is_for_api_clients_only() {
        let url = trickle(8, Duration::from_millis(100)).await;
        let short = |total| HttpOptions {
            read_timeout: Duration::from_millis(400),
            total_timeout: total,
            ..HttpOptions::default()
        };
        let api = build(&short(Some(Duration::from_millis(300)))).unwrap();
        let r = async { api.get(&url).send().await?.bytes().await }.await;
        assert!(r.is_err_and(|e| e.is_timeout()), "API exchange is bounded");
        // The same slow body (800 ms, never silent for 400 ms) is fine for
        // a media client: only idleness counts.
        let media = build(&short(None)).unwrap();
        let body = media.get(&url).send().await.unwrap().bytes().await.unwrap();
        assert_eq!(body.len(), 8);
    }

    #[test]
    fn api_and_media_options_differ_only_in_the_total_bound() {
        let cfg = EffectiveConfig::defaults("/tmp".into());
        assert_eq!(
            HttpOptions::api(&cfg).total_timeout,
            Some(API_TOTAL_TIMEOUT)
        );
        assert_eq!(HttpOptions::media(&cfg).total_timeout, None);
    }
}
