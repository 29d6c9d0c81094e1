//! Tests of the chain itself; each rule has its own unit tests.

use super::*;
use crate::media::flv::synth;

#[test]
fn standard_order() {
    let chain = RuleChain::standard(&RepairConfig::default());
    assert_eq!(
        chain.names(),
        vec![
            "script",
            "end-of-sequence",
            "sequence-header",
            "duplicate-gop",
            "delayed-audio-header",
            "timestamp",
            "monotonic"
        ]
    );
}

#[test]
fn reconnect_replay_with_timestamp_reset_is_fully_repaired() {
    // Source A: headers + 2 frames; reconnect: headers again (identical), the
    // same 2 frames replayed, then new frames whose clock restarted at 0.
    let mut chain = RuleChain::standard(&RepairConfig::default());
    let mut ctx = RepairContext::default();
    let mut out = Vec::new();
    let k = synth::avc_frame(5000, true, 1, 40);
    let p = synth::avc_frame(5033, false, 2, 40);
    let input = vec![
        synth::on_metadata(0, 640.0, 360.0),
        synth::avc_sequence_header(0, 0),
        k.clone(),
        p.clone(),
        synth::on_metadata(0, 640.0, 360.0),
        synth::avc_sequence_header(0, 0),
        k,
        p,
        synth::avc_frame(0, false, 3, 40),
        synth::avc_frame(33, false, 4, 40),
    ];
    for t in input {
        chain.process(t, &mut ctx, &mut out);
    }
    chain.flush(&mut ctx, &mut out);
    let ts: Vec<u32> = out
        .iter()
        .map(|a| match a {
            Action::Tag(t) => t.timestamp,
            Action::Split(r) => panic!("unexpected split {r:?}"),
        })
        .collect();
    assert_eq!(ts, vec![5000, 5033, 5066, 5099]);
    assert_eq!(ctx.stats.duplicate_headers_dropped, 1);
    assert_eq!(ctx.stats.duplicate_tags_dropped, 2);
    assert_eq!(ctx.stats.timestamp_rebases, 1);
}

#[test]
fn flush_passes_released_tags_through_later_rules() {
    // Header-less AAC held by the delayed-audio rule is released at flush and
    // must still get its timestamp fixed by the timestamp rule after it.
    let cfg = RepairConfig {
        delayed_audio: DelayedAudioConfig {
            max_hold_ms: 1_000_000,
            max_hold_tags: 100,
        },
        ..Default::default()
    };
    let mut chain = RuleChain::standard(&cfg);
    let mut ctx = RepairContext::default();
    let mut out = Vec::new();
    chain.process(synth::avc_frame(1000, true, 1, 20), &mut ctx, &mut out);
    chain.process(synth::aac_frame(1010, 2, 10), &mut ctx, &mut out);
    chain.process(synth::avc_frame(90_000, false, 3, 20), &mut ctx, &mut out);
    assert_eq!(out.len(), 1);
    chain.flush(&mut ctx, &mut out);
    let ts: Vec<u32> = out
        .iter()
        .filter_map(|a| match a {
            Action::Tag(t) => Some(t.timestamp),
            Action::Split(_) => None,
        })
        .collect();
    assert_eq!(ts, vec![1000, 1033]);
    assert_eq!(ctx.stats.headerless_audio_dropped, 1);
}

#[test]
fn maps_to_recorder_split_reason() {
    use crate::events::SplitReason as E;
    assert_eq!(
        E::from(SplitReason::HeaderChange {
            audio: true,
            video: false
        }),
        E::HeaderChange
    );
    assert_eq!(E::from(SplitReason::EndOfSequence), E::EndOfStream);
    assert_eq!(E::from(SplitReason::TimestampGap), E::TimestampJump);
    assert_eq!(E::from(SplitReason::EndOfInput), E::Stopped);
}
