//! Sequence resets told apart from stale playlists by
//! `EXT-X-PROGRAM-DATE-TIME`, with already-recorded media skipped, and
//! downloads caught by a reset listed again under their new numbers.

use std::sync::Arc;

use url::Url;

use super::super::*;
use super::fake::{FakeFetch, MemSink, Res, opts, pl, record};
use crate::events::SplitReason;

/// A live window whose segment `seq` is named `{seq}.ts` (so a renumbered
/// segment reuses an old URL) and holds media second `media_s + i`.
fn window(first_seq: u64, media_s: u64, n: u64) -> MediaWindow {
    let mut text = format!("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:{first_seq}\n");
    for i in 0..n {
        let s = media_s + i;
        text.push_str(&format!(
            "#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:{:02}:{:02}.000Z\n#EXTINF:1.000,\n{}.ts?t=x\n",
            s / 60,
            s % 60,
            first_seq + i
        ));
    }
    let base = Url::parse("http://fake/live/index.m3u8").unwrap();
    match parse(&base, text.as_bytes()).unwrap() {
        Parsed::Media(w) => w,
        Parsed::Master(_) => panic!("media playlist expected"),
    }
}

fn seqs(jobs: &[SegmentJob]) -> Vec<(u64, Option<Boundary>)> {
    jobs.iter().map(|j| (j.seg.seq, j.boundary)).collect()
}

#[test]
fn program_date_time_follows_each_segment() {
    let w = window(3, 10, 3);
    let pdt: Vec<_> = w.segments.iter().map(|s| s.program_date_ms).collect();
    let t0 = 1_704_067_200_000 + 10_000;
    assert_eq!(pdt, [Some(t0), Some(t0 + 1000), Some(t0 + 2000)]);
}

#[test]
fn renumbered_reset_reusing_urls_is_a_reset_and_skips_recorded_media() {
    let mut t = PlaylistTracker::new(StartAt::Oldest);
    // Seq n = media second n, up to seq 20.
    assert_eq!(t.update(&window(0, 0, 8)).len(), 8);
    assert_eq!(t.update(&window(8, 8, 8)).len(), 8);
    assert_eq!(t.update(&window(13, 13, 8)).len(), 5);
    // Reset: the listed media (13..21 s) is renumbered 0..8, reusing URLs
    // recorded earlier for media 0..8 s. Nothing new yet: nothing emitted,
    // and it is not mistaken for a stale copy either.
    assert!(t.update(&window(0, 13, 8)).is_empty());
    // Two new seconds: only they are recorded, after a reset boundary.
    assert_eq!(
        seqs(&t.update(&window(2, 15, 8))),
        [(8, Some(Boundary::Reset)), (9, None)]
    );
    assert_eq!(seqs(&t.update(&window(3, 16, 8))), [(10, None)]);
}

#[test]
fn reset_with_new_media_in_the_first_load_starts_after_what_was_recorded() {
    let mut t = PlaylistTracker::new(StartAt::Oldest);
    t.update(&window(40, 40, 5));
    // Renumbered to 0 while 3 s of new media appeared.
    assert_eq!(
        seqs(&t.update(&window(0, 42, 6))),
        [(3, Some(Boundary::Reset)), (4, None), (5, None)]
    );
}

#[test]
fn stale_copy_with_the_same_dates_is_ignored() {
    let mut t = PlaylistTracker::new(StartAt::Oldest);
    t.update(&window(10, 10, 5));
    t.update(&window(12, 12, 5));
    // An older cached copy, far back: same media, same dates.
    assert!(t.update(&window(10, 10, 5)).is_empty());
    assert!(t.update(&window(8, 8, 3)).is_empty());
    assert_eq!(seqs(&t.update(&window(13, 13, 5))), [(17, None)]);
}

#[test]
fn reset_seen_before_the_numbers_go_backwards_is_still_a_reset() {
    let mut t = PlaylistTracker::new(StartAt::Oldest);
    // Recorded seqs 0..8 (media 0..8 s); then a reset renumbers media
    // 4..12 s as 0..8: the newest number did not go back, but seqs 4..7
    // now hold media 8..11 s, which must not be taken as already recorded.
    assert_eq!(t.update(&window(0, 0, 8)).len(), 8);
    assert_eq!(
        seqs(&t.update(&window(0, 4, 8))),
        [(4, Some(Boundary::Reset)), (5, None), (6, None), (7, None)]
    );
    assert_eq!(seqs(&t.update(&window(1, 5, 8))), [(8, None)]);
}

#[test]
fn one_absurd_date_does_not_hide_later_media() {
    let mut t = PlaylistTracker::new(StartAt::Oldest);
    let mut w = window(3, 6, 2);
    w.segments[0].program_date_ms = Some(i64::MAX / 4);
    t.update(&w);
    // A reset after it: media past the last recorded segment is taken.
    assert_eq!(
        seqs(&t.update(&window(0, 8, 2))),
        [(0, Some(Boundary::Reset)), (1, None)]
    );
}

#[test]
fn a_reset_lists_again_the_media_of_downloads_not_answered_yet() {
    let n = Arc::new(Numbering::default());
    let mut t = PlaylistTracker::with_numbering(StartAt::Oldest, n.clone());
    let jobs = t.update(&window(0, 0, 6));
    assert!(jobs.iter().all(|j| j.generation == 0));
    // 0..3 were answered; 4 is still retrying, 5 answered after it.
    for seq in [0, 1, 2, 3, 5] {
        assert!(n.answered(0, seq));
    }
    // Renumbered: media 2..9 s as 0..7 (URLs reused).
    let again = t.update(&window(0, 2, 8));
    assert_eq!(
        seqs(&again),
        [
            (2, Some(Boundary::Reset)),
            (3, None),
            (4, None),
            (5, None),
            (6, None),
            (7, None)
        ],
        "media 4 s on, from the first unanswered download"
    );
    assert!(again.iter().all(|j| j.generation == 1));
    assert!(n.is_superseded(0, 4));
    assert!(
        n.is_superseded(0, 5),
        "after the gap: would be out of order"
    );
    assert!(!n.is_superseded(0, 3));
}

/// `n` one-second segments from `seq0` holding media seconds `media_s..`,
/// each URL named by `prefix` and sequence number.
fn dated(seq0: u64, media_s: u64, n: u64, prefix: &str, end: bool) -> String {
    let body: String = (0..n)
        .map(|i| {
            format!(
                "#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:{:02}.000Z\n#EXTINF:1.000,\n{prefix}{}.ts\n",
                media_s + i,
                seq0 + i
            )
        })
        .collect();
    pl(seq0, 1, &body, end)
}

/// The race the fake platform's `playlist-reset` knob hits: a segment
/// listed before the reset is refused once (the server renumbered between
/// the playlist load and the request) and then, under the same URL, serves
/// later media. The refusal brings the playlist reload forward, the stale
/// download is abandoned and its media recorded under its new number: one
/// split at the reset, nothing out of order, nothing lost.
#[tokio::test(start_paused = true)]
async fn a_download_refused_across_a_reset_is_listed_again_not_retried() {
    let mut fetch = FakeFetch::new()
        .live(vec![
            dated(0, 0, 4, "seg", false),
            dated(2, 2, 4, "seg", false),
            // Renumbered from 0: media 4..9 s, new URL names.
            dated(0, 4, 6, "r", true),
        ])
        .plain_segments(0..5)
        .res(
            "/live/seg5.ts",
            Res {
                fail_first: 1,
                // What `seg5.ts` names after the reset.
                ..Res::ok("<r5>")
            },
        );
    for (i, seq) in (0..6).enumerate() {
        fetch = fetch.res(
            &format!("/live/r{seq}.ts"),
            Res::ok(format!("<m{}>", 4 + i)),
        );
    }
    let fetch = Arc::new(fetch);
    let run = record(fetch.clone(), opts(), MemSink::default(), None).await;
    assert_eq!(run.ok(), Outcome::EndOfStream);
    assert_eq!(
        run.texts(),
        ["<seg0><seg1><seg2><seg3><seg4>", "<m5><m6><m7><m8><m9>"]
    );
    assert_eq!(
        run.closes(),
        [
            (0, SplitReason::Discontinuity),
            (1, SplitReason::EndOfStream)
        ]
    );
    assert_eq!(fetch.requests("/live/seg5.ts"), 1, "not retried");
    assert_eq!(fetch.requests("/live/r0.ts"), 0, "recorded media skipped");
}
