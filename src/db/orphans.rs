//! What a crash leaves behind, and how the database takes it back.
//!
//! Files: an engine that writes `name.ext.part` and renames on close (mesio
//! HLS) leaves the `.part` when killed, while its row already names the
//! final file; an engine that writes the final name directly (mesio FLV,
//! ffmpeg) leaves the file but a stale size in its row. [`recover_file`]
//! puts the file under the row's name and measures it, so everything
//! received before the crash is found by the rest of srec (the pipeline,
//! `srec status`, cleanup) instead of being an orphan on disk.
//!
//! Rows: [`recover_after_crash`] closes every open segment with what was
//! found on disk ([`FoundFile`]: real size, media length, last write) and
//! every open session at its last segment's end. The media length is read
//! by the caller (`streamer::recovery`), since reading containers is the
//! media layer's job, above this one.
//!
//! When a segment ends: at `started_at + media length`, or at the file's
//! last write (mtime) when that is later. The engine was killed after its
//! last write, never before it, while the media length undercounts the wall
//! clock whenever the source stalled; an mtime before the segment started
//! or after recovery began is not believed (a clock step, a copied file).

use std::io;
use std::path::Path;

use rusqlite::{Connection, params};

use super::{DbError, now_ms};
use crate::config::paths::part_path;

/// What was found for one open segment row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRecovery {
    /// `path.part` was renamed to `path`; its size.
    Renamed { bytes: u64 },
    /// `path` already existed; its size.
    Present { bytes: u64 },
    /// Neither exists (nothing was written, or the file was removed).
    Missing,
}

impl FileRecovery {
    /// The file's size, when there is one.
    pub fn bytes(self) -> Option<u64> {
        match self {
            Self::Renamed { bytes } | Self::Present { bytes } => Some(bytes),
            Self::Missing => None,
        }
    }
}

/// Makes the segment at `path` exist under that name if a crash left it as
/// `path.part` (renamed, then the directory fsynced so the rename survives a
/// power loss too), and reports its size. Never overwrites an existing file.
pub fn recover_file(path: &Path) -> io::Result<FileRecovery> {
    if let Ok(meta) = std::fs::metadata(path) {
        return Ok(FileRecovery::Present { bytes: meta.len() });
    }
    let part = part_path(path);
    let meta = match std::fs::metadata(&part) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(FileRecovery::Missing),
        Err(e) => return Err(e),
    };
    // The writer is gone: make what it handed to the OS durable before the
    // name says "complete".
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&part) {
        let _ = f.sync_all();
    }
    std::fs::rename(&part, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        // Best effort: not every filesystem can fsync a directory.
        let _ = d.sync_all();
    }
    Ok(FileRecovery::Renamed { bytes: meta.len() })
}

/// What crash recovery changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    pub streamers_reset: usize,
    pub sessions_closed: usize,
    pub segments_closed: usize,
    /// `.part` files of open segments renamed to their final name.
    pub files_renamed: usize,
}

/// An open segment row: a file an engine was writing when srec stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSegment {
    pub id: i64,
    pub path: String,
    pub started_at: i64,
}

/// The open segment rows (what crash recovery has to look at on disk).
pub fn open_segments(conn: &Connection) -> Result<Vec<OpenSegment>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, path, started_at FROM session_segments WHERE ended_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OpenSegment {
            id: r.get(0)?,
            path: r.get(1)?,
            started_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What crash recovery found on disk for one open segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundFile {
    pub segment_id: i64,
    /// The file's size on the file system (not what the engine counted).
    pub bytes: u64,
    /// Media length read from the file's own timestamps; `None` keeps what
    /// the row had.
    pub duration_ms: Option<u64>,
    /// The file's last write (mtime, unix ms), when plausible.
    pub last_write_at: Option<i64>,
    /// It was a `.part` renamed to the row's name.
    pub renamed: bool,
}

/// After an unclean stop: the open segments are closed with what was found
/// on disk (`found`: real size, media length, last write; rows without a
/// file keep what they had), `Live` streamers become `NotLive`, and open
/// sessions end at their last segment's end (or their start when nothing
/// was written). One transaction: either all of it happens or none.
pub fn recover_after_crash(
    conn: &mut Connection,
    found: &[FoundFile],
) -> Result<Recovery, DbError> {
    close_with_files(conn, "recovered_after_crash", found)
}

/// Like [`recover_after_crash`] with `reason` as the sessions' end reason:
/// also used at a shutdown whose engines did not all close their files in
/// time, so those rows get their files' facts too.
pub fn close_with_files(
    conn: &mut Connection,
    reason: &str,
    found: &[FoundFile],
) -> Result<Recovery, DbError> {
    let tx = conn.transaction()?;
    for f in found {
        tx.execute(
            "UPDATE session_segments SET bytes = ?2, duration_ms = COALESCE(?3, duration_ms)
             WHERE id = ?1 AND ended_at IS NULL",
            params![
                f.segment_id,
                i64::try_from(f.bytes).unwrap_or(i64::MAX),
                f.duration_ms.map(|d| i64::try_from(d).unwrap_or(i64::MAX)),
            ],
        )?;
    }
    let r = close_open(&tx, reason, found)?;
    tx.commit()?;
    Ok(Recovery {
        files_renamed: found.iter().filter(|f| f.renamed).count(),
        ..r
    })
}

/// Writes a `segment_finalised` event for every open segment whose file
/// exists (closed by crash recovery or at shutdown), so the pipeline
/// processes what a crash cut short like any other file.
fn finalise_open_segments(tx: &rusqlite::Transaction<'_>) -> Result<(), DbError> {
    let open: Vec<(i64, i64, u32, String, i64, Option<i64>)> = {
        let mut stmt = tx.prepare(
            "SELECT g.session_id, s.streamer_id, g.seg_index, g.path, g.bytes, g.duration_ms
             FROM session_segments g JOIN live_sessions s ON s.id = g.session_id
             WHERE g.ended_at IS NULL",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for (session_id, streamer_id, index, path, bytes, duration_ms) in open {
        let path = std::path::PathBuf::from(path);
        if !path.exists() {
            continue;
        }
        let ev = crate::events::SegmentFinalised {
            session_id,
            streamer_id,
            index,
            path,
            duration_ms: duration_ms.unwrap_or(0).max(0) as u64,
            bytes: bytes.max(0) as u64,
            split_reason: crate::events::SplitReason::Crash,
        };
        let payload = serde_json::to_string(&ev).map_err(|e| DbError::Corrupt(e.to_string()))?;
        super::outbox::insert(
            tx,
            Some(streamer_id),
            crate::events::SegmentFinalised::KIND,
            &payload,
        )?;
    }
    Ok(())
}

/// Closes every open session and segment and resets `Live` streamers, with
/// `reason` as the sessions' end reason (graceful shutdown; crash recovery
/// goes through [`recover_after_crash`]).
pub fn close_all_open(conn: &mut Connection, reason: &str) -> Result<Recovery, DbError> {
    let tx = conn.transaction()?;
    let r = close_open(&tx, reason, &[])?;
    tx.commit()?;
    Ok(r)
}

/// The closing itself, inside the caller's transaction; a segment in
/// `found` ends at its last write when that is later than its media end.
fn close_open(
    tx: &rusqlite::Transaction<'_>,
    reason: &str,
    found: &[FoundFile],
) -> Result<Recovery, DbError> {
    let now = now_ms();
    let streamers_reset = tx.execute(
        "UPDATE streamers SET state = 'not_live', updated_at = ?1 WHERE state = 'live'",
        [now],
    )?;
    finalise_open_segments(tx)?;
    let segments_closed = tx.execute(
        "UPDATE session_segments
         SET ended_at = started_at + COALESCE(duration_ms, 0), split_reason = 'crash'
         WHERE ended_at IS NULL",
        [],
    )?;
    for f in found {
        if let Some(at) = f.last_write_at {
            tx.execute(
                "UPDATE session_segments SET ended_at = max(ended_at, ?2) WHERE id = ?1",
                params![f.segment_id, at],
            )?;
        }
    }
    let closing: Vec<(i64, i64)> = {
        let mut stmt =
            tx.prepare("SELECT id, streamer_id FROM live_sessions WHERE ended_at IS NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (session_id, streamer_id) in closing {
        let ev = crate::events::SessionClosed {
            session_id,
            streamer_id,
            reason: reason.to_string(),
        };
        let payload = serde_json::to_string(&ev).map_err(|e| DbError::Corrupt(e.to_string()))?;
        super::outbox::insert(
            tx,
            Some(streamer_id),
            crate::events::SessionClosed::KIND,
            &payload,
        )?;
    }
    let sessions_closed = tx.execute(
        "UPDATE live_sessions SET
             ended_at = COALESCE(
                 (SELECT max(g.ended_at) FROM session_segments g WHERE g.session_id = live_sessions.id),
                 started_at),
             end_reason = ?1
         WHERE ended_at IS NULL",
        [reason],
    )?;
    Ok(Recovery {
        streamers_reset,
        sessions_closed,
        segments_closed,
        files_renamed: 0,
    })
}

/// The last time a daemon (or a command) wrote anything the database keeps
/// a time for: a state change, a session or segment opened or closed, an
/// event written or delivered. After a crash, what `srec status` and
/// `srec list` show is the state as of then. `None` for an empty database.
pub fn last_activity(conn: &Connection) -> Result<Option<i64>, DbError> {
    Ok(conn.query_row(
        "SELECT max(t) FROM (
             SELECT max(updated_at) AS t FROM streamers
             UNION ALL SELECT max(max(started_at), COALESCE(max(ended_at), 0)) FROM live_sessions
             UNION ALL SELECT max(max(started_at), COALESCE(max(ended_at), 0)) FROM session_segments
             UNION ALL SELECT max(max(created_at), COALESCE(max(delivered_at), 0))
                       FROM monitor_event_outbox)",
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
#[path = "orphans_tests.rs"]
mod tests;
