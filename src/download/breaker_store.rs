//! Persistence of circuit breakers in `circuit_breakers`, so a separate
//! `srec status` process can show which streamers' engine configs and CDN
//! hosts are being held back, and the next daemon start takes them back
//! (a restart must not retry a broken URL before its cooldown ends). Writes
//! go through one ordered task.

use rusqlite::{Connection, params};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::breaker::{BreakerState, Change};
use crate::db::{Db, DbError, now_ms};

/// A persisted breaker, as `srec status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakerRow {
    pub key: String,
    pub state: String,
    pub failures: i64,
    pub opened_at: Option<i64>,
    pub retry_at: Option<i64>,
    pub last_error: Option<String>,
    pub updated_at: i64,
}

/// Writes one change: a closed breaker's row is deleted.
pub fn apply(conn: &Connection, c: &Change) -> Result<(), DbError> {
    if c.state == BreakerState::Closed && c.failures == 0 {
        conn.execute("DELETE FROM circuit_breakers WHERE key = ?1", [&c.key])?;
        return Ok(());
    }
    conn.execute(
        "INSERT INTO circuit_breakers (key, state, failures, opened_at, retry_at, last_error, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(key) DO UPDATE SET state = ?2, failures = ?3, opened_at = ?4,
             retry_at = ?5, last_error = ?6, updated_at = ?7",
        params![
            c.key,
            c.state.as_str(),
            c.failures,
            c.opened_at,
            c.retry_at,
            c.last_error,
            now_ms()
        ],
    )?;
    Ok(())
}

/// Every persisted breaker as a [`Change`] (daemon start hands them to
/// [`Breakers::restore`](super::breaker::Breakers::restore), which decides
/// what is kept). An unknown state text reads as closed, so it is dropped.
pub fn load(conn: &Connection) -> Result<Vec<Change>, DbError> {
    let mut st = conn.prepare(
        "SELECT key, state, failures, opened_at, retry_at, last_error
         FROM circuit_breakers ORDER BY key",
    )?;
    let rows = st
        .query_map([], |r| {
            let state: String = r.get(1)?;
            Ok(Change {
                key: r.get(0)?,
                state: match state.as_str() {
                    "open" => BreakerState::Open,
                    "half_open" => BreakerState::HalfOpen,
                    _ => BreakerState::Closed,
                },
                failures: r.get::<_, i64>(2)?.clamp(0, i64::from(u32::MAX)) as u32,
                opened_at: r.get(3)?,
                retry_at: r.get(4)?,
                last_error: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Breakers that are open or half-open, by key.
pub fn not_closed(conn: &Connection) -> Result<Vec<BreakerRow>, DbError> {
    let mut st = conn.prepare(
        "SELECT key, state, failures, opened_at, retry_at, last_error, updated_at
         FROM circuit_breakers WHERE state != 'closed' ORDER BY key",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(BreakerRow {
                key: r.get(0)?,
                state: r.get(1)?,
                failures: r.get(2)?,
                opened_at: r.get(3)?,
                retry_at: r.get(4)?,
                last_error: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Handle that queues changes for the writer task.
#[derive(Debug, Clone)]
pub struct Store {
    tx: mpsc::UnboundedSender<Vec<Change>>,
    /// The rows of the previous run, read at spawn, taken by the manager.
    restored: Vec<Change>,
}

impl Store {
    /// Reads the previous run's breakers (see [`Store::take_restored`]) and
    /// spawns the writer (ends on cancel once drained).
    pub fn spawn(
        db: Db,
        tracker: &tokio_util::task::TaskTracker,
        cancel: CancellationToken,
    ) -> Self {
        // Read once, before any download can be admitted; a brief blocking
        // read at start is fine.
        let restored = db.with(|c| load(c)).unwrap_or_else(|e| {
            tracing::warn!("cannot read persisted circuit breakers: {e}");
            Vec::new()
        });
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Change>>();
        tracker.spawn(async move {
            loop {
                let batch = tokio::select! {
                    b = rx.recv() => b,
                    _ = cancel.cancelled() => break,
                };
                let Some(batch) = batch else { break };
                let res = db
                    .call(move |c| batch.iter().try_for_each(|ch| apply(c, ch)))
                    .await;
                if let Err(e) = res {
                    tracing::warn!("cannot persist circuit breaker state: {e}");
                }
            }
        });
        Self { tx, restored }
    }

    /// The previous run's breakers (once; empty afterwards).
    pub fn take_restored(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.restored)
    }

    /// Queues changes (no-op when empty).
    pub fn save(&self, changes: Vec<Change>) {
        if !changes.is_empty() {
            let _ = self.tx.send(changes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_changes() {
        let db = Db::open_in_memory().unwrap();
        let open = Change {
            key: "host:x".into(),
            state: BreakerState::Open,
            failures: 3,
            opened_at: Some(1),
            retry_at: Some(2),
            last_error: Some("HTTP 500".into()),
        };
        db.with(|c| apply(c, &open)).unwrap();
        let rows = db.with(|c| not_closed(c)).unwrap();
        assert_eq!(
            (rows[0].key.as_str(), rows[0].state.as_str()),
            ("host:x", "open")
        );
        let closed = Change {
            state: BreakerState::Closed,
            failures: 0,
            ..open
        };
        db.with(|c| apply(c, &closed)).unwrap();
        assert!(db.with(|c| not_closed(c)).unwrap().is_empty());
    }

    #[test]
    fn load_reads_back_what_apply_wrote() {
        let db = Db::open_in_memory().unwrap();
        let half = Change {
            key: "engine:mesio@1:streamer2".into(),
            state: BreakerState::HalfOpen,
            failures: 5,
            opened_at: Some(10),
            retry_at: Some(20),
            last_error: Some("HTTP 403".into()),
        };
        db.with(|c| apply(c, &half)).unwrap();
        assert_eq!(db.with(|c| load(c)).unwrap(), vec![half]);
    }
}
