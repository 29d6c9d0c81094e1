//! Media-time events of one live session: clip switches and timestamp jumps.
//!
//! Media time is the room's stream clock in milliseconds (0 = start of the
//! first segment). Events snap to segment boundaries, which are also GOP
//! boundaries in both clips, so every protocol can apply them cleanly.

use crate::media::fixture::SEGMENT_MS;

/// Rounds a media time up to the next segment boundary (itself if on one).
pub fn round_up_to_segment(ms: u64) -> u64 {
    ms.div_ceil(SEGMENT_MS) * SEGMENT_MS
}

/// Ordered switch and jump events.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Timeline {
    switches: Vec<u64>,
    jumps: Vec<(u64, i64)>,
}

impl Timeline {
    /// Records a clip switch at `at_ms` (rounded up); returns the boundary used.
    /// Two switches at the same boundary cancel out.
    pub fn add_switch(&mut self, at_ms: u64) -> u64 {
        let at = round_up_to_segment(at_ms);
        match self.switches.binary_search(&at) {
            Ok(pos) => {
                self.switches.remove(pos);
            }
            Err(pos) => self.switches.insert(pos, at),
        }
        at
    }

    /// Records a timestamp jump of `delta_ms` from `at_ms` (rounded up).
    pub fn add_jump(&mut self, at_ms: u64, delta_ms: i64) -> u64 {
        let at = round_up_to_segment(at_ms);
        let pos = self.jumps.partition_point(|(t, _)| *t <= at);
        self.jumps.insert(pos, (at, delta_ms));
        at
    }

    /// Which clip plays at `ms` for a rendition whose own clip is `base`.
    pub fn clip_at(&self, base: usize, ms: u64) -> usize {
        let flips = self.switches.partition_point(|t| *t <= ms);
        (base + flips) % 2
    }

    /// Start of the current clip run containing `ms` (0 if never switched).
    pub fn run_start(&self, ms: u64) -> u64 {
        let n = self.switches.partition_point(|t| *t <= ms);
        if n == 0 { 0 } else { self.switches[n - 1] }
    }

    /// Whether a switch happens exactly at `ms` (a segment start).
    pub fn switches_at(&self, ms: u64) -> bool {
        self.switches.binary_search(&ms).is_ok()
    }

    /// Switches strictly before `ms`: the discontinuity sequence of a playlist
    /// whose first segment starts at `ms`.
    pub fn switches_before(&self, ms: u64) -> u64 {
        self.switches.partition_point(|t| *t < ms) as u64
    }

    /// Total timestamp shift applied to media at `ms`.
    pub fn jump_at(&self, ms: u64) -> i64 {
        self.jumps
            .iter()
            .take_while(|(t, _)| *t <= ms)
            .map(|(_, d)| d)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_toggle_clip_from_boundary() {
        let mut t = Timeline::default();
        assert_eq!(t.add_switch(2500), 3000);
        assert_eq!(t.clip_at(0, 2999), 0);
        assert_eq!(t.clip_at(0, 3000), 1);
        assert_eq!(t.clip_at(1, 3000), 0);
        assert!(t.switches_at(3000));
        assert_eq!(t.run_start(5000), 3000);
        assert_eq!(t.switches_before(3000), 0);
        assert_eq!(t.switches_before(4000), 1);
        t.add_switch(6000);
        assert_eq!(t.clip_at(0, 6000), 0);
        t.add_switch(6000);
        assert_eq!(t.clip_at(0, 6000), 1, "same boundary twice cancels");
    }

    #[test]
    fn jumps_accumulate() {
        let mut t = Timeline::default();
        t.add_jump(1000, 5000);
        t.add_jump(3001, -2000);
        assert_eq!(t.jump_at(999), 0);
        assert_eq!(t.jump_at(1000), 5000);
        assert_eq!(t.jump_at(4000), 3000);
        assert_eq!(round_up_to_segment(0), 0);
        assert_eq!(round_up_to_segment(1), 1000);
    }
}
