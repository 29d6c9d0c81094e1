//! What the dashboard shows, copied out of the services: plain values with
//! no handles, so a frame is a pure function of them and tests can build
//! them by hand.

use crate::logging::memory::LogLine;
use crate::streamer::StreamerState;

/// Everything read from the services at one refresh.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Data {
    pub header: Header,
    /// Every streamer, ordered by id.
    pub streamers: Vec<StreamerRow>,
    /// Running downloads, oldest first.
    pub downloads: Vec<DownloadRow>,
    /// Pipeline jobs; `None` while srec has no pipeline to ask.
    pub jobs: Option<Vec<JobRow>>,
    /// The pipeline throttle while it holds new recordings back; `None`
    /// when it is off (nothing is shown then).
    pub throttle: Option<Throttled>,
    /// Newest log lines, oldest first.
    pub logs: Vec<LogLine>,
}

/// The header line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub version: String,
    /// Unix milliseconds the daemon started.
    pub started_at_ms: i64,
    pub data_dir: String,
    /// The global recordings folder whose free space is shown.
    pub output_dir: String,
    /// Free bytes on the output folder's file system, if known.
    pub disk_free: Option<u64>,
    pub active: usize,
    pub queued: usize,
    pub limit: usize,
}

/// The pipeline's backlog is lowering the download limit: new
/// recordings wait for fewer slots (running ones go on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// `download.max_concurrent` as configured.
    pub configured: usize,
    /// The limit in force while throttled.
    pub lowered: usize,
    /// The queue behind it; `None` until read (it is read once a second,
    /// the throttle itself at every frame).
    pub backlog: Option<Backlog>,
}

/// The pipeline's queue of waiting steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Queued (pending) steps.
    pub queued: u64,
    /// How long the oldest queued step has waited, ms.
    pub oldest_wait_ms: u64,
}

/// One row of the streamers table.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamerRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub platform: String,
    pub state: StreamerState,
    pub enabled: bool,
    /// Title of the open session.
    pub title: Option<String>,
    /// Unix milliseconds the open session started.
    pub live_since: Option<i64>,
    /// Present while a download runs.
    pub recording: Option<Recording>,
    pub last_error: Option<String>,
    /// Chat messages per minute while chat is captured (`record_danmu`).
    pub chat_per_min: Option<u64>,
    /// The user stopped the recording of the open session (`s`).
    pub stopped_by_user: bool,
}

/// Progress of a streamer's running download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recording {
    pub segment: Option<u32>,
    pub bytes: u64,
    /// Bits per second.
    pub bitrate: u64,
}

/// One row of the active downloads pane.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadRow {
    pub download_id: u64,
    pub streamer_id: i64,
    pub streamer_name: String,
    pub engine: String,
    /// When this download started (Unix ms): the FOR column counts wall
    /// time from it, like LIVE and `srec status`, so the two panes agree.
    pub started_at_ms: i64,
    /// Media time recorded by this download.
    pub duration_ms: u64,
    pub bytes: u64,
    pub bitrate: u64,
    pub segment: Option<u32>,
    /// File name of the open segment.
    pub file: Option<String>,
}

/// Where a pipeline job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Failed,
}

/// One row of the pipeline pane.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    pub id: i64,
    pub status: JobStatus,
    /// Processor name, e.g. `remux`.
    pub kind: String,
    /// What it works on (file name).
    pub target: String,
    /// The running step's progress (0.0 … 1.0), when it reports one.
    pub progress: Option<f64>,
    /// Steps succeeded and steps in all.
    pub steps: (u32, u32),
}

impl Data {
    /// The streamer with this id.
    pub fn streamer(&self, id: i64) -> Option<&StreamerRow> {
        self.streamers.iter().find(|s| s.id == id)
    }
}
