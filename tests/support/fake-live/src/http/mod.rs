//! The HTTP surface: one router, one module per endpoint family.

mod api;
mod body;
mod chat;
mod control;
mod flv;
pub(crate) mod hls;
mod pages;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::shared::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/room/{id}", get(pages::room))
        .route("/api/rooms/batch", post(api::batch))
        .route("/api/rooms/{id}", get(api::room))
        .route("/hls/{id}/master.m3u8", get(hls::master))
        .route("/hls/{id}/key", get(hls::key))
        .route("/hls/{id}/{variant}/{file}", get(hls::variant_file))
        .route("/live/{file}", get(flv::stream))
        .route("/ws/{id}", get(chat::upgrade))
        .route("/control/stats", get(control::stats))
        .route("/control/{id}/{action}", post(control::action))
        .merge(crate::sites::router())
        .with_state(shared)
}

/// A JSON error body `{"error": msg}` with the given status.
pub(crate) fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

pub(crate) fn not_found(msg: &str) -> Response {
    error(StatusCode::NOT_FOUND, msg)
}
