//! Human-facing HTML: an index of rooms and one page per room. The room page
//! is what a user pastes into `srec add`; it embeds the room data as JSON the
//! way real sites do, so a page-scraping extractor has something to find.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::shared::Shared;
use crate::stats::Route;

/// Escapes text for HTML element content and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) async fn index(State(shared): State<Arc<Shared>>) -> Html<String> {
    let mut items = String::new();
    for room in shared.all_rooms() {
        let info = room.info();
        items.push_str(&format!(
            "<li><a href=\"{}\">{}</a> ({}) - {}</li>\n",
            escape(&info.page_url),
            escape(&info.id),
            if info.live { "live" } else { "offline" },
            escape(&info.title)
        ));
    }
    Html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>fake-live</title></head>\n\
         <body><h1>fake-live rooms</h1>\n<ul>\n{items}</ul></body></html>\n"
    ))
}

pub(crate) async fn room(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let room = shared.room(&id);
    shared.count(Route::Page, room.as_ref());
    let Some(room) = room else {
        return (
            StatusCode::NOT_FOUND,
            Html("<!doctype html><title>not found</title><h1>Room not found</h1>\n"),
        )
            .into_response();
    };
    let info = room.info();
    // `<` only occurs inside JSON strings, where \u003c is an equivalent escape;
    // this keeps a hostile title from closing the script element.
    let data = serde_json::to_string(&info)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    let title = escape(&info.title);
    Html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\">\n<title>{title} - fake-live</title>\n\
         <meta property=\"og:title\" content=\"{title}\">\n</head>\n<body>\n<h1>{title}</h1>\n\
         <p>streamer: {streamer} | category: {category} | {status}</p>\n\
         <video controls src=\"{hls}\"></video>\n\
         <ul><li><a href=\"{hls}\">HLS</a></li><li><a href=\"{flv}\">FLV</a></li><li><a href=\"{api}\">API</a></li></ul>\n\
         <script id=\"room-data\" type=\"application/json\">{data}</script>\n</body></html>\n",
        streamer = escape(&info.streamer),
        category = escape(&info.category),
        status = if info.live { "live" } else { "offline" },
        hls = escape(&info.hls_url),
        flv = escape(&info.flv_url),
        api = escape(&room.api_url()),
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
