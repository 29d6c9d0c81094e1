//! Reads [`Data`] out of the running services: streamers and download
//! progress from memory at every tick, open sessions (title, live since)
//! from SQLite and the output disk's free space once a second.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::data::{
    Backlog, Data, DownloadRow, Header, JobRow, JobStatus, Recording, StreamerRow, Throttled,
};
use crate::app::ServiceContainer;
use crate::config::ConfigService;
use crate::db::{Db, sessions};
use crate::download::DownloadManager;
use crate::logging::memory::LogBuffer;
use crate::scheduler::Scheduler;
use crate::streamer::StreamerManager;

/// The service handles the dashboard reads and commands, the same ones the
/// CLI and the API use.
#[derive(Clone)]
pub struct Services {
    pub streamers: Arc<StreamerManager>,
    pub downloads: Arc<DownloadManager>,
    pub scheduler: Arc<Scheduler>,
    pub config: Arc<ConfigService>,
    pub db: Db,
    /// Chat counters (the streamers table's chat column).
    pub danmu: Arc<crate::danmu::service::DanmuStats>,
    /// Pipeline runs: retry and cancel from the jobs pane.
    pub pipeline: Arc<crate::pipeline::PipelineManager>,
    pub data_dir: PathBuf,
    /// Unix milliseconds the daemon started (header uptime).
    pub started_at_ms: i64,
}

impl Services {
    /// Handles of a built container.
    pub fn of(c: &ServiceContainer, started_at_ms: i64) -> Self {
        Self {
            streamers: Arc::clone(&c.streamers),
            downloads: Arc::clone(&c.downloads),
            scheduler: Arc::clone(&c.scheduler),
            config: Arc::clone(&c.config),
            db: c.db.clone(),
            danmu: Arc::clone(&c.danmu_stats),
            pipeline: Arc::clone(&c.pipeline),
            data_dir: c.paths.data_dir.clone(),
            started_at_ms,
        }
    }
}

/// Open session facts per streamer id: (title, started at, stopped by the user).
type Sessions = HashMap<i64, (Option<String>, i64, bool)>;

/// Builds [`Data`], caching the slower reads between calls.
pub struct Collector {
    svc: Services,
    logs: LogBuffer,
    sessions: Sessions,
    disk_free: Option<u64>,
    output_dir: PathBuf,
    /// Active and recently failed pipeline runs (`None` until first read).
    jobs: Option<Vec<JobRow>>,
    /// The pipeline queue, read while the throttle is engaged (`None`
    /// after it released, so a new engagement never shows a stale one).
    backlog: Option<Backlog>,
}

impl Collector {
    pub fn new(svc: Services, logs: LogBuffer) -> Self {
        Self {
            svc,
            logs,
            sessions: HashMap::new(),
            disk_free: None,
            output_dir: PathBuf::new(),
            jobs: None,
            backlog: None,
        }
    }

    /// Lets srec's events down to `level` into the log pane (the `l` key),
    /// even when `daemon.log_level` is less verbose.
    pub fn capture_logs(&self, level: tracing::Level) {
        self.logs.set_capture(level);
    }

    /// Re-reads open sessions and disk space (the once-a-second part).
    pub async fn refresh_slow(&mut self) {
        match self.svc.db.read(sessions::active_recordings).await {
            Ok(rows) => {
                self.sessions = rows
                    .into_iter()
                    .map(|r| (r.streamer_id, (r.title, r.started_at, r.stopped_by_user)))
                    .collect();
            }
            Err(e) => tracing::debug!("dashboard cannot read open sessions: {e}"),
        }
        match self
            .svc
            .db
            .read(|c| crate::db::jobs_query::pane(c, 50))
            .await
        {
            Ok(rows) => {
                self.jobs = Some(
                    rows.into_iter()
                        .map(|r| JobRow {
                            id: r.id,
                            status: match r.state.as_str() {
                                "running" => JobStatus::Running,
                                "failed" => JobStatus::Failed,
                                _ => JobStatus::Queued,
                            },
                            kind: r.processor,
                            target: r.target,
                            progress: r.progress,
                            steps: (r.steps_done, r.steps_total),
                        })
                        .collect(),
                )
            }
            Err(e) => tracing::debug!("dashboard cannot read pipeline jobs: {e}"),
        }
        // The queue behind a throttle, live rather than as it was when the
        // throttle engaged (the outbox row keeps that one).
        if self.svc.pipeline.throttle.engaged() {
            match self.svc.db.read(crate::db::jobs_query::backlog).await {
                Ok((queued, oldest_wait_ms)) => {
                    self.backlog = Some(Backlog {
                        queued,
                        oldest_wait_ms,
                    })
                }
                Err(e) => tracing::debug!("dashboard cannot read the pipeline backlog: {e}"),
            }
        } else {
            self.backlog = None;
        }
        self.output_dir = self
            .svc
            .config
            .current()
            .recording
            .output_dir
            .clone()
            .unwrap_or_else(|| self.svc.config.paths().default_output_dir());
        let dir = self.output_dir.clone();
        self.disk_free = tokio::task::spawn_blocking(move || disk_free(&dir))
            .await
            .ok()
            .flatten();
    }

    /// The current picture (memory reads plus the cached slow part).
    pub fn collect(&self) -> Data {
        let downloads = self.svc.downloads.snapshot();
        let (active, queued, limit) = self.svc.downloads.counts();
        let all = self.svc.streamers.list();
        let names: HashMap<i64, &str> = all.iter().map(|s| (s.id, s.name.as_str())).collect();
        let streamers = all
            .iter()
            .map(|s| {
                let session = self.sessions.get(&s.id);
                let rec = downloads.iter().rfind(|d| d.streamer_id == s.id);
                StreamerRow {
                    id: s.id,
                    name: s.name.clone(),
                    url: s.url.clone(),
                    platform: s.platform.clone(),
                    state: s.state,
                    enabled: s.enabled,
                    title: session.and_then(|(t, _, _)| t.clone()),
                    live_since: session.map(|(_, at, _)| *at),
                    stopped_by_user: session.is_some_and(|(_, _, by_user)| *by_user),
                    recording: rec.map(|d| Recording {
                        segment: d.segment_index,
                        bytes: d.bytes,
                        bitrate: d.bitrate,
                    }),
                    last_error: s.last_error.clone(),
                    chat_per_min: self.svc.danmu.per_minute(s.id),
                }
            })
            .collect();
        let downloads = downloads
            .iter()
            .map(|d| DownloadRow {
                download_id: d.download_id,
                streamer_id: d.streamer_id,
                streamer_name: names
                    .get(&d.streamer_id)
                    .map_or_else(|| format!("#{}", d.streamer_id), |n| n.to_string()),
                engine: format!("{:?}", d.engine).to_lowercase(),
                started_at_ms: d.started_at,
                duration_ms: d.duration_ms,
                bytes: d.bytes,
                bitrate: d.bitrate,
                segment: d.segment_index,
                file: d
                    .segment_path
                    .as_deref()
                    .and_then(Path::file_name)
                    .map(|n| n.to_string_lossy().into_owned()),
            })
            .collect();
        Data {
            header: Header {
                version: env!("CARGO_PKG_VERSION").to_string(),
                started_at_ms: self.svc.started_at_ms,
                data_dir: self.svc.data_dir.display().to_string(),
                output_dir: self.output_dir.display().to_string(),
                disk_free: self.disk_free,
                active,
                queued,
                limit,
            },
            streamers,
            downloads,
            jobs: self.jobs.clone(),
            throttle: self
                .svc
                .pipeline
                .throttle
                .lowered()
                .map(|(configured, lowered)| Throttled {
                    configured,
                    lowered,
                    backlog: self.backlog,
                }),
            logs: self.logs.lines(),
        }
    }
}

/// Free bytes for unprivileged users on the file system holding `dir` (or
/// its nearest existing parent: the folder may not exist before the first
/// recording).
pub fn disk_free(dir: &Path) -> Option<u64> {
    let existing = dir.ancestors().find(|p| p.exists())?;
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(existing).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = existing;
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn disk_free_of_a_missing_folder_uses_its_parent() {
        let dir = tempfile::tempdir().unwrap();
        let free = super::disk_free(&dir.path().join("not/yet"));
        assert!(free.is_some_and(|b| b > 0));
    }
}
