//! Pure parsing of YouTube pages: the `ytInitialPlayerResponse` object cut
//! out of the HTML by brace balancing (a greedy regex breaks on `};`
//! inside titles), then a decision on `playabilityStatus` first and
//! `videoDetails.isLive` second (the flag is reportedly missing on some
//! `/live` pages and early in premieres).

use serde::Deserialize;
use serde_json::Value;

use crate::platform::{LiveStatus, PlatformError, RoomIdentity};

/// Name used in "missing field" errors.
pub const API: &str = "YouTube player response";

/// What a page says, before the HLS master is fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// Everything but the streams.
    pub status: LiveStatus,
    /// `streamingData.hlsManifestUrl` of a live broadcast.
    pub manifest: Option<String>,
    /// Unix seconds the manifest's signature runs out.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlayerResponse {
    playability_status: Option<Playability>,
    video_details: Option<VideoDetails>,
    microformat: Option<Microformat>,
    streaming_data: Option<StreamingData>,
}

#[derive(Debug, Deserialize)]
struct Playability {
    status: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VideoDetails {
    video_id: Option<String>,
    title: Option<String>,
    author: Option<String>,
    channel_id: Option<String>,
    is_live: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Microformat {
    player_microformat_renderer: Option<Renderer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Renderer {
    category: Option<String>,
    live_broadcast_details: Option<Broadcast>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Broadcast {
    is_live_now: Option<bool>,
    start_timestamp: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StreamingData {
    hls_manifest_url: Option<String>,
    expires_in_seconds: Option<String>,
}

/// The JSON object assigned to `name` in a page (`var name = {…};`,
/// `window["name"] = {…};`), cut at its matching closing brace with
/// strings and escapes respected.
pub fn extract_object<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(pos) = html[from..].find(name) {
        let after = from + pos + name.len();
        from = after;
        let rest = html[after..].trim_start_matches(['"', ']', ' ', '\t', '\n', '\r']);
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        if !rest.starts_with('{') {
            continue;
        }
        let start = html.len() - rest.len();
        if let Some(len) = balanced_len(rest) {
            return Some(&html[start..start + len]);
        }
    }
    None
}

/// Length of the `{…}` object `s` starts with, or `None` if it never closes.
fn balanced_len(s: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, b) in s.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether the page is YouTube's cookie consent interstitial.
pub fn is_consent_page(html: &str) -> bool {
    html.contains("consent.youtube.com") && !html.contains("ytInitialPlayerResponse")
}

/// Decides a whole page. `channel_page`: the URL named a channel's `/live`
/// page, where a page without a player response means "not live" (YouTube
/// shows the channel home then); for a video URL it means the page changed.
pub fn page(html: &str, channel_page: bool, now_s: i64) -> Result<Decided, PlatformError> {
    if let Some(json) = extract_object(html, "ytInitialPlayerResponse") {
        let mut d = player(json, now_s)?;
        if d.status.avatar.is_none() {
            d.status.avatar = extract_object(html, "ytInitialData").and_then(owner_avatar);
        }
        return Ok(d);
    }
    if is_consent_page(html) {
        return Err(PlatformError::AuthRequired(
            "YouTube answered with its cookie consent page (consent.youtube.com) instead of \
             the channel; cookies may help: set `cookies = \"SOCS=CAI\"` or the cookies of a \
             browser session for this streamer"
                .into(),
        ));
    }
    if channel_page {
        return Ok(Decided {
            status: LiveStatus::default(),
            manifest: None,
            expires_at: None,
        });
    }
    Err(PlatformError::missing(API, "ytInitialPlayerResponse"))
}

/// Decides one player response (`ytInitialPlayerResponse` JSON text).
pub fn player(json: &str, now_s: i64) -> Result<Decided, PlatformError> {
    let value: Value =
        serde_json::from_str(json).map_err(|_| PlatformError::missing(API, "(JSON object)"))?;
    let p: PlayerResponse = serde_json::from_value(value.clone())
        .map_err(|e| PlatformError::ApiChanged(format!("{API}: {e}")))?;
    let play = p
        .playability_status
        .ok_or_else(|| PlatformError::missing(API, "playabilityStatus"))?;
    let state = play
        .status
        .ok_or_else(|| PlatformError::missing(API, "playabilityStatus.status"))?;
    let reason = play.reason.unwrap_or_default();
    let details = p.video_details;
    let renderer = p.microformat.and_then(|m| m.player_microformat_renderer);
    let broadcast = renderer
        .as_ref()
        .and_then(|r| r.live_broadcast_details.as_ref());
    let mut status = LiveStatus {
        title: details.as_ref().and_then(|d| d.title.clone()),
        category: renderer.as_ref().and_then(|r| r.category.clone()),
        room: details.as_ref().and_then(|d| {
            Some(RoomIdentity {
                id: d.video_id.clone()?,
                owner_id: d.channel_id.clone(),
                owner_name: d.author.clone(),
            })
        }),
        ..Default::default()
    };
    match state.as_str() {
        "OK" if !reason.is_empty() => Err(PlatformError::Transient(format!(
            "YouTube refuses to play the video: {reason}"
        ))),
        "OK" => {
            let live = details.as_ref().and_then(|d| d.is_live).unwrap_or(false)
                || broadcast.and_then(|b| b.is_live_now).unwrap_or(false);
            let streaming = p.streaming_data;
            let manifest = streaming.as_ref().and_then(|s| s.hls_manifest_url.clone());
            if !live || manifest.is_none() {
                // A finished broadcast or an ordinary video.
                return Ok(Decided {
                    status: LiveStatus {
                        room: status.room,
                        ..Default::default()
                    },
                    manifest: None,
                    expires_at: None,
                });
            }
            status.live = true;
            status.started_at = broadcast
                .and_then(|b| b.start_timestamp.as_deref())
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp_millis());
            let expires_at = streaming
                .and_then(|s| s.expires_in_seconds)
                .and_then(|s| s.trim().parse::<i64>().ok())
                .map(|s| now_s + s);
            Ok(Decided {
                status,
                manifest,
                expires_at,
            })
        }
        "LIVE_STREAM_OFFLINE" => {
            status.note = Some("upcoming".into());
            status.scheduled_at = value
                .pointer(
                    "/playabilityStatus/liveStreamability/liveStreamabilityRenderer/offlineSlate\
                     /liveStreamOfflineSlateRenderer/scheduledStartTime",
                )
                .and_then(|v| {
                    v.as_str()
                        .and_then(|s| s.parse::<i64>().ok())
                        .or(v.as_i64())
                })
                .map(|s| s * 1000);
            Ok(Decided {
                status,
                manifest: None,
                expires_at: None,
            })
        }
        "LOGIN_REQUIRED" | "AGE_CHECK_REQUIRED" | "CONTENT_CHECK_REQUIRED" => {
            Err(PlatformError::AuthRequired(format!(
                "YouTube wants a signed-in viewer ({}); cookies may help: export the cookies \
                 of a signed-in browser session into this streamer's `cookies`",
                or_status(&reason, &state)
            )))
        }
        "UNPLAYABLE" => {
            let r = reason.to_ascii_lowercase();
            if r.contains("country") || r.contains("region") || r.contains("location") {
                Err(PlatformError::GeoBlocked(format!("YouTube: {reason}")))
            } else {
                Err(PlatformError::AuthRequired(format!(
                    "YouTube will not play this stream ({}), e.g. members-only; cookies of an \
                     account with access may help",
                    or_status(&reason, &state)
                )))
            }
        }
        "ERROR" => Err(PlatformError::NotFound(format!(
            "YouTube: {}",
            or_status(&reason, &state)
        ))),
        other => Err(PlatformError::ApiChanged(format!(
            "{API}: unknown playabilityStatus.status `{other}` ({reason})"
        ))),
    }
}

fn or_status<'a>(reason: &'a str, status: &'a str) -> &'a str {
    if reason.is_empty() { status } else { reason }
}

/// The channel avatar of a watch page: `ytInitialData`'s
/// `videoOwnerRenderer.thumbnail.thumbnails`, largest (last) first.
fn owner_avatar(json: &str) -> Option<String> {
    fn find<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
        match v {
            Value::Object(m) => m.get(key).or_else(|| m.values().find_map(|x| find(x, key))),
            Value::Array(a) => a.iter().find_map(|x| find(x, key)),
            _ => None,
        }
    }
    let data: Value = serde_json::from_str(json).ok()?;
    let owner = find(&data, "videoOwnerRenderer")?;
    let thumbs = owner.pointer("/thumbnail/thumbnails")?.as_array()?;
    Some(thumbs.last()?.get("url")?.as_str()?.to_string())
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
