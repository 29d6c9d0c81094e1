//! A publisher drop at the end of an FLV stream (the fake's
//! `flv_publisher_drop` knob): the server sends a short audio-only tail
//! whose timestamps go back behind audio already sent, then ends the body
//! cleanly, as SRS and nginx-rtmp do. mesio's file must still have
//! monotonic timestamps per stream (video strictly increasing, audio never
//! repeating or going back) and decode without a word from ffmpeg.

use fake_live::{Fault, HlsMode};
use futures::FutureExt;
use srec::events::SplitReason;
use srec::platform::StreamFormat;

use crate::mesio_faults::AT;
use crate::mesio_probe::{assert_playable, tools};
use crate::mesio_support::{Plan, record, run_cases, source};

/// Records until the publisher drop ends the stream and checks the file.
/// `kept_ms`: how far the recorded audio must reach past the last video
/// frame (the part of the tail that is new sound).
async fn publisher_drop(overlap_ms: u32, kept_ms: f64) {
    let src = source(2.0, HlsMode::Ts, false).await;
    let fault = Fault::FlvPublisherDrop {
        after_bytes: 0,
        tail_overlap_ms: overlap_ms,
    };
    // The drop ends the recording long before the room would go offline.
    let plan = Plan::new(StreamFormat::Flv, 60_000).fault(AT, fault, Some(1));
    let run = record(&src, plan).await;
    assert!(run.failures.is_empty(), "{:?}", run.failures);
    assert_eq!(run.reasons(), [SplitReason::EndOfStream], "{:?}", run.files);
    let file = &run.files[0];
    // Silent ffprobe and full decode, no repeated or backward DTS.
    let probe = assert_playable(&file.path, true);
    let audio: Vec<f64> = probe
        .packets
        .iter()
        .filter(|p| !p.video)
        .map(|p| p.dts)
        .collect();
    let video = probe.video_dts();
    assert!(
        video.windows(2).all(|w| w[1] > w[0]),
        "video DTS strictly increasing"
    );
    assert!(
        audio.windows(2).all(|w| w[1] >= w[0]),
        "audio DTS never goes back"
    );
    let (Some(a_end), Some(v_end)) = (audio.last(), video.last()) else {
        panic!("{}: audio and video expected", file.path.display());
    };
    assert!(
        a_end - v_end >= kept_ms / 1000.0,
        "the tail's new audio was recorded: audio ends {:.3} s after video",
        a_end - v_end
    );
}

/// A 300 ms overlap (within the repair's rebound tolerance: the overlapping
/// tags are dropped, the rest of the tail kept) and a 1.5 s one (a rebound:
/// the tail is moved to follow the audio already written).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mesio_flv_publisher_drop_tail_stays_monotonic() {
    if !tools("mesio_flv_publisher_drop_tail_stays_monotonic") {
        return;
    }
    run_cases(vec![
        ("overlap-300ms", publisher_drop(300, 150.0).boxed()),
        ("overlap-1500ms", publisher_drop(1_500, 150.0).boxed()),
    ])
    .await;
}
