//! The control API tests and demo users steer rooms with:
//! `POST /control/{id}/{action}` and `GET /control/stats`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{error, not_found};
use crate::fault::Fault;
use crate::options::HlsMode;
use crate::room::Room;
use crate::shared::Shared;
use crate::stats::Route;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Title {
    title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Category {
    category: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Encrypted {
    enabled: bool,
    /// `0x` + 32 hex digits; absent/null = IV from the media sequence number.
    #[serde(default)]
    iv: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mode {
    mode: HlsMode,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteMode {
    mode: Option<String>,
}

/// Why a control call was refused (turned into a 400 JSON error).
struct BadRequest(String);

/// Actions `POST /control/{id}/{action}` understands.
const ACTIONS: [&str; 13] = [
    "live",
    "offline",
    "title",
    "category",
    "fault",
    "reset",
    "encrypted",
    "hls_mode",
    "chat",
    "site_mode",
    "chat_disconnect",
    "chat_pause",
    "chat_flood",
];

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, BadRequest> {
    serde_json::from_slice(body).map_err(|e| BadRequest(format!("bad JSON body: {e}")))
}

fn parse_iv(text: &str) -> Option<[u8; 16]> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    if hex.len() != 32 {
        return None;
    }
    let mut iv = [0u8; 16];
    for (i, byte) in iv.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(iv)
}

#[derive(serde::Deserialize)]
struct Flood {
    count: u64,
}

#[derive(serde::Deserialize)]
struct Pause {
    paused: bool,
}

/// Applies one control action (one of [`ACTIONS`]).
fn apply(room: &Room, action: &str, body: &[u8]) -> Result<(), BadRequest> {
    match action {
        "live" => room.set_live(true),
        "offline" => room.set_live(false),
        "title" => room.set_title(&parse::<Title>(body)?.title),
        "category" => room.set_category(&parse::<Category>(body)?.category),
        "fault" => {
            let value: serde_json::Value = parse(body)?;
            let (fault, times) = Fault::from_json(value).map_err(BadRequest)?;
            room.arm(fault, times);
        }
        "reset" => room.clear_faults(),
        "encrypted" => {
            let req: Encrypted = parse(body)?;
            let iv = match req.iv.as_deref() {
                None => None,
                Some(text) => Some(
                    parse_iv(text)
                        .ok_or_else(|| BadRequest("iv must be 0x + 32 hex digits".into()))?,
                ),
            };
            room.set_encrypted(req.enabled);
            room.set_aes_iv(iv);
        }
        "hls_mode" => room.set_hls_mode(parse::<Mode>(body)?.mode),
        "chat" => room.send_chat(parse(body)?),
        "chat_disconnect" => room.drop_chat_connections(),
        "chat_pause" => room.pause_chat(parse::<Pause>(body)?.paused),
        "chat_flood" => room.flood_chat(parse::<Flood>(body)?.count),
        "site_mode" => room.set_site_mode(parse::<SiteMode>(body)?.mode.as_deref()),
        other => return Err(BadRequest(format!("unknown control action {other:?}"))),
    }
    Ok(())
}

/// `POST /control/{id}/{action}` -> `{"room": RoomInfo, "faults": [armed...]}`.
/// The room is created (live) if missing, unless the action is unknown.
pub(crate) async fn action(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !ACTIONS.contains(&action.as_str()) {
        shared.count(Route::Control, None);
        return not_found("unknown control action");
    }
    let Some(room) = shared.room_or_create(&id, false) else {
        shared.count(Route::Control, None);
        return error(
            StatusCode::BAD_REQUEST,
            "room ids may contain only ASCII letters, digits, '-' and '_'",
        );
    };
    shared.count(Route::Control, Some(&room));
    if let Err(BadRequest(msg)) = apply(&room, &action, &body) {
        return error(StatusCode::BAD_REQUEST, &msg);
    }
    Json(json!({ "room": room.info(), "faults": room.faults() })).into_response()
}

/// `GET /control/stats` -> `{"total": Stats, "rooms": {id: Stats},
/// "sites": {"twitch.gql": n, ...}}`.
pub(crate) async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let rooms: BTreeMap<String, _> = shared
        .all_rooms()
        .iter()
        .map(|r| (r.id().to_owned(), r.stats()))
        .collect();
    let sites = shared
        .site_counts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Json(json!({ "total": shared.counters.snapshot(), "rooms": rooms, "sites": sites }))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::parse_iv;

    #[test]
    fn parses_hex_iv() {
        let iv = parse_iv("0x000102030405060708090A0B0C0D0E0F").expect("valid");
        assert_eq!(iv[15], 15);
        assert!(parse_iv("0x01").is_none());
        assert!(parse_iv("000102030405060708090A0B0C0D0E0F").is_none());
        assert!(parse_iv("0xZZ0102030405060708090A0B0C0D0E0F").is_none());
    }
}
