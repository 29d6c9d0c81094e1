//! The live playlist watcher: reloads the media playlist on the HLS
//! schedule (every target duration, every half target duration while it is
//! unchanged), retries failed loads with backoff, and hands new segments to
//! the recorder in order. It gives up when no new segment has appeared for
//! the stall deadline, so a dead stream ends the recording instead of
//! polling forever. Server-side ads are left out ([`super::ads`]). Reloads
//! are moved a little later onto a process-wide grid (200 ms) so that the
//! recordings of one shard reload together.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::ads::AdGate;
use super::error::HlsError;
use super::fetch::Fetch;
use super::numbering::Numbering;
use super::playlist::{MediaWindow, Parsed, parse};
use super::tracker::{PlaylistTracker, SegmentJob, StartAt};

/// Largest playlist body accepted.
pub const PLAYLIST_LIMIT: usize = 4 * 1024 * 1024;

/// Watcher settings.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub start: StartAt,
    /// Stall deadline = `stall_factor` × target duration + `stall_grace`.
    pub stall_factor: u32,
    pub stall_grace: Duration,
    /// Consecutive non-transient HTTP errors (403, 401, 410...) before giving
    /// up early: an expired token will not come back, the platform must be
    /// asked for a fresh URL.
    pub max_fatal_errors: u32,
    /// Reloads are moved later onto a process-wide grid of this spacing
    /// (at most a fifth of the target duration; zero: exact schedule).
    pub reload_grid: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            start: StartAt::Oldest,
            stall_factor: 3,
            stall_grace: Duration::from_secs(10),
            max_fatal_errors: 3,
            reload_grid: GRID,
        }
    }
}

impl WatchOptions {
    fn stall_deadline(&self, target: Duration) -> Duration {
        target * self.stall_factor + self.stall_grace
    }
}

/// What the watcher reports, in order.
#[derive(Debug)]
pub enum WatchItem {
    Segment(SegmentJob),
    /// `#EXT-X-ENDLIST`: no more segments will come.
    End,
}

/// Default spacing of the reload grid.
pub const GRID: Duration = Duration::from_millis(200);

/// `t` rounded up to a process-wide grid of spacing `step`. The reloads of every
/// recording then fall on the same few instants, so one wake-up of a shard
/// sends many requests and takes in their answers together, instead of a
/// wake-up per recording: at 20 low-bitrate recordings this cut the shard
/// threads' context switches 3-5x and their CPU by ~20 % (docs/
/// BENCHMARKS.md). A reload at most 200 ms late costs nothing: recording
/// starts at the oldest segment and a live window holds several.
fn on_grid(t: Instant, step: Duration) -> Instant {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    if step.is_zero() {
        return t;
    }
    let origin = *ORIGIN.get_or_init(Instant::now);
    let step = step.as_nanos();
    // A clock behind the origin (another test's paused clock) is left alone.
    let Some(since) = t.checked_duration_since(origin) else {
        return t;
    };
    let steps = since.as_nanos().div_ceil(step);
    origin + Duration::from_nanos(u64::try_from(steps * step).unwrap_or(u64::MAX))
}

/// Loads and parses one media playlist.
pub async fn load_media<F: Fetch>(fetch: &F, url: &Url) -> Result<MediaWindow, HlsError> {
    let body = fetch.get(url, None, PLAYLIST_LIMIT).await?;
    match parse(url, &body)? {
        Parsed::Media(w) => Ok(w),
        Parsed::Master(_) => Err(HlsError::Playlist {
            url: crate::net::redact_url(url),
            reason: "expected a media playlist, got a master playlist".into(),
        }),
    }
}

/// Runs until ENDLIST, a stall, a fatal error, cancellation, or the receiver
/// going away. `first` is an already-loaded window of `url` (saves a request).
/// `numbering` is shared with the segment downloads: they ask for early
/// reloads, and learn about renumbering from it.
pub async fn watch<F: Fetch>(
    fetch: Arc<F>,
    url: Url,
    first: Option<MediaWindow>,
    opts: WatchOptions,
    numbering: Arc<Numbering>,
    tx: mpsc::Sender<Result<WatchItem, HlsError>>,
    cancel: CancellationToken,
) {
    let mut tracker = PlaylistTracker::with_numbering(opts.start, numbering.clone());
    let mut ads = AdGate::default();
    let mut first = first;
    let mut target = Duration::from_secs(6);
    let mut last_new = Instant::now();
    let mut last_err: Option<HlsError>;
    let mut failures = 0u32;
    let mut fatal = 0u32;
    loop {
        let started = Instant::now();
        let loaded = match first.take() {
            Some(w) => Ok(w),
            None => load_media(fetch.as_ref(), &url).await,
        };
        let delay = match loaded {
            Ok(w) => {
                failures = 0;
                fatal = 0;
                last_err = None;
                target = w.target_duration;
                let jobs = tracker.update(&w);
                numbering.loaded();
                // Ads count as progress: a long break is no stall.
                let fresh = !jobs.is_empty();
                ads.absorb(&w.ad_ranges);
                for job in jobs.into_iter().filter_map(|j| ads.pass(j, &numbering)) {
                    if tx.send(Ok(WatchItem::Segment(job))).await.is_err() {
                        return;
                    }
                }
                if fresh {
                    // After the sends: time spent waiting for a busy
                    // recorder is not the stream stalling.
                    last_new = Instant::now();
                }
                if w.end_list {
                    let _ = tx.send(Ok(WatchItem::End)).await;
                    return;
                }
                if fresh { target } else { target / 2 }
            }
            Err(e) => {
                // Nothing new to learn: a download waiting for it goes on.
                numbering.loaded();
                failures += 1;
                tracing::warn!(error = %e, failures, "loading the HLS playlist failed");
                if matches!(&e, HlsError::Net(n) if !n.is_transient()) {
                    fatal += 1;
                }
                if fatal >= opts.max_fatal_errors || matches!(e, HlsError::Unsupported(_)) {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
                last_err = Some(e);
                // 0.5 s, 1 s, 2 s, ... but never slower than the reload rate.
                let backoff =
                    Duration::from_millis(500) * 2u32.saturating_pow(failures - 1).min(64);
                backoff.min(target)
            }
        };
        let stalled_for = last_new.elapsed();
        let deadline = opts.stall_deadline(target);
        if stalled_for >= deadline {
            // A playlist that keeps failing reports why; one that loads
            // fine but never grows is a stall.
            let err = last_err.take().unwrap_or(HlsError::Stalled(stalled_for));
            let _ = tx.send(Err(err)).await;
            return;
        }
        // Reload on schedule, but wake up in time to declare a stall.
        let wake = (started + delay).min(last_new + deadline);
        let wake = on_grid(wake, opts.reload_grid.min(target / 5));
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tx.closed() => return,
            _ = tokio::time::sleep_until(wake) => {}
            // A segment request failed: the playlist may have changed.
            _ = numbering.reload_requested() => {}
        }
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    #[test]
    fn reloads_move_later_onto_a_shared_grid_by_less_than_a_step() {
        let t0 = Instant::now() + Duration::from_secs(1);
        let a = on_grid(t0 + Duration::from_millis(3), GRID);
        let b = on_grid(t0 + Duration::from_millis(150), GRID);
        let c = on_grid(t0 + Duration::from_millis(420), GRID);
        assert!(a >= t0 + Duration::from_millis(3));
        assert!(a - (t0 + Duration::from_millis(3)) <= GRID);
        assert!(c >= t0 + Duration::from_millis(420));
        // Two recordings' reloads within one step share the instant ...
        let close = on_grid(a - Duration::from_millis(1), GRID);
        assert_eq!(close, a);
        // ... and the grid never moves a reload by a whole step.
        assert!(b - a < GRID + Duration::from_millis(1));
        assert!(c > a);
    }

    #[test]
    fn a_zero_grid_keeps_the_exact_schedule() {
        let t = Instant::now() + Duration::from_millis(1234);
        assert_eq!(on_grid(t, Duration::ZERO), t);
        let g = on_grid(t, Duration::from_millis(100));
        assert!(g >= t && g - t <= Duration::from_millis(100));
    }
}
