//! FLV fault knobs, the bandwidth cap, and going offline mid-stream.

use std::time::{Duration, Instant};

use fake_live::Fault;
use fake_live::media::fixture::Media;
use hyper::{Method, StatusCode};

use crate::common::*;

#[tokio::test]
async fn flv_drop_cuts_after_the_byte_count() {
    let server = start_at(4.0).await;
    let room = server.live_room("flvdrop");
    room.set_fault(Fault::FlvDrop {
        after_bytes: 60_000,
    });
    let (data, _, ending) = read_flv(&room, 10.0, usize::MAX).await;
    assert_eq!(ending, Ending::Broken);
    assert_eq!(data.len(), 60_000);
    server.shutdown().await;
}

#[tokio::test]
async fn flv_publisher_drop_sends_an_overlapping_audio_tail_then_ends_cleanly() {
    let server = start_at(4.0).await;
    let room = server.live_room("flvpubdrop");
    room.set_fault(Fault::FlvPublisherDrop {
        after_bytes: 40_000,
        tail_overlap_ms: 300,
    });
    let (data, _, ending) = read_flv(&room, 10.0, usize::MAX).await;
    assert_eq!(
        ending,
        Ending::Clean,
        "the body ends cleanly after the tail"
    );
    let tags = flv_tags(&data);
    let media: Vec<&(u8, u32, Vec<u8>)> = tags
        .iter()
        .filter(|(k, _, b)| *k != 18 && b.len() > 1 && b[1] != 0)
        .collect();
    // The tail: audio only, from the first audio tag whose timestamp goes
    // back to the end of the body.
    let last_video = media.iter().rposition(|(k, _, _)| *k == 9).expect("video");
    let tail = &media[last_video + 1..];
    assert!(
        tail.len() >= 10,
        "a tail of 600 ms of audio: {}",
        tail.len()
    );
    assert!(tail.iter().all(|(k, _, _)| *k == 8), "audio only");
    let before = media[..=last_video]
        .iter()
        .filter(|(k, _, _)| *k == 8)
        .map(|(_, t, _)| *t)
        .max()
        .expect("audio before the tail");
    let back = i64::from(before) - i64::from(tail[0].1);
    assert!(
        (250..=330).contains(&back),
        "the tail starts ~300 ms behind the last audio sent: {back} ms"
    );
    let span = tail[tail.len() - 1].1 - tail[0].1;
    assert!((540..=600).contains(&span), "tail spans ~600 ms: {span}");
    assert!(
        tail.windows(2).all(|w| w[1].1 > w[0].1),
        "the tail itself moves forward"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn flv_stall_pauses_the_stream() {
    let server = start_at(1.0).await;
    let room = server.live_room("flvstall");
    room.set_fault(Fault::FlvStall {
        after_bytes: 30_000,
        secs: 1.5,
    });
    let (_, arrivals, ending) = read_flv(&room, 3.5, usize::MAX).await;
    assert_eq!(ending, Ending::Open);
    let (gap, at) = arrivals
        .windows(2)
        .map(|w| (w[1].1 - w[0].1, w[1].0))
        .max_by_key(|(gap, _)| *gap)
        .expect("several chunks");
    assert!(gap >= Duration::from_millis(1400), "longest pause {gap:?}");
    assert!(at >= 30_000, "pause came after the byte count, at {at}");
    server.shutdown().await;
}

#[tokio::test]
async fn flv_garbage_lands_between_tags() {
    let server = start_at(4.0).await;
    let room = server.live_room("flvgarbage");
    room.set_fault(Fault::FlvGarbage {
        after_bytes: 20_000,
        len: 777,
    });
    let (data, _, _) = read_flv(&room, 5.0, 90_000).await;
    let items = scan_flv(&data);
    let garbage: Vec<usize> = items
        .iter()
        .filter_map(|i| match i {
            FlvItem::Garbage(n) => Some(*n),
            FlvItem::Tag { .. } => None,
        })
        .collect();
    assert_eq!(garbage, vec![777]);
    server.shutdown().await;
}

#[tokio::test]
async fn timestamp_jumps_show_in_flv_tags() {
    let server = start_at(4.0).await;
    let room = server.live_room("jump");
    let resp = send(Method::GET, &room.flv_url(), None).await;
    let mut body = resp.into_body();
    let (mut data, _, _) = read_stream(&mut body, Duration::from_millis(800), usize::MAX).await;
    room.set_fault(Fault::TimestampJump {
        jump_ms: 10_000,
        at_ms: None,
    });
    data.extend(
        read_stream(&mut body, Duration::from_millis(1200), usize::MAX)
            .await
            .0,
    );
    room.set_fault(Fault::TimestampJump {
        jump_ms: -5_000,
        at_ms: None,
    });
    data.extend(
        read_stream(&mut body, Duration::from_millis(1200), usize::MAX)
            .await
            .0,
    );
    // Video DTS normally steps by exactly one frame (40 ms), across laps too;
    // the only other steps are the two jumps, landing on a frame boundary.
    let steps = video_steps(&data);
    assert!(steps.len() > 100, "enough video: {}", steps.len());
    let odd: Vec<i64> = steps.iter().copied().filter(|s| *s != 40).collect();
    assert_eq!(odd, vec![10_040, -4_960], "all steps: {steps:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn variant_switch_sends_new_flv_headers() {
    let media = Media::load().expect("fixtures");
    let server = start_at(4.0).await;
    let room = server.live_room("switchflv");
    let resp = send(Method::GET, &room.flv_url(), None).await;
    let mut body = resp.into_body();
    let (mut data, _, _) = read_stream(&mut body, Duration::from_millis(700), usize::MAX).await;
    room.set_fault(Fault::VariantSwitch { at_ms: None });
    data.extend(
        read_stream(&mut body, Duration::from_millis(1500), usize::MAX)
            .await
            .0,
    );
    let tags = flv_tags(&data);
    let headers: Vec<&Vec<u8>> = tags
        .iter()
        .filter(|(k, _, b)| is_avc_header(*k, b))
        .map(|(_, _, b)| b)
        .collect();
    assert_eq!(headers.len(), 2, "initial + switched sequence header");
    assert_eq!(headers[0][..], media.clips[0].flv.avc_header[..]);
    assert_eq!(headers[1][..], media.clips[1].flv.avc_header[..]);
    let scripts = tags.iter().filter(|(k, _, _)| *k == 18).count();
    assert_eq!(scripts, 2, "onMetaData resent");
    server.shutdown().await;
}

#[tokio::test]
async fn bandwidth_cap_slows_downloads() {
    let server = start_at(4.0).await;
    let room = server.live_room("slow");
    let cap = 20_000u64;
    room.set_fault(Fault::Bandwidth { bytes_per_sec: cap });
    let t = Instant::now();
    let seg = get(&seg_url(&room, 0, 1, "ts")).await.body;
    let took = t.elapsed().as_secs_f64();
    let ideal = seg.len() as f64 / cap as f64;
    assert!(
        took >= ideal * 0.85 && took <= ideal + 1.0,
        "{} bytes took {took:.2}s, ideal {ideal:.2}s",
        seg.len()
    );
    // The FLV stream at 4x would run ~100 KB/s; capped it runs at ~cap.
    let (data, _, _) = read_flv(&room, 2.5, usize::MAX).await;
    let rate = data.len() as f64 / 2.5;
    assert!(
        rate >= cap as f64 * 0.8 && rate <= cap as f64 * 1.2,
        "FLV rate {rate:.0} B/s"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn going_offline_ends_streams_and_playlists() {
    let server = start_at(4.0).await;
    let room = server.live_room("offline");
    let resp = send(Method::GET, &room.flv_url(), None).await;
    let mut body = resp.into_body();
    let (_, _, ending) = read_stream(&mut body, Duration::from_millis(500), usize::MAX).await;
    assert_eq!(ending, Ending::Open);
    room.set_live(false);
    let (_, _, ending) = read_stream(&mut body, Duration::from_secs(3), usize::MAX).await;
    assert_eq!(
        ending,
        Ending::Clean,
        "FLV finishes cleanly when the room goes offline"
    );
    let ended = get(&room.hls_media_url()).await.text();
    assert!(ended.trim_end().ends_with("#EXT-X-ENDLIST"), "{ended}");
    assert_eq!(
        get(&room.hls_master_url()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&room.flv_url()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&room.api_url()).await.json()["live"], false);
    room.set_live(true);
    let fresh = get(&room.hls_media_url()).await.text();
    assert_eq!(media_sequence(&fresh), 0, "a new session starts over");
    assert!(!fresh.contains("ENDLIST"));
    server.shutdown().await;
}
