//! Notices streamer changes made by other processes (`srec add/remove/
//! enable/disable` while a daemon runs). SQLite's `PRAGMA data_version`
//! changes only when *another* connection commits, so polling it every
//! 250 ms is cheap and never fires for the daemon's own writes.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::db::Db;
use crate::events::ConfigUpdateEvent;
use crate::streamer::StreamerManager;

/// Poll period; bounds how long a CLI change takes to reach the daemon.
pub const POLL: Duration = Duration::from_millis(250);

/// Runs until cancelled.
pub async fn run(db: Db, streamers: Arc<StreamerManager>, cancel: CancellationToken) {
    let version = |db: Db| async move {
        db.call(|c| Ok(c.pragma_query_value(None, "data_version", |r| r.get::<_, i64>(0))?))
            .await
    };
    let mut last = match version(db.clone()).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("database change watcher disabled: {e}");
            return;
        }
    };
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let now = match version(db.clone()).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!("database change check failed: {e}");
                continue;
            }
        };
        if now == last {
            continue;
        }
        last = now;
        match streamers.sync_from_db().await {
            Ok(events) => {
                for e in events {
                    log_event(&streamers, &e);
                }
            }
            Err(e) => tracing::warn!("cannot reload streamers after external change: {e}"),
        }
    }
}

fn log_event(streamers: &StreamerManager, e: &ConfigUpdateEvent) {
    match e {
        ConfigUpdateEvent::StreamerAdded { id } => {
            if let Some(s) = streamers.get(*id) {
                tracing::info!(id, name = %s.name, url = %s.url, enabled = s.enabled, "streamer added");
            }
        }
        ConfigUpdateEvent::StreamerRemoved { id } => tracing::info!(id, "streamer removed"),
        ConfigUpdateEvent::StreamerUpdated { id } => {
            if let Some(s) = streamers.get(*id) {
                tracing::info!(id, name = %s.name, enabled = s.enabled, priority = %s.priority, "streamer updated");
            }
        }
        ConfigUpdateEvent::GlobalReloaded => {}
    }
}
