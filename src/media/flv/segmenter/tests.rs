use super::*;
use crate::media::flv::synth;

struct Harness {
    seg: Segmenter,
    ctx: RepairContext,
    out: Vec<SegmentEvent>,
}

impl Harness {
    fn new(policy: SegmentPolicy) -> Self {
        let ctx = RepairContext {
            video_header: Some(synth::avc_sequence_header(0, 0)),
            audio_header: Some(synth::aac_sequence_header(0, 0)),
            ..Default::default()
        };
        Self {
            seg: Segmenter::new(policy),
            ctx,
            out: Vec::new(),
        }
    }

    fn tag(&mut self, t: FlvTag) {
        self.seg.push(Action::Tag(t), &self.ctx, &mut self.out);
    }

    fn tags(&mut self, ts: impl IntoIterator<Item = FlvTag>) {
        for t in ts {
            self.tag(t);
        }
    }

    fn split(&mut self, r: SplitReason) {
        self.seg.push(Action::Split(r), &self.ctx, &mut self.out);
    }

    fn finish(&mut self) -> Vec<Seg> {
        self.seg.finish(&self.ctx, &mut self.out);
        segments(&self.out)
    }
}

/// One file as seen in the events.
#[derive(Debug)]
struct Seg {
    start: SegmentStart,
    tags: Vec<FlvTag>,
    reason: SplitReason,
    duration_ms: u64,
    bytes: u64,
}

fn segments(events: &[SegmentEvent]) -> Vec<Seg> {
    let mut segs: Vec<Seg> = Vec::new();
    let mut open = false;
    for e in events {
        match e {
            SegmentEvent::Open { index, start } => {
                assert!(!open, "open while open");
                assert_eq!(*index as usize, segs.len());
                segs.push(Seg {
                    start: (**start).clone(),
                    tags: Vec::new(),
                    reason: SplitReason::EndOfInput,
                    duration_ms: 0,
                    bytes: 0,
                });
                open = true;
            }
            SegmentEvent::Tag(t) => {
                assert!(open, "tag outside a file");
                segs.last_mut().unwrap().tags.push(t.clone());
            }
            SegmentEvent::Close {
                index,
                reason,
                duration_ms,
                bytes,
            } => {
                assert!(open);
                assert_eq!(*index as usize + 1, segs.len());
                let s = segs.last_mut().unwrap();
                (s.reason, s.duration_ms, s.bytes) = (*reason, *duration_ms, *bytes);
                open = false;
            }
        }
    }
    assert!(!open, "file left open");
    for s in &segs {
        let want = s.start.preamble_len() + s.tags.iter().map(FlvTag::encoded_len).sum::<u64>();
        assert_eq!(s.bytes, want);
    }
    segs
}

fn frames(start: u32, ms: u32, seq: &mut u64) -> Vec<FlvTag> {
    synth::av_frames(synth::StreamShape::default(), start, ms, seq)
}

#[test]
fn first_file_starts_at_keyframe_with_headers_and_zero_time() {
    let mut h = Harness::new(SegmentPolicy::default());
    let mut seq = 0;
    h.tag(synth::avc_frame(900, false, 99, 30)); // leading non-keyframe
    h.tags(frames(1000, 3000, &mut seq));
    let segs = h.finish();
    assert_eq!(segs.len(), 1);
    let s = &segs[0];
    assert_eq!(s.start.header, FlvHeader::new(true, true));
    assert_eq!(s.start.video_header.as_ref().map(|t| t.timestamp), Some(0));
    assert!(s.tags[0].is_video_keyframe());
    assert_eq!(s.tags[0].timestamp, 0);
    assert_eq!(s.reason, SplitReason::EndOfInput);
    assert!((3000..3030).contains(&s.duration_ms), "{}", s.duration_ms);
    assert_eq!(h.seg.stats().leading_frames_dropped, 1);
}

#[test]
fn duration_policy_splits_only_at_keyframes() {
    let policy = SegmentPolicy {
        max_duration_ms: Some(3000),
        ..Default::default()
    };
    let mut h = Harness::new(policy);
    let mut seq = 0;
    h.tags(frames(0, 10_000, &mut seq)); // keyframes every 2 s
    let segs = h.finish();
    // Splits at the first keyframe at or after 3 s: 4 s and 8 s.
    assert_eq!(segs.len(), 3);
    for s in &segs {
        assert!(s.tags[0].is_video_keyframe(), "{:?}", s.tags[0]);
        assert_eq!(s.tags.iter().map(|t| t.timestamp).min(), Some(0));
        assert!(s.start.video_header.is_some() && s.start.audio_header.is_some());
    }
    assert_eq!(segs[0].reason, SplitReason::Duration);
    assert!(
        (4000..4030).contains(&segs[0].duration_ms),
        "{}",
        segs[0].duration_ms
    );
    assert_eq!(segs[2].reason, SplitReason::EndOfInput);
    let total: usize = segs.iter().map(|s| s.tags.len()).sum();
    assert_eq!(total, frames(0, 10_000, &mut 0).len());
}

#[test]
fn size_policy() {
    let policy = SegmentPolicy {
        max_bytes: Some(20_000),
        min_bytes: 0,
        ..Default::default()
    };
    let mut h = Harness::new(policy);
    let mut seq = 0;
    h.tags(frames(0, 10_000, &mut seq));
    let segs = h.finish();
    assert!(segs.len() >= 3);
    assert!(
        segs[..segs.len() - 1]
            .iter()
            .all(|s| s.reason == SplitReason::Size)
    );
}

#[test]
fn video_header_change_splits_at_next_keyframe() {
    let mut h = Harness::new(SegmentPolicy::default());
    let mut seq = 0;
    h.tags(frames(0, 1000, &mut seq));
    // New SPS, then frames that belong to it (non-keys first are undecodable).
    h.ctx.video_header = Some(synth::avc_sequence_header(1000, 1));
    h.split(SplitReason::HeaderChange {
        audio: false,
        video: true,
    });
    h.tag(synth::avc_frame(1000, false, 500, 30));
    h.tag(synth::aac_frame(1010, 501, 10));
    h.tag(synth::avc_frame(1033, true, 502, 300));
    h.tag(synth::avc_frame(1066, false, 503, 30));
    let segs = h.finish();
    assert_eq!(segs.len(), 2);
    assert_eq!(
        segs[0].reason,
        SplitReason::HeaderChange {
            audio: false,
            video: true
        }
    );
    // The audio before the keyframe stayed in the old file.
    assert_eq!(segs[0].tags.last().unwrap().tag_type, TagType::Audio);
    assert_eq!(
        segs[1].start.video_header.as_ref().unwrap().data,
        synth::avc_sequence_header(0, 1).data
    );
    assert!(segs[1].tags[0].is_video_keyframe());
    assert_eq!(segs[1].tags.len(), 2);
    assert_eq!(h.seg.stats().undecodable_dropped, 1);
}

#[test]
fn audio_header_change_holds_audio_until_keyframe() {
    let mut h = Harness::new(SegmentPolicy::default());
    let mut seq = 0;
    h.tags(frames(0, 1000, &mut seq));
    h.ctx.audio_header = Some(synth::aac_sequence_header(1000, 2));
    h.split(SplitReason::HeaderChange {
        audio: true,
        video: false,
    });
    h.tag(synth::aac_frame(1000, 600, 10));
    h.tag(synth::avc_frame(1010, false, 601, 30)); // still decodable: old file
    h.tag(synth::aac_frame(1023, 602, 10));
    h.tag(synth::avc_frame(1043, true, 603, 300));
    let segs = h.finish();
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].tags.last().unwrap().timestamp, 1010);
    let second: Vec<(TagType, u32)> = segs[1]
        .tags
        .iter()
        .map(|t| (t.tag_type, t.timestamp))
        .collect();
    assert_eq!(
        second,
        vec![
            (TagType::Audio, 0),
            (TagType::Audio, 23),
            (TagType::Video, 43)
        ]
    );
    assert_eq!(
        segs[1].start.audio_header.as_ref().unwrap().data,
        synth::aac_sequence_header(0, 2).data
    );
}

#[test]
fn header_mismatch_is_caught_even_without_a_split_action() {
    let mut h = Harness::new(SegmentPolicy::default());
    let mut seq = 0;
    h.tags(frames(0, 1000, &mut seq));
    h.ctx.video_header = Some(synth::avc_sequence_header(0, 9));
    h.tags(frames(1000, 1000, &mut seq));
    let segs = h.finish();
    assert_eq!(segs.len(), 2);
    assert_eq!(
        segs[0].reason,
        SplitReason::HeaderChange {
            audio: false,
            video: true
        }
    );
}

#[test]
fn soft_split_is_skipped_while_tiny_and_honoured_later() {
    let policy = SegmentPolicy {
        min_bytes: 0,
        min_duration_ms: 3000,
        ..Default::default()
    };
    let mut h = Harness::new(policy);
    let mut seq = 0;
    h.tags(frames(0, 1000, &mut seq));
    h.split(SplitReason::EndOfSequence); // at ~1 s: tiny, skipped at the 2 s keyframe
    h.tags(
        frames(1000, 3000, &mut seq)
            .into_iter()
            .filter(|t| t.timestamp >= 1000),
    );
    h.split(SplitReason::MetadataChange); // at ~4 s: honoured at the next keyframe
    let mut more = frames(0, 8000, &mut seq);
    more.retain(|t| t.timestamp >= 4000);
    h.tags(more);
    let segs = h.finish();
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].reason, SplitReason::MetadataChange);
    assert_eq!(h.seg.stats().soft_splits_skipped, 1);
}

#[test]
fn audio_only_stream_opens_after_wait_and_splits_on_audio() {
    let policy = SegmentPolicy {
        max_duration_ms: Some(5000),
        ..Default::default()
    };
    let mut h = Harness::new(policy);
    h.ctx.video_header = None;
    for i in 0..600u32 {
        h.tag(synth::aac_frame(i * 23, u64::from(i), 200));
    }
    let segs = h.finish();
    assert_eq!(segs.len(), 3);
    assert_eq!(segs[0].start.header, FlvHeader::new(true, false));
    assert_eq!(segs[0].reason, SplitReason::Duration);
    assert_eq!(segs.iter().map(|s| s.tags.len()).sum::<usize>(), 600);
}

#[test]
fn startup_waits_for_late_audio_header() {
    let mut h = Harness::new(SegmentPolicy::default());
    h.ctx.audio_header = None;
    h.tag(synth::avc_frame(0, true, 1, 300));
    h.tag(synth::avc_frame(33, false, 2, 30));
    assert!(h.out.is_empty(), "gate must still be closed");
    h.ctx.audio_header = Some(synth::aac_sequence_header(40, 0));
    h.tag(synth::aac_frame(40, 3, 10));
    let segs = h.finish();
    assert_eq!(segs.len(), 1);
    assert!(segs[0].start.audio_header.is_some());
    assert_eq!(segs[0].tags.len(), 3);
}

#[test]
fn video_without_header_is_never_written() {
    let mut h = Harness::new(SegmentPolicy::default());
    h.ctx.video_header = None;
    h.ctx.metadata = Some(StreamMetadata {
        has_video: Some(false),
        ..Default::default()
    });
    h.tag(synth::avc_frame(0, true, 1, 300));
    h.tag(synth::aac_frame(5, 2, 10));
    let segs = h.finish();
    assert_eq!(segs.len(), 1);
    assert_eq!(segs[0].tags.len(), 1);
    assert_eq!(h.seg.stats().undecodable_dropped, 1);
}

/// Audio interleaved 100 ms behind video: the file opened at the second
/// keyframe leaves room for it, so the trailing audio keeps its real
/// spacing (no frames piled on 0) and every stream stays strictly
/// increasing in both files.
#[test]
fn audio_trailing_the_opening_keyframe_keeps_its_spacing() {
    let policy = SegmentPolicy {
        max_duration_ms: Some(1_000),
        min_duration_ms: 0,
        min_bytes: 0,
        ..Default::default()
    };
    let mut h = Harness::new(policy);
    let mut seq = 0;
    let mut next = || {
        seq += 1;
        seq
    };
    let mut input = Vec::new();
    for i in 0..75u32 {
        input.push(synth::avc_frame(i * 40, i % 50 == 0, next(), 20));
        if i * 40 >= 100 {
            input.push(synth::aac_frame(i * 40 - 100, next(), 10));
        }
    }
    h.tags(input);
    let segs = h.finish();
    assert_eq!(segs.len(), 2);
    let times = |s: &Seg, kind: TagType| -> Vec<u32> {
        s.tags
            .iter()
            .filter(|t| t.tag_type == kind)
            .map(|t| t.timestamp)
            .collect()
    };
    for s in &segs {
        for kind in [TagType::Audio, TagType::Video] {
            let ts = times(s, kind);
            assert!(ts.windows(2).all(|w| w[1] > w[0]), "{kind:?}: {ts:?}");
        }
    }
    assert_eq!(times(&segs[1], TagType::Video)[..2], [100, 140]);
    assert_eq!(times(&segs[1], TagType::Audio)[..3], [0, 40, 80]);
    // Every source audio frame is written once, in one of the two files.
    let audio: usize = segs.iter().map(|s| times(s, TagType::Audio).len()).sum();
    assert_eq!(audio, (3..75).count());
}
