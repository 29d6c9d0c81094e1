//! Bounded keyframe index for the onMetaData `keyframes` object.

/// Keyframe (time, file position) pairs, bounded to `2 * slots` entries.
///
/// When full, every other entry is dropped and from then on only every
/// `stride`-th keyframe is recorded, so the kept entries stay evenly spread
/// over the whole file however long it runs; [`Self::sampled`] then picks at
/// most `slots` of them evenly.
#[derive(Debug, Clone)]
pub struct KeyframeIndex {
    slots: usize,
    entries: Vec<(u32, u64)>,
    stride: u64,
    seen: u64,
}

impl KeyframeIndex {
    pub fn new(slots: usize) -> Self {
        Self {
            slots,
            entries: Vec::new(),
            stride: 1,
            seen: 0,
        }
    }

    /// Records a keyframe at file-relative `ts_ms` starting at byte `pos`.
    pub fn push(&mut self, ts_ms: u32, pos: u64) {
        let n = self.seen;
        self.seen += 1;
        if self.slots == 0 || !n.is_multiple_of(self.stride) {
            return;
        }
        self.entries.push((ts_ms, pos));
        if self.entries.len() >= 2 * self.slots {
            let mut i = 0;
            self.entries.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
        }
    }

    /// Keyframes seen in total.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// At most `slots` entries, evenly sampled, in file order.
    pub fn sampled(&self) -> Vec<(u32, u64)> {
        let n = self.entries.len();
        if n <= self.slots {
            return self.entries.clone();
        }
        (0..self.slots)
            .map(|i| self.entries[i * n / self.slots])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_all_when_within_slots() {
        let mut k = KeyframeIndex::new(10);
        for i in 0..10 {
            k.push(i * 2000, u64::from(i) * 100);
        }
        assert_eq!(k.sampled().len(), 10);
        assert_eq!(k.sampled()[3], (6000, 300));
    }

    #[test]
    fn samples_evenly_when_over_and_stays_bounded() {
        let mut k = KeyframeIndex::new(100);
        for i in 0..100_000u32 {
            k.push(i, u64::from(i));
            assert!(k.entries.len() < 200);
        }
        let s = k.sampled();
        assert_eq!(s.len(), 100);
        assert_eq!(s[0], (0, 0));
        assert!(s.windows(2).all(|w| w[0].1 < w[1].1));
        // Evenly spread: the last sample is in the final 2 % of the file.
        assert!(s[99].0 > 98_000, "{:?}", s[99]);
        assert_eq!(k.seen(), 100_000);
    }

    #[test]
    fn zero_slots_records_nothing() {
        let mut k = KeyframeIndex::new(0);
        k.push(0, 13);
        assert!(k.sampled().is_empty());
    }
}
