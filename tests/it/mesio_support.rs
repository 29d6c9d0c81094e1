//! Drives mesio at engine level against the fake live platform: one fake
//! server per case (so each case picks its own speed and HLS mode), the real
//! [`MesioEngine`] reporting through an [`EventSink`], and a restart after a
//! retryable failure the way the download manager would. Recording ends by
//! taking the room offline, so the source's own end (ENDLIST, FLV body end)
//! closes the last file and the expected media span is known exactly.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake_live::{FakeLive, Fault, HlsMode, Room, ServerOptions};
use futures::future::BoxFuture;
use srec::config::EffectiveConfig;
use srec::download::engines::MesioEngine;
use srec::download::{DownloadRequest, Engine, EventSink};
use srec::events::{DownloadEvent, DownloadEventKind, SplitReason};
use srec::platform::{StreamCandidate, StreamFormat};
use tokio::sync::broadcast;

/// One fake platform with one live room.
pub struct Source {
    /// Kept alive for the duration of the case.
    _server: FakeLive,
    pub room: Room,
    /// Segments listed per playlist (what an `Oldest` start records first).
    pub window: u64,
}

/// A server at `speed` with one live room `r`. Faster clocks get a longer
/// window so a reload every target duration never falls behind it.
pub async fn source(speed: f64, mode: HlsMode, encrypted: bool) -> Source {
    source_with(speed, mode, encrypted, Duration::ZERO).await
}

/// [`source`] whose FLV connections start `flv_backlog` behind the live
/// edge (a CDN's multi-second GOP cache).
pub async fn source_with(
    speed: f64,
    mode: HlsMode,
    encrypted: bool,
    flv_backlog: Duration,
) -> Source {
    // 4 s of wall time at 4x: a loaded machine reloading late still finds
    // the next segment listed.
    let window = if speed > 1.0 { 16 } else { 5 };
    let server = FakeLive::start(ServerOptions {
        speed,
        window,
        retention: 40,
        hls_mode: mode,
        encrypted,
        chat_interval: Duration::ZERO,
        flv_backlog,
        ..ServerOptions::default()
    })
    .await
    .expect("fake live server");
    let room = server.live_room("r");
    Source {
        _server: server,
        room,
        window: window as u64,
    }
}

/// What to record.
#[derive(Debug, Clone)]
pub struct Plan {
    pub format: StreamFormat,
    /// Source clock to let pass before the room goes offline.
    pub media_ms: u64,
    pub max_size: Option<u64>,
    pub max_duration: Option<Duration>,
    /// Start the engine again after a retryable failure (the manager's job).
    pub restart: bool,
    /// Faults to set once the source clock is this far (ms) past the start,
    /// with how often they may fire (`None`: until the end).
    pub faults: Vec<(u64, Fault, Option<u32>)>,
}

impl Plan {
    pub fn new(format: StreamFormat, media_ms: u64) -> Self {
        Self {
            format,
            media_ms,
            max_size: None,
            max_duration: None,
            restart: false,
            faults: Vec::new(),
        }
    }

    /// Adds a fault set `after_ms` of source clock into the recording.
    pub fn fault(mut self, after_ms: u64, fault: Fault, times: Option<u32>) -> Self {
        self.faults.push((after_ms, fault, times));
        self
    }
}

/// One `SegmentClosed`.
#[derive(Debug, Clone)]
pub struct Closed {
    pub index: u32,
    pub path: PathBuf,
    pub duration: Duration,
    pub bytes: u64,
    pub reason: SplitReason,
}

/// Everything a recording produced.
pub struct Run {
    pub events: Vec<DownloadEventKind>,
    pub files: Vec<Closed>,
    /// Source clock (ms) when the first engine started and when the room
    /// went offline.
    pub t0_ms: u64,
    pub t_end_ms: u64,
    pub failures: Vec<String>,
    pub wall: Duration,
    pub out: tempfile::TempDir,
}

impl Run {
    pub fn reasons(&self) -> Vec<SplitReason> {
        self.files.iter().map(|f| f.reason).collect()
    }
}

fn request(url: &str, out: &Path, plan: &Plan, first_index: u32) -> DownloadRequest {
    let mut config = EffectiveConfig::defaults(out.to_path_buf());
    config.filename_template = "rec_{index}".into();
    config.max_segment_size = plan.max_size;
    config.max_segment_duration = plan.max_duration;
    DownloadRequest {
        download_id: 1,
        streamer_id: 1,
        session_id: 1,
        streamer_name: "r".into(),
        platform: "fake".into(),
        title: "t".into(),
        page_url: String::new(),
        stream: StreamCandidate::new(url, plan.format, "source"),
        config,
        first_index,
    }
}

/// Records `src` per `plan`, setting its faults on schedule.
pub async fn record(src: &Source, mut plan: Plan) -> Run {
    let room = &src.room;
    let mut faults = std::mem::take(&mut plan.faults);
    let url = match plan.format {
        StreamFormat::Hls => room.hls_master_url(),
        StreamFormat::Flv => room.flv_url(),
    };
    // MESIO_KEEP=1 keeps the recordings for a look after a failure.
    let out = tempfile::Builder::new()
        .disable_cleanup(std::env::var_os("MESIO_KEEP").is_some())
        .tempdir()
        .expect("tempdir");
    let (tx, mut rx) = broadcast::channel::<DownloadEvent>(8192);
    let engine = MesioEngine::new();
    let started = Instant::now();
    let t0_ms = room.media_time_ms();
    let start = |first: u32| {
        let req = request(&url, out.path(), &plan, first);
        let sink = EventSink::new(&req, tx.clone());
        engine.start(req, sink).expect("engine start")
    };
    let mut handle = start(0);
    let mut events = Vec::new();
    let mut t_end_ms = None;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        while let Ok(e) = rx.try_recv() {
            events.push(e.kind);
        }
        let now = room.media_time_ms();
        faults.retain(|(at, fault, times)| {
            if now < t0_ms + at {
                return true;
            }
            match times {
                Some(n) => room.set_fault_times(fault.clone(), *n),
                None => room.set_fault(fault.clone()),
            }
            false
        });
        if t_end_ms.is_none() && now >= t0_ms + plan.media_ms {
            room.set_live(false);
            t_end_ms = Some(room.media_time_ms());
        }
        if handle.is_finished() {
            while let Ok(e) = rx.try_recv() {
                events.push(e.kind);
            }
            let failed = matches!(
                events.last(),
                Some(DownloadEventKind::Failed {
                    retryable: true,
                    ..
                })
            );
            if !(failed && plan.restart && t_end_ms.is_none()) {
                break;
            }
            let next = next_index(&events);
            handle = start(next);
        }
        assert!(Instant::now() < deadline, "recording hung: {events:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let files = closed(&events);
    let failures = events
        .iter()
        .filter_map(|e| match e {
            DownloadEventKind::Failed { error, .. } => Some(error.clone()),
            _ => None,
        })
        .collect();
    Run {
        events,
        files,
        t0_ms,
        t_end_ms: t_end_ms.unwrap_or_else(|| room.media_time_ms()),
        failures,
        wall: started.elapsed(),
        out,
    }
}

fn next_index(events: &[DownloadEventKind]) -> u32 {
    events
        .iter()
        .filter_map(|e| match e {
            DownloadEventKind::SegmentOpened { index, .. } => Some(index + 1),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

fn closed(events: &[DownloadEventKind]) -> Vec<Closed> {
    events
        .iter()
        .filter_map(|e| match e {
            DownloadEventKind::SegmentClosed {
                index,
                path,
                duration,
                bytes,
                split_reason,
            } => Some(Closed {
                index: *index,
                path: path.clone(),
                duration: *duration,
                bytes: *bytes,
                reason: *split_reason,
            }),
            _ => None,
        })
        .collect()
}

/// Runs named cases concurrently and fails once with every case's panic,
/// so one broken knob does not hide the others.
pub async fn run_cases(cases: Vec<(&'static str, BoxFuture<'static, ()>)>) {
    let started = Instant::now();
    let handles: Vec<_> = cases
        .into_iter()
        .map(|(name, f)| (name, tokio::spawn(f)))
        .collect();
    let mut failed = Vec::new();
    for (name, h) in handles {
        if let Err(e) = h.await {
            let msg = e
                .try_into_panic()
                .ok()
                .and_then(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                })
                .unwrap_or_else(|| "task cancelled".into());
            failed.push(format!("[{name}] {msg}"));
        }
    }
    eprintln!("cases done in {:?}", started.elapsed());
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}
