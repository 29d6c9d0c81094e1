//! Twitch emulation under `/sites/twitch`: GQL (`POST /gql`, array or single
//! operation, replies in order), usher (`GET /api/v2/channel/hls/{login}.m3u8`)
//! and the media playlists its master names (`GET /v1/playlist/{login}/{v}.m3u8`,
//! the fake room's own playlist with absolute segment URIs and Twitch's
//! `EXTINF` titles). A login maps to the fake room of the same id.
//!
//! Checked: the `Client-ID` header, each persisted operation's hash and
//! required variables (ChannelShell `login`; StreamMetadata `channelLogin`,
//! `includeIsDJ`; PlaybackAccessToken `login`, `isLive`, `playerType`), the
//! raw status query's `user(login: $login)` and `login`, at most 35
//! operations per POST, and usher's `sig` + `token` (whose `channel` must be
//! the login). `Authorization: OAuth invalid` answers 401.
//!
//! Site modes: `integrity` (the token op fails the integrity check),
//! `stale_hash` (every persisted op answers `PersistedQueryNotFound`),
//! `geo` (usher 403 `content_geoblocked`), `usher_lag` (usher 404
//! `transcode_does_not_exist` while GQL says live), `ads` (media playlists
//! carry a stitched mid-roll at every sequence `n` with `n % 8` in 2..4:
//! `EXT-X-DATERANGE` class `twitch-stitched-ad`, `Amazon|...` titles, and
//! URIs of the *other* rendition's segments, so a leaked ad shows up as a
//! resolution change; TS mode only).
//!
//! Counters: `twitch.gql` (POSTs), `twitch.gql_ops`, `twitch.token`,
//! `twitch.status_query` (raw batch ops), `twitch.usher`,
//! `twitch.usher_authorization` (usher requests that carried an
//! `Authorization` header: none should), `twitch.playlist`,
//! `twitch.ad_segments` (ad segments listed).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{fill, json as json_resp, respond, room_vars};
use crate::http::hls::media_playlist_text;
use crate::playlist::rfc3339_millis;
use crate::room::Room;
use crate::shared::Shared;

const LIVE: &str = include_str!("../../../../fixtures/twitch/gql_live.json");
const OFFLINE: &str = include_str!("../../../../fixtures/twitch/gql_offline.json");
const NOT_FOUND: &str = include_str!("../../../../fixtures/twitch/gql_notfound.json");
const INTEGRITY: &str = include_str!("../../../../fixtures/twitch/token_integrity.json");
const STALE: &str = include_str!("../../../../fixtures/twitch/gql_stale_hash.json");
const OAUTH_401: &str = include_str!("../../../../fixtures/twitch/oauth_401.json");
const B_LIVE: &str = include_str!("../../../../fixtures/twitch/gql_batch_live.json");
const B_OFF: &str = include_str!("../../../../fixtures/twitch/gql_batch_offline.json");
const B_NONE: &str = include_str!("../../../../fixtures/twitch/gql_batch_notfound.json");
const USHER_404: &str = include_str!("../../../../fixtures/twitch/usher_404.json");
const USHER_GEO: &str = include_str!("../../../../fixtures/twitch/usher_geo_403.json");
const MASTER: &str = include_str!("../../../../fixtures/twitch/master.m3u8");

/// Persisted operations this emulation knows: name, hash, required variables.
const OPS: &[(&str, &str, &[&str])] = &[
    (
        "ChannelShell",
        "fea4573a7bf2644f5b3f2cbbdcbee0d17312e48d2e55f080589d053aad353f11",
        &["login"],
    ),
    (
        "StreamMetadata",
        "b57f9b910f8cd1a4659d894fe7550ccc81ec9052c01e438b290fd66a040b9b93",
        &["channelLogin", "includeIsDJ"],
    ),
    (
        "PlaybackAccessToken",
        "ed230aa1e33e07eebb8928504583da78a5173989fadfb1ac94be06a04f3cdbe9",
        &["login", "isLive", "playerType"],
    ),
];

/// Most operations one POST may carry (36 is refused by the real site).
const MAX_OPS: usize = 35;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/gql", post(gql))
        .route("/api/v2/channel/hls/{file}", get(usher))
        .route("/v1/playlist/{login}/{file}", get(media))
}

fn bad_request(message: &str) -> Response {
    let body = json!({"error": "Bad Request", "status": 400, "message": message});
    json_resp(StatusCode::BAD_REQUEST, body.to_string())
}

/// The placeholders of every Twitch fixture for `room`.
fn vars(room: &Room) -> Vec<(&'static str, String)> {
    let mut v = room_vars(room);
    let id = room.id();
    let user_id = id.bytes().fold(100_000_007u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b))
    }) % 900_000_000
        + 100_000_000;
    let since = room.info().live_since_ms.unwrap_or(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    v.extend([
        ("user_id", user_id.to_string()),
        ("stream_id", format!("4{user_id}")),
        ("broadcast_id", format!("3{user_id}")),
        (
            "created_at",
            rfc3339_millis(UNIX_EPOCH + Duration::from_millis(since)),
        ),
        ("expires_s", (now.as_secs() + 3600).to_string()),
        ("signature", format!("{:040x}", user_id)),
        ("server_time", format!("{}.00", now.as_secs())),
    ]);
    v
}

/// Reply `index` of a three-reply fixture array, filled for `room`/`login`.
fn reply_of(template: &str, index: usize, room: Option<&Room>, login: &str) -> Value {
    let text = match room {
        Some(r) => fill(template, &vars(r)),
        None => fill(template, &[("id", login.to_owned())]),
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if v.is_array() { v[index].clone() } else { v }
}

async fn gql(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    shared.count_site("twitch.gql", 1);
    if !headers.contains_key("client-id") {
        return bad_request("The \"Client-ID\" header is missing from the request.");
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth.is_some_and(|a| a.strip_prefix("OAuth ").is_none_or(|t| t == "invalid")) {
        return json_resp(StatusCode::UNAUTHORIZED, OAUTH_401.to_owned());
    }
    let Ok(parsed) = serde_json::from_str::<Value>(&body) else {
        return bad_request("body is not JSON");
    };
    let (ops, single) = match parsed {
        Value::Array(ops) => (ops, false),
        op => (vec![op], true),
    };
    if ops.len() > MAX_OPS {
        return bad_request("too many operations in one request");
    }
    shared.count_site("twitch.gql_ops", ops.len() as u64);
    let mut replies = Vec::with_capacity(ops.len());
    for op in &ops {
        match answer(&shared, op) {
            Ok(r) => replies.push(r),
            Err(msg) => return bad_request(&msg),
        }
    }
    let out = if single {
        replies.remove(0)
    } else {
        Value::Array(replies)
    };
    json_resp(StatusCode::OK, out.to_string())
}

/// The reply to one operation, or why the request is malformed.
fn answer(shared: &Shared, op: &Value) -> Result<Value, String> {
    let vars = op.get("variables").cloned().unwrap_or(Value::Null);
    let var = |k: &str| {
        vars.get(k)
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    if let Some(query) = op.get("query").and_then(Value::as_str) {
        if !query.contains("user(login: $login)") {
            return Err("unknown query".into());
        }
        let login = var("login").ok_or("variable `login` missing")?;
        shared.count_site("twitch.status_query", 1);
        let room = shared.room(&login);
        let t = match &room {
            Some(r) if r.is_live() => B_LIVE,
            Some(_) => B_OFF,
            None => B_NONE,
        };
        return Ok(reply_of(t, 0, room.as_ref(), &login));
    }
    let name = op
        .get("operationName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let hash = op
        .pointer("/extensions/persistedQuery/sha256Hash")
        .and_then(Value::as_str)
        .ok_or("neither `query` nor a persisted query hash")?;
    let Some((index, (_, known, required))) =
        OPS.iter().enumerate().find(|(_, (n, _, _))| *n == name)
    else {
        return Ok(serde_json::from_str(STALE).unwrap_or(Value::Null));
    };
    if let Some(missing) = required.iter().find(|k| vars.get(**k).is_none()) {
        return Err(format!("{name}: variable `{missing}` missing"));
    }
    let login = var(required[0]).unwrap_or_default();
    let room = shared.room(&login);
    let mode = room.as_ref().and_then(Room::site_mode);
    if hash != *known || mode.as_deref() == Some("stale_hash") {
        return Ok(serde_json::from_str(STALE).unwrap_or(Value::Null));
    }
    if name == "PlaybackAccessToken" {
        shared.count_site("twitch.token", 1);
        if room.is_some() && mode.as_deref() == Some("integrity") {
            return Ok(serde_json::from_str(INTEGRITY).unwrap_or(Value::Null));
        }
    }
    let t = match &room {
        Some(r) if r.is_live() => LIVE,
        Some(_) => OFFLINE,
        None => NOT_FOUND,
    };
    Ok(reply_of(t, index, room.as_ref(), &login))
}

async fn usher(
    State(shared): State<Arc<Shared>>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    shared.count_site("twitch.usher", 1);
    if headers.contains_key("authorization") {
        // The OAuth token is for GQL only.
        shared.count_site("twitch.usher_authorization", 1);
    }
    let Some(login) = file.strip_suffix(".m3u8") else {
        return bad_request("expected {login}.m3u8");
    };
    let (Some(_sig), Some(token)) = (q.get("sig"), q.get("token")) else {
        return bad_request("parameters `sig` and `token` are required");
    };
    let channel = serde_json::from_str::<Value>(token)
        .ok()
        .and_then(|t| t.get("channel").and_then(Value::as_str).map(str::to_owned));
    if channel.as_deref() != Some(login) {
        let body = r#"[{"error":"Invalid token","error_code":"invalid_token","type":"error"}]"#;
        return json_resp(StatusCode::FORBIDDEN, body.to_owned());
    }
    let not_found = || {
        json_resp(
            StatusCode::NOT_FOUND,
            fill(USHER_404, &[("id", login.to_owned())]),
        )
    };
    let Some(room) = shared.room(login) else {
        return not_found();
    };
    match room.site_mode().as_deref() {
        Some("geo") => {
            return json_resp(StatusCode::FORBIDDEN, fill(USHER_GEO, &vars(&room)));
        }
        Some("usher_lag") => return not_found(),
        _ if !room.is_live() => return not_found(),
        _ => {}
    }
    let base = format!(
        "{}/sites/twitch/v1/playlist/{login}",
        room.settings().base_url
    );
    let mut v = vars(&room);
    v.extend([
        ("variant_url_source", format!("{base}/1.m3u8")),
        ("variant_url_180p", format!("{base}/0.m3u8")),
        ("variant_url_audio", format!("{base}/0.m3u8")),
    ]);
    respond(
        StatusCode::OK,
        "application/vnd.apple.mpegurl",
        fill(MASTER, &v),
    )
}

async fn media(
    State(shared): State<Arc<Shared>>,
    Path((login, file)): Path<(String, String)>,
) -> Response {
    shared.count_site("twitch.playlist", 1);
    let variant = match file
        .strip_suffix(".m3u8")
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(v) if v < 2 => v,
        _ => {
            return json_resp(
                StatusCode::NOT_FOUND,
                r#"{"error":"no such variant"}"#.into(),
            );
        }
    };
    let text = match media_playlist_text(&shared, &login, variant) {
        Ok(t) => t,
        Err(resp) => return *resp,
    };
    let Some(room) = shared.room(&login) else {
        return json_resp(StatusCode::NOT_FOUND, r#"{"error":"no such room"}"#.into());
    };
    let hls = format!("{}/hls/{login}", room.settings().base_url);
    let ads = room.site_mode().as_deref() == Some("ads");
    let (out, n) = super::twitch_ads::twitchify(
        &text,
        &format!("{hls}/{variant}"),
        &format!("{hls}/{}", 1 - variant),
        ads,
    );
    shared.count_site("twitch.ad_segments", n);
    respond(StatusCode::OK, "application/vnd.apple.mpegurl", out)
}
