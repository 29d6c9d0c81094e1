//! User-supplied URLs: validation, normalisation, and which platform they
//! belong to (so per-platform config applies from the first `srec add`).

/// Why a URL cannot be monitored.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("`{0}` is not a valid URL")]
    Invalid(String),
    #[error("unsupported URL scheme `{scheme}` in `{url}`: srec records http:// and https:// URLs")]
    Scheme { url: String, scheme: String },
    #[error("URL `{0}` has no host")]
    NoHost(String),
}

/// A URL accepted for monitoring: its canonical form plus its platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUrl {
    pub url: String,
    pub platform: &'static str,
    /// A readable default name derived from the URL.
    pub suggested_name: String,
}

/// Parses and classifies a user-supplied URL.
pub fn resolve(input: &str) -> Result<ResolvedUrl, UrlError> {
    let trimmed = input.trim();
    let url = url::Url::parse(trimmed).map_err(|_| UrlError::Invalid(trimmed.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::Scheme {
            url: trimmed.to_string(),
            scheme: url.scheme().to_string(),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::NoHost(trimmed.to_string()));
    }
    let (platform, room) = super::PlatformRegistry::default()
        .claim(&url)
        .ok_or_else(|| UrlError::Invalid(trimmed.to_string()))?;
    let (url, suggested_name) = (room.url, room.id);
    Ok(ResolvedUrl {
        url,
        platform,
        suggested_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_rejects() {
        let r = resolve(" http://127.0.0.1:8080/room/alice ").unwrap();
        assert_eq!((r.platform, r.suggested_name.as_str()), ("fake", "alice"));
        let g = resolve("https://cdn.example/live/bob.m3u8?token=1").unwrap();
        assert_eq!((g.platform, g.suggested_name.as_str()), ("generic", "bob"));
        assert_eq!(
            resolve("https://Example.COM").unwrap().suggested_name,
            "example.com"
        );
        assert!(matches!(resolve("ftp://x/y"), Err(UrlError::Scheme { .. })));
        assert!(matches!(resolve("not a url"), Err(UrlError::Invalid(_))));
    }
}
