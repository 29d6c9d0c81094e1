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
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
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
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            record_cookie,
        ))
        .with_state(shared)
}

/// Counts the `Cookie` header of HLS and HTTP-FLV requests by kind
/// (`FakeLive::media_cookies`).
async fn record_cookie(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let kind = if path.starts_with("/live/") {
        Some("flv")
    } else if path.starts_with("/hls/") {
        Some(if path.ends_with(".m3u8") {
            "playlist"
        } else if path.ends_with("/key") {
            "key"
        } else {
            "segment"
        })
    } else {
        None
    };
    if let Some(kind) = kind {
        let cookie: Vec<&str> = req
            .headers()
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        shared.count_cookie(kind, &cookie.join("; "));
    }
    next.run(req).await
}

/// A JSON error body `{"error": msg}` with the given status.
pub(crate) fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

pub(crate) fn not_found(msg: &str) -> Response {
    error(StatusCode::NOT_FOUND, msg)
}
