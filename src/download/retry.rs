//! Restart policy after a failed download: exponential backoff with jitter
//! for retryable errors, bounded by `max_attempts`, then a slow fixed
//! cadence (also used for non-retryable errors, so a config fix or an
//! installed binary is picked up without restarting srec).

use std::time::Duration;

use rand::Rng;

use crate::config::RetrySettings;

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Restart after this delay (attempt number, 1-based).
    Backoff { delay: Duration, attempt: u32 },
    /// Quick retries are used up or pointless: mark the streamer `error`
    /// and try again after this (long) delay.
    Slow { delay: Duration },
}

impl RetryDecision {
    pub fn delay(self) -> Duration {
        match self {
            Self::Backoff { delay, .. } | Self::Slow { delay } => delay,
        }
    }
}

/// A policy resolved for one engine.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub settings: RetrySettings,
}

impl RetryPolicy {
    pub fn new(settings: RetrySettings) -> Self {
        Self { settings }
    }

    /// Delay before attempt `attempt` (1-based) without jitter.
    pub fn base_delay(&self, attempt: u32) -> Duration {
        let s = &self.settings;
        let exp = s
            .multiplier
            .max(1.0)
            .powi(attempt.saturating_sub(1).min(64) as i32);
        let secs = (s.initial_delay.as_secs_f64() * exp).min(s.max_delay.as_secs_f64());
        Duration::from_secs_f64(secs.max(0.0))
    }

    /// Decides the next step after failure number `attempt` (1-based,
    /// consecutive) with the given retryability; `unit` is a uniform sample
    /// in [0, 1) for the jitter (tests pass fixed values).
    pub fn decide_with(&self, attempt: u32, retryable: bool, unit: f64) -> RetryDecision {
        let s = &self.settings;
        if !retryable || attempt > s.max_attempts {
            return RetryDecision::Slow {
                delay: s.error_interval,
            };
        }
        let base = self.base_delay(attempt).as_secs_f64();
        let spread = s.jitter.clamp(0.0, 1.0) * base;
        let jittered = base - spread + 2.0 * spread * unit.clamp(0.0, 1.0);
        RetryDecision::Backoff {
            delay: Duration::from_secs_f64(jittered.max(0.0)),
            attempt,
        }
    }

    /// [`Self::decide_with`] with a random jitter sample.
    pub fn decide(&self, attempt: u32, retryable: bool) -> RetryDecision {
        self.decide_with(attempt, retryable, rand::rng().random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::new(RetrySettings {
            max_attempts: 4,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(3),
            multiplier: 2.0,
            jitter: 0.2,
            error_interval: Duration::from_secs(60),
        })
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = policy();
        let d: Vec<_> = (1..=5).map(|a| p.base_delay(a).as_millis()).collect();
        assert_eq!(d, vec![500, 1000, 2000, 3000, 3000]);
    }

    #[test]
    fn jitter_stays_within_its_fraction_and_first_retry_is_quick() {
        let p = policy();
        let lo = p.decide_with(1, true, 0.0).delay();
        let hi = p.decide_with(1, true, 0.999_999).delay();
        assert_eq!(lo, Duration::from_millis(400));
        assert!(hi <= Duration::from_millis(600) && hi > Duration::from_millis(599));
        for _ in 0..100 {
            assert!(p.decide(1, true).delay() < Duration::from_secs(2));
        }
    }

    #[test]
    fn non_retryable_and_exhausted_go_slow() {
        let p = policy();
        let slow = RetryDecision::Slow {
            delay: Duration::from_secs(60),
        };
        assert_eq!(p.decide_with(1, false, 0.5), slow);
        assert_eq!(p.decide_with(5, true, 0.5), slow);
        assert!(matches!(
            p.decide_with(4, true, 0.5),
            RetryDecision::Backoff { attempt: 4, .. }
        ));
    }
}
