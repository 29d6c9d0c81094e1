//! End-to-end recorder behaviour on well-behaved streams: ordering, dedup,
//! ENDLIST, variants, cancellation, progress.

use std::sync::Arc;
use std::time::Duration;

use super::super::*;
use super::fake::*;
use crate::events::{DownloadEventKind, SplitReason};

#[tokio::test(start_paused = true)]
async fn live_window_recorded_once_in_order_then_endlist() {
    // The window slides by one segment per reload, tokens rotate each time.
    let fetch = FakeFetch::new()
        .live(vec![
            window(1, 3, "t0", false),
            window(1, 3, "t1", false), // unchanged
            window(2, 3, "t2", false),
            window(3, 3, "t3", false),
            window(4, 3, "t4", true),
        ])
        .plain_segments(1..=6);
    let fetch = Arc::new(fetch);
    let run = record(fetch.clone(), opts(), MemSink::default(), None).await;
    assert_eq!(run.ok(), Outcome::EndOfStream);
    assert_eq!(run.texts(), ["<seg1><seg2><seg3><seg4><seg5><seg6>"]);
    assert_eq!(run.closes(), [(0, SplitReason::EndOfStream)]);
    for n in 1..=6 {
        assert_eq!(
            fetch.requests(&format!("/live/seg{n}.ts")),
            1,
            "segment {n} fetched once"
        );
    }
    assert_eq!(run.files[0].ext, "ts");
    let opened = run
        .events
        .iter()
        .filter(|e| matches!(e, DownloadEventKind::SegmentOpened { .. }));
    assert_eq!(opened.count(), 1);
    match run.events.last() {
        Some(DownloadEventKind::Progress { bytes, .. }) => assert_eq!(*bytes, 6 * 6),
        other => panic!("expected a final progress event, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn out_of_order_completion_is_written_in_order() {
    let slow = Res {
        delay: Duration::from_secs(3),
        ..Res::ok("<seg1>")
    };
    let fetch = FakeFetch::new()
        .live(vec![window(1, 3, "x", true)])
        .res("/live/seg1.ts", slow)
        .res(
            "/live/seg2.ts",
            Res {
                delay: Duration::from_secs(1),
                ..Res::ok("<seg2>")
            },
        )
        .plain_segments([3]);
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<seg1><seg2><seg3>"]);
}

#[tokio::test(start_paused = true)]
async fn endlist_drains_segments_still_downloading() {
    let mut fetch = FakeFetch::new().live(vec![window(1, 5, "x", true)]);
    for n in 1..=5 {
        fetch = fetch.res(
            &format!("/live/seg{n}.ts"),
            Res {
                delay: Duration::from_secs(2),
                ..Res::ok(format!("<seg{n}>"))
            },
        );
    }
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    assert_eq!(run.ok(), Outcome::EndOfStream);
    assert_eq!(run.texts(), ["<seg1><seg2><seg3><seg4><seg5>"]);
}

#[tokio::test(start_paused = true)]
async fn master_playlist_resolves_to_the_chosen_variant() {
    let master = "#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360
low/index.m3u8?token=1
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720
hi/index.m3u8?token=1
";
    let hi = pl(0, 2, "#EXTINF:2,\nhi0.ts\n", true);
    let fetch = FakeFetch::new()
        .playlist("/live/index.m3u8", vec![Ok(master.into())])
        .playlist("/live/hi/index.m3u8", vec![Ok(hi)])
        .res("/live/hi/hi0.ts", Res::ok("<hi0>"));
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<hi0>"]);
}

#[tokio::test(start_paused = true)]
async fn stop_closes_the_file_cleanly() {
    let script = (0..100).map(|i| window(i, 3, "x", false)).collect();
    let fetch = FakeFetch::new().live(script).plain_segments(0..110);
    let run = record(
        Arc::new(fetch),
        opts(),
        MemSink::default(),
        Some(Duration::from_secs(7)),
    )
    .await;
    assert_eq!(run.ok(), Outcome::Stopped);
    assert_eq!(run.closes(), [(0, SplitReason::Stopped)]);
    let text = &run.texts()[0];
    assert!(text.starts_with("<seg0><seg1><seg2><seg3>"), "{text}");
    // Progress rides on the data: a new segment every 2 s over 7 s gives
    // one event per segment after the first second, plus the final one.
    let progress: Vec<u64> = run.progress().into_iter().map(|(b, _)| b).collect();
    assert!((4..=8).contains(&progress.len()), "{progress:?}");
    assert!(progress.is_sorted(), "{progress:?}");
    assert_eq!(progress.last().copied(), Some(text.len() as u64));
}

#[tokio::test(start_paused = true)]
async fn progress_reports_a_stalled_playlist_as_zero_bitrate() {
    // Two segments, then the playlist never grows: no data arrives, but the
    // dashboard must still see the rate drop to zero.
    let fetch = FakeFetch::new()
        .live(vec![window(0, 2, "x", false)])
        .plain_segments(0..2);
    let run = record(
        Arc::new(fetch),
        opts(),
        MemSink::default(),
        Some(Duration::from_secs(9)),
    )
    .await;
    assert_eq!(run.ok(), Outcome::Stopped);
    let progress = run.progress();
    let total = "<seg0><seg1>".len() as u64;
    assert!(
        progress.len() >= 4,
        "one every 2 s while idle: {progress:?}"
    );
    assert!(progress.iter().all(|(b, _)| *b == total), "{progress:?}");
    assert_eq!(progress[progress.len() - 2].1, 0, "{progress:?}");
}

#[tokio::test(start_paused = true)]
async fn stop_keeps_the_bytes_of_a_half_downloaded_segment() {
    let mut fetch = FakeFetch::new()
        .live(vec![window(1, 2, "x", false)])
        .plain_segments([1])
        .res(
            "/live/seg2.ts",
            Res {
                hang_after: Some(3),
                ..Res::ok("<seg2 is a longer segment>")
            },
        );
    fetch.chunk = 4;
    let run = record(
        Arc::new(fetch),
        opts(),
        MemSink::default(),
        Some(Duration::from_secs(5)),
    )
    .await;
    assert_eq!(run.ok(), Outcome::Stopped);
    // Not a keyframe-decidable TS body: still being peeked at when stopped.
    assert_eq!(run.texts(), ["<seg1><seg2 is a l"]);
    assert_eq!(run.closes(), [(0, SplitReason::Stopped)]);
}

#[tokio::test(start_paused = true)]
async fn playlist_errors_are_retried() {
    let fetch = FakeFetch::new()
        .playlist(
            "/live/index.m3u8",
            vec![
                Ok(window(1, 2, "a", false)),
                Err(503),
                Err(404),
                Ok(window(2, 2, "b", true)),
            ],
        )
        .plain_segments(1..=3);
    let fetch = Arc::new(fetch);
    let run = record(fetch.clone(), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<seg1><seg2><seg3>"]);
    assert_eq!(fetch.requests("/live/index.m3u8"), 4);
}

#[tokio::test(start_paused = true)]
async fn expired_playlist_token_fails_without_retrying_forever() {
    let fetch = FakeFetch::new()
        .playlist(
            "/live/index.m3u8",
            vec![Ok(window(1, 2, "a", false)), Err(403)],
        )
        .plain_segments(1..=2);
    let run = record(Arc::new(fetch), opts(), MemSink::default(), None).await;
    let err = run.err();
    assert!(
        matches!(
            err,
            HlsError::Net(crate::net::NetError::Http { status: 403, .. })
        ),
        "{err}"
    );
    assert_eq!(run.texts(), ["<seg1><seg2>"], "what was received is kept");
    assert_eq!(run.closes(), [(0, SplitReason::Error)]);
}
