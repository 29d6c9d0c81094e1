//! The generic platform: a direct `.m3u8` or `.flv` URL. It is live when the
//! URL answers with media: an HLS playlist that has segments and no
//! `#EXT-X-ENDLIST`, or a response starting with an FLV header.

use futures::StreamExt;

use super::{
    BoxFut, CheckContext, LiveStatus, Platform, PlatformError, RoomRef, StreamCandidate,
    StreamFormat,
};

/// Most bytes read from a playlist answer.
const MAX_PLAYLIST: usize = 1 << 20;

/// Direct stream URLs.
pub struct GenericPlatform;

impl Platform for GenericPlatform {
    fn name(&self) -> &'static str {
        "generic"
    }

    fn streamlink_url(&self, _page: &str, stream: &StreamCandidate) -> String {
        super::prefixed_stream_url(stream)
    }

    fn room(&self, url: &::url::Url) -> Option<RoomRef> {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let host = url.host_str()?.to_string();
        let id = url
            .path_segments()
            .and_then(|mut segs| segs.rfind(|s| !s.is_empty()))
            .map(|s| {
                s.trim_end_matches(".m3u8")
                    .trim_end_matches(".flv")
                    .to_string()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or(host);
        Some(RoomRef {
            id,
            url: url.to_string(),
        })
    }

    fn example_urls(&self) -> &'static [&'static str] {
        &[
            "https://cdn.example.com/live/bob.m3u8?token=1",
            "http://203.0.113.7:8080/live/stream.flv",
        ]
    }

    fn check_live<'a>(
        &'a self,
        ctx: &'a CheckContext<'a>,
    ) -> BoxFut<'a, Result<LiveStatus, PlatformError>> {
        Box::pin(check(ctx))
    }
}

async fn check(ctx: &CheckContext<'_>) -> Result<LiveStatus, PlatformError> {
    let resp = ctx
        .http
        .get(ctx.url)
        .send()
        .await
        .map_err(|e| PlatformError::from_reqwest(&e))?;
    let status = resp.status().as_u16();
    // A direct stream URL that is gone means "offline", not "no such room".
    if matches!(status, 404 | 410) {
        return Ok(LiveStatus::default());
    }
    if !resp.status().is_success() {
        let retry = retry_after(&resp);
        return Err(PlatformError::from_status(status, ctx.url, retry));
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut body = resp.bytes_stream();
    let mut head = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| PlatformError::from_reqwest(&e))?;
        head.extend_from_slice(&chunk);
        // FLV: 3 bytes are enough; a playlist is read whole (bounded).
        if head.starts_with(b"FLV") || head.len() >= MAX_PLAYLIST {
            break;
        }
        if head.len() >= 3 && !head.starts_with(b"#EX") && !head.starts_with(b"\xEF\xBB\xBF") {
            break;
        }
    }
    drop(body);
    let candidate = |format| StreamCandidate::new(ctx.url, format, "source");
    if head.starts_with(b"FLV") {
        return Ok(LiveStatus {
            live: true,
            streams: vec![candidate(StreamFormat::Flv)],
            ..Default::default()
        });
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("#EXTM3U") || content_type.contains("mpegurl") {
        let live = playlist_is_live(text);
        return Ok(LiveStatus {
            live,
            streams: if live {
                vec![candidate(StreamFormat::Hls)]
            } else {
                vec![]
            },
            ..Default::default()
        });
    }
    Ok(LiveStatus::default())
}

/// A master playlist, or a media playlist with segments and no end marker.
fn playlist_is_live(text: &str) -> bool {
    if text.contains("#EXT-X-STREAM-INF") {
        return true;
    }
    let has_segment = text.lines().any(|l| l.starts_with("#EXTINF"));
    has_segment && !text.contains("#EXT-X-ENDLIST")
}

/// `Retry-After` in seconds, when present.
pub fn retry_after(resp: &reqwest::Response) -> Option<std::time::Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse().ok())
        .map(std::time::Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playlist_liveness() {
        assert!(playlist_is_live(
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n"
        ));
        assert!(playlist_is_live("#EXTM3U\n#EXTINF:2,\na.ts\n"));
        assert!(!playlist_is_live(
            "#EXTM3U\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n"
        ));
        assert!(!playlist_is_live("#EXTM3U\n#EXT-X-TARGETDURATION:2\n"));
    }
}
