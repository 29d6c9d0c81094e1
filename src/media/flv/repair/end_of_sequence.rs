//! Rule: end-of-sequence markers end the file.

use super::{Action, RepairContext, RepairRule, SplitReason};
use crate::media::flv::tag::FlvTag;

/// Drops AVC/HEVC end-of-sequence tags and requests a (soft) split: the
/// source restarted its encoder, and whatever follows is a new sequence. If
/// the new sequence has identical headers and the current file is tiny the
/// segmenter may keep writing into the same file.
#[derive(Debug, Default)]
pub struct EndOfSequenceRule;

impl RepairRule for EndOfSequenceRule {
    fn name(&self) -> &'static str {
        "end-of-sequence"
    }

    fn process(&mut self, tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        if tag.video().is_some_and(|v| v.is_end_of_sequence()) {
            ctx.stats.end_of_sequence += 1;
            out.push(Action::Split(SplitReason::EndOfSequence));
        } else {
            out.push(Action::Tag(tag));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::flv::repair::test_util::run;
    use crate::media::flv::synth;

    #[test]
    fn eos_becomes_split() {
        let mut ctx = RepairContext::default();
        let f = synth::avc_frame(0, true, 1, 20);
        let out = run(
            &mut EndOfSequenceRule,
            &mut ctx,
            vec![f.clone(), synth::avc_end_of_sequence(33)],
        );
        assert_eq!(
            out,
            vec![Action::Tag(f), Action::Split(SplitReason::EndOfSequence)]
        );
        assert_eq!(ctx.stats.end_of_sequence, 1);
    }
}
