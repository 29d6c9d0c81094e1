//! From the URL the platform gave to the media playlist to record: a master
//! playlist is resolved to the variant matching the configured quality; a
//! media playlist is used as is (and its first load is kept, not repeated).

use url::Url;

use super::error::HlsError;
use super::fetch::Fetch;
use super::fetcher::RetryPolicy;
use super::playlist::{MediaWindow, Parsed, parse};
use super::variant::select_variant;
use super::watcher::PLAYLIST_LIMIT;
use crate::config::Quality;
use crate::net::redact_url;

/// The media playlist URL and, when already loaded, its first window.
pub async fn resolve_media<F: Fetch>(
    fetch: &F,
    url: &Url,
    quality: Quality,
    retry: RetryPolicy,
) -> Result<(Url, MediaWindow), HlsError> {
    let mut url = url.clone();
    // A master may point at another master (rare, but seen in the wild).
    for _ in 0..3 {
        let body = get_with_retry(fetch, &url, retry).await?;
        match parse(&url, &body)? {
            Parsed::Media(w) => return Ok((url, w)),
            Parsed::Master(m) => {
                let v = select_variant(&m.variants, quality)
                    .ok_or_else(|| HlsError::NoVariant(redact_url(&url)))?;
                tracing::info!(
                    bandwidth = v.bandwidth,
                    height = v.resolution.map(|r| r.height),
                    %quality,
                    "chose HLS variant"
                );
                let separate_audio = v.audio.as_ref().is_some_and(|group| {
                    m.alternatives
                        .iter()
                        .any(|a| &a.group_id == group && a.uri.is_some())
                });
                if separate_audio {
                    tracing::warn!(
                        "the chosen HLS variant carries its audio in a separate rendition, \
                         which mesio does not record yet: the recording may have no sound"
                    );
                }
                url = url.join(v.uri.trim()).map_err(|e| HlsError::Playlist {
                    url: redact_url(&url),
                    reason: format!("bad variant URI: {e}"),
                })?;
            }
        }
    }
    Err(HlsError::Playlist {
        url: redact_url(&url),
        reason: "master playlists nested too deep".into(),
    })
}

async fn get_with_retry<F: Fetch>(
    fetch: &F,
    url: &Url,
    retry: RetryPolicy,
) -> Result<bytes::Bytes, HlsError> {
    let mut attempt = 0u32;
    loop {
        match fetch.get(url, None, PLAYLIST_LIMIT).await {
            Ok(b) => return Ok(b),
            Err(e) if !e.is_transient() || attempt >= retry.retries => return Err(e.into()),
            Err(_) => {
                tokio::time::sleep(retry.base_delay * 2u32.pow(attempt.min(4))).await;
                attempt += 1;
            }
        }
    }
}
