//! mesio against the fake live platform with no fault: every source format
//! records into one playable file covering exactly what the source sent,
//! size/duration limits split at keyframes, fMP4 files start at 0 however
//! late in the stream they begin, and FLV files carry a correct keyframe
//! index.

use std::path::Path;
use std::time::Duration;

use fake_live::HlsMode;
use futures::FutureExt;
use srec::events::SplitReason;
use srec::media::flv::{FlvItem, FlvParser, FlvTag, TagType, amf0};
use srec::platform::StreamFormat;

use crate::mesio_probe::{Probe, assert_close, assert_playable, tools};
use crate::mesio_support::{Closed, Plan, Run, Source, record, run_cases, source};

/// Longest step between video frames (25 fps) that is not a lost frame.
pub const FRAME_GAP: f64 = 0.1;

/// Latest `format=start_time` of a file rebased to 0: the fixture's edit
/// lists delay the first audio sample by 47 ms (video by 80 ms).
pub const START_MAX: f64 = 0.1;

/// An fMP4 file is rebased: it starts at ≈0 and ffprobe's container
/// duration (where it ends) is its media length (the EXTINF sum, ±5 %;
/// never tighter than the ~0.1 s the edit lists add at the end, which a
/// 1-s last file would otherwise fail on), whatever the source's clock
/// said when it was recorded.
pub fn assert_starts_at_zero(f: &Closed, p: &Probe) {
    assert!(
        (0.0..=START_MAX).contains(&p.start_time),
        "{}: start_time {} s, expected ≈0",
        f.path.display(),
        p.start_time
    );
    let media = f.duration.as_secs_f64();
    assert!(
        (p.format_duration - media).abs() <= (0.05 * media).max(0.15),
        "{}: format=duration {:.3} s for {media:.3} s of media",
        f.path.display(),
        p.format_duration
    );
}

/// Media the HLS source offered: from the oldest segment of the first
/// playlist (where an `Oldest` start begins) to the last complete segment.
pub fn hls_expected(src: &Source, run: &Run) -> f64 {
    (run.t_end_ms / 1000 + src.window - run.t0_ms / 1000) as f64
}

/// Media the FLV source sent: from the keyframe before the start (the GOP
/// cache, up to 1 s back; half of it on average) to the end.
pub fn flv_expected(run: &Run) -> f64 {
    (run.t_end_ms - run.t0_ms) as f64 / 1000.0 + 0.5
}

async fn clean_hls(speed: f64, mode: HlsMode, encrypted: bool) {
    let src = source(speed, mode, encrypted).await;
    let run = record(&src, Plan::new(StreamFormat::Hls, 20_000)).await;
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert_eq!(run.reasons(), [SplitReason::EndOfStream], "{:?}", run.files);
    let f = &run.files[0];
    let ext = if mode == HlsMode::Fmp4 { "mp4" } else { "ts" };
    assert_eq!(f.path, run.out.path().join(format!("rec_000.{ext}")));
    let p = assert_playable(&f.path, true);
    assert_eq!(p.video_gaps(FRAME_GAP), [], "frames missing");
    let expected = hls_expected(&src, &run);
    assert_close("ffprobe duration", p.duration, expected, 0.05);
    assert_close(
        "reported duration",
        f.duration.as_secs_f64(),
        expected,
        0.05,
    );
    assert_eq!(f.bytes, std::fs::metadata(&f.path).unwrap().len());
    if mode == HlsMode::Fmp4 {
        assert_starts_at_zero(f, &p);
    }
    eprintln!(
        "HLS {mode:?} enc={encrypted} x{speed}: {:.2} s of {expected} s in {:?}",
        p.duration, run.wall
    );
}

async fn clean_flv(speed: f64) {
    let src = source(speed, HlsMode::Ts, false).await;
    let run = record(&src, Plan::new(StreamFormat::Flv, 20_000)).await;
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert_eq!(run.reasons(), [SplitReason::EndOfStream], "{:?}", run.files);
    let f = &run.files[0];
    let p = assert_playable(&f.path, true);
    assert_eq!(p.video_gaps(FRAME_GAP), [], "frames missing");
    let expected = flv_expected(&run);
    assert_close("ffprobe duration", p.duration, expected, 0.05);
    assert_close(
        "reported duration",
        f.duration.as_secs_f64(),
        expected,
        0.05,
    );
    assert_eq!(f.bytes, std::fs::metadata(&f.path).unwrap().len());
    check_keyframe_index(&f.path);
    eprintln!(
        "FLV x{speed}: {:.2} s of {expected} s in {:?}",
        p.duration, run.wall
    );
}

/// HLS TS in real time, FLV in real time, fMP4 and AES-128 at 4x: 20 s of
/// source clock each, all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesio_records_every_format_into_one_clean_file() {
    if !tools("mesio_records_every_format_into_one_clean_file") {
        return;
    }
    run_cases(vec![
        (
            "hls-ts-realtime",
            clean_hls(1.0, HlsMode::Ts, false).boxed(),
        ),
        ("hls-fmp4", clean_hls(4.0, HlsMode::Fmp4, false).boxed()),
        ("hls-aes128", clean_hls(4.0, HlsMode::Ts, true).boxed()),
        ("flv-realtime", clean_flv(1.0).boxed()),
    ])
    .await;
}

async fn split(format: StreamFormat, mode: HlsMode, size: bool) {
    let src = source(4.0, mode, false).await;
    let mut plan = Plan::new(format, 16_000);
    // About 5 s of either source (FLV 320x180 ~21 KB/s, HLS best 480x270 ~37 KB/s).
    let limit = match format {
        StreamFormat::Flv => 100_000,
        StreamFormat::Hls => 200_000,
    };
    if size {
        plan.max_size = Some(limit);
    } else {
        plan.max_duration = Some(Duration::from_secs(5));
    }
    let run = record(&src, plan).await;
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    let want = if size {
        SplitReason::Size
    } else {
        SplitReason::Duration
    };
    let reasons = run.reasons();
    assert!(reasons.len() >= 3, "{reasons:?}");
    let (last, splits) = reasons.split_last().unwrap();
    assert!(splits.iter().all(|r| *r == want), "{reasons:?}");
    assert_eq!(*last, SplitReason::EndOfStream);
    let mut total = 0.0;
    let mut prev_end: Option<f64> = None;
    for (i, f) in run.files.iter().enumerate() {
        // assert_playable checks that the first video packet is a keyframe.
        let p = assert_playable(&f.path, true);
        assert_eq!(p.video_gaps(FRAME_GAP), [], "{}", f.path.display());
        total += p.duration;
        let dts = p.video_dts();
        if i + 1 < run.files.len() {
            if size {
                // Split at the first keyframe past the limit: at most
                // about one GOP (1 s, < 60 KB here) over it.
                assert!(
                    (limit..limit + 60_000).contains(&f.bytes),
                    "{f:?} vs limit {limit}"
                );
            } else {
                assert!(p.duration >= 4.9, "{f:?}: {} s", p.duration);
            }
        }
        // HLS TS keeps source timestamps: files must join without a hole.
        // fMP4 files are rebased: each starts at 0 and lasts what it holds
        // (the total below shows nothing is lost between them).
        if format == StreamFormat::Hls && mode == HlsMode::Fmp4 {
            assert_starts_at_zero(f, &p);
        } else if format == StreamFormat::Hls {
            if let (Some(end), Some(start)) = (prev_end, dts.first()) {
                assert!(
                    start - end <= FRAME_GAP,
                    "hole of {} s before {f:?}",
                    start - end
                );
            }
            prev_end = dts.last().copied();
        }
    }
    let expected = match format {
        StreamFormat::Hls => hls_expected(&src, &run),
        StreamFormat::Flv => flv_expected(&run),
    };
    assert_close("total duration", total, expected, 0.05);
}

/// Size and duration limits split at keyframes (each file's first video
/// packet has the K flag) and lose nothing between files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesio_size_and_duration_splits_land_on_keyframes() {
    if !tools("mesio_size_and_duration_splits_land_on_keyframes") {
        return;
    }
    run_cases(vec![
        (
            "flv-duration",
            split(StreamFormat::Flv, HlsMode::Ts, false).boxed(),
        ),
        (
            "flv-size",
            split(StreamFormat::Flv, HlsMode::Ts, true).boxed(),
        ),
        (
            "hls-ts-duration",
            split(StreamFormat::Hls, HlsMode::Ts, false).boxed(),
        ),
        (
            "hls-ts-size",
            split(StreamFormat::Hls, HlsMode::Ts, true).boxed(),
        ),
        (
            "hls-fmp4-duration",
            split(StreamFormat::Hls, HlsMode::Fmp4, false).boxed(),
        ),
        (
            "hls-fmp4-size",
            split(StreamFormat::Hls, HlsMode::Fmp4, true).boxed(),
        ),
    ])
    .await;
}

/// Source clock reached before the late recording starts: its oldest
/// listed segment (16 per playlist) starts 24 s into the stream.
const LATE_MS: u64 = 40_000;

/// fMP4 recorded well into the stream, split by duration: the first file
/// and every file after a split start at ≈0 and last what they hold
/// (without rebasing, the first would start at ≈24 s and ffprobe would
/// call it ≈29 s long).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesio_fmp4_files_start_at_zero_however_late_the_recording_starts() {
    if !tools("mesio_fmp4_files_start_at_zero_however_late_the_recording_starts") {
        return;
    }
    let src = source(4.0, HlsMode::Fmp4, false).await;
    while src.room.media_time_ms() < LATE_MS {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut plan = Plan::new(StreamFormat::Hls, 12_000);
    plan.max_duration = Some(Duration::from_secs(5));
    let run = record(&src, plan).await;
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert!(
        run.t0_ms >= LATE_MS,
        "recording started at {} ms",
        run.t0_ms
    );
    let reasons = run.reasons();
    assert!(reasons.len() >= 3, "{reasons:?}");
    let (last, splits) = reasons.split_last().unwrap();
    assert!(
        splits.iter().all(|r| *r == SplitReason::Duration),
        "{reasons:?}"
    );
    assert_eq!(*last, SplitReason::EndOfStream);
    let mut total = 0.0;
    for f in &run.files {
        let p = assert_playable(&f.path, true);
        assert_eq!(p.video_gaps(FRAME_GAP), [], "{}", f.path.display());
        assert_eq!(f.bytes, std::fs::metadata(&f.path).unwrap().len());
        assert_starts_at_zero(f, &p);
        total += p.format_duration;
    }
    assert_close("total duration", total, hls_expected(&src, &run), 0.05);
}

/// Parses a written FLV with srec's own parser and checks that onMetaData's
/// `keyframes.times/filepositions` name every keyframe tag, at its offset
/// and timestamp.
pub fn check_keyframe_index(path: &Path) {
    let bytes = std::fs::read(path).expect("read FLV");
    let mut parser = FlvParser::default();
    parser.feed(&bytes);
    parser.finish();
    let mut pos = 0u64;
    let mut meta = None;
    let mut keyframes: Vec<(u64, u32)> = Vec::new();
    while let Some(item) = parser.next_item().expect("written FLV parses") {
        match item {
            FlvItem::Header(_) => pos += 13,
            FlvItem::Skipped { bytes } => panic!("{bytes} junk bytes in {}", path.display()),
            FlvItem::Tag(tag) => {
                if tag.tag_type == TagType::Script && meta.is_none() {
                    meta = Some(tag.clone());
                }
                if tag.is_video_keyframe() && !tag.is_sequence_header() {
                    keyframes.push((pos, tag.timestamp));
                }
                pos += tag_len(&tag);
            }
        }
    }
    assert_eq!(pos, bytes.len() as u64, "tags cover the file");
    let meta = meta.expect("onMetaData tag");
    let values = amf0::decode_all(&meta.data).expect("onMetaData decodes");
    let obj = values.get(1).expect("onMetaData object");
    let index = obj.get("keyframes").expect("keyframes object");
    let list = |k: &str| -> Vec<f64> {
        match index.get(k) {
            Some(amf0::Amf0Value::StrictArray(v)) => v.iter().filter_map(|x| x.as_f64()).collect(),
            other => panic!("keyframes.{k}: {other:?}"),
        }
    };
    let (times, positions) = (list("times"), list("filepositions"));
    assert_eq!(times.len(), positions.len());
    assert_eq!(
        positions.len(),
        keyframes.len(),
        "every keyframe indexed (file has room for all)"
    );
    for ((t, p), (kpos, kts)) in times.iter().zip(&positions).zip(&keyframes) {
        assert_eq!(*p as u64, *kpos, "fileposition points at the keyframe tag");
        assert!(
            (t - f64::from(*kts) / 1000.0).abs() < 0.0005,
            "time {t} vs {kts}"
        );
    }
    assert_eq!(
        obj.get("hasKeyframes").and_then(|v| v.as_bool()),
        Some(true)
    );
    assert_eq!(
        obj.get("filesize").and_then(|v| v.as_f64()),
        Some(bytes.len() as f64)
    );
}

fn tag_len(tag: &FlvTag) -> u64 {
    tag.encoded_len()
}
