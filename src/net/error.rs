//! Typed HTTP errors. URLs are redacted (query dropped) before they reach an
//! error message, because CDN URLs carry access tokens and error texts end up
//! in logs, the database and notifications.

/// Why an HTTP request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// The client could not be built from the settings (bad proxy URL, bad
    /// header name). Retrying cannot help until the config is fixed.
    #[error("invalid HTTP settings: {0}")]
    Config(String),
    /// The server answered with a non-success status.
    #[error("HTTP {status} from {url}")]
    Http { status: u16, url: String },
    /// Connect, TLS, timeout or a connection dropped mid-body.
    #[error("request to {url} failed: {detail}")]
    Network { url: String, detail: String },
    /// A body we read whole (playlist, key, init) exceeded its cap.
    #[error("response from {url} is larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
}

impl NetError {
    /// A transport error for `url` with the full `source()` chain as detail,
    /// since reqwest's top-level message alone ("error sending request") says
    /// nothing about the cause.
    pub fn network(url: &url::Url, err: &(dyn std::error::Error + 'static)) -> Self {
        // reqwest's own message repeats the full URL ("error sending
        // request for url (...)"), query token included: redact it there too.
        let redacted = redact_url(url);
        Self::Network {
            detail: error_chain(err).replace(url.as_str(), &redacted),
            url: redacted,
        }
    }

    /// Whether the same request may succeed if tried again soon.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Config(_) => false,
            Self::Network { .. } | Self::TooLarge { .. } => true,
            Self::Http { status, .. } => {
                *status >= 500 || *status == 404 || *status == 429 || *status == 408
            }
        }
    }
}

/// `scheme://host[:port]/path` without query or fragment (tokens live there).
pub fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_password(None);
    u.to_string()
}

/// `outer: inner: innermost`, skipping repeats.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_tokens() {
        let u = url::Url::parse("https://u:pw@cdn.example/a/b.ts?token=secret#x").unwrap();
        assert_eq!(redact_url(&u), "https://u@cdn.example/a/b.ts");
    }

    #[tokio::test]
    async fn network_errors_carry_no_query_token() {
        let u = url::Url::parse("http://127.0.0.1:1/hook?token=s3cret").unwrap();
        let err = reqwest::Client::new()
            .get(u.clone())
            .send()
            .await
            .expect_err("nothing listens on port 1");
        let e = NetError::network(&u, &err);
        let text = e.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("127.0.0.1:1/hook"), "{text}");
    }
}
