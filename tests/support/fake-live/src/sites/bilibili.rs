//! Bilibili live emulation under `/sites/bilibili` (srec's `api_base`
//! replaces both `api.live.bilibili.com` and `api.bilibili.com`):
//!
//! | route | counter |
//! |---|---|
//! | `GET /x/web-interface/nav` (WBI keys) | `bilibili.nav` |
//! | `GET /room/v1/Room/room_init?id=` | `bilibili.room_init` |
//! | `GET /xlive/web-room/v1/index/getInfoByRoom?room_id=` (signed) | `bilibili.info` |
//! | `GET /xlive/web-room/v2/index/getRoomPlayInfo?room_id=&protocol=&format=&codec=&qn=` (signed) | `bilibili.play_info` |
//! | `POST /room/v1/Room/get_status_info_by_uids` `{"uids":[..]}`, or `GET ?uids[]=..` | `bilibili.status_by_uids` (and `.uids`: uids asked for) |
//!
//! Signed routes need `wts` and `w_rid` (not verified). Ids: the fake room
//! of the same id is the long room id; short ids `1`..`999` map to long id
//! `10000 + short` (so `live.bilibili.com/5` is fake room `10005`); the
//! anchor uid is `1000000000 + long id`. Unknown rooms answer `60004`
//! (`room_init`) or `19002000` (`getInfoByRoom`) and are absent from a
//! batch. Stream URLs point at this server's FLV and HLS media playlist.
//!
//! Site modes: `rerun` (`live_status` 2, whether the room is live or not),
//! `-352` (signed calls and the batch answer `code: -352`; `room_init`
//! still works), `412` (every route answers HTTP 412), `drm` (live but
//! `playurl_info: null`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::{fill, json, room_vars};
use crate::room::Room;
use crate::shared::Shared;

const NAV: &str = include_str!("../../../../fixtures/bilibili/nav.json");
const ROOM_INIT: &str = include_str!("../../../../fixtures/bilibili/room_init.json");
const ROOM_INIT_60004: &str = include_str!("../../../../fixtures/bilibili/room_init_60004.json");
const INFO: &str = include_str!("../../../../fixtures/bilibili/info.json");
const INFO_19002000: &str = include_str!("../../../../fixtures/bilibili/info_19002000.json");
const PLAYINFO: &str = include_str!("../../../../fixtures/bilibili/playinfo.json");
const PLAYINFO_NULL: &str = include_str!("../../../../fixtures/bilibili/playinfo_null.json");
const STATUS: &str = include_str!("../../../../fixtures/bilibili/status_by_uids.json");
const STATUS_ENTRY: &str = include_str!("../../../../fixtures/bilibili/status_entry.json");
const ERR_352: &str = include_str!("../../../../fixtures/bilibili/err_-352.json");
const ERR_412: &str = include_str!("../../../../fixtures/bilibili/err_412.json");

/// Uid of the anchor of long room `id`.
const UID_OFFSET: u64 = 1_000_000_000;
/// Long id of short id `s` (1..=999).
const SHORT_OFFSET: u64 = 10_000;

type Params = Query<HashMap<String, String>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/x/web-interface/nav", get(nav))
        .route("/room/v1/Room/room_init", get(room_init))
        .route("/xlive/web-room/v1/index/getInfoByRoom", get(info))
        .route("/xlive/web-room/v2/index/getRoomPlayInfo", get(play_info))
        .route(
            "/xlive/web-room/v1/index/getDanmuInfo",
            get(super::bilibili_chat::danmu_info),
        )
        .route(
            "/room/v1/Room/get_status_info_by_uids",
            get(status_get).post(status_post),
        )
}

fn bad(msg: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        format!(
            r#"{{"code":-400,"message":"{}","ttl":1}}"#,
            super::json_escape(msg)
        ),
    )
}

fn ok(body: String) -> Response {
    json(StatusCode::OK, body)
}

fn blocked() -> Response {
    json(StatusCode::PRECONDITION_FAILED, ERR_412.to_owned())
}

/// The named parameters, or the 400 message naming the first one missing.
fn need<'a>(q: &'a HashMap<String, String>, names: &[&str]) -> Result<Vec<&'a str>, String> {
    names
        .iter()
        .map(|n| {
            q.get(*n)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("missing parameter `{n}`"))
        })
        .collect()
}

/// The fake room a (short or long) room id names.
fn room_of(shared: &Shared, id: &str) -> Option<Room> {
    let n: u64 = id.parse().ok()?;
    let long = if (1..1000).contains(&n) {
        SHORT_OFFSET + n
    } else {
        n
    };
    shared.room(&long.to_string())
}

fn mode(room: &Room) -> String {
    room.site_mode().unwrap_or_default()
}

/// `room_vars` plus Bilibili's: uid, short id, live state, start time,
/// URL expiry and the (here: same) host of the P2P candidate.
fn vars(room: &Room) -> Vec<(&'static str, String)> {
    let mut v = room_vars(room);
    let long: u64 = room.id().parse().unwrap_or(0);
    let short = if (SHORT_OFFSET + 1..SHORT_OFFSET + 1000).contains(&long) {
        long - SHORT_OFFSET
    } else {
        0
    };
    let status = match (mode(room).as_str(), room.is_live()) {
        ("rerun", _) => 2,
        (_, true) => 1,
        _ => 0,
    };
    let start = if status == 1 {
        room.info().live_since_ms.unwrap_or(0) / 1000
    } else {
        0
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let base = room.settings().base_url.clone();
    v.extend([
        ("uid", (UID_OFFSET + long).to_string()),
        ("short_id", short.to_string()),
        ("live_status", status.to_string()),
        ("live_start_time", start.to_string()),
        ("expires", (now + 3600).to_string()),
        ("mcdn_host", base),
    ]);
    v
}

async fn nav(State(shared): State<Arc<Shared>>) -> Response {
    shared.count_site("bilibili.nav", 1);
    ok(NAV.to_owned())
}

async fn room_init(State(shared): State<Arc<Shared>>, Query(q): Params) -> Response {
    shared.count_site("bilibili.room_init", 1);
    let id = match need(&q, &["id"]) {
        Ok(v) => v[0],
        Err(msg) => return bad(&msg),
    };
    match room_of(&shared, id) {
        None => ok(ROOM_INIT_60004.to_owned()),
        Some(room) if mode(&room) == "412" => blocked(),
        Some(room) => ok(fill(ROOM_INIT, &vars(&room))),
    }
}

/// A signed route's room, or the answer to give instead (boxed: a
/// `Response` is large).
fn signed_room(
    shared: &Shared,
    q: &HashMap<String, String>,
    more: &[&str],
) -> Result<Room, Box<Response>> {
    let mut names = vec!["room_id", "wts", "w_rid"];
    names.extend_from_slice(more);
    let id = need(q, &names).map_err(|msg| Box::new(bad(&msg)))?[0];
    let room = room_of(shared, id).ok_or_else(|| Box::new(ok(INFO_19002000.to_owned())))?;
    match mode(&room).as_str() {
        "412" => Err(Box::new(blocked())),
        "-352" => Err(Box::new(ok(ERR_352.to_owned()))),
        _ => Ok(room),
    }
}

async fn info(State(shared): State<Arc<Shared>>, Query(q): Params) -> Response {
    shared.count_site("bilibili.info", 1);
    match signed_room(&shared, &q, &["web_location"]) {
        Ok(room) => ok(fill(INFO, &vars(&room))),
        Err(r) => *r,
    }
}

async fn play_info(State(shared): State<Arc<Shared>>, Query(q): Params) -> Response {
    shared.count_site("bilibili.play_info", 1);
    match signed_room(&shared, &q, &["protocol", "format", "codec", "qn"]) {
        Ok(room) => {
            let v = vars(&room);
            let live = v.iter().any(|(k, s)| *k == "live_status" && s == "1");
            let template = if live && mode(&room) != "drm" {
                PLAYINFO
            } else {
                PLAYINFO_NULL
            };
            ok(fill(template, &v))
        }
        Err(r) => *r,
    }
}

/// The batch answer for these uids: entries of the rooms that exist.
fn status(shared: &Shared, uids: &[u64]) -> Response {
    shared.count_site("bilibili.status_by_uids", 1);
    shared.count_site("bilibili.status_by_uids.uids", uids.len() as u64);
    if uids.is_empty() {
        return bad("missing parameter `uids`");
    }
    let rooms: Vec<Room> = uids
        .iter()
        .filter_map(|u| u.checked_sub(UID_OFFSET))
        .filter_map(|long| shared.room(&long.to_string()))
        .collect();
    if rooms.iter().any(|r| mode(r) == "412") {
        return blocked();
    }
    if rooms.iter().any(|r| mode(r) == "-352") {
        return ok(ERR_352.to_owned());
    }
    let entries: Vec<String> = rooms.iter().map(|r| fill(STATUS_ENTRY, &vars(r))).collect();
    ok(fill(STATUS, &[("entries", entries.join(","))]))
}

async fn status_get(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Response {
    let uids: Vec<u64> = q
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| matches!(*k, "uids[]" | "uids%5B%5D" | "uids%5b%5d"))
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    status(&shared, &uids)
}

async fn status_post(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let uids = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("uids")?
                .as_array()?
                .iter()
                .map(|u| u.as_u64().or_else(|| u.as_str()?.parse().ok()))
                .collect::<Option<Vec<u64>>>()
        });
    match uids {
        Some(uids) => status(&shared, &uids),
        None => {
            shared.count_site("bilibili.status_by_uids", 1);
            bad("body must be {\"uids\": [numbers]}")
        }
    }
}
