//! Huya emulation under `/sites/huya` (`api_base` of srec's `huya`
//! platform).
//!
//! | route | counter | answer |
//! | --- | --- | --- |
//! | `GET /{rid}` (needs a `Referer`) | `huya.page` | the room page of the fake room `rid`; unknown: `找不到这个主播` |
//! | `GET /cache.php?m=Live&do=profileRoom&roomid=` | `huya.mp` | the MP API profile; unknown: status 422 |
//!
//! The page's `hyPlayerConfig.stream` names this server's media: FLV
//! `sFlvUrl/sStreamName.flv` = `/live/{id}.flv` once the `-imgplus`
//! suffix is stripped, and HLS `sHlsUrl/...` = `/hls/{id}/0/index.m3u8?
//! stream=/{id}.m3u8?...` (the stream name and signature land in the
//! ignored query). `TT_PROFILE_INFO.lp` is `1199000` + the room id.
//! Site modes: `replay` (state `REPLAY`, `【回放】` title), `b64` (the
//! stream config as a base64 string), `notfound` (the not-found page),
//! `mp` (the room page has changed shape, so readers need the MP API).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use super::{fill, html, json, json_escape, respond, room_vars};
use crate::room::Room;
use crate::shared::Shared;

const PAGE: &str = include_str!("../../../../fixtures/huya/page.html");
const STREAM: &str = include_str!("../../../../fixtures/huya/stream.json");
const NOT_FOUND: &str = include_str!("../../../../fixtures/huya/page_notfound.html");
const PAGE_CHANGED: &str = include_str!("../../../../fixtures/huya/page_changed.html");
const MP_LIVE: &str = include_str!("../../../../fixtures/huya/mp_live.json");
const MP_GONE: &str = include_str!("../../../../fixtures/huya/mp_422.json");

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cache.php", get(mp))
        .route("/{rid}", get(page))
}

/// Standard base64 with padding (the fake needs no crate for this).
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The placeholders of the room's page and MP answer, and its state
/// (`ON`, `OFF` or `REPLAY`).
fn vars_of(room: &Room, rid: &str) -> (Vec<(&'static str, String)>, &'static str) {
    let replay = room.site_mode().as_deref() == Some("replay");
    let base = room.settings().base_url.clone();
    let numeric = rid.bytes().all(|b| b.is_ascii_digit());
    let mut vars = room_vars(room);
    if replay {
        let title = format!("【回放】{}", room.info().title);
        vars.retain(|(k, _)| *k != "title");
        vars.push(("title", json_escape(&title)));
    }
    let state = match (replay, room.is_live()) {
        (true, _) => "REPLAY",
        (false, true) => "ON",
        (false, false) => "OFF",
    };
    let ws_time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() + 3600)
        .unwrap_or(0);
    let lp = format!("1199000{}", if numeric { rid } else { "0" });
    let room_json = if numeric {
        rid.to_string()
    } else {
        format!("\"{rid}\"")
    };
    vars.extend([
        ("state", state.to_string()),
        ("is_on", (state == "ON").to_string()),
        ("is_replay", replay.to_string()),
        ("lp", lp),
        ("room_json", room_json),
        ("flv_base", format!("{base}/live")),
        ("hls_base", format!("{base}/hls/{rid}/0/index.m3u8?stream=")),
        ("ws_time", format!("{ws_time:x}")),
    ]);
    (vars, state)
}

fn missing(what: &str) -> Response {
    respond(
        StatusCode::BAD_REQUEST,
        "text/plain",
        format!("missing {what}"),
    )
}

async fn page(
    State(shared): State<Arc<Shared>>,
    Path(rid): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !headers.contains_key("referer") {
        return missing("header `Referer`");
    }
    shared.count_site("huya.page", 1);
    let room = shared.room(&rid);
    let Some(room) = room.filter(|r| r.site_mode().as_deref() != Some("notfound")) else {
        return html(StatusCode::OK, NOT_FOUND.to_string());
    };
    let mode = room.site_mode();
    let (mut vars, state) = vars_of(&room, &rid);
    if mode.as_deref() == Some("mp") {
        return html(StatusCode::OK, fill(PAGE_CHANGED, &vars));
    }
    let stream = if state == "ON" {
        let json = fill(STREAM, &vars);
        if mode.as_deref() == Some("b64") {
            format!("\"{}\"", base64(json.trim().as_bytes()))
        } else {
            json
        }
    } else {
        "null".to_string()
    };
    vars.push(("stream", stream));
    html(StatusCode::OK, fill(PAGE, &vars))
}

/// `mp.huya.com/cache.php?m=Live&do=profileRoom&roomid=`.
async fn mp(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    for key in ["m", "do", "roomid"] {
        if q.get(key).is_none_or(|v| v.is_empty()) {
            return missing(&format!("query parameter `{key}`"));
        }
    }
    if q.get("do").map(String::as_str) != Some("profileRoom") {
        return missing("`do=profileRoom`");
    }
    shared.count_site("huya.mp", 1);
    let rid = q.get("roomid").cloned().unwrap_or_default();
    let room = shared.room(&rid);
    let Some(room) = room.filter(|r| r.site_mode().as_deref() != Some("notfound")) else {
        return json(StatusCode::OK, MP_GONE.to_string());
    };
    let (vars, _) = vars_of(&room, &rid);
    json(StatusCode::OK, fill(MP_LIVE, &vars))
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc4648() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }
}
