//! Pure parsing of Bilibili's live API answers (JSON text → typed values).
//! Every answer is an envelope `{code, message, data}`; a non-zero `code`
//! is classified ([`classify`]), a missing field names its path.

use std::collections::HashMap;

use serde_json::Value;

use super::wbi::{WbiKeys, key_stem};
use crate::platform::{PlatformError, StreamCandidate, StreamFormat, normalise_codec};

/// `data` of `room_init`: how a (short or long) room id resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInit {
    pub room_id: u64,
    pub short_id: u64,
    pub uid: u64,
    pub live_status: i64,
}

/// What `getInfoByRoom` and `get_status_info_by_uids` both tell about a room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomInfo {
    pub room_id: u64,
    pub uid: u64,
    pub title: Option<String>,
    pub category: Option<String>,
    pub cover: Option<String>,
    pub uname: Option<String>,
    pub face: Option<String>,
    /// 0 offline, 1 live, 2 rerun (a replay loop, not a broadcast).
    pub live_status: i64,
    /// Unix seconds; 0 or absent when not live.
    pub live_start_s: Option<i64>,
}

/// `getRoomPlayInfo`: the room's state and, when the site gives them, its
/// stream candidates (`None` = `playurl_info: null`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayInfo {
    pub live_status: i64,
    pub streams: Option<Vec<StreamCandidate>>,
}

/// The answer's `code` when it is JSON with one (used to decide a retry
/// with fresh WBI keys before parsing).
pub fn code_of(text: &str) -> Option<i64> {
    serde_json::from_str::<Value>(text)
        .ok()?
        .get("code")
        .and_then(Value::as_i64)
}

/// A non-zero `code` as a platform error.
pub fn classify(api: &str, code: i64, message: &str) -> PlatformError {
    match code {
        60004 | 19002000 => {
            PlatformError::NotFound(format!("bilibili {api}: {message} (code {code})"))
        }
        -352 | -403 => PlatformError::AuthRequired(format!(
            "bilibili {api} refused the request (code {code}, risk control); a `buvid3` \
             cookie from a logged-in browser in `cookies` usually helps"
        )),
        -412 => PlatformError::RateLimited { retry_after: None },
        -101 => PlatformError::AuthRequired(format!(
            "bilibili {api}: login required (code -101); set `cookies`"
        )),
        _ => PlatformError::Transient(format!("bilibili {api}: {message} (code {code})")),
    }
}

/// Parses the envelope; returns `data` when `code` is 0.
fn envelope(api: &str, text: &str) -> Result<Value, PlatformError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| PlatformError::ApiChanged(format!("bilibili {api}: not JSON ({e})")))?;
    let code = v
        .get("code")
        .and_then(Value::as_i64)
        .ok_or_else(|| PlatformError::missing(api, "code"))?;
    if code != 0 {
        let msg = v
            .get("message")
            .or_else(|| v.get("msg"))
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(classify(api, code, msg));
    }
    Ok(v.get("data").cloned().unwrap_or(Value::Null))
}

/// The value at a dotted path below `data`.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// A number (or a numeric string, as some answers send) at `path`.
fn int(v: &Value, path: &str) -> Option<i64> {
    let x = at(v, path)?;
    x.as_i64()
        .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
}

fn req_int(api: &str, v: &Value, path: &str) -> Result<i64, PlatformError> {
    int(v, path).ok_or_else(|| PlatformError::missing(api, &format!("data.{path}")))
}

fn req_id(api: &str, v: &Value, path: &str) -> Result<u64, PlatformError> {
    u64::try_from(req_int(api, v, path)?)
        .map_err(|_| PlatformError::missing(api, &format!("data.{path}")))
}

/// A non-empty string at `path`.
fn string(v: &Value, path: &str) -> Option<String> {
    at(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `nav` → the WBI key stems. `nav` answers `code: -101` to anonymous
/// clients but still carries the keys, so the code is not checked.
pub fn nav_keys(text: &str) -> Result<WbiKeys, PlatformError> {
    let api = "nav";
    let v: Value = serde_json::from_str(text)
        .map_err(|e| PlatformError::ApiChanged(format!("bilibili nav: not JSON ({e})")))?;
    let stem = |path: &str| {
        at(&v, path)
            .and_then(Value::as_str)
            .and_then(key_stem)
            .ok_or_else(|| PlatformError::missing(api, path))
    };
    Ok(WbiKeys {
        img: stem("data.wbi_img.img_url")?,
        sub: stem("data.wbi_img.sub_url")?,
    })
}

/// `room_init`.
pub fn room_init(text: &str) -> Result<RoomInit, PlatformError> {
    let api = "room_init";
    let d = envelope(api, text)?;
    Ok(RoomInit {
        room_id: req_id(api, &d, "room_id")?,
        short_id: int(&d, "short_id")
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(0),
        uid: req_id(api, &d, "uid")?,
        live_status: req_int(api, &d, "live_status")?,
    })
}

/// `getInfoByRoom`.
pub fn room_info(text: &str) -> Result<RoomInfo, PlatformError> {
    let api = "getInfoByRoom";
    let d = envelope(api, text)?;
    Ok(RoomInfo {
        room_id: req_id(api, &d, "room_info.room_id")?,
        uid: req_id(api, &d, "room_info.uid")?,
        title: Some(
            at(&d, "room_info.title")
                .and_then(Value::as_str)
                .ok_or_else(|| PlatformError::missing(api, "data.room_info.title"))?
                .to_string(),
        ),
        category: string(&d, "room_info.area_name"),
        cover: string(&d, "room_info.cover"),
        uname: string(&d, "anchor_info.base_info.uname"),
        face: string(&d, "anchor_info.base_info.face"),
        live_status: req_int(api, &d, "room_info.live_status")?,
        live_start_s: int(&d, "room_info.live_start_time").filter(|t| *t > 0),
    })
}

/// `get_status_info_by_uids`: uid → room. Uids without a room are absent
/// (the site answers `data: []` when none has one).
pub fn status_by_uids(text: &str) -> Result<HashMap<u64, RoomInfo>, PlatformError> {
    let api = "get_status_info_by_uids";
    let d = envelope(api, text)?;
    let Some(map) = d.as_object() else {
        return match d {
            Value::Array(a) if a.is_empty() => Ok(HashMap::new()),
            _ => Err(PlatformError::missing(api, "data")),
        };
    };
    let mut out = HashMap::with_capacity(map.len());
    for (key, e) in map {
        let field = |f: &str| format!("data.{key}.{f}");
        let uid: u64 = key
            .parse()
            .map_err(|_| PlatformError::missing(api, &format!("data.{key} (a uid)")))?;
        let room_id = int(e, "room_id")
            .and_then(|r| u64::try_from(r).ok())
            .ok_or_else(|| PlatformError::missing(api, &field("room_id")))?;
        let live_status = int(e, "live_status")
            .ok_or_else(|| PlatformError::missing(api, &field("live_status")))?;
        out.insert(
            uid,
            RoomInfo {
                room_id,
                uid,
                title: string(e, "title"),
                category: string(e, "area_v2_name"),
                cover: string(e, "cover_from_user"),
                uname: string(e, "uname"),
                face: string(e, "face"),
                live_status,
                live_start_s: int(e, "live_time").filter(|t| *t > 0),
            },
        );
    }
    Ok(out)
}

/// `getRoomPlayInfo` → candidates: one per `codec` entry and `url_info`
/// host (`host + base_url + extra`), highest `current_qn` first, otherwise
/// in the site's order (FLV before HLS-TS before HLS-fMP4).
pub fn play_info(text: &str) -> Result<PlayInfo, PlatformError> {
    let api = "getRoomPlayInfo";
    let d = envelope(api, text)?;
    let live_status = req_int(api, &d, "live_status")?;
    let Some(playurl) = at(&d, "playurl_info").filter(|p| !p.is_null()) else {
        return Ok(PlayInfo {
            live_status,
            streams: None,
        });
    };
    let list = |v: &Value, path: &str, full: &str| -> Result<Vec<Value>, PlatformError> {
        at(v, path)
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| PlatformError::missing(api, full))
    };
    let qn_desc: HashMap<i64, String> = list(
        playurl,
        "playurl.g_qn_desc",
        "data.playurl_info.playurl.g_qn_desc",
    )?
    .iter()
    .filter_map(|q| Some((int(q, "qn")?, string(q, "desc")?)))
    .collect();
    let mut found: Vec<(i64, StreamCandidate)> = Vec::new();
    for stream in list(
        playurl,
        "playurl.stream",
        "data.playurl_info.playurl.stream",
    )? {
        let format = match at(&stream, "protocol_name").and_then(Value::as_str) {
            Some("http_stream") => StreamFormat::Flv,
            Some("http_hls") => StreamFormat::Hls,
            _ => continue,
        };
        for fmt in list(
            &stream,
            "format",
            "data.playurl_info.playurl.stream[].format",
        )? {
            let codecs = list(
                &fmt,
                "codec",
                "data.playurl_info.playurl.stream[].format[].codec",
            )?;
            for codec in codecs {
                let path = "data.playurl_info.playurl.stream[].format[].codec[]";
                let qn = int(&codec, "current_qn")
                    .ok_or_else(|| PlatformError::missing(api, &format!("{path}.current_qn")))?;
                let base = string(&codec, "base_url")
                    .ok_or_else(|| PlatformError::missing(api, &format!("{path}.base_url")))?;
                let quality = qn_desc
                    .get(&qn)
                    .cloned()
                    .unwrap_or_else(|| format!("qn{qn}"));
                let codec_name = string(&codec, "codec_name").map(|c| normalise_codec(&c));
                for host in list(&codec, "url_info", &format!("{path}.url_info"))? {
                    let Some(h) = string(&host, "host") else {
                        continue;
                    };
                    let extra = string(&host, "extra").unwrap_or_default();
                    let mut c = StreamCandidate::new(format!("{h}{base}{extra}"), format, &quality);
                    c.codec.clone_from(&codec_name);
                    c.cdn = Some(cdn_of(&h, &extra));
                    c.expires_at = query_value(&c.url, "expires").and_then(|e| e.parse().ok());
                    found.push((qn, c));
                }
            }
        }
    }
    // Stable: equal qn keeps the site's order.
    found.sort_by_key(|(qn, _)| std::cmp::Reverse(*qn));
    Ok(PlayInfo {
        live_status,
        streams: Some(found.into_iter().map(|(_, c)| c).collect()),
    })
}

/// The CDN of a host entry: the `cdn=` value of `extra`, else the host.
/// P2P hosts (`*.mcdn.*`) are marked `mcdn/...` so the stream selection
/// puts them last even when their `cdn=` looks like a regular node.
fn cdn_of(host: &str, extra: &str) -> String {
    let bare = host
        .split("://")
        .nth(1)
        .unwrap_or(host)
        .trim_end_matches('/');
    let cdn = query_value(extra, "cdn").unwrap_or_else(|| bare.to_string());
    if bare.contains(".mcdn.") && !cdn.contains("mcdn") {
        format!("mcdn/{cdn}")
    } else {
        cdn
    }
}

/// The value of `key` in a query string or URL (`a=1&b=2`, `...?a=1`).
fn query_value(s: &str, key: &str) -> Option<String> {
    let query = s.split_once('?').map_or(s, |(_, q)| q);
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
