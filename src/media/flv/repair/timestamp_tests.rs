use super::*;
use crate::media::flv::repair::test_util::{run, timestamps};
use crate::media::flv::synth;

fn rule() -> TimestampRule {
    TimestampRule::new(TimestampConfig::default())
}

fn video(ts: u32, seq: u64) -> FlvTag {
    synth::avc_frame(ts, false, seq, 10)
}

fn audio(ts: u32, seq: u64) -> FlvTag {
    synth::aac_frame(ts, seq, 10)
}

#[test]
fn clean_stream_is_untouched() {
    let input: Vec<FlvTag> = (0..20u32)
        .map(|i| video(1000 + i * 33, u64::from(i)))
        .collect();
    let want: Vec<u32> = input.iter().map(|t| t.timestamp).collect();
    let mut ctx = RepairContext::default();
    assert_eq!(timestamps(&run(&mut rule(), &mut ctx, input)), want);
    assert_eq!(ctx.stats.timestamp_rebases, 0);
}

#[test]
fn forward_jump_is_rebased_and_later_tags_follow() {
    let input = vec![
        video(0, 1),
        video(33, 2),
        video(66, 3),
        video(50_066, 4), // +50 s jump
        video(50_099, 5),
        video(50_132, 6),
    ];
    let mut ctx = RepairContext::default();
    let out = run(&mut rule(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![0, 33, 66, 99, 132, 165]);
    assert_eq!(ctx.stats.timestamp_rebases, 1);
}

#[test]
fn rebound_to_zero_is_rebased() {
    let input = vec![
        video(90_000, 1),
        video(90_040, 2),
        video(0, 3),
        video(40, 4),
    ];
    let mut ctx = RepairContext::default();
    let out = run(&mut rule(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![90_000, 90_040, 90_080, 90_120]);
}

#[test]
fn audio_and_video_stay_in_sync_across_a_jump() {
    // Interleaved A/V; at source time 200 both streams jump back to 0.
    let mut input = Vec::new();
    let mut seq = 0;
    for (base, n) in [(10_000u32, 6u32), (0, 6)] {
        for i in 0..n {
            seq += 1;
            input.push(video(base + i * 40, seq));
            seq += 1;
            input.push(audio(base + i * 40 + 5, seq));
        }
    }
    let mut ctx = RepairContext::default();
    let out = run(&mut rule(), &mut ctx, input);
    let ts = timestamps(&out);
    // Pairs keep their 5 ms A/V offset after the repair, time keeps going.
    for pair in ts.chunks(2) {
        assert_eq!(pair[1] - pair[0], 5, "{ts:?}");
    }
    assert!(ts.windows(2).all(|w| w[1] >= w[0]), "{ts:?}");
    assert_eq!(ts[12], 10_240); // first video after the jump: 10_200 + 40
    assert_eq!(ctx.stats.timestamp_rebases, 1);
}

#[test]
fn small_regression_passes_to_the_monotonic_rule() {
    let input = vec![audio(100, 1), audio(123, 2), audio(120, 3), audio(146, 4)];
    let mut ctx = RepairContext::default();
    let out = run(&mut rule(), &mut ctx, input);
    assert_eq!(timestamps(&out), vec![100, 123, 120, 146]);
    assert_eq!(ctx.stats.timestamp_rebases, 0);
}

#[test]
fn audio_gap_with_continuous_video_is_not_a_jump() {
    let mut input = Vec::new();
    for i in 0..200u32 {
        input.push(video(i * 40, u64::from(i)));
        if !(10..150).contains(&i) {
            input.push(audio(i * 40 + 1, 1000 + u64::from(i)));
        }
    }
    let want: Vec<u32> = input.iter().map(|t| t.timestamp).collect();
    let mut ctx = RepairContext::default();
    assert_eq!(timestamps(&run(&mut rule(), &mut ctx, input)), want);
}

#[test]
fn wraparound_of_32_bit_source_time_continues() {
    let input = vec![
        video(u32::MAX - 50, 1),
        video(u32::MAX - 10, 2),
        video(30, 3),
    ];
    let mut ctx = RepairContext::default();
    let out = run(&mut rule(), &mut ctx, input);
    let ts = timestamps(&out);
    assert_eq!(ts[2], ts[1].wrapping_add(40));
}

#[test]
fn split_on_jump_is_optional() {
    let cfg = TimestampConfig {
        split_on_jump: true,
        ..Default::default()
    };
    let mut ctx = RepairContext::default();
    let out = run(
        &mut TimestampRule::new(cfg),
        &mut ctx,
        vec![video(0, 1), video(99_999, 2)],
    );
    assert!(out.contains(&Action::Split(SplitReason::TimestampGap)));
}
