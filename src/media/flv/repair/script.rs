//! Rule: consume script tags; split when onMetaData describes a new stream.

use super::{Action, RepairContext, RepairRule, SplitReason};
use crate::media::flv::script::StreamMetadata;
use crate::media::flv::tag::{FlvTag, TagType};

/// Consumes every script tag. onMetaData updates [`RepairContext::metadata`]
/// (our writer writes its own metadata with correct duration and index); a
/// change of resolution or codec ids requests a (soft) split. Other script
/// tags (`|RtmpSampleAccess`, cue points) are dropped: players do not need
/// them and some choke on them.
#[derive(Debug, Default)]
pub struct ScriptRule;

impl RepairRule for ScriptRule {
    fn name(&self) -> &'static str {
        "script"
    }

    fn process(&mut self, tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        if tag.tag_type != TagType::Script {
            out.push(Action::Tag(tag));
            return;
        }
        ctx.stats.script_tags_consumed += 1;
        let Some(meta) = StreamMetadata::from_script_tag(&tag.data) else {
            return;
        };
        if ctx
            .metadata
            .as_ref()
            .is_some_and(|old| old.essentials_differ(&meta))
        {
            ctx.stats.metadata_changes += 1;
            out.push(Action::Split(SplitReason::MetadataChange));
        }
        ctx.metadata = Some(meta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::flv::repair::test_util::{run, tags};
    use crate::media::flv::synth;

    #[test]
    fn consumes_metadata_and_splits_on_resolution_change() {
        let mut ctx = RepairContext::default();
        let input = vec![
            synth::on_metadata(0, 1280.0, 720.0),
            synth::aac_frame(10, 1, 10),
            synth::on_metadata(0, 1280.0, 720.0),
            synth::on_metadata(0, 1920.0, 1080.0),
            synth::script_tag(
                5,
                "|RtmpSampleAccess",
                crate::media::flv::amf0::Amf0Value::Null,
            ),
        ];
        let out = run(&mut ScriptRule, &mut ctx, input.clone());
        assert_eq!(
            out,
            vec![
                Action::Tag(input[1].clone()),
                Action::Split(SplitReason::MetadataChange)
            ]
        );
        assert_eq!(ctx.metadata.as_ref().and_then(|m| m.width), Some(1920.0));
        assert_eq!(ctx.stats.script_tags_consumed, 4);
        assert_eq!(tags(&out).len(), 1);
    }

    #[test]
    fn broken_script_is_dropped_quietly() {
        let mut ctx = RepairContext::default();
        let junk = FlvTag::new(TagType::Script, 0, &b"\x02\x00\x0AonMetaData\x0b"[..]);
        assert!(run(&mut ScriptRule, &mut ctx, vec![junk]).is_empty());
        assert!(ctx.metadata.is_none());
    }
}
