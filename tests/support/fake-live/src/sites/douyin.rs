//! Douyin emulation under `/sites/douyin` (srec's `api_base` replaces both
//! `https://ttwid.bytedance.com` and `https://live.douyin.com`):
//!
//! * `POST /ttwid/union/register/` (JSON body with `aid`, else 400) sets a
//!   `ttwid` cookie (`1%7C…`) in `Set-Cookie`.
//! * `GET /webcast/room/web/enter/` needs `aid=6383`, `app_name`,
//!   `live_id`, `device_platform` and `web_rid` (400 naming the missing
//!   one). Without a `ttwid` cookie it answers 200 with an empty body, as
//!   Douyin does. The room whose id is `web_rid` answers
//!   `enter_live.json` (FLV → this server's FLV stream, HLS → its media
//!   playlist), or `enter_ended.json` when offline; an unknown id answers
//!   `enter_cancelled.json` (deleted account).
//!
//! Site modes: `ended` (status 4 even while live), `empty` (empty body even
//! with a ttwid, i.e. blocked), `game` (an interactive-game room),
//! `legacy` (no `live_core_sdk_data`, only the old URL maps).
//! Counters: `douyin.ttwid`, `douyin.enter`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{fill, json, respond, room_vars};
use crate::shared::Shared;

const LIVE: &str = include_str!("../../../../fixtures/douyin/enter_live.json");
const ENDED: &str = include_str!("../../../../fixtures/douyin/enter_ended.json");
const GAME: &str = include_str!("../../../../fixtures/douyin/enter_game.json");
const LEGACY: &str = include_str!("../../../../fixtures/douyin/enter_legacy.json");
const CANCELLED: &str = include_str!("../../../../fixtures/douyin/enter_cancelled.json");
const REGISTER: &str = include_str!("../../../../fixtures/douyin/ttwid_register.json");

/// Parameters the enter API refuses to work without.
const REQUIRED: &[&str] = &["aid", "app_name", "live_id", "device_platform", "web_rid"];

/// Issued cookies are numbered so each registration is a new value.
static ISSUED: AtomicU64 = AtomicU64::new(1);

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/ttwid/union/register/", post(register))
        .route("/webcast/room/web/enter/", get(enter))
}

async fn register(State(shared): State<Arc<Shared>>, body: String) -> Response {
    shared.count_site("douyin.ttwid", 1);
    let ok = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .is_some_and(|v| v.get("aid").is_some());
    if !ok {
        return json(
            StatusCode::BAD_REQUEST,
            r#"{"status_code":1,"message":"a JSON body with `aid` is required"}"#.into(),
        );
    }
    let n = ISSUED.fetch_add(1, Ordering::Relaxed);
    let cookie = format!(
        "ttwid=1%7Cfake{n:08}%7C1796400000%7Cinvented; Path=/; Domain=bytedance.com; \
         Max-Age=31536000; HttpOnly; Secure"
    );
    (
        StatusCode::OK,
        [
            (axum::http::header::SET_COOKIE, cookie),
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
        ],
        REGISTER.to_owned(),
    )
        .into_response()
}

/// Whether the request carries a ttwid this server issued.
fn has_ttwid(headers: &HeaderMap) -> bool {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .any(|c| c.trim().starts_with("ttwid=1%7C"))
}

async fn enter(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    shared.count_site("douyin.enter", 1);
    if let Some(missing) = REQUIRED.iter().find(|k| !q.contains_key(**k)) {
        return json(
            StatusCode::BAD_REQUEST,
            format!(r#"{{"status_code":10001,"message":"missing parameter `{missing}`"}}"#),
        );
    }
    if q.get("aid").map(String::as_str) != Some("6383") {
        return json(
            StatusCode::BAD_REQUEST,
            r#"{"status_code":10001,"message":"aid must be 6383"}"#.into(),
        );
    }
    let empty = || respond(StatusCode::OK, "text/plain; charset=utf-8", String::new());
    if !has_ttwid(&headers) {
        return empty();
    }
    let rid = q.get("web_rid").map(String::as_str).unwrap_or_default();
    let Some(room) = shared.room(rid) else {
        return json(StatusCode::OK, CANCELLED.to_owned());
    };
    let mut vars = room_vars(&room);
    let expire = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() + 3600)
        .unwrap_or(0);
    vars.push(("expire_s", expire.to_string()));
    let template = match room.site_mode().as_deref() {
        Some("empty") => return empty(),
        Some("ended") => ENDED,
        Some("game") => GAME,
        Some("legacy") if room.is_live() => LEGACY,
        _ if room.is_live() => LIVE,
        _ => ENDED,
    };
    json(StatusCode::OK, fill(template, &vars))
}
