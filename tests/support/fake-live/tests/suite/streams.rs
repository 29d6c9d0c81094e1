//! The shape of the HLS and FLV streams without faults: sliding window,
//! tokens, AES-128, fMP4, FLV headers and pacing, shutdown.

use std::time::Duration;

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use fake_live::media::fixture::Media;
use fake_live::media::{fmp4, ts};
use fake_live::{HlsMode, ServerOptions};
use hyper::{Method, StatusCode};

use crate::common::*;

type Decryptor = cbc::Decryptor<aes::Aes128>;

#[tokio::test]
async fn hls_playlists_slide_in_real_time_with_rotating_tokens() {
    let server = start(ServerOptions {
        speed: 10.0,
        ..Default::default()
    })
    .await;
    let room = server.live_room("hls");
    let master = get(&room.hls_master_url()).await.text();
    let inf: Vec<&str> = master
        .lines()
        .filter(|l| l.starts_with("#EXT-X-STREAM-INF:"))
        .collect();
    assert_eq!(inf.len(), 2, "{master}");
    assert!(
        inf[0].contains("RESOLUTION=320x180") && inf[1].contains("RESOLUTION=480x270"),
        "{master}"
    );
    let bw = |l: &str| -> u64 {
        l.split("BANDWIDTH=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|v| v.parse().ok())
            .expect("bandwidth")
    };
    assert!(bw(inf[0]) < bw(inf[1]));
    for uri in segment_uris(&master) {
        assert_eq!(
            get(&resolve(&room.hls_master_url(), &uri)).await.status,
            StatusCode::OK
        );
    }
    let url = room.hls_media_url();
    let first = get(&url).await.text();
    assert_eq!(tag_value(&first, "#EXT-X-TARGETDURATION"), Some("1"));
    let uris = segment_uris(&first);
    assert_eq!(uris.len(), 5, "window of 5:\n{first}");
    let seq0 = media_sequence(&first);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = get(&url).await.text();
    let seq1 = media_sequence(&second);
    assert!(
        (seq0 + 3..=seq0 + 12).contains(&seq1),
        "10x speed: 0.5 s wall ~ 5 segments ({seq0} -> {seq1})"
    );
    let now = segment_uris(&second);
    let newest = now.last().expect("segments");
    let seg = get(&resolve(&url, newest)).await;
    assert_eq!(
        (seg.status, seg.headers["content-type"].to_str().ok()),
        (StatusCode::OK, Some("video/mp2t"))
    );
    assert!(ts::pes_stamps(&seg.body).is_ok());
    let ahead = url.replace("index.m3u8", &format!("{}.ts", seq1 + 30));
    assert_eq!(
        get(&ahead).await.status,
        StatusCode::NOT_FOUND,
        "future segment"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let evicted = url.replace("index.m3u8", "0.ts");
    assert_eq!(
        get(&evicted).await.status,
        StatusCode::NOT_FOUND,
        "evicted beyond retention"
    );
    // Same sequence, different URL: clients must dedup by sequence. (Offline
    // freezes the window, so both fetches list the same segments.)
    room.set_live(false);
    let a = segment_uris(&get(&url).await.text());
    let b = segment_uris(&get(&url).await.text());
    let path = |u: &String| u.split('?').next().map(str::to_owned);
    assert!(a.iter().map(path).eq(b.iter().map(path)), "same segments");
    assert!(
        a.iter().zip(&b).all(|(x, y)| x != y),
        "every token rotated: {a:?} {b:?}"
    );
    assert!(room.stats().master_playlist >= 1 && room.stats().media_playlist >= 5);
    server.shutdown().await;
}

#[tokio::test]
async fn aes_segments_decrypt_with_the_served_key() {
    let server = start(ServerOptions {
        encrypted: true,
        ..Default::default()
    })
    .await;
    let room = server.live_room("aes");
    let text = get(&room.hls_media_url()).await.text();
    let key_line = text
        .lines()
        .find(|l| l.starts_with("#EXT-X-KEY:METHOD=AES-128,URI=\""))
        .expect("key tag");
    let key_uri = key_line.split('"').nth(1).expect("quoted uri");
    let key = get(key_uri).await.body;
    assert_eq!(key[..], room.aes_key()[..]);
    let seg_url = room.hls_media_url().replace("index.m3u8", "2.ts");
    let encrypted = get(&seg_url).await.body;
    room.set_encrypted(false);
    let plain = get(&seg_url).await.body;
    assert!(ts::pes_stamps(&plain).is_ok());
    let mut iv = [0u8; 16];
    iv[15] = 2;
    let key16: [u8; 16] = key[..].try_into().expect("16-byte key");
    let decrypted = Decryptor::new((&key16).into(), (&iv).into())
        .decrypt_padded_vec_mut::<Pkcs7>(&encrypted)
        .expect("padding");
    assert_eq!(decrypted, plain);
    // Explicit IV
    room.set_encrypted(true);
    let explicit = [9u8; 16];
    room.set_aes_iv(Some(explicit));
    assert!(
        get(&room.hls_media_url())
            .await
            .text()
            .contains(",IV=0x09090909")
    );
    let encrypted = get(&seg_url).await.body;
    let decrypted = Decryptor::new((&key16).into(), (&explicit).into())
        .decrypt_padded_vec_mut::<Pkcs7>(&encrypted)
        .expect("padding");
    assert_eq!(decrypted, plain);
    assert_eq!(room.stats().key, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn fmp4_mode_serves_init_and_continuous_fragments() {
    let media = Media::load().expect("fixtures");
    let server = start(ServerOptions {
        hls_mode: HlsMode::Fmp4,
        window: 6,
        ..Default::default()
    })
    .await;
    let room = server.live_room("fmp4");
    let url = room.hls_media_url();
    let text = get(&url).await.text();
    assert!(text.starts_with("#EXTM3U\n#EXT-X-VERSION:7\n"), "{text}");
    let init = get(&resolve(&url, "init-a.mp4")).await.body;
    assert_eq!(init[..], media.clips[0].init[..]);
    let uris = segment_uris(&text);
    assert!(uris.iter().all(|u| u.contains(".m4s?t=")), "{text}");
    let mut video_times = Vec::new();
    for uri in &uris {
        let body = get(&resolve(&url, uri)).await.body;
        let times = fmp4::decode_times(&body).expect("fragment");
        video_times.push(
            times
                .iter()
                .find(|(track, _)| *track == 1)
                .expect("video traf")
                .1,
        );
    }
    let scale = u64::from(media.clips[0].timescales[&1]);
    for pair in video_times.windows(2) {
        assert_eq!(
            pair[1] - pair[0],
            scale,
            "one second per fragment across laps: {video_times:?}"
        );
    }
    assert_eq!(room.stats().init, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn flv_stream_starts_with_headers_and_keeps_time() {
    let server = start(ServerOptions {
        speed: 4.0,
        ..Default::default()
    })
    .await;
    let room = server.live_room("flv");
    let resp = send(Method::GET, &room.flv_url(), None).await;
    assert_eq!(resp.headers()["content-type"], "video/x-flv");
    let mut body = resp.into_body();
    let (data, _, ending) = read_stream(&mut body, Duration::from_secs(2), usize::MAX).await;
    assert_eq!(ending, Ending::Open);
    assert_eq!(&data[..5], b"FLV\x01\x05");
    let tags = flv_tags(&data);
    assert_eq!(tags[0].0, 18, "onMetaData first");
    assert!(
        is_avc_header(tags[1].0, &tags[1].2),
        "AVC sequence header second"
    );
    assert_eq!(
        (tags[2].0, tags[2].2[..2].to_vec()),
        (8, vec![0xaf, 0]),
        "AAC sequence header third"
    );
    assert_eq!(tags[3].2[0], 0x17, "starts on a keyframe");
    let video: Vec<u32> = tags
        .iter()
        .filter(|t| t.0 == 9)
        .skip(1)
        .map(|t| t.1)
        .collect();
    assert!(
        video.windows(2).all(|w| w[1] == w[0] + 40),
        "continuous video timestamps"
    );
    let span = video.last().expect("video") - video[0];
    // 2 s wall at 4x = 8 s of media, plus up to one GOP of burst at connect.
    assert!((6_500..=9_500).contains(&span), "media span {span} ms");
    drop(body);
    // A reconnect continues the same clock (within one GOP).
    let again = send(Method::GET, &room.flv_url(), None).await;
    let (data2, _, _) =
        read_stream(&mut again.into_body(), Duration::from_millis(300), 20_000).await;
    let first_again = flv_tags(&data2)[3].1;
    assert!(
        first_again + 1_500 >= *video.last().expect("video"),
        "{first_again} vs {}",
        video.last().expect("video")
    );
    room.set_live(false);
    assert_eq!(get(&room.flv_url()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&format!("{}/live/ghost.flv", server.base_url()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(room.stats().flv, 3);
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_open_streams_promptly() {
    let server = start(ServerOptions::default()).await;
    let room = server.live_room("bye");
    let resp = send(Method::GET, &room.flv_url(), None).await;
    let mut body = resp.into_body();
    let (_, _, ending) = read_stream(&mut body, Duration::from_millis(300), usize::MAX).await;
    assert_eq!(ending, Ending::Open);
    let (mut ws, _) = tokio_tungstenite::connect_async(room.ws_url())
        .await
        .expect("websocket");
    assert_eq!(next_json(&mut ws).await["type"], "welcome");
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(3), server.shutdown())
        .await
        .expect("shutdown within 3 s");
    assert!(started.elapsed() < Duration::from_secs(3));
    let (_, _, ending) = read_stream(&mut body, Duration::from_secs(2), usize::MAX).await;
    assert_ne!(ending, Ending::Open, "FLV body ended");
}
