//! DownloadManager with an engine that idles until stopped: the limit
//! adjuster hook and circuit-breaker refusals.

use super::*;
use crate::config::{BreakerSettings, EffectiveConfig};
use crate::download::engine::DownloadHandle;
use crate::events::DownloadEventKind;
use crate::platform::{StreamCandidate, StreamFormat};

struct Idle;

impl Engine for Idle {
    fn kind(&self) -> EngineKind {
        EngineKind::Mesio
    }
    fn start(&self, _req: DownloadRequest, _e: EventSink) -> Result<DownloadHandle, EngineError> {
        let cancel = CancellationToken::new();
        let c = cancel.clone();
        Ok(DownloadHandle::new(
            cancel,
            tokio::spawn(async move { c.cancelled().await }),
        ))
    }
}

struct Double;

impl LimitAdjuster for Double {
    fn adjust(&self, l: Limits) -> Limits {
        Limits {
            max_concurrent: l.max_concurrent * 2,
            ..l
        }
    }
}

fn req(streamer_id: i64) -> DownloadRequest {
    DownloadRequest {
        download_id: 0,
        streamer_id,
        session_id: streamer_id,
        streamer_name: format!("s{streamer_id}"),
        platform: "fake".into(),
        title: String::new(),
        page_url: "http://h/room/x".into(),
        stream: StreamCandidate::new("http://cdn.test/x.flv", StreamFormat::Flv, "source"),
        config: EffectiveConfig::defaults("/tmp/srec-test".into()),
        first_index: 0,
    }
}

fn manager(max: usize, failures: u32) -> Arc<DownloadManager> {
    let mut engines = EngineMap::new();
    engines.insert(EngineKind::Mesio, Arc::new(Idle) as Arc<dyn Engine>);
    let settings = DownloadSettings {
        max_concurrent: max,
        high_priority_slots: 0,
        circuit_breaker: BreakerSettings {
            failures,
            cooldown: Duration::from_secs(60),
        },
        ..Default::default()
    };
    let (tx, _) = broadcast::channel(16);
    DownloadManager::new(engines, tx, &settings, TaskTracker::new())
}

#[tokio::test]
async fn limit_adjuster_raises_the_slot_count() {
    let m = manager(1, 5);
    m.submit(req(1), Priority::Normal).unwrap();
    m.submit(req(2), Priority::Normal).unwrap();
    assert_eq!(m.counts(), (1, 1, 1));
    m.set_adjuster(Arc::new(Double));
    assert_eq!(m.counts(), (2, 0, 2));
    m.stop_all();
}

#[tokio::test]
async fn open_breaker_refuses_new_downloads() {
    let m = manager(4, 2);
    let failed = |id| DownloadEvent {
        download_id: id,
        streamer_id: 1,
        session_id: 1,
        kind: DownloadEventKind::Failed {
            error: "HTTP 500".into(),
            retryable: true,
            status: Some(500),
        },
    };
    let a = m.submit(req(1), Priority::Normal).unwrap();
    m.observe(&failed(a));
    let b = m.submit(req(1), Priority::Normal).unwrap();
    m.observe(&failed(b));
    let refused = m.submit(req(2), Priority::Normal).unwrap_err();
    assert!(refused.key.starts_with("engine:mesio@") || refused.key == "host:cdn.test");
    assert!(refused.retry_in > Duration::from_secs(50));
    m.stop_all();
}

#[tokio::test]
async fn one_streamers_failures_do_not_refuse_another_streamers_recordings() {
    let m = manager(4, 2);
    let on_host = |streamer, host: &str| {
        let mut r = req(streamer);
        r.stream.url = format!("http://{host}/x.flv");
        r
    };
    for _ in 0..2 {
        let id = m
            .submit(on_host(1, "expired.test"), Priority::Normal)
            .unwrap();
        m.observe(&DownloadEvent {
            download_id: id,
            streamer_id: 1,
            session_id: 1,
            kind: DownloadEventKind::Failed {
                error: "HTTP 403".into(),
                retryable: false,
                status: Some(403),
            },
        });
    }
    let refused = m
        .submit(on_host(1, "other.test"), Priority::Normal)
        .unwrap_err();
    assert!(refused.key.ends_with(":streamer1"), "{refused}");
    m.submit(on_host(2, "other.test"), Priority::Normal)
        .expect("another streamer on the same engine still records");
    m.stop_all();
}

/// Reports progress three times (no data yet, then data twice), then idles.
struct Reporter;

impl Engine for Reporter {
    fn kind(&self) -> EngineKind {
        EngineKind::Mesio
    }
    fn start(&self, r: DownloadRequest, sink: EventSink) -> Result<DownloadHandle, EngineError> {
        for (bytes, bitrate) in [(0, 0), (100, 800), (300, 1600)] {
            sink.emit(DownloadEventKind::Progress {
                bytes,
                bitrate,
                duration: Duration::from_millis(bytes),
            });
        }
        Idle.start(r, sink)
    }
}

#[tokio::test]
async fn progress_reaches_the_snapshot_and_only_the_first_delivery_the_bus() {
    let mut engines = EngineMap::new();
    engines.insert(EngineKind::Mesio, Arc::new(Reporter) as Arc<dyn Engine>);
    let (tx, mut rx) = broadcast::channel(16);
    let m = DownloadManager::new(
        engines,
        tx,
        &DownloadSettings::default(),
        TaskTracker::new(),
    );
    let id = m.submit(req(1), Priority::Normal).unwrap();
    let snap = m.snapshot();
    assert_eq!(snap.len(), 1);
    assert_eq!((snap[0].download_id, snap[0].bytes), (id, 300));
    assert_eq!((snap[0].bitrate, snap[0].duration_ms), (1600, 300));
    let mut published = Vec::new();
    while let Ok(ev) = rx.try_recv() {
        if let DownloadEventKind::Progress { bytes, .. } = ev.kind {
            published.push(bytes);
        }
    }
    assert_eq!(published, vec![100], "only the first report with data");
    m.stop_all();
}

#[tokio::test]
async fn a_user_stop_is_remembered_for_the_recorder() {
    let m = manager(4, 5);
    let a = m.submit(req(1), Priority::Normal).unwrap();
    let b = m.submit(req(2), Priority::Normal).unwrap();
    assert!(m.stop_by_user(1));
    assert!(m.take_user_stop(a), "the recorder learns who stopped it");
    assert!(!m.take_user_stop(a), "asked once");
    assert!(!m.take_user_stop(b), "other streamers are not affected");
    m.stop_all();
}

#[tokio::test]
async fn expired_urls_of_one_streamer_leave_the_shared_host_open() {
    let m = manager(4, 2);
    for _ in 0..3 {
        let id = m.submit(req(1), Priority::Normal).unwrap_or(0);
        m.observe(&DownloadEvent {
            download_id: id,
            streamer_id: 1,
            session_id: 1,
            kind: DownloadEventKind::Failed {
                error: "HTTP 403".into(),
                retryable: false,
                status: Some(403),
            },
        });
    }
    let refused = m.submit(req(1), Priority::Normal).unwrap_err();
    assert!(refused.key.ends_with(":streamer1"), "{refused}");
    m.submit(req(2), Priority::Normal)
        .expect("same host, another streamer: not refused");
    m.stop_all();
}

#[tokio::test]
async fn restored_breakers_refuse_until_their_cooldown_ends() {
    let m = manager(4, 2);
    let now = crate::db::now_ms();
    let key = |k: &str| breaker::Change {
        key: k.into(),
        state: breaker::BreakerState::Open,
        failures: 2,
        opened_at: Some(now - 1_000),
        retry_at: Some(now + 30_000),
        last_error: Some("HTTP 503".into()),
    };
    m.restore_breakers(vec![key("host:cdn.test")]);
    let refused = m.submit(req(1), Priority::Normal).unwrap_err();
    assert_eq!(refused.key, "host:cdn.test");
    assert!(refused.retry_in > Duration::from_secs(25), "{refused}");
    m.stop_all();
}
