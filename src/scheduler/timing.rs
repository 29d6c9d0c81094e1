//! When to check next: the configured interval with ±10 % jitter (so many
//! streamers do not hit a platform in lock-step), exponential backoff on
//! failures, and a platform's `Retry-After`.

use std::time::Duration;

use rand::Rng;

use crate::monitor::Outcome;
use crate::platform::PlatformError;

/// Longest wait between checks caused by backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// Tracks consecutive failures of one actor.
#[derive(Debug, Default, Clone)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// Delay before the next check after `outcome`.
    pub fn next_delay(&mut self, interval: Duration, outcome: &Outcome) -> Duration {
        let base = match outcome {
            Outcome::Failed(e) => {
                self.failures += 1;
                let exp = interval.saturating_mul(1 << (self.failures - 1).min(5));
                let backoff = exp.min(MAX_BACKOFF.max(interval));
                match e {
                    PlatformError::RateLimited {
                        retry_after: Some(r),
                    } => backoff.max(*r),
                    _ => backoff,
                }
            }
            _ => {
                self.failures = 0;
                interval
            }
        };
        jitter(base)
    }

    /// Consecutive failures so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// `d` ± 10 %.
pub fn jitter(d: Duration) -> Duration {
    let f: f64 = rand::rng().random_range(0.9..=1.1);
    d.mul_f64(f)
}

/// First check of a new actor: soon, but spread over up to a second.
pub fn initial_delay(interval: Duration) -> Duration {
    let cap = interval.min(Duration::from_secs(1)).as_millis().max(1) as u64;
    Duration::from_millis(rand::rng().random_range(0..cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_resets() {
        let mut b = Backoff::default();
        let i = Duration::from_secs(10);
        let fail = Outcome::Failed(PlatformError::Transient("x".into()));
        let d1 = b.next_delay(i, &fail);
        let d2 = b.next_delay(i, &fail);
        assert!(
            d1 >= Duration::from_secs(9) && d1 <= Duration::from_secs(11),
            "{d1:?}"
        );
        assert!(
            d2 >= Duration::from_secs(18) && d2 <= Duration::from_secs(22),
            "{d2:?}"
        );
        for _ in 0..20 {
            let d = b.next_delay(i, &fail);
            assert!(d <= MAX_BACKOFF.mul_f64(1.1));
        }
        let ok = b.next_delay(i, &Outcome::Offline);
        assert!(ok <= Duration::from_secs(11));
        assert_eq!(b.failures(), 0);
        let rl = Outcome::Failed(PlatformError::RateLimited {
            retry_after: Some(Duration::from_secs(120)),
        });
        assert!(b.next_delay(i, &rl) >= Duration::from_secs(108));
    }
}
