//! `srec status`: is a daemon running, how many streamers are in each state,
//! and what is being recorded right now. With a daemon's API reachable it
//! adds what only the daemon knows: live download progress and slot usage.
//! Without a daemon (stopped, or killed before it could close anything) the
//! database holds the last state one recorded: it is shown as such, with
//! the time of that state, never as live streamers and running recordings.

use std::collections::BTreeMap;
use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::client::with_daemon;
use super::{Ctx, output};
use crate::api::dto::Downloads;
use crate::app::lock::{self, DaemonInfo};
use crate::db::sessions::{self, ActiveRecording};
use crate::db::streamers;
use crate::download::breaker_store::{self, BreakerRow};
use crate::download::engine::part_path;

#[derive(Debug, Args)]
pub struct StatusCmd {
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Status {
    daemon: Option<DaemonInfo>,
    /// Whether a daemon holds the lock. When false, `streamers` and
    /// `recordings` are the last state a daemon recorded, not what happens
    /// now (a `live` streamer is not being checked, a recording is not
    /// being written; the next start closes it).
    daemon_running: bool,
    /// Without a daemon: when the state shown was last written (unix ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    state_as_of: Option<i64>,
    data_dir: String,
    streamers: Counts,
    recordings: Vec<ActiveRecording>,
    /// From the daemon's API: live downloads and slot usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    downloads: Option<Downloads>,
    /// Open or half-open download circuit breakers.
    breakers: Vec<BreakerRow>,
    /// The chat file beside every video file of the live sessions, closed
    /// ones included, with its message count (`record_danmu`).
    chat_files: Vec<crate::db::danmu::DanmuFile>,
}

#[derive(Debug, Serialize)]
struct Counts {
    total: i64,
    disabled: i64,
    /// Enabled streamers per state.
    by_state: BTreeMap<String, i64>,
}

impl StatusCmd {
    pub fn run(self, ctx: &Ctx) -> anyhow::Result<()> {
        let daemon = lock::probe(&ctx.paths.lock_file());
        let db = ctx.open_db()?;
        let state_as_of = match daemon {
            Some(_) => None,
            None => last_known_at(&db)?,
        };
        let (counts, mut recordings, breakers, chat_files) = db.with(|c| {
            Ok((
                streamers::count_by_state(c)?,
                sessions::active_recordings(c)?,
                breaker_store::not_closed(c)?,
                crate::db::danmu::current_files(c)?,
            ))
        })?;
        // The open file's size is only on disk until the segment closes.
        for r in &mut recordings {
            if let Some(p) = r.current_path.as_ref().filter(|_| r.current_open) {
                r.bytes += open_file_len(Path::new(p));
            }
        }
        let mut by_state = BTreeMap::new();
        let (mut total, mut disabled) = (0, 0);
        for (state, enabled, n) in counts {
            total += n;
            if enabled {
                *by_state.entry(state.to_string()).or_insert(0) += n;
            } else {
                disabled += n;
            }
        }
        let downloads = match daemon.as_ref().and_then(|d| d.api) {
            // Status must work even when the API refuses us (wrong token).
            Some(_) => {
                with_daemon(ctx, |c| c.get::<Downloads>("/api/downloads")).unwrap_or_else(|e| {
                    tracing::warn!("no live download details: {e:#}");
                    None
                })
            }
            None => None,
        };
        let status = Status {
            daemon_running: daemon.is_some(),
            state_as_of,
            daemon,
            downloads,
            data_dir: ctx.paths.data_dir.display().to_string(),
            streamers: Counts {
                total,
                disabled,
                by_state,
            },
            recordings,
            breakers,
            chat_files,
        };
        if self.json {
            return output::print_json(&status);
        }
        output::print(&render(&status))
    }
}

/// Without a daemon: when the database's state was last written, or the
/// file of an open recording last grew if that is later (a recording
/// writes no rows between segments). `None` for a database never used.
pub(super) fn last_known_at(db: &crate::db::Db) -> anyhow::Result<Option<i64>> {
    let (written, open) = db.with(|c| {
        Ok((
            crate::db::orphans::last_activity(c)?,
            sessions::active_recordings(c)?,
        ))
    })?;
    let grown = open
        .iter()
        .filter_map(|r| r.current_path.as_deref().filter(|_| r.current_open))
        .filter_map(|p| {
            let p = Path::new(p);
            std::fs::metadata(part_path(p))
                .or_else(|_| std::fs::metadata(p))
                .and_then(|m| m.modified())
                .ok()
        })
        .filter_map(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .filter_map(|d| i64::try_from(d.as_millis()).ok())
        .max();
    Ok(written.max(grown))
}

/// The first line of `status` and `list` when no daemon holds the lock.
pub(super) fn no_daemon_line(as_of: Option<i64>) -> String {
    match as_of {
        Some(t) => format!(
            "no daemon running — last known state as of {} (start it with `srec run`)\n",
            output::local_time(t)
        ),
        None => "no daemon running (start it with `srec run`)\n".to_string(),
    }
}

/// A state as shown: `live` without a daemon is only the last known one.
pub(super) fn last_known(state: &str, daemon_running: bool) -> String {
    if !daemon_running && state == "live" {
        "live (last known)".to_string()
    } else {
        state.to_string()
    }
}

/// Size on disk of a segment still being written: under its `.part` name
/// while mesio's HLS writer has it open (renamed on close), under its final
/// name for the engines that write that directly (and once the `.part` is
/// renamed between the two looks). 0 if neither exists yet.
fn open_file_len(path: &Path) -> i64 {
    std::fs::metadata(part_path(path))
        .or_else(|_| std::fs::metadata(path))
        .map_or(0, |m| i64::try_from(m.len()).unwrap_or(i64::MAX))
}

fn render(s: &Status) -> String {
    let now = crate::db::now_ms();
    let mut out = match &s.daemon {
        Some(d) if d.pid != 0 => format!(
            "daemon: running (pid {}, up {}, version {}{})\n",
            d.pid,
            output::short_duration(now - d.started_at),
            d.version,
            d.api
                .map(|a| format!(", API http://{a}"))
                .unwrap_or_default()
        ),
        Some(_) => "daemon: running\n".to_string(),
        None => no_daemon_line(s.state_as_of),
    };
    out.push_str(&format!("data dir: {}\n", s.data_dir));
    let states: Vec<String> = s
        .streamers
        .by_state
        .iter()
        .map(|(k, v)| format!("{v} {}", last_known(k, s.daemon_running)))
        .collect();
    out.push_str(&format!(
        "streamers: {} total{}{}\n",
        s.streamers.total,
        if states.is_empty() {
            String::new()
        } else {
            format!(", {}", states.join(", "))
        },
        if s.streamers.disabled > 0 {
            format!(", {} disabled", s.streamers.disabled)
        } else {
            String::new()
        }
    ));
    out.push_str(&render_breakers(s, now));
    out.push_str(&render_chat(s));
    for r in s.recordings.iter().filter(|r| r.stopped_by_user) {
        out.push_str(&format!(
            "stopped by you: {} (session {}) records again at its next live session \
             (or POST /api/streamers/{}/start)\n",
            r.streamer_name, r.session_id, r.streamer_id
        ));
    }
    if let Some(d) = &s.downloads {
        out.push_str(&render_downloads(d, now));
        return out;
    }
    if s.recordings.is_empty() {
        out.push_str("recordings: none\n");
        return out;
    }
    if s.daemon_running {
        out.push_str(&format!("recordings: {}\n", s.recordings.len()));
    } else {
        out.push_str(&format!(
            "recordings: {} interrupted (last known; nothing is recorded without a daemon, \
             and its next start closes them)\n",
            s.recordings.len()
        ));
    }
    // An interrupted recording lasted until the last known state.
    let until = match s.state_as_of {
        Some(t) if !s.daemon_running => t,
        _ => now,
    };
    let rows: Vec<Vec<String>> = s
        .recordings
        .iter()
        .map(|r| {
            vec![
                r.streamer_name.clone(),
                r.session_id.to_string(),
                output::short_duration(until - r.started_at),
                r.segments.to_string(),
                output::bytes(r.bytes),
                r.title.clone().unwrap_or_default(),
                r.current_path.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&output::table(
        &[
            "STREAMER",
            "SESSION",
            "FOR",
            "SEGMENTS",
            "SIZE",
            "TITLE",
            "CURRENT FILE",
        ],
        &rows,
    ));
    out
}

/// The chat XML beside each video file being recorded, with its count.
fn render_chat(s: &Status) -> String {
    if s.chat_files.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = s
        .chat_files
        .iter()
        .map(|f| {
            vec![
                f.session_id.to_string(),
                f.seg_index.to_string(),
                f.messages.to_string(),
                f.dropped.to_string(),
                f.path.clone(),
            ]
        })
        .collect();
    let mut out = format!("chat files: {}\n", rows.len());
    out.push_str(&output::table(
        &["SESSION", "SEGMENT", "MESSAGES", "DROPPED", "CHAT FILE"],
        &rows,
    ));
    out
}

/// Live downloads as reported by the daemon.
fn render_downloads(d: &Downloads, now: i64) -> String {
    let mut out = format!(
        "download slots: {}/{} used, {} queued\n",
        d.slots.active, d.slots.limit, d.slots.queued
    );
    if d.active.is_empty() {
        out.push_str("recordings: none\n");
        return out;
    }
    out.push_str(&format!("recordings: {}\n", d.active.len()));
    let rows: Vec<Vec<String>> = d
        .active
        .iter()
        .map(|a| {
            vec![
                a.streamer_name.clone(),
                a.session_id.to_string(),
                format!("{:?}", a.engine).to_lowercase(),
                output::short_duration(now - a.started_at),
                output::bytes(i64::try_from(a.bytes).unwrap_or(i64::MAX)),
                format!("{:.0} kbit/s", a.bitrate as f64 / 1000.0),
                a.segment_path.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push_str(&output::table(
        &[
            "STREAMER",
            "SESSION",
            "ENGINE",
            "FOR",
            "RECEIVED",
            "BITRATE",
            "CURRENT FILE",
        ],
        &rows,
    ));
    out
}

/// One line per open/half-open circuit breaker.
fn render_breakers(s: &Status, now: i64) -> String {
    s.breakers
        .iter()
        .map(|b| {
            let when = match b.retry_at {
                Some(t) if t > now => format!("next try in {}", output::short_duration(t - now)),
                _ => "trial download running".to_string(),
            };
            format!(
                "circuit breaker {} {}: {} failures, {when}; last error: {}\n",
                b.key,
                b.state.replace('_', "-"),
                b.failures,
                b.last_error.as_deref().unwrap_or("-")
            )
        })
        .collect()
}
