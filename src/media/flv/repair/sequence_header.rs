//! Rule: sequence headers — drop byte-identical repeats, split on change.

use super::{Action, RepairContext, RepairRule, SplitReason};
use crate::media::flv::tag::{FlvTag, TagType};

/// Consumes audio/video sequence headers into the context; they are never
/// forwarded as tags because the segmenter writes the current headers at the
/// start of every file. A repeat with identical bytes (typical after a
/// reconnect) is dropped; a different one replaces the stored header and
/// requests a mandatory [`SplitReason::HeaderChange`], since a file cannot
/// switch decoder configuration midway for most players.
#[derive(Debug, Default)]
pub struct SequenceHeaderRule;

impl RepairRule for SequenceHeaderRule {
    fn name(&self) -> &'static str {
        "sequence-header"
    }

    fn process(&mut self, tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        if !tag.is_sequence_header() {
            out.push(Action::Tag(tag));
            return;
        }
        let is_video = tag.tag_type == TagType::Video;
        let slot = if is_video {
            &mut ctx.video_header
        } else {
            &mut ctx.audio_header
        };
        match slot {
            Some(old) if old.data == tag.data => {
                ctx.stats.duplicate_headers_dropped += 1;
            }
            Some(_) => {
                *slot = Some(tag);
                ctx.stats.header_changes += 1;
                out.push(Action::Split(SplitReason::HeaderChange {
                    audio: !is_video,
                    video: is_video,
                }));
            }
            None => *slot = Some(tag),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::flv::repair::test_util::{run, tags};
    use crate::media::flv::synth;

    #[test]
    fn first_header_is_stored_not_forwarded() {
        let mut ctx = RepairContext::default();
        let out = run(
            &mut SequenceHeaderRule,
            &mut ctx,
            vec![
                synth::avc_sequence_header(0, 0),
                synth::aac_sequence_header(0, 0),
            ],
        );
        assert!(out.is_empty());
        assert!(ctx.video_header.is_some() && ctx.audio_header.is_some());
    }

    #[test]
    fn identical_repeat_is_dropped() {
        let mut ctx = RepairContext::default();
        let frame = synth::avc_frame(40, true, 1, 30);
        let input = vec![
            synth::avc_sequence_header(0, 0),
            synth::avc_sequence_header(5000, 0), // same bytes, other timestamp
            frame.clone(),
        ];
        let out = run(&mut SequenceHeaderRule, &mut ctx, input);
        assert_eq!(tags(&out), vec![frame]);
        assert_eq!(ctx.stats.duplicate_headers_dropped, 1);
    }

    #[test]
    fn changed_header_replaces_and_splits() {
        let mut ctx = RepairContext::default();
        let input = vec![
            synth::aac_sequence_header(0, 0),
            synth::avc_sequence_header(0, 0),
            synth::avc_sequence_header(100, 1),
            synth::aac_sequence_header(100, 3),
        ];
        let out = run(&mut SequenceHeaderRule, &mut ctx, input);
        assert_eq!(
            out,
            vec![
                Action::Split(SplitReason::HeaderChange {
                    audio: false,
                    video: true
                }),
                Action::Split(SplitReason::HeaderChange {
                    audio: true,
                    video: false
                }),
            ]
        );
        assert_eq!(ctx.video_header, Some(synth::avc_sequence_header(100, 1)));
        assert_eq!(ctx.audio_header, Some(synth::aac_sequence_header(100, 3)));
    }
}
