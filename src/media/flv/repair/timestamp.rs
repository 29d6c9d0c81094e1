//! Rule: repair timestamp jumps and rebounds.
//!
//! One offset is added to every tag's source timestamp. When a tag lands more
//! than `jump_threshold_ms` after the newest output timestamp (a forward jump)
//! or more than `backward_tolerance_ms` before it (a rebound, e.g. a CDN
//! restarting at 0 after a reconnect, or the 32-bit wrap), the offset is
//! recomputed so this tag lands at a *predicted* time: the previous tag of its
//! type plus that type's last frame interval. Because the offset is shared,
//! the other stream follows the same correction and audio/video stay in sync.
//! Small per-type regressions within the tolerance pass through unchanged;
//! [`super::MonotonicRule`], next in the chain, moves or drops them. Arithmetic is in i64; output is the low 32 bits, which
//! downstream compares with wrapping arithmetic, so week-long streams are fine.

use super::{Action, RepairContext, RepairRule, SplitReason};
use crate::media::flv::tag::{FlvTag, TagType};

/// Thresholds of the timestamp rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampConfig {
    /// A forward step larger than this is a jump.
    pub jump_threshold_ms: u32,
    /// A backward step larger than this is a rebound; smaller ones are clamped.
    pub backward_tolerance_ms: u32,
    /// Also request a (soft) split when a jump is repaired.
    pub split_on_jump: bool,
}

impl Default for TimestampConfig {
    fn default() -> Self {
        Self {
            jump_threshold_ms: 3_000,
            backward_tolerance_ms: 500,
            split_on_jump: false,
        }
    }
}

/// Frame interval assumed before one has been measured, per type.
const DEFAULT_DELTA: [i64; 2] = [23, 33];
/// Intervals above this are gaps, not frame intervals.
const MAX_DELTA: i64 = 1_000;

/// See the module docs.
#[derive(Debug)]
pub struct TimestampRule {
    cfg: TimestampConfig,
    offset: i64,
    newest: Option<i64>,
    last: [Option<i64>; 2],
    delta: [i64; 2],
}

impl TimestampRule {
    pub fn new(cfg: TimestampConfig) -> Self {
        Self {
            cfg,
            offset: 0,
            newest: None,
            last: [None, None],
            delta: DEFAULT_DELTA,
        }
    }

    /// Where the next tag of stream `k` should land after a discontinuity.
    fn predict(&self, k: usize, newest: i64) -> i64 {
        let tol = i64::from(self.cfg.backward_tolerance_ms);
        match self.last[k] {
            Some(l) if l + self.delta[k] >= newest - tol => l + self.delta[k],
            _ => newest + self.delta[k],
        }
    }
}

impl RepairRule for TimestampRule {
    fn name(&self) -> &'static str {
        "timestamp"
    }

    fn process(&mut self, mut tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        let k = match tag.tag_type {
            TagType::Audio => 0,
            TagType::Video => 1,
            TagType::Script => {
                // Script tags carry no media time; pin them to "now".
                tag.timestamp = self.newest.unwrap_or(0) as u32;
                out.push(Action::Tag(tag));
                return;
            }
        };
        let src = i64::from(tag.timestamp);
        let mut ts = src + self.offset;
        if let Some(newest) = self.newest {
            let step = ts - newest;
            if step > i64::from(self.cfg.jump_threshold_ms)
                || step < -i64::from(self.cfg.backward_tolerance_ms)
            {
                let predicted = self.predict(k, newest);
                self.offset = predicted - src;
                ts = predicted;
                ctx.stats.timestamp_rebases += 1;
                if self.cfg.split_on_jump {
                    out.push(Action::Split(SplitReason::TimestampGap));
                }
            }
        }
        // Small steps back of one stream pass through: `MonotonicRule`
        // decides whether such a tag is moved or dropped. The prediction
        // keeps following the newest tag of each stream.
        if let Some(l) = self.last[k]
            && (1..=MAX_DELTA).contains(&(ts - l))
        {
            self.delta[k] = ts - l;
        }
        self.last[k] = Some(self.last[k].map_or(ts, |l| l.max(ts)));
        self.newest = Some(self.newest.map_or(ts, |n| n.max(ts)));
        // Output keeps the low 32 bits; consumers use wrapping differences.
        tag.timestamp = ts as u32;
        out.push(Action::Tag(tag));
    }
}

#[cfg(test)]
#[path = "timestamp_tests.rs"]
mod tests;
