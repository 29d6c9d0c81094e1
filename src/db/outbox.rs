//! Repository for `monitor_event_outbox`: events written in the same
//! transaction as the state change they describe, published later by a
//! flusher and marked delivered (at-least-once; consumers dedup by id).
//! Durable consumers (pipeline, notifications) do not rely on that flag:
//! each reads the rows after its own cursor in `outbox_cursors`.

use rusqlite::{Connection, params};

use super::{DbError, now_ms};

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub streamer_id: Option<i64>,
    pub kind: String,
    pub payload: String,
    pub created_at: i64,
}

/// Appends an event (call inside the state change's transaction).
pub fn insert(
    conn: &Connection,
    streamer_id: Option<i64>,
    kind: &str,
    payload: &str,
) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO monitor_event_outbox (streamer_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![streamer_id, kind, payload, now_ms()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Undelivered events, oldest first.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<OutboxRow>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, streamer_id, kind, payload, created_at FROM monitor_event_outbox
         WHERE delivered_at IS NULL ORDER BY id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks events delivered.
pub fn mark_delivered(conn: &mut Connection, ids: &[i64]) -> Result<(), DbError> {
    let tx = conn.transaction()?;
    {
        let mut stmt =
            tx.prepare_cached("UPDATE monitor_event_outbox SET delivered_at = ?2 WHERE id = ?1")?;
        let now = now_ms();
        for id in ids {
            stmt.execute(params![id, now])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        streamer_id: r.get(1)?,
        kind: r.get(2)?,
        payload: r.get(3)?,
        created_at: r.get(4)?,
    })
}

/// Rows with an id above `after`, oldest first (delivered or not).
pub fn after(conn: &Connection, after: i64, limit: usize) -> Result<Vec<OutboxRow>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, streamer_id, kind, payload, created_at FROM monitor_event_outbox
         WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit as i64], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The highest outbox id (0 when empty).
pub fn max_id(conn: &Connection) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(id), 0) FROM monitor_event_outbox",
        [],
        |r| r.get(0),
    )?)
}

/// [`max_id`] for `Db::call`, which lends a `&mut Connection`.
pub fn max_id_mut(conn: &mut Connection) -> Result<i64, DbError> {
    max_id(conn)
}

/// A consumer's position. A consumer seen for the first time starts at
/// `start` (callers pass 0 to replay everything kept, or [`max_id`] to
/// handle only what happens from now on) and that position is stored.
pub fn cursor(conn: &Connection, consumer: &str, start: i64) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO outbox_cursors (consumer, last_id, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(consumer) DO NOTHING",
        params![consumer, start, now_ms()],
    )?;
    Ok(conn.query_row(
        "SELECT last_id FROM outbox_cursors WHERE consumer = ?1",
        [consumer],
        |r| r.get(0),
    )?)
}

/// Moves a consumer's position forward (never back) to `last_id`.
pub fn advance(conn: &Connection, consumer: &str, last_id: i64) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO outbox_cursors (consumer, last_id, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(consumer) DO UPDATE SET last_id = MAX(last_id, excluded.last_id),
                                             updated_at = excluded.updated_at",
        params![consumer, last_id, now_ms()],
    )?;
    Ok(())
}

/// Deletes delivered rows created before `before_ms` that every durable
/// consumer has passed; returns how many were deleted.
pub fn prune(conn: &Connection, before_ms: i64) -> Result<usize, DbError> {
    Ok(conn.execute(
        "DELETE FROM monitor_event_outbox
         WHERE delivered_at IS NOT NULL AND created_at < ?1
           AND id <= COALESCE((SELECT MIN(last_id) FROM outbox_cursors), id)",
        [before_ms],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn pending_until_delivered() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let a = insert(c, None, "live", "{}")?;
            let b = insert(c, None, "offline", "{}")?;
            assert_eq!(
                pending(c, 10)?.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![a, b]
            );
            mark_delivered(c, &[a])?;
            assert_eq!(
                pending(c, 10)?.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![b]
            );
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn cursors_are_per_consumer_and_only_move_forward() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let a = insert(c, None, "live", "{}")?;
            let b = insert(c, None, "offline", "{}")?;
            assert_eq!(cursor(c, "replay", 0)?, 0);
            assert_eq!(cursor(c, "fresh", max_id(c)?)?, b);
            assert_eq!(cursor(c, "fresh", 0)?, b, "an existing cursor is kept");
            let ids = |v: Vec<OutboxRow>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
            assert_eq!(ids(after(c, cursor(c, "replay", 0)?, 10)?), vec![a, b]);
            advance(c, "replay", a)?;
            advance(c, "replay", 0)?;
            assert_eq!(cursor(c, "replay", 0)?, a);
            assert_eq!(ids(after(c, a, 10)?), vec![b]);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn prune_keeps_rows_a_consumer_has_not_passed() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let a = insert(c, None, "live", "{}")?;
            let b = insert(c, None, "offline", "{}")?;
            mark_delivered(c, &[a, b])?;
            advance(c, "slow", a)?;
            advance(c, "fast", b)?;
            assert_eq!(prune(c, now_ms() + 1)?, 1, "only the row both passed");
            assert_eq!(
                after(c, 0, 10)?.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![b]
            );
            Ok(())
        })
        .unwrap();
    }
}
