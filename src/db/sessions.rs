//! Repository for `live_sessions`, `session_segments` and `session_titles`.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

pub use super::orphans::{Recovery, close_all_open, recover_after_crash};
use super::{DbError, now_ms};

/// One live session (a streamer's broadcast from live to confirmed offline).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub id: i64,
    pub streamer_id: i64,
    pub title: Option<String>,
    pub category: Option<String>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

/// Maps `id, streamer_id, title, category, started_at, ended_at, end_reason`.
pub fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: r.get(0)?,
        streamer_id: r.get(1)?,
        title: r.get(2)?,
        category: r.get(3)?,
        started_at: r.get(4)?,
        ended_at: r.get(5)?,
        end_reason: r.get(6)?,
    })
}

/// An open session with what the CLI shows about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActiveRecording {
    pub session_id: i64,
    pub streamer_id: i64,
    pub streamer_name: String,
    pub title: Option<String>,
    pub started_at: i64,
    pub segments: i64,
    /// Bytes of the closed segments (`srec status` adds the open file's).
    pub bytes: i64,
    pub current_path: Option<String>,
    /// The current file is still being written (its size is on disk only).
    pub current_open: bool,
    /// The user stopped this session's recording (dashboard `s`, API stop):
    /// it resumes on the next session or on an explicit start.
    pub stopped_by_user: bool,
}

/// Opens a session. Fails if one is already open for the streamer (the
/// partial unique index enforces one active session).
pub fn open(
    conn: &Connection,
    streamer_id: i64,
    title: Option<&str>,
    category: Option<&str>,
    started_at: i64,
) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO live_sessions (streamer_id, title, category, started_at) VALUES (?1, ?2, ?3, ?4)",
        params![streamer_id, title, category, started_at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Closes a session; returns false if it was not open.
pub fn close(
    conn: &Connection,
    session_id: i64,
    ended_at: i64,
    reason: &str,
) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE live_sessions SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL",
        params![session_id, ended_at, reason],
    )? > 0)
}

/// Marks (`stopped = true`) or clears the user's stop of a streamer's open
/// session; returns whether an open session was changed.
pub fn set_user_stop(conn: &Connection, streamer_id: i64, stopped: bool) -> Result<bool, DbError> {
    let at = stopped.then(now_ms);
    Ok(conn.execute(
        "UPDATE live_sessions SET user_stopped_at = ?2
         WHERE streamer_id = ?1 AND ended_at IS NULL
           AND (user_stopped_at IS NULL) = ?3",
        params![streamer_id, at, stopped],
    )? > 0)
}

/// The open session of a streamer, if any.
pub fn active_for(conn: &Connection, streamer_id: i64) -> Result<Option<Session>, DbError> {
    Ok(conn
        .query_row(
            "SELECT id, streamer_id, title, category, started_at, ended_at, end_reason
             FROM live_sessions WHERE streamer_id = ?1 AND ended_at IS NULL",
            [streamer_id],
            session_from_row,
        )
        .optional()?)
}

/// Records a segment file opened for a session.
pub fn add_segment(
    conn: &Connection,
    session_id: i64,
    index: u32,
    path: &str,
    started_at: i64,
) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO session_segments (session_id, seg_index, path, started_at) VALUES (?1, ?2, ?3, ?4)",
        params![session_id, index, path, started_at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Finalises a segment row with its measured duration, size and split reason.
pub fn close_segment(
    conn: &Connection,
    segment_id: i64,
    duration_ms: i64,
    bytes: i64,
    split_reason: &str,
) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE session_segments SET ended_at = started_at + ?2, duration_ms = ?2, bytes = ?3, split_reason = ?4
         WHERE id = ?1",
        params![segment_id, duration_ms, bytes, split_reason],
    )? > 0)
}

/// Finalises the segment `index` of a session (engines report by index).
pub fn close_segment_by_index(
    conn: &Connection,
    session_id: i64,
    index: u32,
    duration_ms: i64,
    bytes: i64,
    split_reason: &str,
) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE session_segments SET ended_at = started_at + ?3, duration_ms = ?3, bytes = ?4, split_reason = ?5
         WHERE session_id = ?1 AND seg_index = ?2",
        params![session_id, index, duration_ms, bytes, split_reason],
    )? > 0)
}

/// Finalises the segment the event names and writes the event to the
/// outbox in the same transaction: the row and its event commit together.
/// A segment whose row is already gone (removed streamer) emits nothing.
/// The size recorded is the file's on disk when it exists: the engine
/// counts what it received, and a full disk keeps some of that out of the
/// file (3,170,056 bytes counted for a 3,145,728-byte file).
pub fn finalise_segment(
    conn: &mut Connection,
    done: &crate::events::SegmentFinalised,
) -> Result<(), DbError> {
    let mut done = done.clone();
    if let Ok(m) = std::fs::metadata(&done.path) {
        done.bytes = m.len();
    }
    let done = &done;
    let payload = serde_json::to_string(done).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let tx = conn.transaction()?;
    if close_segment_by_index(
        &tx,
        done.session_id,
        done.index,
        done.duration_ms as i64,
        done.bytes as i64,
        done.split_reason.as_str(),
    )? {
        super::outbox::insert(
            &tx,
            Some(done.streamer_id),
            crate::events::SegmentFinalised::KIND,
            &payload,
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Removes a segment row (a junk segment below `min_segment_size`).
pub fn delete_segment(conn: &Connection, session_id: i64, index: u32) -> Result<bool, DbError> {
    Ok(conn.execute(
        "DELETE FROM session_segments WHERE session_id = ?1 AND seg_index = ?2",
        params![session_id, index],
    )? > 0)
}

/// The index the next segment of a session should use.
pub fn next_segment_index(conn: &Connection, session_id: i64) -> Result<u32, DbError> {
    Ok(conn.query_row(
        "SELECT COALESCE(max(seg_index) + 1, 0) FROM session_segments WHERE session_id = ?1",
        [session_id],
        |r| r.get(0),
    )?)
}

/// One stored segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    pub session_id: i64,
    pub index: u32,
    pub path: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub bytes: i64,
    pub split_reason: Option<String>,
}

/// Segments of a session in order.
pub fn segments(conn: &Connection, session_id: i64) -> Result<Vec<Segment>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT session_id, seg_index, path, started_at, ended_at, duration_ms, bytes, split_reason
         FROM session_segments WHERE session_id = ?1 ORDER BY seg_index",
    )?;
    let rows = stmt.query_map([session_id], |r| {
        Ok(Segment {
            session_id: r.get(0)?,
            index: r.get(1)?,
            path: r.get(2)?,
            started_at: r.get(3)?,
            ended_at: r.get(4)?,
            duration_ms: r.get(5)?,
            bytes: r.get(6)?,
            split_reason: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Sessions of a streamer, newest first.
pub fn list_for(
    conn: &Connection,
    streamer_id: i64,
    limit: usize,
) -> Result<Vec<Session>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, streamer_id, title, category, started_at, ended_at, end_reason
         FROM live_sessions WHERE streamer_id = ?1 ORDER BY started_at DESC, id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![streamer_id, limit as i64], session_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Appends a title change to the session's history.
pub fn record_title(
    conn: &Connection,
    session_id: i64,
    title: &str,
    category: Option<&str>,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO session_titles (session_id, title, category, changed_at) VALUES (?1, ?2, ?3, ?4)",
        params![session_id, title, category, now_ms()],
    )?;
    conn.execute(
        "UPDATE live_sessions SET title = ?2, category = COALESCE(?3, category) WHERE id = ?1",
        params![session_id, title, category],
    )?;
    Ok(())
}

/// All open sessions with their segment totals, newest first.
pub fn active_recordings(conn: &Connection) -> Result<Vec<ActiveRecording>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.streamer_id, s.name, l.title, l.started_at,
                (SELECT count(*) FROM session_segments g WHERE g.session_id = l.id),
                (SELECT COALESCE(sum(bytes), 0) FROM session_segments g WHERE g.session_id = l.id),
                (SELECT path FROM session_segments g WHERE g.session_id = l.id ORDER BY seg_index DESC LIMIT 1),
                COALESCE((SELECT ended_at IS NULL FROM session_segments g WHERE g.session_id = l.id
                          ORDER BY seg_index DESC LIMIT 1), 0),
                l.user_stopped_at IS NOT NULL
         FROM live_sessions l JOIN streamers s ON s.id = l.streamer_id
         WHERE l.ended_at IS NULL ORDER BY l.started_at DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ActiveRecording {
            session_id: r.get(0)?,
            streamer_id: r.get(1)?,
            streamer_name: r.get(2)?,
            title: r.get(3)?,
            started_at: r.get(4)?,
            segments: r.get(5)?,
            bytes: r.get(6)?,
            current_path: r.get(7)?,
            current_open: r.get(8)?,
            stopped_by_user: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A segment still being written, as its row says.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenSegment {
    pub session_id: i64,
    pub index: u32,
    pub path: String,
    /// When the engine created the file (Unix ms; see
    /// [`DownloadEventKind::SegmentOpened`](crate::events::DownloadEventKind)).
    pub started_at: i64,
}

/// The segments of `sessions` still being written (one indexed lookup per
/// session).
pub fn open_segments(conn: &Connection, sessions: &[i64]) -> Result<Vec<OpenSegment>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seg_index, path, started_at FROM session_segments WHERE session_id = ?1 AND ended_at IS NULL",
    )?;
    let mut out = Vec::new();
    for &sid in sessions {
        let rows = stmt.query_map([sid], |r| {
            Ok(OpenSegment {
                session_id: sid,
                index: r.get(0)?,
                path: r.get(1)?,
                started_at: r.get(2)?,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}
