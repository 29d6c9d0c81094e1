//! The outbox flusher: publishes committed monitor events in id order and
//! marks them delivered. Rows left undelivered by a crash are published after
//! the restart (at-least-once; receivers dedup by event id).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::db::{Db, outbox};
use crate::events::{MonitorEvent, MonitorEventKind};

/// Safety-net period; normally a commit wakes the flusher at once.
const TICK: Duration = Duration::from_secs(1);
const BATCH: usize = 256;

/// Publishes pending rows until none are left; returns how many.
pub async fn flush_once(
    db: &Db,
    tx: &broadcast::Sender<MonitorEvent>,
) -> Result<usize, crate::db::DbError> {
    let mut total = 0;
    loop {
        let rows = db.call(|c| outbox::pending(c, BATCH)).await?;
        if rows.is_empty() {
            return Ok(total);
        }
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            ids.push(row.id);
            if !crate::events::is_monitor_kind(&row.kind) {
                // Read by durable consumers through their own cursors.
                continue;
            }
            match serde_json::from_str::<MonitorEventKind>(&row.payload) {
                Ok(kind) => {
                    tracing::debug!(id = row.id, kind = %row.kind, streamer = ?row.streamer_id, "event published");
                    let _ = tx.send(MonitorEvent {
                        id: row.id,
                        streamer_id: row.streamer_id.unwrap_or_default(),
                        kind,
                    });
                }
                Err(e) => tracing::error!(id = row.id, "dropping unreadable outbox event: {e}"),
            }
        }
        total += ids.len();
        db.call(move |c| outbox::mark_delivered(c, &ids)).await?;
    }
}

/// Runs until cancelled, flushing whenever `wake` is notified, and rings
/// `feed` (durable followers, see `follow.rs`) with the newest id seen.
pub async fn run(
    db: Db,
    tx: broadcast::Sender<MonitorEvent>,
    wake: Arc<Notify>,
    feed: watch::Sender<i64>,
    cancel: CancellationToken,
) {
    loop {
        match flush_once(&db, &tx).await {
            Ok(0) => {}
            Ok(_) => {
                if let Ok(max) = db.call(outbox::max_id_mut).await {
                    feed.send_replace(max);
                }
            }
            Err(e) => tracing::warn!("outbox flush failed, retrying: {e}"),
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
        }
    }
    // Publish what the last checks committed before stopping.
    let _ = flush_once(&db, &tx).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn committed_events_are_published_once_in_order() {
        let db = Db::open_in_memory().unwrap();
        let kind = |s| MonitorEventKind::Offline {
            session_id: s,
            reason: "offline".into(),
        };
        for s in [1, 2] {
            let payload = serde_json::to_string(&kind(s)).unwrap();
            db.with(|c| outbox::insert(c, Some(7), "offline", &payload))
                .unwrap();
        }
        let (tx, mut rx) = broadcast::channel(16);
        assert_eq!(flush_once(&db, &tx).await.unwrap(), 2);
        let a = rx.recv().await.unwrap();
        let b = rx.recv().await.unwrap();
        assert!(a.id < b.id);
        assert_eq!((a.streamer_id, a.kind), (7, kind(1)));
        assert_eq!(
            flush_once(&db, &tx).await.unwrap(),
            0,
            "delivered rows are not re-sent"
        );
    }
}
