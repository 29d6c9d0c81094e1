//! [`HttpClient`]: a `reqwest::Client` configured from a streamer's effective
//! config, with the two read styles the engines need: a small body read whole
//! under a size cap (playlists, keys, init sections) and a body streamed
//! chunk by chunk (media segments, FLV), so memory stays bounded.

use std::pin::Pin;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use futures::Stream;
use reqwest::header::RANGE;
use url::Url;

use super::error::{NetError, redact_url};
use super::options::HttpOptions;
use crate::config::EffectiveConfig;

/// A byte range of a resource (`EXT-X-BYTERANGE`, `EXT-X-MAP BYTERANGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByteRange {
    pub offset: u64,
    pub length: u64,
}

/// A streamed response body.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, NetError>> + Send>>;

/// Cheap to clone (the connection pool is shared).
#[derive(Debug, Clone)]
pub struct HttpClient {
    pub(super) inner: reqwest::Client,
    pub(super) request_timeout: Duration,
}

impl HttpClient {
    /// Client for one streamer's recordings.
    pub fn from_config(cfg: &EffectiveConfig) -> Result<Self, NetError> {
        Self::new(&HttpOptions::from_config(cfg))
    }

    /// A media client: connect and read-idle timeouts, no total bound on
    /// a stream (only [`HttpClient::get_bytes`] and [`HttpClient::post`]
    /// bound a whole exchange, by `request_timeout`).
    pub fn new(opts: &HttpOptions) -> Result<Self, NetError> {
        Ok(Self {
            inner: super::options::build(opts)?,
            request_timeout: opts.request_timeout,
        })
    }

    /// Reads a whole body of at most `limit` bytes (a hostile or broken
    /// server must not make us buffer without bound).
    pub async fn get_bytes(
        &self,
        url: &Url,
        range: Option<ByteRange>,
        limit: usize,
    ) -> Result<Bytes, NetError> {
        let read = async {
            let (mut resp, fallback) = self.send(url, range).await?;
            let mut buf = BytesMut::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| NetError::network(url, &e))? {
                if buf.len() + chunk.len() > limit.saturating_add(fallback.skip as usize) {
                    return Err(NetError::TooLarge {
                        url: redact_url(url),
                        limit,
                    });
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(fallback.apply(buf.freeze()))
        };
        tokio::time::timeout(self.request_timeout, read)
            .await
            .map_err(|_| NetError::Network {
                url: redact_url(url),
                detail: format!("no complete response within {:?}", self.request_timeout),
            })?
    }

    /// Streams a body chunk by chunk; a dropped connection surfaces as an
    /// `Err` item (hyper reports a body shorter than its Content-Length).
    pub async fn get_stream(
        &self,
        url: &Url,
        range: Option<ByteRange>,
    ) -> Result<BodyStream, NetError> {
        let (resp, fallback) = self.send(url, range).await?;
        let state = (Some(resp), fallback, url.clone());
        let stream = futures::stream::unfold(state, |(resp, mut fb, url)| async move {
            let mut resp = resp?;
            loop {
                if fb.take == Some(0) {
                    return None;
                }
                match resp.chunk().await {
                    Ok(Some(chunk)) => {
                        let chunk = fb.cut(chunk);
                        if chunk.is_empty() {
                            continue;
                        }
                        return Some((Ok(chunk), (Some(resp), fb, url)));
                    }
                    Ok(None) => return None,
                    Err(e) => {
                        let err = NetError::network(&url, &e);
                        return Some((Err(err), (None, fb, url)));
                    }
                }
            }
        });
        Ok(Box::pin(stream))
    }

    /// Sends a GET with `extra` request headers besides the configured
    /// ones and returns the response whatever its status (the loopback
    /// header proxy passes statuses through to its client).
    pub(crate) async fn get_passthrough(
        &self,
        url: &Url,
        extra: reqwest::header::HeaderMap,
    ) -> Result<reqwest::Response, NetError> {
        self.inner
            .get(url.clone())
            .headers(extra)
            .send()
            .await
            .map_err(|e| NetError::network(url, &e))
    }

    async fn send(
        &self,
        url: &Url,
        range: Option<ByteRange>,
    ) -> Result<(reqwest::Response, RangeFallback), NetError> {
        let mut req = self.inner.get(url.clone());
        if let Some(r) = range {
            let last = r.offset + r.length.saturating_sub(1);
            req = req.header(RANGE, format!("bytes={}-{last}", r.offset));
        }
        let resp = req.send().await.map_err(|e| NetError::network(url, &e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(NetError::Http {
                status: status.as_u16(),
                url: redact_url(url),
            });
        }
        // A server that ignores `Range` answers 200 with the whole resource:
        // cut the range out ourselves.
        let fallback = match range {
            Some(r) if status != reqwest::StatusCode::PARTIAL_CONTENT => RangeFallback {
                skip: r.offset,
                take: Some(r.length),
            },
            _ => RangeFallback::default(),
        };
        Ok((resp, fallback))
    }
}

/// Bytes to drop and keep when a range request got a full (200) answer.
#[derive(Debug, Clone, Copy, Default)]
struct RangeFallback {
    skip: u64,
    take: Option<u64>,
}

impl RangeFallback {
    fn cut(&mut self, mut chunk: Bytes) -> Bytes {
        let n = self.skip.min(chunk.len() as u64);
        chunk.advance(n as usize);
        self.skip -= n;
        if let Some(t) = self.take.as_mut() {
            if chunk.len() as u64 > *t {
                chunk.truncate(*t as usize);
            }
            *t -= chunk.len() as u64;
        }
        chunk
    }

    fn apply(mut self, body: Bytes) -> Bytes {
        self.cut(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_config_errors() {
        let bad_proxy = HttpOptions {
            proxy: Some("not a url".into()),
            ..Default::default()
        };
        assert!(matches!(
            HttpClient::new(&bad_proxy),
            Err(NetError::Config(_))
        ));
        let bad_header = HttpOptions {
            headers: vec![("bad header".into(), "x".into())],
            ..Default::default()
        };
        assert!(matches!(
            HttpClient::new(&bad_header),
            Err(NetError::Config(_))
        ));
        let socks = HttpOptions {
            proxy: Some("socks5://127.0.0.1:1080".into()),
            cookies: Some("a=1; b=2".into()),
            headers: vec![("Referer".into(), "https://example.com/".into())],
            ..Default::default()
        };
        assert!(HttpClient::new(&socks).is_ok());
    }

    #[test]
    fn range_fallback_cuts_the_requested_bytes() {
        let mut fb = RangeFallback {
            skip: 3,
            take: Some(4),
        };
        assert_eq!(fb.cut(Bytes::from_static(b"ab")), Bytes::new());
        assert_eq!(
            fb.cut(Bytes::from_static(b"cdef")),
            Bytes::from_static(b"def")
        );
        assert_eq!(
            fb.cut(Bytes::from_static(b"ghij")),
            Bytes::from_static(b"g")
        );
        assert_eq!(fb.take, Some(0));
    }
}
