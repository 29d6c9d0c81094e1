//! The engine contract shared by mesio, ffmpeg and streamlink: `start` a
//! request, get a handle to stop it, and report everything as
//! [`DownloadEvent`]s so the rest of srec never cares which engine ran.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::progress::ProgressCell;
use crate::config::template::{self, Vars};
use crate::config::{EffectiveConfig, EngineKind};
use crate::events::{DownloadEvent, DownloadEventKind, DownloadId};
use crate::platform::StreamCandidate;

/// Everything an engine needs to record one stream.
#[derive(Debug, Clone)]
pub struct DownloadRequest {
    pub download_id: DownloadId,
    pub streamer_id: i64,
    pub session_id: i64,
    pub streamer_name: String,
    pub platform: String,
    pub title: String,
    /// The channel page (streamlink resolves it with its own plugins).
    pub page_url: String,
    /// The media URL chosen by the monitor.
    pub stream: StreamCandidate,
    pub config: EffectiveConfig,
    /// Index of the first segment (continues numbering after a restart
    /// within the same session).
    pub first_index: u32,
}

impl DownloadRequest {
    /// Path for segment `index` with extension `ext`, inside `output_dir`,
    /// made unique if a file with that name already exists.
    pub fn segment_path(&self, index: u32, ext: &str) -> PathBuf {
        let rel = template::expand(
            &self.config.filename_template,
            &Vars {
                streamer: &self.streamer_name,
                title: &self.title,
                platform: &self.platform,
                session_id: self.session_id,
                index,
            },
            &chrono::Local::now(),
        );
        unique_path(&self.config.output_dir.join(rel), ext)
    }
}

/// `base.ext`, or `base-1.ext`, `base-2.ext`... when taken (also checks the
/// `.part` name an engine writes first).
pub fn unique_path(base: &Path, ext: &str) -> PathBuf {
    let with = |suffix: &str| {
        let mut name = base
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(suffix);
        name.push(".");
        name.push(ext);
        base.with_file_name(name)
    };
    let taken = |p: &Path| p.exists() || part_path(p).exists();
    let first = with("");
    if !taken(&first) {
        return first;
    }
    (1..)
        .map(|n| with(&format!("-{n}")))
        .find(|p| !taken(p))
        .unwrap_or(first)
}

pub use crate::config::paths::part_path;

/// Why an engine could not record.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("`{binary}` was not found; install it or set its path in the config")]
    BinaryNotFound { binary: String },
    #[error("no space left on device while writing {}", path.display())]
    DiskFull { path: PathBuf },
    #[error("cannot write {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP {status} from {url}")]
    Http { status: u16, url: String },
    #[error("network error: {0}")]
    Network(String),
    #[error("no data from the source for {0:?}")]
    Stalled(Duration),
    #[error("unsupported stream: {0}")]
    Unsupported(String),
    #[error("{0}")]
    Other(String),
}

impl EngineError {
    /// The `Failed` event that reports this error.
    pub fn failed_event(&self) -> DownloadEventKind {
        DownloadEventKind::Failed {
            error: self.to_string(),
            retryable: self.retryable(),
            status: match self {
                Self::Http { status, .. } => Some(*status),
                _ => None,
            },
        }
    }

    /// Whether trying again (same stream, later) can succeed.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Network(_) | Self::Stalled(_) => true,
            Self::Http { status, .. } => *status >= 500 || *status == 404 || *status == 429,
            Self::BinaryNotFound { .. } | Self::DiskFull { .. } | Self::Unsupported(_) => false,
            Self::Io { .. } | Self::Other(_) => true,
        }
    }
}

/// Where an engine reports; stamps every event with the download's ids.
#[derive(Debug, Clone)]
pub struct EventSink {
    download_id: DownloadId,
    streamer_id: i64,
    session_id: i64,
    tx: broadcast::Sender<DownloadEvent>,
    /// Where progress reports go instead of the bus (see
    /// [`ProgressCell`]); without one every report is published.
    progress: Option<Arc<ProgressCell>>,
    /// The lossless copy for the one consumer that keeps the books
    /// (segment rows, restarts): the broadcast may drop events for a
    /// lagging receiver, this channel never does.
    durable: Option<tokio::sync::mpsc::UnboundedSender<DownloadEvent>>,
}

impl EventSink {
    pub fn new(req: &DownloadRequest, tx: broadcast::Sender<DownloadEvent>) -> Self {
        Self {
            download_id: req.download_id,
            streamer_id: req.streamer_id,
            session_id: req.session_id,
            tx,
            progress: None,
            durable: None,
        }
    }

    /// Every published event is also sent, losslessly, to `tx`.
    pub fn with_durable(mut self, tx: tokio::sync::mpsc::UnboundedSender<DownloadEvent>) -> Self {
        self.durable = Some(tx);
        self
    }

    /// Progress reports update `cell`; only the first one with data is
    /// also published.
    pub fn with_progress(mut self, cell: Arc<ProgressCell>) -> Self {
        self.progress = Some(cell);
        self
    }

    /// Publishes one event (no receiver is not an error).
    pub fn emit(&self, kind: DownloadEventKind) {
        if let (
            Some(cell),
            DownloadEventKind::Progress {
                bytes,
                bitrate,
                duration,
            },
        ) = (&self.progress, &kind)
            && !cell.store(*bytes, *bitrate, *duration)
        {
            return;
        }
        let ev = DownloadEvent {
            download_id: self.download_id,
            streamer_id: self.streamer_id,
            session_id: self.session_id,
            kind,
        };
        if let Some(d) = &self.durable {
            let _ = d.send(ev.clone());
        }
        let _ = self.tx.send(ev);
    }
}

/// A recording engine.
pub trait Engine: Send + Sync {
    /// Which engine this is.
    fn kind(&self) -> EngineKind;

    /// Starts recording in the background and returns at once. The engine
    /// must emit `Started`, then segment events, and end with exactly one of
    /// `Finished` or `Failed`; it must stop and finalise its files when the
    /// handle's token is cancelled.
    fn start(&self, req: DownloadRequest, events: EventSink)
    -> Result<DownloadHandle, EngineError>;
}

/// Control over one running download.
#[derive(Debug)]
pub struct DownloadHandle {
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl DownloadHandle {
    pub fn new(cancel: CancellationToken, task: JoinHandle<()>) -> Self {
        Self { cancel, task }
    }

    /// True once the engine task has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Asks the engine to finalise and stop; aborts it after `timeout`.
    /// Returns false if it had to be aborted.
    pub async fn stop(mut self, timeout: Duration) -> bool {
        self.cancel.cancel();
        match tokio::time::timeout(timeout, &mut self.task).await {
            Ok(_) => true,
            Err(_) => {
                self.task.abort();
                false
            }
        }
    }

    /// Waits for the engine to end on its own.
    pub async fn wait(mut self) {
        self.join().await;
    }

    /// Waits for the engine to end on its own (cancel-safe; call at most
    /// until it returns once).
    pub async fn join(&mut self) {
        let _ = (&mut self.task).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_path_skips_existing_and_part_files() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("rec");
        assert_eq!(unique_path(&base, "flv"), dir.path().join("rec.flv"));
        std::fs::write(dir.path().join("rec.flv"), b"x").unwrap();
        std::fs::write(dir.path().join("rec-1.flv.part"), b"x").unwrap();
        assert_eq!(unique_path(&base, "flv"), dir.path().join("rec-2.flv"));
    }

    #[test]
    fn retryable_classification() {
        assert!(EngineError::Network("reset".into()).retryable());
        assert!(
            EngineError::Http {
                status: 503,
                url: "u".into()
            }
            .retryable()
        );
        assert!(
            !EngineError::Http {
                status: 403,
                url: "u".into()
            }
            .retryable()
        );
        assert!(
            !EngineError::BinaryNotFound {
                binary: "ffmpeg".into()
            }
            .retryable()
        );
    }
}
