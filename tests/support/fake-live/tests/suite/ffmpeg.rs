//! The real client check: ffmpeg records fake-live's HLS (TS, fMP4, AES-128)
//! and HTTP-FLV, and ffprobe finds clean files of the right length with
//! timestamps that stay continuous across loops of the 4-second fixture.

use std::path::PathBuf;
use std::time::Duration;

use crate::common::{assert_continuous, ffmpeg, ffprobe_duration, ffprobe_errors, have};
use fake_live::{FakeLive, HlsMode, ServerOptions};

/// How to record.
#[derive(Clone, Copy)]
enum Mode {
    /// `-t SECS`, exactly what a user would type. ffmpeg repairs backward
    /// timestamp jumps in HLS input on its own, so this proves readability
    /// and length, not continuity.
    Plain,
    /// `-copyts -frames:v SECS*25`: timestamps pass through untouched, so
    /// any seam in the server's timeline shows up in the file.
    CopyTs,
}

/// Records `url` with stream copy for `secs` of media into `path`.
async fn record(url: String, secs: u32, path: PathBuf, mode: Mode) -> (PathBuf, String) {
    let out = path.to_str().expect("utf-8 temp path").to_owned();
    let (t, frames) = (secs.to_string(), (secs * 25).to_string());
    let args: Vec<&str> = match mode {
        Mode::Plain => vec!["-i", &url, "-c", "copy", "-t", &t, &out],
        Mode::CopyTs => vec![
            "-copyts",
            "-i",
            &url,
            "-c",
            "copy",
            "-frames:v",
            &frames,
            &out,
        ],
    };
    // Generous: real time plus start-up, slow CI and ffmpeg's reload cadence.
    let limit = Duration::from_secs(u64::from(secs) * 2 + 20);
    let stderr = ffmpeg(&args, limit).await;
    (path, stderr)
}

fn assert_clean_recording(path: &std::path::Path, ffmpeg_stderr: &str, want_secs: f64) {
    assert_eq!(
        ffmpeg_stderr,
        "",
        "ffmpeg reported errors while recording {}",
        path.display()
    );
    assert_eq!(
        ffprobe_errors(path),
        "",
        "ffprobe -v error on {}",
        path.display()
    );
    let duration = ffprobe_duration(path);
    assert!(
        (duration - want_secs).abs() <= 1.0,
        "{}: duration {duration}, want {want_secs} +- 1",
        path.display()
    );
}

/// Real time, as a user would see it: 10 s of HLS (TS) and 10 s of FLV,
/// recorded at the same time. 10 s spans more than two 4-second laps, so the
/// continuity check proves the loop seams are invisible.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hls_ts_and_flv_record_ten_seconds_cleanly() {
    if !have("ffmpeg") || !have("ffprobe") {
        return;
    }
    let server = FakeLive::start(ServerOptions::default())
        .await
        .expect("start");
    let room = server.live_room("real");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (hls, flv, hls_ts, flv_ts) = tokio::join!(
        record(room.hls_master_url(), 10, d.join("hls.ts"), Mode::Plain),
        record(room.flv_url(), 10, d.join("flv.flv"), Mode::Plain),
        record(
            room.hls_master_url(),
            10,
            d.join("hls-copyts.ts"),
            Mode::CopyTs
        ),
        record(room.flv_url(), 10, d.join("flv-copyts.flv"), Mode::CopyTs),
    );
    for (path, stderr) in [&hls, &flv, &hls_ts, &flv_ts] {
        assert_clean_recording(path, stderr, 10.0);
    }
    for (path, _) in [&hls_ts, &flv_ts] {
        assert_continuous(path, 0.25, 8.5);
    }
    assert!(
        room.stats().segment >= 10,
        "HLS came from segments: {:?}",
        room.stats()
    );
    assert_eq!(room.stats().flv, 2);
    server.shutdown().await;
}

/// fMP4 segments (init section + fragments, tfdt rewritten per lap) at 3x.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fmp4_hls_records_cleanly() {
    if !have("ffmpeg") || !have("ffprobe") {
        return;
    }
    let opts = ServerOptions {
        speed: 3.0,
        window: 12,
        hls_mode: HlsMode::Fmp4,
        ..Default::default()
    };
    let server = FakeLive::start(opts).await.expect("start");
    let room = server.live_room("fmp4");
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, stderr) = record(
        room.hls_media_url(),
        9,
        dir.path().join("fmp4.ts"),
        Mode::CopyTs,
    )
    .await;
    assert_clean_recording(&path, &stderr, 9.0);
    assert_continuous(&path, 0.25, 7.5);
    let stats = room.stats();
    assert!(stats.init >= 1 && stats.segment >= 9, "{stats:?}");
    server.shutdown().await;
}

/// AES-128 in both containers: ffmpeg fetches the key from the key URI and
/// decrypts with the default IV (TS) or an explicit IV (fMP4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aes_128_hls_records_cleanly() {
    if !have("ffmpeg") || !have("ffprobe") {
        return;
    }
    let opts = ServerOptions {
        speed: 3.0,
        window: 12,
        encrypted: true,
        ..Default::default()
    };
    let server = FakeLive::start(opts).await.expect("start");
    let ts_room = server.live_room("aes-ts");
    let mp4_room = server.live_room("aes-fmp4");
    mp4_room.set_hls_mode(HlsMode::Fmp4);
    mp4_room.set_aes_iv(Some(*b"0123456789abcdef"));
    let dir = tempfile::tempdir().expect("tempdir");
    let (ts, mp4) = tokio::join!(
        record(
            ts_room.hls_media_url(),
            6,
            dir.path().join("aes-ts.ts"),
            Mode::CopyTs
        ),
        record(
            mp4_room.hls_media_url(),
            6,
            dir.path().join("aes-fmp4.ts"),
            Mode::CopyTs
        ),
    );
    for (path, stderr) in [&ts, &mp4] {
        assert_clean_recording(path, stderr, 6.0);
        assert_continuous(path, 0.25, 4.5);
    }
    assert!(ts_room.stats().key >= 1 && mp4_room.stats().key >= 1);
    server.shutdown().await;
}
