//! Test helpers shared by the suite: HTTP client, stream readers, ffmpeg
//! wrappers, and shortcuts for common fake-live interactions.
#![allow(dead_code)] // not every helper is used by every module

mod http;
mod parse;
mod tools;

pub use http::*;
pub use parse::*;
pub use tools::*;

use std::time::{Duration, Instant};

use fake_live::media::ts;
use fake_live::{FakeLive, Room, ServerOptions};
use futures_util::StreamExt;
use hyper::{Method, StatusCode};
use tokio_tungstenite::tungstenite::Message;

/// Starts a server with these options.
pub async fn start(opts: ServerOptions) -> FakeLive {
    FakeLive::start(opts).await.expect("start")
}

/// Starts a server with default options at `speed`.
pub async fn start_at(speed: f64) -> FakeLive {
    FakeLive::start(ServerOptions {
        speed,
        ..Default::default()
    })
    .await
    .expect("start")
}

/// URL of segment `seq` of rendition `variant` (`ext`: "ts" or "m4s").
pub fn seg_url(room: &Room, variant: usize, seq: u64, ext: &str) -> String {
    room.hls_variant_url(variant)
        .replace("index.m3u8", &format!("{seq}.{ext}"))
}

/// URL of a control action for the room.
pub fn control(server: &FakeLive, room: &Room, action: &str) -> String {
    format!("{}/control/{}/{action}", server.base_url(), room.id())
}

/// Sorted video DTS values (PID 0x100) of a TS segment.
pub fn video_dts(seg: &[u8]) -> Vec<i64> {
    let mut v: Vec<i64> = ts::pes_stamps(seg)
        .expect("valid TS")
        .into_iter()
        .filter(|s| s.pid == 0x100)
        .map(|s| s.dts)
        .collect();
    v.sort_unstable();
    v
}

/// Waits until segment `seq` of variant 0 can be downloaded.
pub async fn wait_for_segment(room: &Room, seq: u64) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = get(&seg_url(room, 0, seq, "ts")).await;
        if got.status == StatusCode::OK {
            return got.body.to_vec();
        }
        assert!(Instant::now() < deadline, "segment {seq} never appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Opens the FLV stream and reads for `secs` (or until `max` bytes / the end).
pub async fn read_flv(
    room: &Room,
    secs: f64,
    max: usize,
) -> (Vec<u8>, Vec<(usize, Instant)>, Ending) {
    let resp = send(Method::GET, &room.flv_url(), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body();
    read_stream(&mut body, Duration::from_secs_f64(secs), max).await
}

/// Consecutive-video-tag timestamp steps of an FLV capture.
pub fn video_steps(data: &[u8]) -> Vec<i64> {
    let ts: Vec<i64> = flv_tags(data)
        .into_iter()
        .filter(|(k, _, b)| *k == 9 && !is_avc_header(*k, b))
        .map(|(_, t, _)| i64::from(t))
        .collect();
    ts.windows(2).map(|w| w[1] - w[0]).collect()
}

/// The next text message of a websocket, parsed as JSON (3 s limit).
pub async fn next_json<S>(ws: &mut S) -> serde_json::Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(3), ws.next())
            .await
            .expect("message within 3 s")
            .expect("stream open")
            .expect("no websocket error");
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).expect("JSON message");
        }
    }
}
