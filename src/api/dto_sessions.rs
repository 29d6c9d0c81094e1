//! Wire types of the API for recording history and activity: sessions,
//! their segments and chat files, and the running downloads.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{EngineName, PriorityName};
use crate::db::sessions::{Segment, Session};
use crate::download::manager::ActiveDownload;
use crate::streamer::Priority;

/// A live session (from live to confirmed offline).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionDto {
    pub id: i64,
    pub streamer_id: i64,
    pub title: Option<String>,
    pub category: Option<String>,
    /// Unix milliseconds.
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
    /// Still open.
    pub active: bool,
}

impl From<Session> for SessionDto {
    fn from(s: Session) -> Self {
        Self {
            active: s.ended_at.is_none(),
            id: s.id,
            streamer_id: s.streamer_id,
            title: s.title,
            category: s.category,
            started_at: s.started_at,
            ended_at: s.ended_at,
            end_reason: s.end_reason,
        }
    }
}

/// One recorded file of a session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SegmentDto {
    pub index: u32,
    pub path: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub duration_ms: Option<i64>,
    /// Final size; 0 while the file is still being written.
    pub bytes: i64,
    pub split_reason: Option<String>,
    /// The chat file beside the video (`record_danmu`), when one was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub danmu: Option<DanmuFileDto>,
}

/// A segment's chat XML (same base name as the video, `.xml`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DanmuFileDto {
    pub path: String,
    /// Messages written (live while the file is open).
    pub messages: u64,
    /// Messages lost to a flood.
    pub dropped: u64,
    /// `open` while written, `closed` when complete.
    pub state: String,
}

impl From<crate::db::danmu::DanmuFile> for DanmuFileDto {
    fn from(f: crate::db::danmu::DanmuFile) -> Self {
        Self {
            path: f.path,
            messages: f.messages,
            dropped: f.dropped,
            state: f.state,
        }
    }
}

impl From<Segment> for SegmentDto {
    fn from(s: Segment) -> Self {
        Self {
            index: s.index,
            path: s.path,
            started_at: s.started_at,
            ended_at: s.ended_at,
            duration_ms: s.duration_ms,
            bytes: s.bytes,
            split_reason: s.split_reason,
            danmu: None,
        }
    }
}

/// A session with its segments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionDetail {
    pub session: SessionDto,
    pub segments: Vec<SegmentDto>,
}

/// One page of sessions, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionPage {
    pub items: Vec<SessionDto>,
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
}

/// Filters and paging of `GET /api/sessions`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// Only sessions of this streamer.
    pub streamer_id: Option<i64>,
    /// Only open (true) or closed (false) sessions.
    pub active: Option<bool>,
    pub offset: Option<usize>,
    /// Default 50, at most 1000.
    pub limit: Option<usize>,
}

/// A running download with live progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DownloadDto {
    pub download_id: u64,
    pub streamer_id: i64,
    /// Empty when the streamer was removed meanwhile.
    pub streamer_name: String,
    pub session_id: i64,
    #[schema(value_type = EngineName)]
    pub engine: crate::config::EngineKind,
    #[schema(value_type = PriorityName)]
    pub priority: Priority,
    pub started_at: i64,
    /// Bytes received so far.
    pub bytes: u64,
    /// Bits per second.
    pub bitrate: u64,
    pub duration_ms: u64,
    pub segment_index: Option<u32>,
    pub segment_path: Option<String>,
}

impl DownloadDto {
    pub fn new(a: ActiveDownload, streamer_name: String) -> Self {
        Self {
            download_id: a.download_id,
            streamer_id: a.streamer_id,
            streamer_name,
            session_id: a.session_id,
            engine: a.engine,
            priority: a.priority,
            started_at: a.started_at,
            bytes: a.bytes,
            bitrate: a.bitrate,
            duration_ms: a.duration_ms,
            segment_index: a.segment_index,
            segment_path: a.segment_path.map(|p| p.display().to_string()),
        }
    }
}

/// Download slots.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Slots {
    pub active: usize,
    pub queued: usize,
    pub limit: usize,
}

/// Answer of `GET /api/downloads`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Downloads {
    pub active: Vec<DownloadDto>,
    pub slots: Slots,
}
