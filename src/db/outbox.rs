//! Repository for `monitor_event_outbox`: events written in the same
//! transaction as the state change they describe, published later by a
//! flusher and marked delivered (at-least-once; consumers dedup by id).

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
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(OutboxRow {
            id: r.get(0)?,
            streamer_id: r.get(1)?,
            kind: r.get(2)?,
            payload: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?;
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
}
