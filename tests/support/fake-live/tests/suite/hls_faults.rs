//! HLS and API fault knobs, each armed once and observed on the wire.

use std::time::{Duration, Instant};

use fake_live::media::fixture::Media;
use fake_live::media::ts;
use fake_live::{Fault, HlsMode};
use hyper::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn segment_status_answers_that_status_for_that_sequence() {
    let server = start_at(1.0).await;
    let room = server.live_room("status");
    room.set_fault(Fault::SegmentStatus {
        seq: Some(2),
        status: 404,
    });
    assert_eq!(
        get(&seg_url(&room, 0, 2, "ts")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&seg_url(&room, 0, 2, "ts")).await.status,
        StatusCode::NOT_FOUND,
        "until cleared"
    );
    assert_eq!(
        get(&seg_url(&room, 0, 3, "ts")).await.status,
        StatusCode::OK
    );
    // Through the control API, limited to one use and matching any segment.
    let armed = post(
        &control(&server, &room, "fault"),
        json!({"kind": "segment_status", "status": 403, "times": 1}),
    )
    .await;
    assert_eq!(armed.status, StatusCode::OK, "{}", armed.text());
    assert_eq!(
        get(&seg_url(&room, 0, 3, "ts")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&seg_url(&room, 0, 3, "ts")).await.status,
        StatusCode::OK,
        "used up"
    );
    assert_eq!(
        post(&control(&server, &room, "reset"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&seg_url(&room, 0, 2, "ts")).await.status,
        StatusCode::OK,
        "cleared"
    );
    let bad = post(
        &control(&server, &room, "fault"),
        json!({"kind": "segment_status", "staus": 403}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn segment_drop_cuts_later_segments_halfway() {
    let server = start_at(1.0).await;
    let room = server.live_room("drop");
    room.set_fault(Fault::SegmentDrop { after_seq: 2 });
    let whole = get(&seg_url(&room, 0, 2, "ts")).await;
    assert_eq!(whole.status, StatusCode::OK);
    let resp = send(Method::GET, &seg_url(&room, 0, 3, "ts"), None).await;
    let declared: usize = resp.headers()["content-length"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number");
    let mut body = resp.into_body();
    let (data, _, ending) = read_stream(&mut body, Duration::from_secs(5), usize::MAX).await;
    assert_eq!(ending, Ending::Broken);
    assert_eq!(data.len(), declared / 2, "half of {declared} bytes");
    server.shutdown().await;
}

#[tokio::test]
async fn segment_stall_delays_the_answer() {
    let server = start_at(1.0).await;
    let room = server.live_room("stall");
    room.set_fault(Fault::SegmentStall {
        seq: Some(1),
        secs: 1.0,
    });
    let t = Instant::now();
    assert_eq!(
        get(&seg_url(&room, 0, 1, "ts")).await.status,
        StatusCode::OK
    );
    assert!(
        t.elapsed() >= Duration::from_millis(950),
        "stalled {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    assert_eq!(
        get(&seg_url(&room, 0, 2, "ts")).await.status,
        StatusCode::OK
    );
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "other segments are prompt: {:?}",
        t.elapsed()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn segment_garbage_corrupts_the_ts() {
    let server = start_at(1.0).await;
    let room = server.live_room("garbage");
    let clean = get(&seg_url(&room, 0, 1, "ts")).await.body;
    assert!(ts::pes_stamps(&clean).is_ok());
    room.set_fault_times(Fault::SegmentGarbage { seq: Some(1) }, 1);
    let dirty = get(&seg_url(&room, 0, 1, "ts")).await.body;
    assert_eq!(dirty.len(), clean.len());
    assert_ne!(dirty, clean);
    assert!(
        matches!(ts::pes_stamps(&dirty), Err(ts::TsError::Sync(_))),
        "sync bytes broken"
    );
    assert_eq!(
        get(&seg_url(&room, 0, 1, "ts")).await.body,
        clean,
        "times: 1 used up"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn playlist_reset_makes_the_media_sequence_go_back() {
    let server = start_at(4.0).await;
    let room = server.live_room("reset");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = get(&room.hls_media_url()).await.text();
    let seq_before = media_sequence(&before);
    assert!(seq_before >= 4, "{before}");
    let first_before = get(&seg_url(&room, 0, seq_before, "ts")).await.body;
    room.set_fault(Fault::PlaylistReset { to_seq: 0 });
    let after = get(&room.hls_media_url()).await.text();
    let seq_after = media_sequence(&after);
    assert!(
        seq_after < seq_before,
        "sequence went back: {seq_before} -> {seq_after}"
    );
    // The content did not restart: the renumbered segments continue the timeline.
    let first_after = get(&seg_url(&room, 0, seq_after, "ts")).await.body;
    assert!(video_dts(&first_after)[0] >= video_dts(&first_before)[0]);
    server.shutdown().await;
}

#[tokio::test]
async fn playlist_and_api_status_faults() {
    let server = start_at(1.0).await;
    let room = server.live_room("pl");
    let other = server.live_room("other");
    let armed = post(
        &control(&server, &room, "fault"),
        json!({"kind": "playlist_status", "status": 500, "times": 2}),
    )
    .await;
    assert_eq!(armed.json()["faults"][0]["kind"], "playlist_status");
    assert_eq!(
        get(&room.hls_master_url()).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        get(&room.hls_media_url()).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(get(&room.hls_master_url()).await.status, StatusCode::OK);

    room.set_fault_times(Fault::ApiStatus { status: 503 }, 2);
    assert_eq!(
        get(&room.api_url()).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let batch = post(
        &format!("{}/api/rooms/batch", server.base_url()),
        json!({"ids": ["pl", "other"]}),
    )
    .await
    .json();
    assert_eq!(batch["missing"], json!(["pl"]));
    assert_eq!(batch["rooms"][0]["id"], other.id());
    assert_eq!(get(&room.api_url()).await.status, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn timestamp_jump_shifts_hls_segments() {
    let server = start_at(4.0).await;
    let room = server.live_room("hlsjump");
    let at = (room.media_time_ms() / 1000 + 2) * 1000;
    room.set_fault(Fault::TimestampJump {
        jump_ms: 5_000,
        at_ms: Some(at),
    });
    let seq = at / 1000;
    let jumped = wait_for_segment(&room, seq).await;
    let before = get(&seg_url(&room, 0, seq - 1, "ts")).await.body;
    assert_eq!(
        video_dts(&jumped)[0] - video_dts(&before)[0],
        90_000 + 5_000 * 90
    );
    server.shutdown().await;
}

#[tokio::test]
async fn variant_switch_marks_hls_discontinuity() {
    let media = Media::load().expect("fixtures");
    let server = start_at(4.0).await;
    let room = server.live_room("switchhls");
    let at = (room.media_time_ms() / 1000 + 2) * 1000;
    room.set_fault(Fault::VariantSwitch { at_ms: Some(at) });
    let seq = at / 1000;
    let switched = wait_for_segment(&room, seq).await;
    let piece = (seq % 4) as usize;
    assert_eq!(
        switched.len(),
        media.clips[1].ts[piece].len(),
        "segment {seq} comes from clip b"
    );
    let before = get(&seg_url(&room, 0, seq - 1, "ts")).await.body;
    assert_eq!(
        before.len(),
        media.clips[0].ts[(piece + 3) % 4].len(),
        "segment before is clip a"
    );
    let text = get(&room.hls_media_url()).await.text();
    let lines: Vec<&str> = text.lines().collect();
    let uri = lines
        .iter()
        .position(|l| l.starts_with(&format!("{seq}.ts?")))
        .expect("listed");
    assert!(
        lines[..uri]
            .iter()
            .rev()
            .take(3)
            .any(|l| *l == "#EXT-X-DISCONTINUITY"),
        "{text}"
    );
    assert_eq!(text.matches("#EXT-X-DISCONTINUITY\n").count(), 1);
    // The other rendition switches the other way.
    let other = get(&seg_url(&room, 1, seq, "ts")).await.body;
    assert_eq!(other.len(), media.clips[0].ts[piece].len());
    // fMP4 playlists re-map the init section at the switch.
    room.set_hls_mode(HlsMode::Fmp4);
    let fmp4 = get(&room.hls_media_url()).await.text();
    let maps: Vec<&str> = fmp4
        .lines()
        .filter(|l| l.starts_with("#EXT-X-MAP"))
        .collect();
    if media_sequence(&fmp4) < seq {
        assert_eq!(
            maps,
            [
                "#EXT-X-MAP:URI=\"init-a.mp4\"",
                "#EXT-X-MAP:URI=\"init-b.mp4\""
            ],
            "{fmp4}"
        );
    } else {
        assert_eq!(maps, ["#EXT-X-MAP:URI=\"init-b.mp4\""], "{fmp4}");
    }
    let init_b = get(&room.hls_media_url().replace("index.m3u8", "init-b.mp4")).await;
    assert_eq!(init_b.body[..], media.clips[1].init[..]);
    server.shutdown().await;
}
