//! A loopback HTTP proxy that adds a download's secret request headers
//! (cookies, `Authorization`, any header the config counts as secret) on
//! srec's side, so an external tool that could only take them on its
//! command line (FFmpeg before 7.0, `-headers`) never sees them there,
//! where `ps` shows them to every local user.
//!
//! One server per download, on `127.0.0.1` and an ephemeral port; it lives
//! as long as its [`HeaderProxy`] value (the engine task keeps it until the
//! download ends; dropping it stops the listener and ends every response
//! still streaming). The tool is handed
//! `http://127.0.0.1:PORT/TOKEN/scheme/host[:port]/path?query` (see
//! [`mapping`]); `TOKEN` is 128 random bits, and a request without it gets
//! 404. Only GET is served, and only to origins the download was given or
//! that a playlist fetched through the proxy names: it is no open proxy.
//!
//! Requests go upstream through the streamer's [`HttpClient`] (its proxy
//! rule, user agent, headers and cookies), with the tool's `Range` header.
//! Status, `Content-Type`, `Content-Length` and range headers pass through
//! unchanged, so a 403 or 404 reaches the tool as such; bodies are streamed
//! chunk by chunk (an FLV stream never ends), except HLS playlists, read
//! whole (at most [`PLAYLIST_LIMIT`]) and rewritten so every URI in them
//! points back at the proxy.

pub mod mapping;

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use subtle::ConstantTimeEq;
use tokio_util::sync::{CancellationToken, DropGuard};
use url::Url;

use super::client::HttpClient;
use super::error::redact_url;

/// Largest playlist the proxy reads whole to rewrite.
pub const PLAYLIST_LIMIT: usize = 8 * 1024 * 1024;

/// Response headers passed from upstream to the tool.
const PASSED_HEADERS: [header::HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::CONTENT_RANGE,
    header::ACCEPT_RANGES,
    header::LAST_MODIFIED,
];

/// Why the proxy cannot start or map a URL.
#[derive(Debug, thiserror::Error)]
pub enum HeaderProxyError {
    #[error("cannot listen on 127.0.0.1 for the header proxy: {0}")]
    Bind(#[source] std::io::Error),
    #[error("the header proxy forwards only http and https URLs, not `{0}`")]
    Unsupported(String),
}

/// A running per-download proxy; dropping it stops the server.
#[derive(Debug)]
pub struct HeaderProxy {
    shared: Arc<Shared>,
    addr: SocketAddr,
    _stop: DropGuard,
}

#[derive(Debug)]
struct Shared {
    token: String,
    /// `http://127.0.0.1:PORT/TOKEN`.
    prefix: String,
    /// [`mapping::origin_key`]s that may be requested.
    allowed: Mutex<HashSet<String>>,
    client: HttpClient,
    cancel: CancellationToken,
}

impl Shared {
    fn allow(&self, url: &Url) {
        if let Some(key) = mapping::origin_key(url) {
            self.allowed_set().insert(key);
        }
    }

    fn allows(&self, url: &Url) -> bool {
        mapping::origin_key(url).is_some_and(|k| self.allowed_set().contains(&k))
    }

    fn allowed_set(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // A set of strings stays valid even if a holder panicked.
        self.allowed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl HeaderProxy {
    /// Binds `127.0.0.1:0` and serves until dropped; `client` makes the
    /// upstream requests (and so carries the secret headers).
    pub async fn start(client: HttpClient) -> Result<Self, HeaderProxyError> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(HeaderProxyError::Bind)?;
        let addr = listener.local_addr().map_err(HeaderProxyError::Bind)?;
        let token = format!("{:032x}", rand::random::<u128>());
        let cancel = CancellationToken::new();
        let shared = Arc::new(Shared {
            prefix: format!("http://{addr}/{token}"),
            token,
            allowed: Mutex::default(),
            client,
            cancel: cancel.clone(),
        });
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let stop = cancel.clone();
        tokio::spawn(async move {
            // Stops accepting (the listener is closed) when cancelled; the
            // responses still streaming end on the same token.
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "header proxy stopped");
            }
        });
        Ok(Self {
            shared,
            addr,
            _stop: cancel.drop_guard(),
        })
    }

    /// The loopback URL standing for `upstream`, whose origin is allowed
    /// from now on.
    pub fn url_for(&self, upstream: &Url) -> Result<String, HeaderProxyError> {
        let url = mapping::to_proxy(&self.shared.prefix, upstream)
            .ok_or_else(|| HeaderProxyError::Unsupported(redact_url(upstream)))?;
        self.shared.allow(upstream);
        Ok(url)
    }

    /// Where the server listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Every request: token, mapping and origin checks, then the forward.
async fn handle(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = uri.path().strip_prefix('/').unwrap_or_default();
    let (token, rest) = match path.find('/') {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    if !bool::from(token.as_bytes().ct_eq(s.token.as_bytes())) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(upstream) = mapping::from_proxy(rest, uri.query()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !s.allows(&upstream) {
        tracing::warn!(url = %redact_url(&upstream), "header proxy: origin not allowed");
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut extra = HeaderMap::new();
    if let Some(range) = headers.get(header::RANGE) {
        extra.insert(header::RANGE, range.clone());
    }
    let sent = tokio::select! {
        r = s.client.get_passthrough(&upstream, extra) => r,
        _ = s.cancel.cancelled() => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    match sent {
        Ok(resp) => forward(&s, resp).await,
        Err(e) => {
            tracing::debug!(error = %e, "header proxy: upstream request failed");
            StatusCode::BAD_GATEWAY.into_response()
        }
    }
}

/// The upstream response as the tool gets it.
async fn forward(s: &Arc<Shared>, mut resp: reqwest::Response) -> Response {
    let status = resp.status();
    let mut out_headers = HeaderMap::new();
    for name in PASSED_HEADERS {
        if let Some(v) = resp.headers().get(&name) {
            out_headers.insert(name, v.clone());
        }
    }
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let base = resp.url().clone();
    if status.is_success() && mapping::is_playlist(content_type.as_deref(), base.path()) {
        let mut body = Vec::new();
        loop {
            let chunk = tokio::select! {
                c = resp.chunk() => c,
                _ = s.cancel.cancelled() => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
            };
            match chunk {
                Ok(Some(c)) if body.len() + c.len() <= PLAYLIST_LIMIT => body.extend_from_slice(&c),
                Ok(Some(_)) => {
                    tracing::warn!(url = %redact_url(&base), "header proxy: playlist too large");
                    return StatusCode::BAD_GATEWAY.into_response();
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(error = %e, "header proxy: playlist read failed");
                    return StatusCode::BAD_GATEWAY.into_response();
                }
            }
        }
        let text = String::from_utf8_lossy(&body);
        let rewritten =
            mapping::rewrite_playlist(&text, &base, &s.prefix, &mut |u: &Url| s.allow(u));
        // Ranges and lengths described the original body.
        for h in [
            header::CONTENT_LENGTH,
            header::CONTENT_RANGE,
            header::ACCEPT_RANGES,
        ] {
            out_headers.remove(h);
        }
        if content_type.is_none() {
            out_headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.apple.mpegurl"),
            );
        }
        let mut r = Response::new(Body::from(rewritten));
        *r.status_mut() = status;
        *r.headers_mut() = out_headers;
        return r;
    }
    let stop = s.cancel.clone().cancelled_owned();
    let stream = resp.bytes_stream().take_until(stop);
    let mut r = Response::new(Body::from_stream(stream));
    *r.status_mut() = status;
    *r.headers_mut() = out_headers;
    if !r.headers().contains_key(header::CONTENT_TYPE) && status.is_success() {
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
    }
    r
}

#[cfg(test)]
mod tests;
