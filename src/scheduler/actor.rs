//! StreamerActor and PlatformActor: the timing loops. A StreamerActor checks
//! one streamer; a PlatformActor checks all members of one batch group with a
//! single request per interval. Both can be poked to check at once.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::timing::{Backoff, initial_delay};
use crate::config::ConfigService;
use crate::monitor::{Outcome, StreamMonitor};
use crate::streamer::StreamerManager;

/// What actors need.
#[derive(Clone)]
pub struct ActorCtx {
    pub monitor: Arc<StreamMonitor>,
    pub streamers: Arc<StreamerManager>,
    pub config: Arc<ConfigService>,
}

impl ActorCtx {
    fn interval(&self, id: i64) -> Option<Duration> {
        self.streamers
            .get(id)
            .map(|s| self.config.effective(&s).check_interval)
    }
}

/// Waits for `delay`, a poke, or cancellation (false).
async fn wait(delay: Duration, poke: &Notify, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => false,
        _ = poke.notified() => true,
        _ = tokio::time::sleep(delay) => true,
    }
}

/// Checks one streamer until cancelled or the streamer is gone.
pub async fn streamer_actor(ctx: ActorCtx, id: i64, poke: Arc<Notify>, cancel: CancellationToken) {
    let Some(interval) = ctx.interval(id) else {
        return;
    };
    let mut delay = initial_delay(interval);
    let mut backoff = Backoff::default();
    while wait(delay, &poke, &cancel).await {
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return,
            o = ctx.monitor.check(id) => o,
        };
        if outcome == Outcome::Gone {
            return;
        }
        let Some(interval) = ctx.interval(id) else {
            return;
        };
        delay = backoff.next_delay(interval, &outcome);
        if let Outcome::Failed(e) = &outcome {
            tracing::debug!(
                streamer = id,
                failures = backoff.failures(),
                "check failed: {e}; next in {delay:?}"
            );
        }
    }
}

/// Members of a batch group: `(streamer id, room id)`.
pub type Members = Vec<(i64, String)>;

/// Checks every member of one batch group with one request per interval
/// (the shortest interval among members). A membership change does not
/// postpone the next check; a new member is checked within a second.
pub async fn platform_actor(
    ctx: ActorCtx,
    key: String,
    mut members: watch::Receiver<Members>,
    poke: Arc<Notify>,
    cancel: CancellationToken,
) {
    let interval_of = |m: &Members| m.iter().filter_map(|(id, _)| ctx.interval(*id)).min();
    let first = interval_of(&members.borrow()).unwrap_or(Duration::from_secs(60));
    let mut next_at = Instant::now() + initial_delay(first);
    let mut backoff = Backoff::default();
    let mut known: Members = members.borrow().clone();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = poke.notified() => {}
            changed = members.changed() => {
                if changed.is_err() { return }
                let now_members = members.borrow_and_update().clone();
                if now_members.iter().any(|m| !known.contains(m)) {
                    let soon = Instant::now() + initial_delay(Duration::from_secs(1));
                    next_at = next_at.min(soon);
                }
                known = now_members;
                continue;
            }
            _ = tokio::time::sleep_until(next_at) => {}
        }
        let current = members.borrow_and_update().clone();
        known = current.clone();
        if current.is_empty() {
            next_at = Instant::now() + Duration::from_secs(60);
            continue;
        }
        let results = tokio::select! {
            _ = cancel.cancelled() => return,
            r = ctx.monitor.check_batch(&current) => r,
        };
        let all_failed =
            !results.is_empty() && results.iter().all(|(_, o)| matches!(o, Outcome::Failed(_)));
        let outcome = if all_failed {
            results
                .into_iter()
                .next()
                .map_or(Outcome::Offline, |(_, o)| o)
        } else {
            Outcome::Offline
        };
        let interval = interval_of(&current).unwrap_or(Duration::from_secs(60));
        let delay = backoff.next_delay(interval, &outcome);
        next_at = Instant::now() + delay;
        if all_failed {
            tracing::warn!(group = %key, members = current.len(), "batch check failed; next in {delay:?}");
        }
    }
}
