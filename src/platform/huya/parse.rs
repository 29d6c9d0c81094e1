//! Pure parsing of a Huya room page: the `TT_ROOM_DATA` and
//! `TT_PROFILE_INFO` script variables and `hyPlayerConfig.stream` (JSON,
//! or a base64 string of the same JSON).

use std::sync::LazyLock;

use base64::Engine;
use regex::Regex;
use serde_json::Value;

use crate::platform::PlatformError;

const PAGE: &str = "huya room page";

/// One CDN's stream of the room (`gameStreamInfoList[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdnStream {
    pub cdn: String,
    pub stream_name: String,
    pub flv_url: String,
    pub flv_suffix: String,
    pub flv_anticode: String,
    pub hls_url: String,
    pub hls_suffix: String,
    pub hls_anticode: String,
}

/// A quality the room offers (`vMultiStreamInfo[]`); `bitrate_kbps` 0 is
/// the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quality {
    pub name: String,
    pub bitrate_kbps: u64,
}

/// What the room page says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// `TT_ROOM_DATA.profileRoom`: the numeric room id.
    pub room_id: Option<String>,
    /// `TT_ROOM_DATA.state`: `ON`, `OFF` or `REPLAY`.
    pub state: String,
    pub title: Option<String>,
    pub category: Option<String>,
    pub avatar: Option<String>,
    /// `TT_PROFILE_INFO.lp`: the streamer's uid.
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    /// Unix seconds the broadcast started.
    pub start_time: Option<i64>,
    /// The streamer is suspended (`该主播涉嫌违规`).
    pub suspended: bool,
    pub streams: Vec<CdnStream>,
    pub qualities: Vec<Quality>,
}

impl Page {
    /// A replay is running instead of a live broadcast.
    pub fn replay(&self) -> bool {
        self.state == "REPLAY"
            || self
                .title
                .as_deref()
                .is_some_and(|t| t.contains("【回放】"))
    }
}

static STREAM_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\s,{]stream\s*:\s*").unwrap_or_else(|e| unreachable!("{e}")));

/// The first JSON value at the start of `text` (trailing script ignored).
fn json_at(text: &str) -> Option<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
}

/// The JSON object assigned to `var NAME = {...};`.
fn script_var(html: &str, name: &str) -> Option<Value> {
    let at = html.find(&format!("{name} ="))?;
    let rest = &html[at + name.len()..];
    let brace = rest.find('{')?;
    json_at(&rest[brace..]).filter(Value::is_object)
}

pub(super) fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn int_of(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// `hyPlayerConfig.stream`: `None` when the page has none (offline) or it
/// is `null`.
fn player_stream(html: &str) -> Result<Option<Value>, PlatformError> {
    let Some(at) = html.find("hyPlayerConfig") else {
        return Ok(None);
    };
    let rest = &html[at..];
    let Some(key) = STREAM_KEY.find(rest) else {
        return Ok(None);
    };
    let value = rest[key.end()..].trim_start();
    if value.starts_with("null") {
        return Ok(None);
    }
    let bad = || PlatformError::missing(PAGE, "hyPlayerConfig.stream");
    let text = match value.chars().next() {
        Some('{') => return json_at(value).map(Some).ok_or_else(bad),
        Some('"') => json_at(value).and_then(|v| v.as_str().map(str::to_string)),
        Some('\'') => value[1..].split('\'').next().map(str::to_string),
        _ => None,
    }
    .ok_or_else(bad)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| bad())?;
    serde_json::from_slice(&decoded)
        .map(Some)
        .map_err(|_| bad())
}

/// One `gameStreamInfoList[]` (page) or `baseSteamInfoList[]` (MP API)
/// entry; `at` is its path, for errors.
pub(super) fn cdn_stream(v: &Value, api: &str, at: &str) -> Result<CdnStream, PlatformError> {
    let field = |name: &str| {
        v.get(name)
            .and_then(str_of)
            .ok_or_else(|| PlatformError::missing(api, &format!("{at}.{name}")))
    };
    let opt = |name: &str, default: &str| {
        v.get(name)
            .and_then(str_of)
            .unwrap_or_else(|| default.to_string())
    };
    Ok(CdnStream {
        cdn: opt("sCdnType", "cdn"),
        stream_name: field("sStreamName")?,
        flv_url: field("sFlvUrl")?,
        flv_suffix: opt("sFlvUrlSuffix", "flv"),
        flv_anticode: field("sFlvAntiCode")?,
        hls_url: opt("sHlsUrl", ""),
        hls_suffix: opt("sHlsUrlSuffix", "m3u8"),
        hls_anticode: opt("sHlsAntiCode", ""),
    })
}

/// The `[{sDisplayName, iBitRate}]` quality list.
pub(super) fn qualities(list: &Value) -> Vec<Quality> {
    let Some(qs) = list.as_array() else {
        return Vec::new();
    };
    qs.iter()
        .filter_map(|q| {
            Some(Quality {
                name: q.get("sDisplayName").and_then(str_of)?,
                bitrate_kbps: q
                    .get("iBitRate")
                    .and_then(int_of)
                    .and_then(|b| u64::try_from(b).ok())?,
            })
        })
        .collect()
}

/// Parses the room page. `找不到这个主播` is `NotFound`.
pub fn page(html: &str) -> Result<Page, PlatformError> {
    if html.contains("找不到这个主播") {
        return Err(PlatformError::NotFound(
            "huya: 找不到这个主播 (no such streamer)".into(),
        ));
    }
    let room = script_var(html, "TT_ROOM_DATA")
        .ok_or_else(|| PlatformError::missing(PAGE, "TT_ROOM_DATA"))?;
    let profile = script_var(html, "TT_PROFILE_INFO").unwrap_or(Value::Null);
    let state = room
        .get("state")
        .and_then(str_of)
        .ok_or_else(|| PlatformError::missing(PAGE, "TT_ROOM_DATA.state"))?;
    let mut out = Page {
        room_id: room
            .get("profileRoom")
            .and_then(str_of)
            .filter(|r| r != "0"),
        state,
        title: room.get("introduction").and_then(str_of),
        category: room.get("gameFullName").and_then(str_of),
        avatar: profile.get("avatar").and_then(str_of),
        owner_id: profile
            .get("lp")
            .and_then(str_of)
            .or_else(|| room.get("id").and_then(str_of)),
        owner_name: profile.get("nick").and_then(str_of),
        start_time: room.get("startTime").and_then(int_of).filter(|t| *t > 0),
        suspended: html.contains("该主播涉嫌违规"),
        ..Page::default()
    };
    let Some(stream) = player_stream(html)? else {
        return Ok(out);
    };
    let Some(first) = stream
        .get("data")
        .and_then(Value::as_array)
        .and_then(|d| d.first())
    else {
        return Ok(out);
    };
    if let Some(info) = first.get("gameLiveInfo") {
        let pick = |k: &str| info.get(k).and_then(str_of);
        out.title = pick("roomName").or(pick("introduction")).or(out.title);
        out.category = pick("gameFullName").or(out.category);
        out.start_time = info
            .get("startTime")
            .and_then(int_of)
            .filter(|t| *t > 0)
            .or(out.start_time);
    }
    let list = first
        .get("gameStreamInfoList")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            PlatformError::missing(PAGE, "hyPlayerConfig.stream.data[0].gameStreamInfoList")
        })?;
    out.streams = list
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let at = format!("hyPlayerConfig.stream.data[0].gameStreamInfoList[{i}]");
            cdn_stream(v, PAGE, &at)
        })
        .collect::<Result<_, _>>()?;
    out.qualities = stream
        .get("vMultiStreamInfo")
        .map(qualities)
        .unwrap_or_default();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE_T: &str = include_str!("../../../tests/fixtures/huya/page.html");
    const STREAM_T: &str = include_str!("../../../tests/fixtures/huya/stream.json");
    const NOT_FOUND: &str = include_str!("../../../tests/fixtures/huya/page_notfound.html");

    fn fill(t: &str, vars: &[(&str, String)]) -> String {
        let mut out = t.to_string();
        for (k, v) in vars {
            out = out.replace(&format!("{{{{{k}}}}}"), v);
        }
        out
    }

    fn vars(state: &str, title: &str, stream: &str) -> Vec<(&'static str, String)> {
        vec![
            ("id", "660001".into()),
            ("room_json", "660001".into()),
            ("lp", "1199000111".into()),
            ("title", title.into()),
            ("streamer", "Mochi".into()),
            ("category", "英雄联盟".into()),
            ("state", state.into()),
            ("is_on", (state == "ON").to_string()),
            ("is_replay", (state == "REPLAY").to_string()),
            ("live_since_s", "1700000000".into()),
            ("flv_base", "http://127.0.0.1:9/live".into()),
            (
                "hls_base",
                "http://127.0.0.1:9/hls/660001/0/index.m3u8?stream=".into(),
            ),
            ("ws_time", "6553f100".into()),
            ("stream", stream.into()),
        ]
    }

    fn live_page(b64: bool) -> String {
        let stream = fill(STREAM_T, &vars("ON", "Ranked grind", ""));
        let stream = if b64 {
            format!(
                "\"{}\"",
                base64::engine::general_purpose::STANDARD.encode(stream.trim())
            )
        } else {
            stream
        };
        fill(PAGE_T, &vars("ON", "Ranked grind", &stream))
    }

    #[test]
    fn live_page_with_json_and_base64_stream() {
        for b64 in [false, true] {
            let p = page(&live_page(b64)).unwrap();
            assert_eq!(p.state, "ON");
            assert!(!p.replay());
            assert_eq!(p.room_id.as_deref(), Some("660001"));
            assert_eq!(p.owner_id.as_deref(), Some("1199000111"));
            assert_eq!(p.owner_name.as_deref(), Some("Mochi"));
            assert_eq!(p.title.as_deref(), Some("Ranked grind"));
            assert_eq!(p.category.as_deref(), Some("英雄联盟"));
            assert_eq!(p.start_time, Some(1_700_000_000));
            assert!(p.avatar.unwrap().contains("_180.jpg"));
            assert_eq!(p.streams.len(), 2, "b64 = {b64}");
            let s = &p.streams[0];
            assert_eq!(s.cdn, "AL");
            assert_eq!(s.stream_name, "660001-imgplus");
            assert_eq!(s.flv_url, "http://127.0.0.1:9/live");
            assert!(s.flv_anticode.contains("&amp;wsTime=6553f100"));
            assert_eq!(p.qualities.len(), 4);
            assert_eq!(p.qualities[0].bitrate_kbps, 0);
            assert_eq!(p.qualities[1].name, "蓝光4M");
        }
    }

    #[test]
    fn offline_replay_and_not_found() {
        let off = page(&fill(PAGE_T, &vars("OFF", "Ranked grind", "null"))).unwrap();
        assert_eq!(off.state, "OFF");
        assert!(off.streams.is_empty());
        let replay = page(&fill(PAGE_T, &vars("REPLAY", "t", "null"))).unwrap();
        assert!(replay.replay());
        let titled = page(&fill(PAGE_T, &vars("ON", "【回放】old game", "null"))).unwrap();
        assert!(titled.replay());
        assert!(matches!(page(NOT_FOUND), Err(PlatformError::NotFound(_))));
    }

    #[test]
    fn changed_pages_name_the_field() {
        let err = page("<html>nothing</html>").unwrap_err().to_string();
        assert!(err.contains("TT_ROOM_DATA"), "{err}");
        let renamed = live_page(false).replace("sStreamName", "streamName");
        let err = page(&renamed).unwrap_err().to_string();
        assert!(err.contains("gameStreamInfoList[0].sStreamName"), "{err}");
        let broken = fill(PAGE_T, &vars("ON", "t", "\"@@not base64@@\""));
        let err = page(&broken).unwrap_err().to_string();
        assert!(err.contains("hyPlayerConfig.stream"), "{err}");
    }
}
