use super::*;
use crate::media::flv::repair::test_util::{run, tags, timestamps};
use crate::media::flv::repair::{RepairConfig, RuleChain};
use crate::media::flv::synth;

fn video(ts: u32, seq: u64) -> FlvTag {
    synth::avc_frame(ts, seq.is_multiple_of(25), seq, 10)
}

fn audio(ts: u32, seq: u64) -> FlvTag {
    synth::aac_frame(ts, seq, 10)
}

/// Interleaved 25 fps video and 32 kHz AAC (32 ms frames) up to `end_ms`,
/// then a publisher-drop tail: the audio of the next `2 × overlap` ms,
/// stamped `overlap` ms early (what the fake's `flv_publisher_drop` sends).
fn stream_with_tail(end_ms: u32, overlap: u32) -> Vec<FlvTag> {
    let mut seq = 0;
    let mut tags = Vec::new();
    let (mut v, mut a) = (0, 0);
    while v < end_ms || a < end_ms {
        seq += 1;
        if v <= a {
            tags.push(video(v, seq));
            v += 40;
        } else {
            tags.push(audio(a, 10_000 + seq));
            a += 32;
        }
    }
    while a < end_ms + 2 * overlap {
        seq += 1;
        tags.push(audio(a - overlap, 10_000 + seq));
        a += 32;
    }
    tags
}

fn per_stream(out: &[Action], kind: TagType) -> Vec<u32> {
    tags(out)
        .iter()
        .filter(|t| t.tag_type == kind)
        .map(|t| t.timestamp)
        .collect()
}

fn strictly_increasing(ts: &[u32]) -> bool {
    ts.windows(2).all(|w| w[1] > w[0])
}

#[test]
fn clean_stream_is_untouched() {
    let input = stream_with_tail(2_000, 0);
    let want: Vec<u32> = input.iter().map(|t| t.timestamp).collect();
    let mut ctx = RepairContext::default();
    let out = run(&mut MonotonicRule::new(), &mut ctx, input);
    assert_eq!(timestamps(&out), want);
    assert_eq!(ctx.stats.timestamp_clamps, 0);
    assert_eq!(ctx.stats.overlap_audio_dropped, 0);
}

#[test]
fn publisher_drop_tail_overlap_is_dropped_and_the_new_audio_kept() {
    let mut ctx = RepairContext::default();
    let out = run(
        &mut MonotonicRule::new(),
        &mut ctx,
        stream_with_tail(2_000, 300),
    );
    let a = per_stream(&out, TagType::Audio);
    assert!(strictly_increasing(&a), "{a:?}");
    assert!(strictly_increasing(&per_stream(&out, TagType::Video)));
    // Audio was written up to 1984; the tail covers 1716..=2292 (source
    // 2016..=2592 stamped 300 ms early): 1716..=1940 lie a frame or more
    // behind 1984 and are dropped, 1972 is moved to 1985, the rest follows.
    let last_before = 1_984;
    let after: Vec<u32> = a.into_iter().filter(|t| *t > last_before).collect();
    assert_eq!(after.first(), Some(&(last_before + 1)), "{after:?}");
    assert_eq!(after.last(), Some(&2_292));
    assert_eq!(ctx.stats.overlap_audio_dropped, 8);
    assert_eq!(ctx.stats.timestamp_clamps, 1);
}

#[test]
fn audio_jitter_is_moved_not_dropped() {
    let input = vec![audio(100, 1), audio(123, 2), audio(120, 3), audio(146, 4)];
    let mut ctx = RepairContext::default();
    let out = run(&mut MonotonicRule::new(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![100, 123, 124, 146]);
    assert_eq!(ctx.stats.timestamp_clamps, 1);
    assert_eq!(ctx.stats.overlap_audio_dropped, 0);
}

#[test]
fn repeated_audio_timestamp_moves_forward() {
    let input = vec![audio(100, 1), audio(100, 2), audio(100, 3), audio(169, 4)];
    let mut ctx = RepairContext::default();
    let out = run(&mut MonotonicRule::new(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![100, 101, 102, 169]);
}

#[test]
fn audio_a_frame_behind_is_dropped() {
    // Measured interval 32 ms; 40 ms back is a whole frame of overlap.
    let input = vec![audio(100, 1), audio(132, 2), audio(164, 3), audio(124, 4)];
    let mut ctx = RepairContext::default();
    let out = run(&mut MonotonicRule::new(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![100, 132, 164]);
    assert_eq!(ctx.stats.overlap_audio_dropped, 1);
}

#[test]
fn video_never_dropped_only_moved_strictly_forward() {
    let input = vec![
        video(0, 0),
        video(40, 1),
        video(80, 2),
        video(60, 3),
        video(80, 4),
        video(160, 5),
    ];
    let mut ctx = RepairContext::default();
    let out = run(&mut MonotonicRule::new(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![0, 40, 80, 81, 82, 160]);
    assert_eq!(ctx.stats.timestamp_clamps, 2);
}

#[test]
fn streams_are_independent() {
    // Audio behind video is normal interleaving, not a step back.
    let input = vec![
        video(1_000, 0),
        audio(900, 1),
        video(1_040, 2),
        audio(932, 3),
    ];
    let want: Vec<u32> = input.iter().map(|t| t.timestamp).collect();
    let mut ctx = RepairContext::default();
    assert_eq!(
        timestamps(&run(&mut MonotonicRule::new(), &mut ctx, input)),
        want
    );
}

#[test]
fn wraparound_is_forward() {
    let input = vec![
        audio(u32::MAX - 40, 1),
        audio(u32::MAX - 8, 2),
        audio(24, 3),
    ];
    let mut ctx = RepairContext::default();
    let out = run(&mut MonotonicRule::new(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![u32::MAX - 40, u32::MAX - 8, 24]);
    assert_eq!(
        ctx.stats.timestamp_clamps + ctx.stats.overlap_audio_dropped,
        0
    );
}

#[test]
fn script_tags_pass() {
    let input = vec![audio(100, 1), synth::on_metadata(0, 1.0, 1.0)];
    let mut ctx = RepairContext::default();
    let out = run(&mut MonotonicRule::new(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![100, 0]);
}

/// The standard chain: overlaps within the timestamp rule's rebound
/// tolerance reach this rule and are dropped; longer ones are rebased to
/// follow the written audio. Either way every stream moves forward.
#[test]
fn standard_chain_keeps_every_publisher_drop_tail_monotonic() {
    for overlap in [0, 20, 100, 300, 499, 501, 800, 1_500, 5_000] {
        let mut chain = RuleChain::standard(&RepairConfig::default());
        let mut ctx = RepairContext::default();
        let mut out = Vec::new();
        let mut input = vec![
            synth::avc_sequence_header(0, 0),
            synth::aac_sequence_header(0, 0),
        ];
        input.extend(stream_with_tail(8_000, overlap));
        for t in input {
            chain.process(t, &mut ctx, &mut out);
        }
        chain.flush(&mut ctx, &mut out);
        let a = per_stream(&out, TagType::Audio);
        let v = per_stream(&out, TagType::Video);
        assert!(strictly_increasing(&a), "overlap {overlap}: {a:?}");
        assert!(strictly_increasing(&v), "overlap {overlap}: {v:?}");
        let last_video = *v.last().expect("video");
        assert!(
            *a.last().expect("audio") > last_video,
            "overlap {overlap}: the tail's new audio is kept"
        );
    }
}
