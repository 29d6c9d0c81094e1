//! The TS analyzer on real segments made by ffmpeg (skipped, loudly, when
//! ffmpeg is not installed).

use super::testutil::ffmpeg_hls;
use super::*;

#[test]
fn real_segments_start_with_keyframes_and_last_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let Some(segs) = ffmpeg_hls(dir.path(), 6, 2, false) else {
        return;
    };
    assert_eq!(segs.len(), 3, "ffmpeg made {segs:?}");
    let mut prev_end = None;
    for seg in &segs {
        let data = std::fs::read(seg).unwrap();
        let mut a = TsAnalyzer::new();
        for chunk in data.chunks(1000) {
            a.feed(chunk);
        }
        let info = a.finish();
        assert_eq!(info.codec, Some(VideoCodec::H264), "{seg:?}");
        assert_eq!(info.starts_with_keyframe(), Some(true), "{seg:?}");
        assert_eq!((info.video_frames, info.keyframes), (50, 2), "{seg:?}");
        assert_eq!(info.frame_duration, Some(3600));
        let d = info.duration().unwrap().as_secs_f64();
        assert!((d - 2.0).abs() < 0.01, "{seg:?} lasts {d}");
        assert_eq!(info.skipped_bytes, 0);
        // Contiguous timeline: each segment starts where the last ended.
        if let Some(end) = prev_end {
            assert_eq!(pts_diff(info.pts_start.unwrap(), end), 0);
        }
        prev_end = info.pts_end();
    }
}
