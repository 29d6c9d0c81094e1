//! Rule: AAC frames that arrive before their AAC sequence header.
//!
//! Policy: **hold, then drop on timeout.** When a raw AAC frame arrives while
//! no AAC header is known, the rule holds that frame *and every tag after it*
//! (video too, so the interleaving stays in order). When the header arrives
//! (it is consumed by the earlier header rule, so we see it in the context)
//! the held tags are released and, because the segmenter writes the header
//! at the start of the file, the early frames become decodable. If the header
//! does not arrive within `max_hold_ms` / `max_hold_tags`, the header-less AAC
//! frames are dropped (they cannot be decoded), the rest is released, and
//! further header-less AAC frames are dropped until a header shows up.

use super::{Action, RepairContext, RepairRule};
use crate::media::flv::tag::FlvTag;

/// Limits of the hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayedAudioConfig {
    /// Longest span of source time held while waiting for the header.
    pub max_hold_ms: u32,
    /// Most tags held while waiting.
    pub max_hold_tags: usize,
}

impl Default for DelayedAudioConfig {
    fn default() -> Self {
        Self {
            max_hold_ms: 2_000,
            max_hold_tags: 512,
        }
    }
}

/// See the module docs.
#[derive(Debug)]
pub struct DelayedAudioHeaderRule {
    cfg: DelayedAudioConfig,
    held: Vec<FlvTag>,
    gave_up: bool,
}

impl DelayedAudioHeaderRule {
    pub fn new(cfg: DelayedAudioConfig) -> Self {
        Self {
            cfg,
            held: Vec::new(),
            gave_up: false,
        }
    }

    fn headerless_aac(tag: &FlvTag, ctx: &RepairContext) -> bool {
        ctx.audio_header.is_none() && tag.audio().is_some_and(|a| a.is_aac_raw())
    }

    /// Releases held tags, dropping AAC frames that still have no header.
    fn release(&mut self, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        for t in self.held.drain(..) {
            if Self::headerless_aac(&t, ctx) {
                ctx.stats.headerless_audio_dropped += 1;
            } else {
                out.push(Action::Tag(t));
            }
        }
    }
}

impl RepairRule for DelayedAudioHeaderRule {
    fn name(&self) -> &'static str {
        "delayed-audio-header"
    }

    fn process(&mut self, tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        if ctx.audio_header.is_some() {
            self.gave_up = false;
            if !self.held.is_empty() {
                self.release(ctx, out);
            }
            out.push(Action::Tag(tag));
            return;
        }
        let headerless = Self::headerless_aac(&tag, ctx);
        if self.held.is_empty() {
            if !headerless {
                out.push(Action::Tag(tag));
                return;
            }
            if self.gave_up {
                ctx.stats.headerless_audio_dropped += 1;
                return;
            }
        }
        self.held.push(tag);
        let first = self.held[0].timestamp;
        let last = self.held[self.held.len() - 1].timestamp;
        let span = last.wrapping_sub(first) as i32;
        if span > self.cfg.max_hold_ms as i32 || self.held.len() > self.cfg.max_hold_tags {
            self.gave_up = true;
            self.release(ctx, out);
        }
    }

    fn flush(&mut self, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        self.release(ctx, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::flv::repair::test_util::{run, tags};
    use crate::media::flv::synth;

    #[test]
    fn passes_through_when_header_known() {
        let mut ctx = RepairContext {
            audio_header: Some(synth::aac_sequence_header(0, 0)),
            ..Default::default()
        };
        let input = vec![synth::aac_frame(0, 1, 10), synth::avc_frame(5, true, 2, 20)];
        let out = run(
            &mut DelayedAudioHeaderRule::new(Default::default()),
            &mut ctx,
            input.clone(),
        );
        assert_eq!(tags(&out), input);
    }

    #[test]
    fn holds_until_header_then_releases_in_order() {
        let mut rule = DelayedAudioHeaderRule::new(Default::default());
        let mut ctx = RepairContext::default();
        let mut out = Vec::new();
        let early = vec![
            synth::avc_frame(0, true, 1, 20),
            synth::aac_frame(3, 2, 10),
            synth::avc_frame(33, false, 3, 20),
            synth::aac_frame(26, 4, 10),
        ];
        for t in early.clone() {
            rule.process(t, &mut ctx, &mut out);
        }
        // Only the keyframe (before any header-less audio) went through.
        assert_eq!(tags(&out), early[..1].to_vec());
        // The header arrives (consumed upstream into the context).
        ctx.audio_header = Some(synth::aac_sequence_header(40, 0));
        let next = synth::aac_frame(49, 5, 10);
        rule.process(next.clone(), &mut ctx, &mut out);
        let mut want = early;
        want.push(next);
        assert_eq!(tags(&out), want);
        assert_eq!(ctx.stats.headerless_audio_dropped, 0);
    }

    #[test]
    fn gives_up_after_timeout_and_drops_headerless_audio() {
        let cfg = DelayedAudioConfig {
            max_hold_ms: 100,
            max_hold_tags: 100,
        };
        let mut ctx = RepairContext::default();
        let mut input = Vec::new();
        for i in 0..10u32 {
            input.push(synth::aac_frame(i * 23, u64::from(i), 10));
            input.push(synth::avc_frame(i * 23 + 1, i == 0, 100 + u64::from(i), 20));
        }
        let out = run(
            &mut DelayedAudioHeaderRule::new(cfg),
            &mut ctx,
            input.clone(),
        );
        let videos: Vec<_> = input
            .iter()
            .filter(|t| t.audio().is_none())
            .cloned()
            .collect();
        assert_eq!(tags(&out), videos);
        assert_eq!(ctx.stats.headerless_audio_dropped, 10);
    }
}
