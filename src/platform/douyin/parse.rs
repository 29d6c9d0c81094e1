//! Pure parsing of Douyin's web enter API
//! (`/webcast/room/web/enter/`): room state, owner, and the stream ladder
//! from `live_core_sdk_data.pull_data.stream_data` (a JSON document inside a
//! string) or, on older answers, `flv_pull_url` / `hls_pull_url_map`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::platform::{
    LiveStatus, PlatformError, RoomIdentity, StreamCandidate, StreamFormat, normalise_codec,
};

/// Name used in "missing field" errors.
pub const API: &str = "Douyin enter API";

/// What an empty or HTML answer means: the request was refused silently.
pub const BLOCKED: &str = "Douyin answered without room data: blocked or verification \
                           required (try again later; a fresh `ttwid` or the cookies of a \
                           logged-in browser in `cookies` may help)";

/// `stream_data` quality keys, best first (`ao` = audio only, skipped).
const KEYS: &[&str] = &["origin", "uhd", "hd", "sd", "ld", "md"];

/// Legacy `flv_pull_url` keys, best first.
const LEGACY_KEYS: &[&str] = &["FULL_HD1", "HD1", "SD1", "SD2"];

/// The marker of an interactive-game room (a mini game, not a camera
/// stream), which recorders skip.
const GAME_MARKER: &str = "互动玩法";

/// A deleted account's nickname.
const CANCELLED: &str = "账号已注销";

/// Decides one enter answer. `headers` go on every stream candidate.
pub fn enter(body: &str, headers: &BTreeMap<String, String>) -> Result<LiveStatus, PlatformError> {
    let text = body.trim_start_matches('\u{feff}').trim();
    if text.is_empty() || text.starts_with('<') {
        return Err(PlatformError::Transient(BLOCKED.into()));
    }
    let v: Value = serde_json::from_str(text)
        .map_err(|_| PlatformError::ApiChanged(format!("{API}: the answer is not JSON")))?;
    let code = v.get("status_code").and_then(Value::as_i64).unwrap_or(0);
    let data = v.get("data").filter(|d| d.is_object());
    if code != 0 {
        let prompts = data
            .and_then(|d| d.get("prompts"))
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(PlatformError::Transient(format!(
            "{API}: status_code {code} {prompts}"
        )));
    }
    let data = data.ok_or_else(|| PlatformError::missing(API, "data"))?;
    let user = data.get("user");
    let nickname = s(user, "/nickname");
    if nickname == Some(CANCELLED) {
        return Err(PlatformError::NotFound(format!(
            "the Douyin account was deleted ({CANCELLED})"
        )));
    }
    let rooms = data
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| PlatformError::missing(API, "data.data"))?;
    let Some(room) = rooms.first() else {
        return Err(PlatformError::NotFound(
            "Douyin has no live room with this id".into(),
        ));
    };
    let room_status = room
        .get("status")
        .and_then(Value::as_i64)
        .ok_or_else(|| PlatformError::missing(API, "data.data[0].status"))?;
    let mut status = LiveStatus {
        title: s(Some(room), "/title").map(str::to_string),
        category: s(Some(data), "/partition_road_map/partition/title").map(str::to_string),
        avatar: s(user, "/avatar_thumb/url_list/0").map(str::to_string),
        room: s(Some(room), "/id_str").map(|id| RoomIdentity {
            id: id.to_string(),
            owner_id: s(user, "/sec_uid")
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            owner_name: nickname.map(str::to_string),
        }),
        ..Default::default()
    };
    if room_status != 2 {
        return Ok(status);
    }
    if room.to_string().contains(GAME_MARKER) {
        status.note = Some(format!(
            "interactive game room ({GAME_MARKER}), not recorded"
        ));
        return Ok(status);
    }
    let stream_url = room
        .get("stream_url")
        .ok_or_else(|| PlatformError::missing(API, "data.data[0].stream_url"))?;
    status.streams = streams(stream_url, headers)?;
    if status.streams.is_empty() {
        return Err(PlatformError::missing(
            API,
            "data.data[0].stream_url.live_core_sdk_data.pull_data.stream_data",
        ));
    }
    status.live = true;
    Ok(status)
}

/// Candidates of `stream_url`, best quality first, FLV before HLS.
fn streams(
    stream_url: &Value,
    headers: &BTreeMap<String, String>,
) -> Result<Vec<StreamCandidate>, PlatformError> {
    let pull = stream_url.pointer("/live_core_sdk_data/pull_data");
    let sdk = pull
        .and_then(|p| p.get("stream_data"))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty());
    let mut out = Vec::new();
    if let Some(sdk) = sdk {
        let doc: Value = serde_json::from_str(sdk).map_err(|_| {
            PlatformError::ApiChanged(format!(
                "{API}: `stream_url.live_core_sdk_data.pull_data.stream_data` is not JSON"
            ))
        })?;
        let qualities: Vec<&Value> = pull
            .and_then(|p| p.pointer("/options/qualities"))
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for key in KEYS {
            let Some(main) = doc.pointer(&format!("/data/{key}/main")) else {
                continue;
            };
            let q = qualities
                .iter()
                .find(|q| q.get("sdk_key").and_then(Value::as_str) == Some(key));
            let params: Value = main
                .get("sdk_params")
                .and_then(Value::as_str)
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or(Value::Null);
            let label = q
                .and_then(|q| q.get("name"))
                .and_then(Value::as_str)
                .unwrap_or(key);
            let text = |q: Option<&&Value>, qk: &str, pk: &str| {
                q.and_then(|q| q.get(qk))
                    .and_then(Value::as_str)
                    .or_else(|| params.get(pk).and_then(Value::as_str))
                    .map(str::to_string)
            };
            let codec = text(q, "v_codec", "VCodec").map(|c| normalise_codec(&c));
            let height = text(q, "resolution", "resolution").and_then(|r| short_side(&r));
            let bitrate = q
                .and_then(|q| q.get("v_bit_rate"))
                .and_then(Value::as_u64)
                .or_else(|| params.get("vbitrate").and_then(Value::as_u64));
            for (field, format) in [("flv", StreamFormat::Flv), ("hls", StreamFormat::Hls)] {
                let Some(url) = main
                    .get(field)
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty())
                else {
                    continue;
                };
                let mut c = candidate(url, format, label, headers);
                c.codec = codec.clone();
                c.height = height;
                c.bitrate = bitrate;
                out.push(c);
            }
        }
        return Ok(out);
    }
    // Older answers: one URL map per format.
    for key in LEGACY_KEYS {
        for (map, format) in [
            ("flv_pull_url", StreamFormat::Flv),
            ("hls_pull_url_map", StreamFormat::Hls),
        ] {
            if let Some(url) = stream_url
                .pointer(&format!("/{map}/{key}"))
                .and_then(Value::as_str)
                .filter(|u| !u.is_empty())
            {
                out.push(candidate(url, format, key, headers));
            }
        }
    }
    Ok(out)
}

/// The string at JSON pointer `p` under `v`.
fn s<'v>(v: Option<&'v Value>, p: &str) -> Option<&'v str> {
    v.and_then(|v| v.pointer(p)).and_then(Value::as_str)
}

fn candidate(
    url: &str,
    format: StreamFormat,
    label: &str,
    headers: &BTreeMap<String, String>,
) -> StreamCandidate {
    let mut c = StreamCandidate::new(url, format, label);
    let parsed = ::url::Url::parse(url).ok();
    c.cdn = parsed
        .as_ref()
        .and_then(|u| u.host_str())
        .map(str::to_string);
    c.expires_at = parsed.as_ref().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "expire")
            .and_then(|(_, v)| v.parse().ok())
    });
    c.headers = headers.clone();
    c
}

/// The "p" number of `1080x1920` / `1920x1080`: the short side, so a
/// portrait phone stream counts as 1080p like its landscape twin.
fn short_side(resolution: &str) -> Option<u32> {
    let (w, h) = resolution.split_once(['x', '*'])?;
    let (w, h): (u32, u32) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    Some(w.min(h))
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
