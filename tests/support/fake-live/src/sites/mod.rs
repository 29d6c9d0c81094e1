//! Site emulations: recorded-shape answers of real platforms' APIs
//! (Twitch, Bilibili, ...) under `/sites/<platform>/...`, so srec's
//! extractors run offline against the same routes and parameters as in
//! production with `api_base = "<server>/sites/<platform>"`. The answers
//! are fixture templates from the repository's `tests/fixtures/<platform>/`
//! with `{{name}}` placeholders filled from the fake room of the same id;
//! their stream URLs point at this server's own HLS and FLV streams.
//! Routes and parameters are checked, signatures are not.
//!
//! A room's *site mode* (`Room::set_site_mode`, control action
//! `site_mode`) selects special answers such as a rerun or a geo-block;
//! each site module lists the modes it knows.

mod douyin;
mod youtube;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::room::Room;
use crate::shared::Shared;

mod bilibili;
mod bilibili_chat;
mod bilibili_gift;
mod chat_common;
mod douyu;
mod douyu_chat;
mod huya;
mod huya_chat;
mod tars_lite;
mod twitch;
mod twitch_ads;
mod twitch_chat;

/// Every site's routes, nested under `/sites/<name>`.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .nest("/sites/bilibili", bilibili::router())
        .route("/sub", axum::routing::get(bilibili_chat::upgrade))
        .nest("/sites/youtube", youtube::router())
        .nest("/sites/douyin", douyin::router())
        .nest(
            "/sites/douyu",
            douyu::router().route("/chat", get(douyu_chat::upgrade)),
        )
        .nest(
            "/sites/huya",
            huya::router().route("/chat", get(huya_chat::upgrade)),
        )
        .nest(
            "/sites/twitch",
            twitch::router().route("/chat", get(twitch_chat::upgrade)),
        )
}

/// Fills every `{{key}}` of a fixture template.
pub(crate) fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    out
}

/// The placeholders every site can use for a room: `id`, `title`,
/// `category`, `streamer`, `hls_url` (master), `hls_media_url`,
/// `flv_url`, `page_url`, `base_url`, `live_since_s` and `live_since_ms`.
pub(crate) fn room_vars(room: &Room) -> Vec<(&'static str, String)> {
    let info = room.info();
    let since_ms = info.live_since_ms.unwrap_or(0);
    vec![
        ("id", info.id.clone()),
        ("title", json_escape(&info.title)),
        ("category", json_escape(&info.category)),
        ("streamer", json_escape(&info.streamer)),
        ("hls_url", info.hls_url.clone()),
        ("hls_media_url", room.hls_media_url()),
        ("flv_url", info.flv_url.clone()),
        ("page_url", info.page_url.clone()),
        ("base_url", room.settings().base_url.clone()),
        ("live_since_ms", since_ms.to_string()),
        ("live_since_s", (since_ms / 1000).to_string()),
    ]
}

/// `s` escaped for use inside a JSON string literal.
pub(crate) fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// A response with a content type and body.
pub(crate) fn respond(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response()
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: String) -> Response {
    respond(status, "application/json; charset=utf-8", body)
}

/// An HTML answer.
pub(crate) fn html(status: StatusCode, body: String) -> Response {
    respond(status, "text/html; charset=utf-8", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_and_escapes() {
        let t = r#"{"a":"{{x}}","n":{{n}}}"#;
        let out = fill(t, &[("x", json_escape("q\"uote")), ("n", "5".into())]);
        assert_eq!(out, r#"{"a":"q\"uote","n":5}"#);
    }
}
