//! Rule: drop the GOP a CDN re-sends after a reconnect.
//!
//! After a reconnect many CDNs replay their GOP cache: the tags since the
//! last keyframe, byte-identical and with their original timestamps, followed
//! by new data. Written as-is this duplicates up to a GOP and makes time run
//! backwards. This rule remembers a fingerprint — (type, timestamp) -> (size,
//! xxh3 of the body) — of every audio/video tag in a recent window and drops
//! any tag whose type, timestamp and bytes were already seen. Working per tag
//! (rather than per GOP) also handles a replay that starts mid-GOP or whose
//! audio/video interleaving differs from the original. Requiring the same
//! timestamp keeps legitimately repeated content (a static "be right back"
//! slate with identical frames) from being dropped.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use xxhash_rust::xxh3::xxh3_64;

use super::{Action, RepairContext, RepairRule};
use crate::media::flv::tag::{FlvTag, TagType};

/// Window of remembered tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateConfig {
    /// Tags older than this (by source timestamp, relative to the newest seen)
    /// are forgotten. A GOP cache rarely exceeds 10 s.
    pub window_ms: u32,
    /// Hard cap on remembered tags, whatever the timestamps do.
    pub max_entries: usize,
}

impl Default for DuplicateConfig {
    fn default() -> Self {
        Self {
            window_ms: 20_000,
            max_entries: 8_192,
        }
    }
}

type Key = (bool, u32);

/// See the module docs.
#[derive(Debug)]
pub struct DuplicateRule {
    cfg: DuplicateConfig,
    /// Fx, not SipHash: keys are our own timestamps, and this map is hit
    /// for every tag of every recording.
    seen: FxHashMap<Key, (usize, u64)>,
    order: VecDeque<Key>,
    newest: Option<u32>,
}

impl DuplicateRule {
    pub fn new(cfg: DuplicateConfig) -> Self {
        Self {
            cfg,
            seen: FxHashMap::with_capacity_and_hasher(
                cfg.max_entries.min(8_192),
                Default::default(),
            ),
            order: VecDeque::with_capacity(cfg.max_entries.min(8_192)),
            newest: None,
        }
    }

    fn evict(&mut self) {
        while let Some(&front) = self.order.front() {
            let too_many = self.order.len() > self.cfg.max_entries;
            // Wrapping distance read as signed: entries "ahead" of `newest`
            // (after a timestamp reset) count as recent until pushed out by
            // the count cap.
            let too_old = self
                .newest
                .is_some_and(|n| (n.wrapping_sub(front.1) as i32) > self.cfg.window_ms as i32);
            if !(too_many || too_old) {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&front);
        }
    }
}

impl RepairRule for DuplicateRule {
    fn name(&self) -> &'static str {
        "duplicate-gop"
    }

    fn process(&mut self, tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        if tag.tag_type == TagType::Script {
            out.push(Action::Tag(tag));
            return;
        }
        let key = (tag.tag_type == TagType::Video, tag.timestamp);
        let fp = (tag.data.len(), xxh3_64(&tag.data));
        match self.seen.get(&key) {
            Some(&old) if old == fp => {
                ctx.stats.duplicate_tags_dropped += 1;
                return;
            }
            Some(_) => {
                // Same timestamp, different content (e.g. a B-frame pair with
                // equal DTS): keep it, remember the latest.
                self.seen.insert(key, fp);
            }
            None => {
                self.seen.insert(key, fp);
                self.order.push_back(key);
            }
        }
        let newer = self
            .newest
            .is_none_or(|n| (tag.timestamp.wrapping_sub(n) as i32) > 0);
        if newer {
            self.newest = Some(tag.timestamp);
        }
        self.evict();
        out.push(Action::Tag(tag));
    }

    fn on_discontinuity(&mut self, _ctx: &mut RepairContext) {
        // Keep the window: the replay after the reconnect is exactly what we
        // are here to catch.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::flv::repair::test_util::{run, tags, timestamps};
    use crate::media::flv::synth::{self, StreamShape};

    #[test]
    fn replayed_gop_after_reconnect_is_dropped() {
        let mut seq = 0;
        let shape = StreamShape::default();
        let first = synth::av_frames(shape, 0, 3000, &mut seq); // GOPs at 0 and 2000
        // The CDN replays its cache: everything since the keyframe at 2000,
        // then continues with new frames.
        let replay: Vec<FlvTag> = first
            .iter()
            .filter(|t| t.timestamp >= 2000)
            .cloned()
            .collect();
        let mut seq2 = seq;
        let new: Vec<FlvTag> = synth::av_frames(shape, 0, 4000, &mut seq2)
            .into_iter()
            .filter(|t| t.timestamp >= 3000)
            .collect();
        let mut input = first.clone();
        input.extend(replay.iter().cloned());
        input.extend(new.iter().cloned());
        let mut ctx = RepairContext::default();
        let out = run(
            &mut DuplicateRule::new(DuplicateConfig::default()),
            &mut ctx,
            input,
        );
        let mut want = first;
        want.extend(new);
        assert_eq!(tags(&out), want);
        assert_eq!(ctx.stats.duplicate_tags_dropped, replay.len() as u64);
    }

    #[test]
    fn identical_bytes_at_new_timestamps_are_kept() {
        // A static slate: same frame bytes, advancing time.
        let frame = synth::avc_frame(0, true, 7, 50);
        let input: Vec<FlvTag> = (0..5u32)
            .map(|i| FlvTag {
                timestamp: i * 33,
                ..frame.clone()
            })
            .collect();
        let mut ctx = RepairContext::default();
        let out = run(
            &mut DuplicateRule::new(DuplicateConfig::default()),
            &mut ctx,
            input,
        );
        assert_eq!(timestamps(&out), vec![0, 33, 66, 99, 132]);
    }

    #[test]
    fn same_timestamp_different_bytes_is_kept() {
        let input = vec![synth::aac_frame(10, 1, 20), synth::aac_frame(10, 2, 20)];
        let mut ctx = RepairContext::default();
        let out = run(
            &mut DuplicateRule::new(DuplicateConfig::default()),
            &mut ctx,
            input.clone(),
        );
        assert_eq!(tags(&out), input);
    }

    #[test]
    fn window_forgets_old_tags() {
        let cfg = DuplicateConfig {
            window_ms: 1000,
            max_entries: 100,
        };
        let old = synth::aac_frame(0, 1, 20);
        let mut input = vec![old.clone()];
        input.extend((1..=50u32).map(|i| synth::aac_frame(i * 100, u64::from(i) + 1, 20)));
        input.push(old.clone()); // 5 s later: outside the window, kept
        let mut ctx = RepairContext::default();
        let mut rule = DuplicateRule::new(cfg);
        let out = run(&mut rule, &mut ctx, input);
        assert_eq!(tags(&out).len(), 52);
        assert!(rule.order.len() <= 100 && rule.seen.len() == rule.order.len());
    }
}
