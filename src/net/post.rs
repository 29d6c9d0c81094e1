//! Small POST requests (notifications): the whole answer is read under a cap
//! and returned whatever its status, because the caller decides what a 429
//! or a 5xx means (retry after a delay, breaker, dead letter).

use std::time::Duration;

use url::Url;

use super::client::HttpClient;
use super::error::{NetError, redact_url};

/// Bytes of an answer body kept (enough for any error message).
const BODY_CAP: usize = 16 * 1024;

/// What a server answered to a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostReply {
    pub status: u16,
    /// `Retry-After` in seconds when the server sent one (429, 503).
    pub retry_after: Option<Duration>,
    /// The body, cut at 16 KiB, lossily decoded.
    pub body: String,
}

impl PostReply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl HttpClient {
    /// POSTs `body` with `headers`; transport failures and timeouts are
    /// errors, any HTTP status is a reply.
    pub async fn post(
        &self,
        url: &Url,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<PostReply, NetError> {
        let mut req = self.inner.post(url.clone()).body(body);
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let send = async {
            let mut resp = req.send().await.map_err(|e| NetError::network(url, &e))?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| Duration::from_secs_f64(s.min(86_400.0)));
            let mut buf = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| NetError::network(url, &e))? {
                if buf.len() < BODY_CAP {
                    let room = BODY_CAP - buf.len();
                    buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
            }
            Ok(PostReply {
                status,
                retry_after,
                body: String::from_utf8_lossy(&buf).into_owned(),
            })
        };
        tokio::time::timeout(self.request_timeout, send)
            .await
            .map_err(|_| NetError::Network {
                url: redact_url(url),
                detail: format!("no answer within {:?}", self.request_timeout),
            })?
    }
}
