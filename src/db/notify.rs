//! Repository for `notify_dead_letters`: events a channel gave up on, kept
//! whole so they can be sent again after the outbox row is pruned.

use rusqlite::{Connection, OptionalExtension, params};

use super::outbox::OutboxRow;
use super::{DbError, now_ms};

/// One dead letter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeadLetter {
    pub id: i64,
    pub channel: String,
    /// The outbox id of the event (its stable id).
    pub event_id: i64,
    pub kind: String,
    pub streamer_id: Option<i64>,
    pub payload: String,
    /// When the event happened (ms since the epoch).
    pub event_at: i64,
    pub last_error: String,
    pub attempts: u32,
    pub created_at: i64,
    /// Set when a retry was asked for and not yet done.
    pub retry_at: Option<i64>,
}

impl DeadLetter {
    /// The event as the outbox stored it.
    pub fn event(&self) -> OutboxRow {
        OutboxRow {
            id: self.event_id,
            streamer_id: self.streamer_id,
            kind: self.kind.clone(),
            payload: self.payload.clone(),
            created_at: self.event_at,
        }
    }
}

const COLUMNS: &str = "id, channel, event_id, kind, streamer_id, payload, event_at, last_error, \
                       attempts, created_at, retry_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeadLetter> {
    Ok(DeadLetter {
        id: r.get(0)?,
        channel: r.get(1)?,
        event_id: r.get(2)?,
        kind: r.get(3)?,
        streamer_id: r.get(4)?,
        payload: r.get(5)?,
        event_at: r.get(6)?,
        last_error: r.get(7)?,
        attempts: r.get(8)?,
        created_at: r.get(9)?,
        retry_at: r.get(10)?,
    })
}

/// Records (or, for an event already dead, updates) a dead letter; a retry
/// request on it is cleared.
pub fn insert(
    conn: &Connection,
    channel: &str,
    event: &OutboxRow,
    last_error: &str,
    attempts: u32,
) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO notify_dead_letters
           (channel, event_id, kind, streamer_id, payload, event_at, last_error, attempts, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(channel, event_id) DO UPDATE SET
           last_error = excluded.last_error,
           attempts = attempts + excluded.attempts,
           retry_at = NULL",
        params![
            channel,
            event.id,
            event.kind,
            event.streamer_id,
            event.payload,
            event.created_at,
            last_error,
            attempts,
            now_ms()
        ],
    )?;
    Ok(conn.query_row(
        "SELECT id FROM notify_dead_letters WHERE channel = ?1 AND event_id = ?2",
        params![channel, event.id],
        |r| r.get(0),
    )?)
}

/// Every dead letter, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<DeadLetter>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notify_dead_letters ORDER BY id"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One dead letter by id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<DeadLetter>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM notify_dead_letters WHERE id = ?1"),
            [id],
            row,
        )
        .optional()?)
}

/// Asks the daemon to send dead letters again (`None` = all); returns how
/// many were marked.
pub fn request_retry(conn: &Connection, id: Option<i64>) -> Result<usize, DbError> {
    let now = now_ms();
    Ok(match id {
        Some(id) => conn.execute(
            "UPDATE notify_dead_letters SET retry_at = ?2 WHERE id = ?1",
            params![id, now],
        )?,
        None => conn.execute("UPDATE notify_dead_letters SET retry_at = ?1", [now])?,
    })
}

/// A channel's dead letters waiting for a retry, oldest first.
pub fn retry_requested(
    conn: &Connection,
    channel: &str,
    limit: usize,
) -> Result<Vec<DeadLetter>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notify_dead_letters
         WHERE channel = ?1 AND retry_at IS NOT NULL ORDER BY event_id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![channel, limit as i64], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Removes a dead letter once it was delivered.
pub fn delete(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute("DELETE FROM notify_dead_letters WHERE id = ?1", [id])?;
    Ok(())
}

/// A streamer's name, URL and avatar (notifications name, link and show
/// the streamer).
pub fn streamer_ref(
    conn: &Connection,
    id: i64,
) -> Result<Option<(String, String, Option<String>)>, DbError> {
    Ok(conn
        .query_row(
            "SELECT name, url, avatar_url FROM streamers WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// How many channel cursors are still before outbox row `id`.
pub fn channels_behind(conn: &Connection, id: i64) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM outbox_cursors WHERE consumer LIKE 'notify:%' AND last_id < ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Drops the delivery cursors of channels no longer configured, so they do
/// not hold back outbox pruning forever.
pub fn drop_stale_cursors(conn: &Connection, keep: &[String]) -> Result<usize, DbError> {
    let mut stmt =
        conn.prepare("SELECT consumer FROM outbox_cursors WHERE consumer LIKE 'notify:%'")?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut n = 0;
    for name in names.iter().filter(|n| !keep.contains(n)) {
        n += conn.execute("DELETE FROM outbox_cursors WHERE consumer = ?1", [name])?;
    }
    Ok(n)
}

/// Duration (ms), file count and bytes of a session (the offline event
/// reports them).
pub fn session_totals(conn: &Connection, session_id: i64) -> Result<(i64, i64, i64), DbError> {
    Ok(conn.query_row(
        "SELECT COALESCE((SELECT COALESCE(ended_at, ?2) - started_at FROM live_sessions WHERE id = ?1), 0),
                COUNT(*), COALESCE(SUM(bytes), 0)
         FROM session_segments WHERE session_id = ?1",
        params![session_id, now_ms()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn dead_letters_round_trip_and_retry_requests() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let ev = OutboxRow {
                id: 7,
                streamer_id: Some(1),
                kind: "live".into(),
                payload: "{}".into(),
                created_at: 5,
            };
            let id = insert(c, "hook", &ev, "HTTP 500", 3)?;
            assert_eq!(
                insert(c, "hook", &ev, "HTTP 502", 2)?,
                id,
                "one row per event"
            );
            let d = get(c, id)?.unwrap();
            assert_eq!((d.attempts, d.last_error.as_str()), (5, "HTTP 502"));
            assert_eq!(d.event(), ev);
            assert!(retry_requested(c, "hook", 10)?.is_empty());
            assert_eq!(request_retry(c, None)?, 1);
            assert_eq!(retry_requested(c, "hook", 10)?.len(), 1);
            assert!(retry_requested(c, "other", 10)?.is_empty());
            delete(c, id)?;
            assert!(list(c)?.is_empty());
            Ok(())
        })
        .unwrap();
    }
}
