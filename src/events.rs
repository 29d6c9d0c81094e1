//! Typed events services exchange over tokio broadcast channels.

/// Something about the configuration or the set of streamers changed.
/// Consumers (the scheduler) spawn, stop or reconfigure actors in response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigUpdateEvent {
    /// `config.toml` was re-read and validated; effective configs may differ.
    GlobalReloaded,
    /// A streamer row was created (by the CLI, the API or the TUI).
    StreamerAdded { id: i64 },
    /// A streamer row was deleted.
    StreamerRemoved { id: i64 },
    /// Name, priority, enabled flag, template or overrides changed.
    StreamerUpdated { id: i64 },
}

/// Why a recording file was closed and the next one opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitReason {
    /// `max_segment_size` reached (split at a keyframe).
    Size,
    /// `max_segment_duration` reached (split at a keyframe).
    Duration,
    /// Audio/video codec parameters changed (new sequence header, new init segment).
    HeaderChange,
    /// Media data is missing (HLS gap, dropped connection): never glued silently.
    Discontinuity,
    /// Timestamps jumped and could not be repaired in place.
    TimestampJump,
    /// The source ended the stream (FLV end tag, HLS ENDLIST).
    EndOfStream,
    /// The recording was stopped (offline, user stop, shutdown).
    Stopped,
    /// The download failed; the file holds everything received before it.
    Error,
    /// Closed by crash recovery after an unclean stop.
    Crash,
}

impl SplitReason {
    /// Stable text stored in `session_segments.split_reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Size => "size",
            Self::Duration => "duration",
            Self::HeaderChange => "header_change",
            Self::Discontinuity => "discontinuity",
            Self::TimestampJump => "timestamp_jump",
            Self::EndOfStream => "end_of_stream",
            Self::Stopped => "stopped",
            Self::Error => "error",
            Self::Crash => "crash",
        }
    }
}

/// Identifies one engine run (a session may have several after retries).
pub type DownloadId = u64;

/// Something an engine did; stamped with who it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadEvent {
    pub download_id: DownloadId,
    pub streamer_id: i64,
    pub session_id: i64,
    pub kind: DownloadEventKind,
}

/// Engine progress and results, the same for every engine.
#[derive(Debug, Clone, PartialEq)]
pub enum DownloadEventKind {
    Started {
        engine: crate::config::EngineKind,
    },
    SegmentOpened {
        index: u32,
        path: std::path::PathBuf,
        /// Wall clock (Unix ms) when the engine created the file, just
        /// before its first media bytes reach disk. Consumers that time
        /// things against the video (the segment row's `started_at`, chat
        /// offsets) use it rather than when they received the event, which
        /// a busy or lagging receiver sees later.
        opened_at_ms: i64,
    },
    SegmentClosed {
        index: u32,
        path: std::path::PathBuf,
        duration: std::time::Duration,
        bytes: u64,
        split_reason: SplitReason,
    },
    /// About once a second. Engines emit it through their `EventSink`;
    /// the manager's sink keeps reports in the download's `ProgressCell`
    /// (read by `DownloadManager::snapshot`) and publishes only the first
    /// one with data, so subscribers see it once per download.
    Progress {
        /// Bytes written in this download so far.
        bytes: u64,
        /// Recent bitrate, bits per second.
        bitrate: u64,
        /// Media duration recorded so far.
        duration: std::time::Duration,
    },
    Failed {
        error: String,
        retryable: bool,
        /// The HTTP status the source answered, when that is why it failed
        /// (403/410 mean "resolve the URL again", 404 "try the next one").
        status: Option<u16>,
    },
    Finished,
}

/// A committed change in a streamer's live status, published from the
/// outbox after the transaction that caused it. Delivered at least once:
/// consumers skip ids they have already handled.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MonitorEvent {
    /// Outbox row id: unique and increasing.
    pub id: i64,
    pub streamer_id: i64,
    pub kind: MonitorEventKind,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MonitorEventKind {
    /// A session was opened; record one of `streams`.
    Live {
        session_id: i64,
        title: Option<String>,
        category: Option<String>,
        streams: Vec<crate::model::stream::StreamCandidate>,
        /// Who the room is (chat capture connects to it), when the check
        /// learnt it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room: Option<crate::model::stream::RoomIdentity>,
        /// When the broadcast started (unix ms): the platform's time when
        /// it says, else the session's opening (notifications show it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        started_at: Option<i64>,
    },
    /// The title or category changed during a session.
    TitleChanged {
        session_id: i64,
        title: String,
        category: Option<String>,
    },
    /// The session was closed (offline confirmed, filtered out, removed).
    Offline { session_id: i64, reason: String },
}

impl MonitorEventKind {
    /// Short name stored in `monitor_event_outbox.kind`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Live { .. } => "live",
            Self::TitleChanged { .. } => "title_changed",
            Self::Offline { .. } => "offline",
        }
    }
}

/// A video file was closed and its `session_segments` row committed (files
/// below `min_segment_size` are deleted instead and never reported). Written
/// to the outbox as [`SegmentFinalised::KIND`] in the same transaction as the
/// row, so durable consumers (pipeline, notifications) never miss one and
/// never see a file whose row is not final.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SegmentFinalised {
    pub session_id: i64,
    pub streamer_id: i64,
    /// The segment's index in its session (also in its file name).
    pub index: u32,
    pub path: std::path::PathBuf,
    pub duration_ms: u64,
    pub bytes: u64,
    pub split_reason: SplitReason,
}

impl SegmentFinalised {
    /// `monitor_event_outbox.kind` of these rows.
    pub const KIND: &'static str = "segment_finalised";
}

/// Whether an outbox row of this kind is a [`MonitorEventKind`] (published
/// on the monitor broadcast) rather than an event only durable consumers read.
pub fn is_monitor_kind(kind: &str) -> bool {
    matches!(kind, "live" | "title_changed" | "offline")
}

/// A chat XML file beside a video segment was closed (`</i>` written) and
/// its `danmu_files` row committed; written to the outbox as
/// [`DanmuFinalised::KIND`] in the same transaction (the pipeline pairs it
/// with the [`SegmentFinalised`] of the same session and index).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DanmuFinalised {
    pub session_id: i64,
    pub streamer_id: i64,
    /// The video segment's index: the XML is that file's path with `.xml`.
    pub index: u32,
    pub path: std::path::PathBuf,
    /// Messages written to the file.
    pub messages: u64,
    /// Messages lost to a flood (bounded buffers) or counted gaps.
    pub dropped: u64,
}

impl DanmuFinalised {
    pub const KIND: &'static str = "danmu_finalised";
}

/// Free space in an output folder fell under `min_free_space` (outbox kind
/// [`DiskLow::KIND`]); new recordings there wait until space is back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DiskLow {
    pub path: std::path::PathBuf,
    pub free_bytes: u64,
    pub min_free_bytes: u64,
}

impl DiskLow {
    pub const KIND: &'static str = "disk_low";
}

/// A pipeline DAG settled (outbox kinds [`PipelineFinished::COMPLETED`] and
/// [`PipelineFinished::FAILED`]); notifications report it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PipelineFinished {
    pub dag_id: i64,
    pub pipeline: String,
    pub streamer_id: Option<i64>,
    pub session_id: Option<i64>,
    /// Output files of the DAG's last steps.
    pub outputs: Vec<std::path::PathBuf>,
    /// The failed step and its last error, for a failed DAG.
    pub error: Option<String>,
}

impl PipelineFinished {
    pub const COMPLETED: &'static str = "pipeline_completed";
    pub const FAILED: &'static str = "pipeline_failed";
}

/// The pipeline's throttle engaged or released (outbox kind
/// [`PipelineThrottle::KIND`]): while engaged, new recordings get fewer
/// download slots because the job queue is backed up.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PipelineThrottle {
    pub engaged: bool,
    /// Queued (pending) steps when it changed.
    pub depth: u64,
    /// How long the oldest queued step had waited, ms.
    pub oldest_wait_ms: u64,
    /// `download.max_concurrent` now in force.
    pub max_concurrent: usize,
}

impl PipelineThrottle {
    pub const KIND: &'static str = "pipeline_throttle";
}

/// A session closed by crash recovery or at shutdown (outbox kind
/// [`SessionClosed::KIND`]; the monitor's own closes write `offline`):
/// durable consumers such as the pipeline's session trigger see every
/// session end, not only those the monitor observed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SessionClosed {
    pub session_id: i64,
    pub streamer_id: i64,
    pub reason: String,
}

impl SessionClosed {
    pub const KIND: &'static str = "session_closed";
}

/// Outbox kinds written for notifications only (no service acts on them):
/// the recorder writes the recording ones, the container the daemon ones.
/// Their payloads are small JSON objects documented in the README.
pub mod kinds {
    /// An engine started recording (`session_id`, `engine`, `download_id`).
    pub const RECORDING_STARTED: &str = "recording_started";
    /// A download failed and will be retried (`session_id`, `error`, `attempt`).
    pub const RECORDING_FAILED: &str = "recording_failed";
    /// Quick retries are over; the streamer shows `error` (`session_id`, `error`).
    pub const STREAMER_ERROR: &str = "streamer_error";
    /// The daemon started (`version`, `pid`).
    pub const DAEMON_STARTED: &str = "daemon_started";
    /// The daemon is shutting down (`version`, `pid`).
    pub const DAEMON_STOPPING: &str = "daemon_stopping";
}
