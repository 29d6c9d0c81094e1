//! Douyu emulation under `/sites/douyu` (`api_base` of srec's `douyu`
//! platform). Room ids are the fake rooms' ids (numeric, like Douyu's).
//!
//! | route | counter | answer |
//! | --- | --- | --- |
//! | `GET /betard/{rid}` | `douyu.betard` | room info; unknown room: an HTML error page |
//! | `GET /wgapi/livenc/liveweb/websec/getEncryption?did=` | `douyu.encryption` | a new key bundle each call |
//! | `POST /lapi/live/getH5PlayV1/{rid}` (form) | `douyu.h5play` | play URL on the requested CDN |
//! | `GET /{path}` | `douyu.page` | room page with `roomID`; a vanity path maps to the room named by its trailing digits |
//!
//! The play URL is `rtmp_url + "/" + rtmp_live` = this server's
//! `/live/{id}.flv?...` (the query is ignored). Site modes: `loop` (betard
//! says rerun), `authfail` (the first `getH5PlayV1` of the room answers
//! 403 `鉴权失败`), `-5` (offline), `-9` (clock skew), `126` (region block).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};

use super::{fill, html, json, respond, room_vars};
use crate::shared::Shared;

const BETARD_LIVE: &str = include_str!("../../../../fixtures/douyu/betard_live.json");
const BETARD_LOOP: &str = include_str!("../../../../fixtures/douyu/betard_loop.json");
const BETARD_404: &str = include_str!("../../../../fixtures/douyu/betard_notfound.html");
const PAGE_LIVE: &str = include_str!("../../../../fixtures/douyu/page_live.html");
const PAGE_404: &str = include_str!("../../../../fixtures/douyu/page_notfound.html");
const ENCRYPTION: &str = include_str!("../../../../fixtures/douyu/encryption.json");
const PLAY_OK: &str = include_str!("../../../../fixtures/douyu/h5play_ok.json");
const PLAY_OFF: &str = include_str!("../../../../fixtures/douyu/h5play_-5.json");
const PLAY_SKEW: &str = include_str!("../../../../fixtures/douyu/h5play_-9.json");
const PLAY_GEO: &str = include_str!("../../../../fixtures/douyu/h5play_126.json");
const PLAY_AUTH: &str = include_str!("../../../../fixtures/douyu/h5play_authfail.txt");

/// Form fields `getH5PlayV1` requires (`cdn` may be empty).
const PLAY_FIELDS: &[&str] = &[
    "enc_data", "tt", "did", "auth", "cdn", "rate", "hevc", "fa", "ive", "rid",
];

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/betard/{rid}", get(betard))
        .route(
            "/wgapi/livenc/liveweb/websec/getEncryption",
            get(encryption),
        )
        .route("/lapi/live/getH5PlayV1/{rid}", post(h5play))
        .route("/{path}", get(page))
}

fn show_status(live: bool) -> String {
    if live { "1" } else { "2" }.to_string()
}

async fn betard(State(shared): State<Arc<Shared>>, Path(rid): Path<String>) -> Response {
    shared.count_site("douyu.betard", 1);
    let Some(room) = shared.room(&rid) else {
        return html(StatusCode::OK, BETARD_404.to_string());
    };
    let mut vars = room_vars(&room);
    vars.push(("show_status", show_status(room.is_live())));
    let template = match room.site_mode().as_deref() {
        Some("loop") => BETARD_LOOP,
        _ => BETARD_LIVE,
    };
    json(StatusCode::OK, fill(template, &vars))
}

async fn page(State(shared): State<Arc<Shared>>, Path(path): Path<String>) -> Response {
    shared.count_site("douyu.page", 1);
    let digits: String = {
        let rev: String = path
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        rev.chars().rev().collect()
    };
    let Some(room) = shared.room(&digits) else {
        return html(StatusCode::OK, PAGE_404.to_string());
    };
    let mut vars = room_vars(&room);
    vars.push(("show_status", show_status(room.is_live())));
    html(StatusCode::OK, fill(PAGE_LIVE, &vars))
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn encryption(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("did").is_none_or(|d| d.is_empty()) {
        return respond(
            StatusCode::BAD_REQUEST,
            "text/plain",
            "missing query parameter `did`".into(),
        );
    }
    shared.count_site("douyu.encryption", 1);
    let n = site_count(&shared, "douyu.encryption");
    let vars = [
        ("rand_str", "f4kerand".to_string()),
        ("enc_time", "3".into()),
        ("key", format!("fakekey{n}")),
        ("is_special", "0".into()),
        ("enc_data", format!("fake-enc-data-{n}")),
        ("expire_at", (now_s() + 86_400).to_string()),
    ];
    json(StatusCode::OK, fill(ENCRYPTION, &vars))
}

fn site_count(shared: &Shared, key: &str) -> u64 {
    let map = shared.site_counts.lock().unwrap_or_else(|p| p.into_inner());
    map.get(key).copied().unwrap_or(0)
}

async fn h5play(
    State(shared): State<Arc<Shared>>,
    Path(rid): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(missing) = PLAY_FIELDS.iter().find(|f| !form.contains_key(**f)) {
        return respond(
            StatusCode::BAD_REQUEST,
            "text/plain",
            format!("missing form field `{missing}`"),
        );
    }
    shared.count_site("douyu.h5play", 1);
    let Some(room) = shared.room(&rid) else {
        return json(StatusCode::OK, PLAY_OFF.to_string());
    };
    let refused = format!("douyu.authfail_sent.{rid}");
    match room.site_mode().as_deref() {
        Some("authfail") if site_count(&shared, &refused) == 0 => {
            shared.count_site(&refused, 1);
            return respond(
                StatusCode::FORBIDDEN,
                "text/plain; charset=utf-8",
                PLAY_AUTH.into(),
            );
        }
        Some("-5") => return json(StatusCode::OK, PLAY_OFF.to_string()),
        Some("-9") => return json(StatusCode::OK, PLAY_SKEW.to_string()),
        Some("126") => return json(StatusCode::OK, PLAY_GEO.to_string()),
        _ => {}
    }
    if !room.is_live() {
        return json(StatusCode::OK, PLAY_OFF.to_string());
    }
    let cdn = form
        .get("cdn")
        .filter(|c| !c.is_empty())
        .cloned()
        .unwrap_or_else(|| "hw-h5".into());
    let mut vars = room_vars(&room);
    vars.push(("cdn", cdn));
    vars.push(("rtmp_url", format!("{}/live", room.settings().base_url)));
    json(StatusCode::OK, fill(PLAY_OK, &vars))
}
