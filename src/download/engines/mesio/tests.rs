//! MesioEngine end to end: a tiny live HLS server on 127.0.0.1 serving real
//! ffmpeg-made TS segments on a sliding window, recorded through the real
//! HTTP client and file sink, checked with ffprobe.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use bytes::Bytes;
use tokio::sync::broadcast;

use super::*;
use crate::config::EffectiveConfig;
use crate::events::{DownloadEvent, SplitReason};
use crate::media::hls::{Parsed, parse};
use crate::media::ts::testutil::{ffmpeg_hls, ffprobe};
use crate::platform::StreamCandidate;

/// A live stream that publishes one more segment every `step`.
struct Live {
    started: Instant,
    step: Duration,
    /// `(file name, duration)` in playlist order.
    segments: Vec<(String, f64)>,
    files: HashMap<String, Bytes>,
    /// fMP4 init section name.
    map: Option<String>,
    /// Whether to end with ENDLIST once every segment is out.
    ends: bool,
    reloads: Mutex<u32>,
    headers: Mutex<Vec<HeaderMap>>,
}

impl Live {
    fn playlist(&self) -> String {
        let n = self.segments.len();
        let out =
            (2 + (self.started.elapsed().as_millis() / self.step.as_millis()) as usize).min(n);
        let first = out.saturating_sub(6);
        let mut reloads = self.reloads.lock().unwrap();
        *reloads += 1;
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:{first}\n"
        );
        if let Some(map) = &self.map {
            text.push_str(&format!("#EXT-X-MAP:URI=\"{map}?token={reloads}\"\n"));
        }
        for (name, d) in self.segments.iter().take(out).skip(first) {
            text.push_str(&format!("#EXTINF:{d:.6},\n{name}?token={reloads}\n"));
        }
        if self.ends && out == n {
            text.push_str("#EXT-X-ENDLIST\n");
        }
        text
    }
}

async fn playlist(State(live): State<Arc<Live>>, headers: HeaderMap) -> String {
    live.headers.lock().unwrap().push(headers);
    live.playlist()
}

async fn file(
    State(live): State<Arc<Live>>,
    UrlPath(name): UrlPath<String>,
) -> Result<Bytes, StatusCode> {
    live.files.get(&name).cloned().ok_or(StatusCode::NOT_FOUND)
}

/// Serves ffmpeg segments (TS or fMP4) made in `dir`; `None` when ffmpeg
/// is missing. Returns the playlist URL, the server state and the total
/// EXTINF duration.
async fn serve(dir: &Path, ends: bool, fmp4: bool) -> Option<(String, Arc<Live>, f64)> {
    let paths = ffmpeg_hls(dir, 6, 1, fmp4)?;
    let index = std::fs::read(dir.join("index.m3u8")).unwrap();
    let base = url::Url::parse("http://x/index.m3u8").unwrap();
    let Ok(Parsed::Media(w)) = parse(&base, &index) else {
        panic!("ffmpeg playlist unreadable");
    };
    let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let mut files: HashMap<_, _> = paths
        .iter()
        .map(|p| (name(p), Bytes::from(std::fs::read(p).unwrap())))
        .collect();
    let segments: Vec<_> = paths
        .iter()
        .zip(&w.segments)
        .map(|(p, s)| (name(p), s.duration.as_secs_f64()))
        .collect();
    let map = fmp4.then(|| "init.mp4".to_string());
    if let Some(m) = &map {
        files.insert(m.clone(), Bytes::from(std::fs::read(dir.join(m)).unwrap()));
    }
    let total = segments.iter().map(|s| s.1).sum();
    let live = Arc::new(Live {
        started: Instant::now(),
        step: Duration::from_millis(200),
        segments,
        files,
        map,
        ends,
        reloads: Mutex::new(0),
        headers: Mutex::new(Vec::new()),
    });
    let app = axum::Router::new()
        .route("/live/index.m3u8", get(playlist))
        .route("/live/{name}", get(file))
        .with_state(live.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Some((format!("http://{addr}/live/index.m3u8"), live, total))
}

fn request(url: &str, out: &Path, format: StreamFormat) -> DownloadRequest {
    let mut config = EffectiveConfig::defaults(out.to_path_buf());
    config.filename_template = "{streamer}_{index}".into();
    config.cookies = Some("sid=42".into());
    config.headers.insert("X-Test".into(), "yes".into());
    DownloadRequest {
        download_id: 7,
        streamer_id: 1,
        session_id: 2,
        streamer_name: "alice".into(),
        platform: "fake".into(),
        title: "t".into(),
        page_url: String::new(),
        stream: StreamCandidate::new(url, format, "source"),
        config,
        first_index: 3,
    }
}

fn drain(rx: &mut broadcast::Receiver<DownloadEvent>) -> Vec<DownloadEventKind> {
    std::iter::from_fn(|| rx.try_recv().ok())
        .map(|e| e.kind)
        .collect()
}

/// `(path, duration, reason)` of every closed file.
fn closed(events: &[DownloadEventKind]) -> Vec<(PathBuf, Duration, SplitReason)> {
    events
        .iter()
        .filter_map(|e| match e {
            DownloadEventKind::SegmentClosed {
                path,
                duration,
                split_reason,
                ..
            } => Some((path.clone(), *duration, *split_reason)),
            _ => None,
        })
        .collect()
}

fn assert_playable(path: &Path, expected_secs: f64) {
    assert!(path.exists(), "{path:?} missing");
    assert!(
        !crate::download::engine::part_path(path).exists(),
        ".part left behind"
    );
    let (duration, errors) = ffprobe(path).expect("ffprobe");
    assert!(errors.trim().is_empty(), "ffprobe complained: {errors}");
    let off = (duration - expected_secs).abs() / expected_secs;
    assert!(
        off <= 0.05,
        "ffprobe duration {duration} vs {expected_secs}"
    );
}

#[tokio::test]
async fn records_live_hls_into_a_playable_file() {
    let fixtures = tempfile::tempdir().unwrap();
    let Some((url, live, total)) = serve(fixtures.path(), true, false).await else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let req = request(&url, out.path(), StreamFormat::Hls);
    let (tx, mut rx) = broadcast::channel(1024);
    let sink = EventSink::new(&req, tx);
    let handle = MesioEngine::new().start(req, sink).unwrap();
    tokio::time::timeout(Duration::from_secs(20), handle.wait())
        .await
        .expect("engine hung");

    let events = drain(&mut rx);
    assert!(matches!(
        events.first(),
        Some(DownloadEventKind::Started {
            engine: EngineKind::Mesio
        })
    ));
    assert_eq!(events.last(), Some(&DownloadEventKind::Finished));
    assert!(
        matches!(
            events.iter().find(|e| !matches!(
                e,
                DownloadEventKind::Progress { .. } | DownloadEventKind::Started { .. }
            )),
            Some(DownloadEventKind::SegmentOpened { index: 3, .. })
        ),
        "{events:?}"
    );
    let files = closed(&events);
    assert_eq!(files.len(), 1, "{events:?}");
    let (path, duration, reason) = &files[0];
    assert_eq!(*reason, SplitReason::EndOfStream);
    assert_eq!(path, &out.path().join("alice_003.ts"));
    assert_playable(path, total);
    assert!(
        (duration.as_secs_f64() - total).abs() / total <= 0.05,
        "reported {duration:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, DownloadEventKind::Progress { bytes, .. } if *bytes > 0))
    );

    let headers = live.headers.lock().unwrap();
    let h = &headers[0];
    assert_eq!(h.get("cookie").unwrap(), "sid=42");
    assert_eq!(h.get("x-test").unwrap(), "yes");
    assert!(
        h.get("user-agent")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Mozilla/5.0")
    );
}

#[tokio::test]
async fn stop_closes_the_file_and_finishes() {
    let fixtures = tempfile::tempdir().unwrap();
    let Some((url, _live, _)) = serve(fixtures.path(), false, false).await else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let req = request(&url, out.path(), StreamFormat::Hls);
    let (tx, mut rx) = broadcast::channel(1024);
    let sink = EventSink::new(&req, tx);
    let handle = MesioEngine::new().start(req, sink).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        handle.stop(Duration::from_secs(5)).await,
        "engine had to be aborted"
    );

    let events = drain(&mut rx);
    assert_eq!(events.last(), Some(&DownloadEventKind::Finished));
    let files = closed(&events);
    assert_eq!(files.len(), 1, "{events:?}");
    assert_eq!(files[0].2, SplitReason::Stopped);
    let reported = files[0].1.as_secs_f64();
    assert!(reported >= 2.0, "recorded only {reported} s");
    assert_playable(&files[0].0, reported);
}

#[tokio::test]
async fn records_fmp4_hls_into_a_playable_mp4() {
    let fixtures = tempfile::tempdir().unwrap();
    let Some((url, _live, total)) = serve(fixtures.path(), true, true).await else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let req = request(&url, out.path(), StreamFormat::Hls);
    let (tx, mut rx) = broadcast::channel(1024);
    let sink = EventSink::new(&req, tx);
    let handle = MesioEngine::new().start(req, sink).unwrap();
    tokio::time::timeout(Duration::from_secs(20), handle.wait())
        .await
        .expect("engine hung");

    let events = drain(&mut rx);
    assert_eq!(events.last(), Some(&DownloadEventKind::Finished));
    let files = closed(&events);
    // The init URI carries a rotating token: compared by content, it is
    // the same init, so there is one file.
    assert_eq!(files.len(), 1, "{events:?}");
    assert_eq!(files[0].0, out.path().join("alice_003.mp4"));
    assert_playable(&files[0].0, total);
}

#[tokio::test]
async fn flv_connection_refused_is_a_retryable_failure() {
    let out = tempfile::tempdir().unwrap();
    let req = request("http://127.0.0.1:9/live.flv", out.path(), StreamFormat::Flv);
    let (tx, mut rx) = broadcast::channel(16);
    let sink = EventSink::new(&req, tx);
    let handle = MesioEngine::new().start(req, sink).unwrap();
    tokio::time::timeout(Duration::from_secs(20), handle.wait())
        .await
        .expect("engine hung");
    let events = drain(&mut rx);
    assert!(
        matches!(
            events.last(),
            Some(DownloadEventKind::Failed {
                retryable: true,
                ..
            })
        ),
        "{events:?}"
    );
}
