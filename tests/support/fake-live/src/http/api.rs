//! The fake platform's status API: one room, or many in one batch request.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::error;
use crate::fault::Fault;
use crate::room::Room;
use crate::shared::Shared;
use crate::stats::Route;

/// Status of an armed `api_status` fault, used up by this request.
fn api_fault(room: &Room) -> Option<u16> {
    room.lock()
        .faults
        .fire(&[], |f| match f {
            Fault::ApiStatus { status } => Some(*status),
            _ => None,
        })
        .map(|(_, status)| status)
}

/// `GET /api/rooms/{id}` -> `RoomInfo` JSON, 404 `{"error", "id"}` if unknown.
pub(crate) async fn room(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let room = shared.room(&id);
    shared.count(Route::RoomApi, room.as_ref());
    let Some(room) = room else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "room not found", "id": id })),
        )
            .into_response();
    };
    if let Some(status) = api_fault(&room) {
        return error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "injected fault",
        );
    }
    Json(room.info()).into_response()
}

#[derive(Deserialize)]
pub(crate) struct BatchRequest {
    ids: Vec<String>,
}

/// `POST /api/rooms/batch` `{"ids": [...]}` -> `{"rooms": [...], "missing": [...]}`.
/// Unknown ids and rooms with an `api_status` fault are listed in `missing`.
pub(crate) async fn batch(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<BatchRequest>, JsonRejection>,
) -> Response {
    shared.count(Route::BatchApi, None);
    let req = match body {
        Ok(Json(req)) => req,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("expected {{\"ids\": [...]}}: {e}"),
            );
        }
    };
    if req.ids.len() > 500 {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "at most 500 ids per batch");
    }
    let mut rooms = Vec::new();
    let mut missing = Vec::new();
    for id in req.ids {
        match shared.room(&id) {
            Some(room) => {
                room.count(Route::BatchApi);
                if api_fault(&room).is_some() {
                    missing.push(id);
                } else {
                    rooms.push(room.info());
                }
            }
            None => missing.push(id),
        }
    }
    Json(json!({ "rooms": rooms, "missing": missing })).into_response()
}
