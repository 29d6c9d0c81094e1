//! The ThrottleController (off by default): while the job queue is backed
//! up, new recordings get fewer download slots through the download
//! manager's limit adjuster (running recordings are never stopped); the
//! change is an outbox event for the dashboard and notifications, and the
//! limit comes back once the backlog drains under the lower threshold.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::PipelineManager;
use crate::db::DbError;
use crate::download::limits::{LimitAdjuster, Limits};
use crate::events::PipelineThrottle;

/// The adjuster the download manager consults.
#[derive(Debug)]
pub struct Throttle {
    engaged: AtomicBool,
    factor: Mutex<f64>,
    /// The `max_concurrent` the download manager last asked about, so the
    /// dashboard can say "downloads 4→2" without reading the config again.
    configured: AtomicUsize,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            engaged: AtomicBool::new(false),
            factor: Mutex::new(0.5),
            configured: AtomicUsize::new(0),
        }
    }
}

impl Throttle {
    /// Whether new recordings are throttled now.
    pub fn engaged(&self) -> bool {
        self.engaged.load(Ordering::Relaxed)
    }

    /// While engaged: the configured download limit and the lowered one in
    /// force (the dashboard's "downloads 4→2"); `None` when off.
    pub fn lowered(&self) -> Option<(usize, usize)> {
        if !self.engaged() {
            return None;
        }
        let configured = self.configured.load(Ordering::Relaxed);
        Some((configured, self.scaled(configured)))
    }

    fn scaled(&self, configured: usize) -> usize {
        let f = *self.factor.lock().unwrap_or_else(|p| p.into_inner());
        ((configured as f64 * f).floor() as usize).max(1)
    }
}

impl LimitAdjuster for Throttle {
    fn adjust(&self, configured: Limits) -> Limits {
        self.configured
            .store(configured.max_concurrent, Ordering::Relaxed);
        if !self.engaged() {
            return configured;
        }
        Limits {
            max_concurrent: self.scaled(configured.max_concurrent),
            high_slots: configured.high_slots,
        }
    }
}

/// Engages or releases the throttle from the queue's depth and oldest wait.
pub async fn check(mgr: &PipelineManager) -> Result<(), DbError> {
    let t = mgr.config.current().pipeline.throttle.clone();
    let engaged = mgr.throttle.engaged();
    if !t.enabled && !engaged {
        return Ok(());
    }
    let (depth, wait) = mgr.db.call(|c| crate::db::jobs_query::backlog(c)).await?;
    let max_wait = t.max_wait.as_millis() as u64;
    let want = if !t.enabled {
        false
    } else if engaged {
        !(depth < t.low_depth as u64 && wait < max_wait)
    } else {
        depth > t.high_depth as u64 || wait >= max_wait
    };
    if want == engaged {
        return Ok(());
    }
    *mgr.throttle
        .factor
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = t.factor;
    mgr.throttle.engaged.store(want, Ordering::Relaxed);
    mgr.downloads.refresh_limits();
    let (_, _, limit) = mgr.downloads.counts();
    if want {
        tracing::warn!(
            depth,
            oldest_wait_ms = wait,
            limit,
            "pipeline backlog: throttling new recordings"
        );
    } else {
        tracing::info!(
            depth,
            limit,
            "pipeline backlog drained: download limit restored"
        );
    }
    let ev = PipelineThrottle {
        engaged: want,
        depth,
        oldest_wait_ms: wait,
        max_concurrent: limit,
    };
    let payload = serde_json::to_string(&ev).map_err(|e| DbError::Corrupt(e.to_string()))?;
    mgr.db
        .call(move |c| {
            crate::db::outbox::insert(c, None, PipelineThrottle::KIND, &payload).map(|_| ())
        })
        .await?;
    mgr.outbox_wake.notify_one();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_engaged_throttle_scales_the_limit_but_never_to_zero() {
        let t = Throttle::default();
        let c = Limits {
            max_concurrent: 6,
            high_slots: 2,
        };
        assert_eq!(t.adjust(c), c);
        assert_eq!(t.lowered(), None, "nothing to show while off");
        t.engaged.store(true, Ordering::Relaxed);
        assert_eq!(t.adjust(c).max_concurrent, 3);
        assert_eq!(t.lowered(), Some((6, 3)), "configured and lowered");
        assert_eq!(
            t.adjust(Limits {
                max_concurrent: 1,
                high_slots: 0
            })
            .max_concurrent,
            1
        );
    }
}
