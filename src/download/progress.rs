//! [`ProgressCell`]: where an engine's once-a-second progress lands. The
//! manager's snapshot (`srec status`, API, dashboard) reads it; nothing
//! needs to be woken for it. Only the first progress report with data goes
//! on the event bus, as the "data arrived" signal that closes circuit
//! breakers and resets retry backoff. Sending every report through the bus
//! woke the daemon's runtime once per recording and second, which was a
//! fifth of mesio's CPU at 20 low-bitrate recordings (docs/BENCHMARKS.md).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The latest progress report of one download.
#[derive(Debug, Default)]
pub struct ProgressCell {
    bytes: AtomicU64,
    bitrate: AtomicU64,
    duration_ms: AtomicU64,
    delivered: AtomicBool,
}

/// A copy of a [`ProgressCell`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressReading {
    pub bytes: u64,
    pub bitrate: u64,
    pub duration_ms: u64,
}

impl ProgressCell {
    /// Records a report. Returns true for the first one carrying data: that
    /// one is still published as an event.
    pub fn store(&self, bytes: u64, bitrate: u64, duration: Duration) -> bool {
        self.bytes.store(bytes, Ordering::Relaxed);
        self.bitrate.store(bitrate, Ordering::Relaxed);
        let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        self.duration_ms.store(ms, Ordering::Relaxed);
        bytes > 0 && !self.delivered.swap(true, Ordering::Relaxed)
    }

    /// The latest report (fields may come from two neighbouring reports;
    /// a dashboard cannot tell).
    pub fn read(&self) -> ProgressReading {
        ProgressReading {
            bytes: self.bytes.load(Ordering::Relaxed),
            bitrate: self.bitrate.load(Ordering::Relaxed),
            duration_ms: self.duration_ms.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_report_with_data_is_announced() {
        let c = ProgressCell::default();
        assert!(!c.store(0, 0, Duration::ZERO), "no data yet");
        assert!(c.store(1000, 8000, Duration::from_secs(1)));
        assert!(!c.store(2000, 8000, Duration::from_secs(2)));
        assert_eq!(
            c.read(),
            ProgressReading {
                bytes: 2000,
                bitrate: 8000,
                duration_ms: 2000
            }
        );
        // A stalled source reports zero bitrate; that is kept, not announced.
        assert!(!c.store(2000, 0, Duration::from_secs(2)));
        assert_eq!(c.read().bitrate, 0);
    }
}
