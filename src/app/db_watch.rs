//! Notices streamer changes made by other processes (`srec add/remove/
//! enable/disable` while a daemon runs). SQLite's `PRAGMA data_version`
//! changes only when *another* connection commits, so polling it every
//! 250 ms is cheap and never fires for the daemon's own writes.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::db::Db;
use crate::events::ConfigUpdateEvent;
use crate::streamer::StreamerManager;

/// Poll period; bounds how long a CLI change takes to reach the daemon.
pub const POLL: Duration = Duration::from_millis(250);

/// Runs until cancelled. The polling runs on a thread of its own: waking
/// it four times a second costs one context switch each, where a runtime
/// timer plus a blocking-pool hand-off cost about four, all day long. The
/// async side only wakes when another process committed.
pub async fn run(db: Db, streamers: Arc<StreamerManager>, cancel: CancellationToken) {
    let changed = Arc::new(Notify::new());
    // Dropped on cancellation: the poller sees the disconnect at once.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let poller = {
        let changed = Arc::clone(&changed);
        std::thread::Builder::new()
            .name("srec-dbwatch".into())
            .spawn(move || poll(&db, &stopped, &changed))
    };
    if let Err(e) = poller {
        tracing::error!("database change watcher disabled: cannot start its thread: {e}");
        return;
    }
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = changed.notified() => {}
        }
        match streamers.sync_from_db().await {
            Ok(events) => {
                for e in events {
                    log_event(&streamers, &e);
                }
            }
            Err(e) => tracing::warn!("cannot reload streamers after external change: {e}"),
        }
    }
    drop(stop);
}

/// Polls `data_version` every [`POLL`] until `stopped` disconnects, and
/// signals `changed` when it moves.
fn poll(db: &Db, stopped: &Receiver<()>, changed: &Notify) {
    // A cached statement: no SQL parsing four times a second.
    let version = || {
        db.with(|c| {
            let mut st = c.prepare_cached("PRAGMA data_version")?;
            Ok(st.query_row([], |r| r.get::<_, i64>(0))?)
        })
    };
    let mut last = match version() {
        Ok(v) => v,
        Err(e) => {
            tracing::error!("database change watcher disabled: {e}");
            return;
        }
    };
    // A commit between the daemon's first load and this first reading
    // would otherwise go unnoticed: compare once now.
    changed.notify_one();
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(POLL) {
        match version() {
            Ok(v) if v != last => {
                last = v;
                changed.notify_one();
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("database change check failed: {e}"),
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
