//! Retry delays (exponential backoff with jitter, never shorter than what
//! the receiver asked for) and a per-channel circuit breaker: after
//! `threshold` failures in a row the channel rests for `cooldown`, then one
//! probe decides whether it is back.

use std::time::{Duration, Instant};

/// Delay before attempt `attempt + 1` (attempt counts from 1): `base · 2^(n-1)`
/// capped at `max`, plus 0–25 % jitter; at least `asked` (Retry-After).
pub fn delay(base: Duration, max: Duration, attempt: u32, asked: Option<Duration>) -> Duration {
    let exp = base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
        .min(max);
    let jitter = exp.mul_f64(rand::random_range(0.0..0.25));
    let d = exp + jitter;
    match asked {
        Some(a) if a > d => a,
        _ => d,
    }
}

/// Consecutive-failure breaker of one channel (kept in memory: a restart
/// gives the channel a fresh chance).
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    failures: u32,
    open_until: Option<Instant>,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            failures: 0,
            open_until: None,
        }
    }

    /// How long to wait before the next request may go out (zero when closed).
    pub fn wait(&self, now: Instant) -> Duration {
        self.open_until
            .map_or(Duration::ZERO, |t| t.saturating_duration_since(now))
    }

    pub fn is_open(&self) -> bool {
        self.open_until.is_some()
    }

    pub fn success(&mut self) {
        self.failures = 0;
        self.open_until = None;
    }

    /// Counts a failure; returns true when it opened (or re-opened) the breaker.
    pub fn failure(&mut self, now: Instant) -> bool {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= self.threshold {
            self.open_until = Some(now + self.cooldown);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_cap_and_honour_retry_after() {
        let b = Duration::from_secs(1);
        let m = Duration::from_secs(10);
        let d1 = delay(b, m, 1, None);
        assert!(d1 >= b && d1 <= b.mul_f64(1.25), "{d1:?}");
        let d3 = delay(b, m, 3, None);
        assert!(d3 >= 4 * b && d3 <= (4 * b).mul_f64(1.25), "{d3:?}");
        assert!(delay(b, m, 30, None) <= m.mul_f64(1.25));
        assert_eq!(
            delay(b, m, 1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn breaker_opens_after_the_threshold_and_closes_on_success() {
        let now = Instant::now();
        let mut br = Breaker::new(2, Duration::from_secs(60));
        assert!(!br.failure(now));
        assert_eq!(br.wait(now), Duration::ZERO);
        assert!(br.failure(now));
        assert_eq!(br.wait(now), Duration::from_secs(60));
        assert_eq!(br.wait(now + Duration::from_secs(61)), Duration::ZERO);
        br.success();
        assert!(!br.is_open());
    }
}
