//! Where output files end: discontinuities of every kind, fMP4 init
//! changes, timestamp jumps, and size/duration limits only at keyframes.

use std::sync::Arc;
use std::time::Duration;

use super::fake::*;
use crate::events::{DownloadEventKind, SplitReason};
use crate::media::ts::testutil::segment;

#[tokio::test(start_paused = true)]
async fn falling_behind_the_window_splits() {
    let fetch = FakeFetch::new()
        .live(vec![window(1, 3, "a", false), window(6, 3, "b", true)])
        .plain_segments(1..=8);
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<seg1><seg2><seg3>", "<seg6><seg7><seg8>"]);
    assert_eq!(
        run.closes(),
        [
            (0, SplitReason::Discontinuity),
            (1, SplitReason::EndOfStream)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn sequence_reset_is_a_new_timeline_not_old_segments() {
    let fetch = FakeFetch::new()
        .live(vec![window(10, 3, "a", false), window(0, 3, "b", true)])
        .plain_segments((0..=2).chain(10..=12));
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<seg10><seg11><seg12>", "<seg0><seg1><seg2>"]);
    assert_eq!(run.closes()[0], (0, SplitReason::Discontinuity));
}

#[tokio::test(start_paused = true)]
async fn discontinuity_tag_splits() {
    let body =
        "#EXTINF:2,\nseg1.ts\n#EXTINF:2,\nseg2.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2,\nseg3.ts\n";
    let fetch = FakeFetch::new()
        .live(vec![pl(1, 2, body, true)])
        .plain_segments(1..=3);
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<seg1><seg2>", "<seg3>"]);
    assert_eq!(run.closes()[0].1, SplitReason::Discontinuity);
}

#[tokio::test(start_paused = true)]
async fn fmp4_init_starts_each_file_and_a_new_init_splits() {
    let body = "#EXT-X-MAP:URI=\"initA.mp4\"\n#EXTINF:2,\nf1.m4s\n#EXTINF:2,\nf2.m4s\n\
                #EXT-X-MAP:URI=\"initB.mp4\"\n#EXTINF:2,\nf3.m4s\n";
    let fetch = FakeFetch::new()
        .live(vec![pl(1, 2, body, true)])
        .res("/live/initA.mp4", Res::ok(&b"\0\0\0\x0cftypAAAA"[..]))
        .res("/live/initB.mp4", Res::ok(&b"\0\0\0\x0cftypBBBB"[..]))
        .res("/live/f1.m4s", Res::ok("<f1>"))
        .res("/live/f2.m4s", Res::ok("<f2>"))
        .res("/live/f3.m4s", Res::ok("<f3>"));
    let fetch = Arc::new(fetch);
    let run = record(fetch.clone(), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(
        run.texts(),
        ["\0\0\0\x0cftypAAAA<f1><f2>", "\0\0\0\x0cftypBBBB<f3>"]
    );
    assert_eq!(run.files[0].ext, "mp4");
    assert_eq!(
        run.closes(),
        [
            (0, SplitReason::HeaderChange),
            (1, SplitReason::EndOfStream)
        ]
    );
    assert_eq!(
        fetch.requests("/live/initA.mp4"),
        1,
        "init fetched once per URI"
    );
}

/// fMP4 an hour into the stream, split by duration: every file is the init
/// section plus fragments whose `tfdt` starts at 0 (A/V offset kept), with
/// the `sidx` boxes gone, however the segments arrive in chunks.
#[tokio::test(start_paused = true)]
async fn fmp4_files_are_rebased_to_zero_after_each_split() {
    use super::mp4build::{AUDIO, VIDEO, frag, init, kinds, read_tfdts, segment};
    let init = init(&[VIDEO, AUDIO]);
    let body: String = (1..=4).map(|n| format!("#EXTINF:2,\nf{n}.m4s\n")).collect();
    let body = format!("#EXT-X-MAP:URI=\"init.mp4\"\n{body}");
    let mut fetch = FakeFetch::new()
        .live(vec![pl(1, 2, &body, true)])
        .res("/live/init.mp4", Res::ok(init.clone()));
    fetch.chunk = 5;
    for n in 1..=4u64 {
        let t = 3600 + 2 * n;
        let frags = [frag(1, 1, t * 90_000 + 3_600), frag(2, 0, t * 44_100)];
        let seg = segment(n as u32, &frags, true);
        fetch = fetch.res(&format!("/live/f{n}.m4s"), Res::ok(seg));
    }
    let mut o = opts();
    o.limits.max_duration = Some(Duration::from_secs(4));
    let run = record(Arc::new(fetch), o, MemSink::default(), None).await;
    run.ok();
    assert_eq!(
        run.closes(),
        [(0, SplitReason::Duration), (1, SplitReason::EndOfStream)]
    );
    for f in &run.files {
        assert_eq!(f.ext, "mp4");
        assert!(f.data.starts_with(&init), "init section first, unchanged");
        let frags = &f.data[init.len()..];
        assert_eq!(
            read_tfdts(frags),
            [(1, 3_600), (2, 0), (1, 183_600), (2, 88_200)]
        );
        assert_eq!(
            kinds(frags),
            ["styp", "moof", "mdat", "styp", "moof", "mdat"]
        );
    }
    let sizes: Vec<u64> = run
        .events
        .iter()
        .filter_map(|e| match e {
            DownloadEventKind::SegmentClosed { bytes, .. } => Some(*bytes),
            _ => None,
        })
        .collect();
    let written: Vec<u64> = run.files.iter().map(|f| f.data.len() as u64).collect();
    assert_eq!(sizes, written, "reported sizes are the bytes written");
}

/// Six 2-second TS segments (50 frames, keyframe every 25); segment 3 does
/// not start with a keyframe; segment `jump_at` (if any) jumps an hour ahead.
fn ts_stream(jump_at: Option<u64>) -> (FakeFetch, usize) {
    let body: String = (1..=6)
        .map(|n| format!("#EXTINF:2,\nseg{n}.ts\n"))
        .collect();
    let mut fetch = FakeFetch::new().live(vec![pl(1, 2, &body, true)]);
    fetch.chunk = 1000;
    let mut size = 0;
    for n in 1..=6u64 {
        let jump = if jump_at.is_some_and(|j| n >= j) {
            3600 * 90_000
        } else {
            0
        };
        let seg = segment(n * 180_000 + jump, 50, 25, n != 3, false);
        size = seg.len();
        fetch = fetch.res(&format!("/live/seg{n}.ts"), Res::ok(seg));
    }
    (fetch, size)
}

fn files_of(run: &Run, seg_size: usize) -> Vec<usize> {
    run.files.iter().map(|f| f.data.len() / seg_size).collect()
}

#[tokio::test(start_paused = true)]
async fn size_limit_splits_only_before_keyframes() {
    let (fetch, seg_size) = ts_stream(None);
    let mut o = opts();
    o.limits.max_size = Some(seg_size as u64 - 100);
    let run = record(Arc::new(fetch), o, MemSink::default(), None).await;
    run.ok();
    // Segment 3 starts mid-GOP, so it stays with segment 2.
    assert_eq!(files_of(&run, seg_size), [1, 2, 1, 1, 1]);
    let reasons: Vec<_> = run.closes().into_iter().map(|c| c.1).collect();
    assert_eq!(reasons[..4], [SplitReason::Size; 4]);
}

#[tokio::test(start_paused = true)]
async fn duration_limit_uses_pts_and_keyframes() {
    let (fetch, seg_size) = ts_stream(None);
    let mut o = opts();
    o.limits.max_duration = Some(Duration::from_secs(3));
    let run = record(Arc::new(fetch), o, MemSink::default(), None).await;
    run.ok();
    assert_eq!(files_of(&run, seg_size), [3, 2, 1]);
    let durations: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            DownloadEventKind::SegmentClosed {
                duration,
                split_reason,
                ..
            } => Some((*duration, *split_reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        durations[0],
        (Duration::from_secs(6), SplitReason::Duration)
    );
    assert_eq!(
        durations[1],
        (Duration::from_secs(4), SplitReason::Duration)
    );
}

#[tokio::test(start_paused = true)]
async fn timestamp_jump_splits() {
    let (fetch, seg_size) = ts_stream(Some(5));
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(files_of(&run, seg_size), [4, 2]);
    assert_eq!(run.closes()[0].1, SplitReason::TimestampJump);
}
