//! YouTube emulation under `/sites/youtube` (srec's `api_base` replaces
//! `https://www.youtube.com`): channel `/live` pages (`/@ID/live`,
//! `/channel/UC…/live`, `/c/ID/live`, `/user/ID/live`), watch pages
//! (`/watch?v=`) and the HLS manifest the live page points at
//! (`/api/manifest/hls_variant/expire/{s}/id/{video}/file/index.m3u8`,
//! really on manifest.googlevideo.com), whose variants are this server's
//! own media playlists (1080p60 → rendition 1, 720p/360p → rendition 0).
//!
//! Room mapping: a handle, `/c/` or `/user/` name is the room id; the
//! channel id is `UC` + the id padded with `x` to 24 characters; the video
//! id is the id padded with `_` (or cut) to 11 characters.
//!
//! Checks: a browser `User-Agent` (contains `Chrome/`, else 400) and a
//! `SOCS` or `CONSENT` cookie (else the consent interstitial, 200).
//!
//! Answers: live room → `live.html`; offline → `notlive.html` (channel
//! page) or `player_ended.json` (watch page); unknown channel → 404
//! `notfound.html`, unknown video → `player_error.json`. Site modes:
//! `upcoming` (`upcoming.html`, scheduled an hour ahead), `bot`
//! (`player_bot.json`, LOGIN_REQUIRED "not a bot"), `geo`
//! (`player_geo.json`, UNPLAYABLE in your country), `members`
//! (`player_members.json`), `consent` (the consent interstitial even with
//! a consent cookie). Counters: `youtube.page`, `youtube.manifest`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use super::{fill, html, respond, room_vars};
use crate::room::Room;
use crate::shared::Shared;

const LIVE: &str = include_str!("../../../../fixtures/youtube/live.html");
const UPCOMING: &str = include_str!("../../../../fixtures/youtube/upcoming.html");
const NOTLIVE: &str = include_str!("../../../../fixtures/youtube/notlive.html");
const CONSENT: &str = include_str!("../../../../fixtures/youtube/consent.html");
const NOTFOUND: &str = include_str!("../../../../fixtures/youtube/notfound.html");
const BOT: &str = include_str!("../../../../fixtures/youtube/player_bot.json");
const GEO: &str = include_str!("../../../../fixtures/youtube/player_geo.json");
const MEMBERS: &str = include_str!("../../../../fixtures/youtube/player_members.json");
const ERROR: &str = include_str!("../../../../fixtures/youtube/player_error.json");
const ENDED: &str = include_str!("../../../../fixtures/youtube/player_ended.json");
const MASTER: &str = include_str!("../../../../fixtures/youtube/master.m3u8");

/// Lifetime of a manifest URL, as `expiresInSeconds` says.
const EXPIRES_S: u64 = 21_540;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/watch", get(watch))
        .route("/{handle}/live", get(handle_live))
        .route("/{kind}/{name}/live", get(named_live))
        .route(
            "/api/manifest/hls_variant/expire/{expire}/id/{video}/file/index.m3u8",
            get(manifest),
        )
}

fn channel_id(id: &str) -> String {
    let mut s = format!("UC{id}");
    while s.len() < 24 {
        s.push('x');
    }
    s
}

fn video_id(id: &str) -> String {
    let mut s: String = id.chars().take(11).collect();
    while s.len() < 11 {
        s.push('_');
    }
    s
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS+00:00` of unix seconds (civil-from-days).
fn iso(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn vars(room: &Room) -> Vec<(&'static str, String)> {
    let mut v = room_vars(room);
    let info = room.info();
    let expire = now_s() + EXPIRES_S;
    let since = info.live_since_ms.unwrap_or(0) / 1000;
    v.extend([
        ("video_id", video_id(&info.id)),
        ("channel_id", channel_id(&info.id)),
        ("live_since_iso", iso(since)),
        ("scheduled_s", (now_s() + 3600).to_string()),
        ("expire_s", expire.to_string()),
        ("hls_variant1_url", room.hls_variant_url(1)),
        (
            "manifest_url",
            format!(
                "{}/sites/youtube/api/manifest/hls_variant/expire/{expire}/id/{}/file/index.m3u8",
                room.settings().base_url,
                video_id(&info.id)
            ),
        ),
    ]);
    v
}

/// A watch page around a bare player response.
fn wrap(player: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>YouTube</title></head><body>\
         <script nonce=\"n0\">var ytInitialPlayerResponse = {player};var meta = \
         document.createElement('meta');</script></body></html>"
    )
}

/// 400 without a browser UA; the consent page without a consent cookie.
fn gate(headers: &HeaderMap) -> Option<Response> {
    let ua = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ua.contains("Chrome/") {
        return Some(html(
            StatusCode::BAD_REQUEST,
            "a browser User-Agent (Chrome/...) is required".into(),
        ));
    }
    let cookies = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let consented = cookies.split(';').any(|c| {
        let name = c.trim().split('=').next().unwrap_or("");
        name == "SOCS" || name == "CONSENT"
    });
    (!consented).then(|| html(StatusCode::OK, CONSENT.replace("{{id}}", "channel")))
}

/// The page of a room, `channel`: reached through a channel `/live` URL.
fn room_page(room: &Room, channel: bool) -> Response {
    let v = vars(room);
    let body = match room.site_mode().as_deref() {
        Some("upcoming") => fill(UPCOMING, &v),
        Some("bot") => wrap(&fill(BOT, &v)),
        Some("geo") => wrap(&fill(GEO, &v)),
        Some("members") => wrap(&fill(MEMBERS, &v)),
        Some("consent") => fill(CONSENT, &v),
        _ if room.is_live() => fill(LIVE, &v),
        _ if channel => fill(NOTLIVE, &v),
        _ => wrap(&fill(ENDED, &v)),
    };
    html(StatusCode::OK, body)
}

fn channel_page(shared: &Shared, headers: &HeaderMap, room: Option<Room>) -> Response {
    shared.count_site("youtube.page", 1);
    if let Some(r) = gate(headers) {
        return r;
    }
    match room {
        Some(room) => room_page(&room, true),
        None => html(StatusCode::NOT_FOUND, NOTFOUND.to_owned()),
    }
}

async fn handle_live(
    State(shared): State<Arc<Shared>>,
    Path(handle): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(id) = handle.strip_prefix('@') else {
        shared.count_site("youtube.page", 1);
        return html(StatusCode::NOT_FOUND, NOTFOUND.to_owned());
    };
    let room = shared.room(id);
    channel_page(&shared, &headers, room)
}

async fn named_live(
    State(shared): State<Arc<Shared>>,
    Path((kind, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let room = match kind.as_str() {
        "c" | "user" => shared.room(&name),
        "channel" => shared
            .all_rooms()
            .into_iter()
            .find(|r| channel_id(r.id()) == name),
        _ => None,
    };
    channel_page(&shared, &headers, room)
}

async fn watch(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    shared.count_site("youtube.page", 1);
    let Some(v) = q.get("v") else {
        return html(StatusCode::BAD_REQUEST, "missing parameter `v`".into());
    };
    if let Some(r) = gate(&headers) {
        return r;
    }
    let room = shared
        .all_rooms()
        .into_iter()
        .find(|r| video_id(r.id()) == *v);
    match room {
        Some(room) => room_page(&room, false),
        None => html(StatusCode::OK, wrap(ERROR)),
    }
}

async fn manifest(
    State(shared): State<Arc<Shared>>,
    Path((_expire, video)): Path<(String, String)>,
) -> Response {
    shared.count_site("youtube.manifest", 1);
    let room = shared
        .all_rooms()
        .into_iter()
        .find(|r| video_id(r.id()) == video);
    match room {
        Some(room) if room.is_live() => respond(
            StatusCode::OK,
            "application/vnd.apple.mpegurl",
            fill(MASTER, &vars(&room)),
        ),
        _ => respond(StatusCode::FORBIDDEN, "text/plain", String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_dates() {
        assert_eq!(channel_id("alice"), "UCalicexxxxxxxxxxxxxxxxx");
        assert_eq!(video_id("alice"), "alice______");
        assert_eq!(video_id("abcdefghijklm"), "abcdefghijk");
        assert_eq!(iso(1_796_403_600), "2026-12-04T17:00:00+00:00");
        assert_eq!(iso(0), "1970-01-01T00:00:00+00:00");
    }
}
