//! Every fault knob of the fake platform against mesio: the expected files
//! and split reasons, every file playable, and nothing lost but the faulty
//! span. HLS TS files keep the source's timestamps, so the hole (or
//! overlap) between two files is measured directly; FLV and fMP4 files are
//! rebased to 0, so their losses show in the total duration against the
//! source clock. The FLV knobs are in `mesio_faults_flv`.

use fake_live::{Fault, HlsMode};
use futures::FutureExt;
use srec::events::SplitReason::{self, *};
use srec::platform::StreamFormat;

use crate::mesio_probe::{Probe, assert_playable, assert_within, tools};
use crate::mesio_record::{FRAME_GAP, assert_starts_at_zero, hls_expected};
use crate::mesio_support::{Plan, Run, record, run_cases, source};

/// Source clock recorded per case (ms); faults fire a few seconds in.
pub const MEDIA_MS: u64 = 16_000;
pub const AT: u64 = 4_000;

/// What a case must produce.
pub struct Expect {
    pub reasons: &'static [SplitReason],
    /// Source media allowed to be missing (s).
    pub lost: f64,
    /// Per file boundary, the allowed (min, max) step of the video timeline
    /// between one file's last frame and the next one's first (HLS TS only:
    /// every fMP4 file must start at ≈0 instead).
    pub joins: &'static [(f64, f64)],
    /// A full decode must be silent (no corrupt data was recorded).
    pub strict: bool,
    /// Largest step inside a file's video timeline (lost frames).
    pub max_gap: f64,
}

pub const CLEAN: Expect = Expect {
    reasons: &[EndOfStream],
    lost: 0.0,
    joins: &[],
    strict: true,
    max_gap: FRAME_GAP,
};

/// Continuous content across a split: no hole, no repeated frames.
const SEAMLESS: (f64, f64) = (0.0, FRAME_GAP);

/// Which timeline the files of a case keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeline {
    /// HLS TS: the source's timestamps, so file joins are measured.
    Source,
    /// fMP4: every file rebased to start at 0.
    Rebased,
    /// FLV: rebased by the FLV writer, checked elsewhere.
    Flv,
}

/// `expected`: the (least, most) media the source sent for the recording.
pub fn check(run: &Run, expect: &Expect, expected: (f64, f64), timeline: Timeline) -> Vec<Probe> {
    assert_eq!(run.reasons(), expect.reasons, "events: {:#?}", run.events);
    let indexes: Vec<u32> = run.files.iter().map(|f| f.index).collect();
    assert_eq!(indexes, (0..indexes.len() as u32).collect::<Vec<_>>());
    let probes: Vec<Probe> = run
        .files
        .iter()
        .map(|f| assert_playable(&f.path, expect.strict))
        .collect();
    for (f, p) in run.files.iter().zip(&probes) {
        let gaps = p.video_gaps(expect.max_gap);
        assert!(
            gaps.is_empty(),
            "{}: frames missing at {gaps:?}",
            f.path.display()
        );
        assert_eq!(f.bytes, std::fs::metadata(&f.path).unwrap().len());
        if timeline == Timeline::Rebased {
            assert_starts_at_zero(f, p);
        }
    }
    if timeline == Timeline::Source {
        for (i, w) in probes.windows(2).enumerate() {
            let (Some(end), Some(start)) = (
                w[0].video_dts().last().copied(),
                w[1].video_dts().first().copied(),
            ) else {
                panic!("file without video");
            };
            let step = start - end;
            let (lo, hi) = expect.joins[i];
            assert!(
                (lo..=hi).contains(&step),
                "between files {i} and {}: video step {step:.3} s, allowed {lo}..{hi}",
                i + 1
            );
        }
    }
    let total: f64 = probes.iter().map(|p| p.duration).sum();
    let reported: f64 = run.files.iter().map(|f| f.duration.as_secs_f64()).sum();
    let (lo, hi) = (expected.0 - expect.lost, expected.1 - expect.lost);
    assert_within("recorded media", total, lo, hi, 0.05);
    assert_within("reported media", reported, lo, hi, 0.05);
    probes
}

async fn hls(mode: HlsMode, plan: Plan, expect: Expect) -> Vec<Probe> {
    let src = source(4.0, mode, false).await;
    let run = record(&src, plan).await;
    let probes = {
        let e = hls_expected(&src, &run);
        let timeline = match mode {
            HlsMode::Ts => Timeline::Source,
            HlsMode::Fmp4 => Timeline::Rebased,
        };
        check(&run, &expect, (e, e), timeline)
    };
    eprintln!("{:?} in {:?}", run.reasons(), run.wall);
    probes
}

fn hls_plan() -> Plan {
    Plan::new(StreamFormat::Hls, MEDIA_MS)
}

/// The sequence number of a segment a few seconds past the start (the
/// source clock starts at `window` = 16 s; seq n covers [n, n+1) s).
const SEQ: u64 = 20;

/// HLS: segment 404/500, drop, stall, garbage, playlist reset, variant
/// switch (TS and fMP4), timestamp jumps forward and back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesio_hls_fault_knobs() {
    if !tools("mesio_hls_fault_knobs") {
        return;
    }
    let ts = HlsMode::Ts;
    run_cases(vec![
        (
            "segment-404-lost",
            hls(
                ts,
                hls_plan().fault(
                    0,
                    Fault::SegmentStatus {
                        seq: Some(SEQ),
                        status: 404,
                    },
                    None,
                ),
                Expect {
                    reasons: &[Discontinuity, EndOfStream],
                    lost: 1.0,
                    joins: &[(0.9, 1.0 + FRAME_GAP)],
                    ..CLEAN
                },
            )
            .map(drop)
            .boxed(),
        ),
        (
            "segment-500-retried",
            hls(
                ts,
                hls_plan().fault(
                    0,
                    Fault::SegmentStatus {
                        seq: Some(SEQ),
                        status: 500,
                    },
                    Some(2),
                ),
                CLEAN,
            )
            .map(drop)
            .boxed(),
        ),
        (
            "segment-drop-resumed",
            hls(
                ts,
                hls_plan().fault(0, Fault::SegmentDrop { after_seq: SEQ }, Some(1)),
                CLEAN,
            )
            .map(drop)
            .boxed(),
        ),
        (
            "segment-stall",
            hls(
                ts,
                hls_plan().fault(
                    0,
                    Fault::SegmentStall {
                        seq: Some(SEQ),
                        secs: 2.0,
                    },
                    None,
                ),
                CLEAN,
            )
            .map(drop)
            .boxed(),
        ),
        (
            "segment-garbage",
            hls(
                ts,
                hls_plan().fault(0, Fault::SegmentGarbage { seq: Some(SEQ) }, None),
                Expect {
                    strict: false,
                    // A run of packets of one segment is destroyed.
                    max_gap: 1.0,
                    lost: 1.0,
                    ..CLEAN
                },
            )
            .map(drop)
            .boxed(),
        ),
        (
            "playlist-reset",
            hls(
                ts,
                hls_plan().fault(AT, Fault::PlaylistReset { to_seq: 0 }, None),
                Expect {
                    reasons: &[Discontinuity, EndOfStream],
                    joins: &[SEAMLESS],
                    ..CLEAN
                },
            )
            .map(drop)
            .boxed(),
        ),
        (
            "variant-switch-ts",
            hls(
                ts,
                hls_plan().fault(AT, Fault::VariantSwitch { at_ms: None }, None),
                Expect {
                    reasons: &[Discontinuity, EndOfStream],
                    joins: &[(-FRAME_GAP, 2.0 * FRAME_GAP)],
                    ..CLEAN
                },
            )
            .map(|p| assert_ne!(p[0].width, p[1].width, "resolution changed"))
            .boxed(),
        ),
        (
            "variant-switch-fmp4",
            hls(
                HlsMode::Fmp4,
                hls_plan().fault(AT, Fault::VariantSwitch { at_ms: None }, None),
                // Both files start at 0: no join to measure; the total
                // duration shows nothing was lost at the switch.
                Expect {
                    reasons: &[Discontinuity, EndOfStream],
                    ..CLEAN
                },
            )
            .map(|p| assert_ne!(p[0].width, p[1].width, "resolution changed"))
            .boxed(),
        ),
        (
            "timestamp-jump-forward",
            hls(
                ts,
                hls_plan().fault(
                    AT,
                    Fault::TimestampJump {
                        jump_ms: 60_000,
                        at_ms: None,
                    },
                    None,
                ),
                Expect {
                    reasons: &[TimestampJump, EndOfStream],
                    joins: &[(60.0, 60.0 + FRAME_GAP)],
                    ..CLEAN
                },
            )
            .map(drop)
            .boxed(),
        ),
        (
            "timestamp-jump-back",
            hls(
                ts,
                hls_plan().fault(
                    AT,
                    Fault::TimestampJump {
                        jump_ms: -5_000,
                        at_ms: None,
                    },
                    None,
                ),
                Expect {
                    reasons: &[TimestampJump, EndOfStream],
                    joins: &[(-5.0, -5.0 + FRAME_GAP)],
                    ..CLEAN
                },
            )
            .map(drop)
            .boxed(),
        ),
    ])
    .await;
}
