//! Server-side ads (Twitch stitched ads): the classifier on playlists built
//! in code, ranges remembered across reloads, and recordings that leave the
//! ad segments out with a clean split where content resumes.

use std::sync::Arc;

use url::Url;

use super::super::ads::{AdGate, ad_ranges, in_ranges};
use super::super::*;
use super::fake::*;
use crate::events::SplitReason;

/// Segment `n` starts at second `n` of 2026-01-01 00:00 UTC.
fn pdt(n: u64) -> String {
    format!("#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:{n:02}.000Z\n")
}

fn daterange(first: u64, secs: u64) -> String {
    format!(
        "#EXT-X-DATERANGE:ID=\"stitched-ad-{first}\",CLASS=\"twitch-stitched-ad\",\
         START-DATE=\"2026-01-01T00:00:{first:02}.000Z\",DURATION={secs}.000,\
         X-TV-TWITCH-AD-ROLL-TYPE=\"MIDROLL\",X-TV-TWITCH-AD-COMMERCIAL-ID=\"7\"\n"
    )
}

fn media(text: &str) -> MediaWindow {
    let base = Url::parse(URL).unwrap();
    match parse(&base, text.as_bytes()).unwrap() {
        Parsed::Media(w) => w,
        Parsed::Master(_) => panic!("media playlist expected"),
    }
}

fn ads(w: &MediaWindow) -> Vec<(u64, bool)> {
    w.segments.iter().map(|s| (s.seq, s.ad)).collect()
}

#[test]
fn amazon_titles_daterange_and_prefetch() {
    let body = format!(
        "{}#EXTINF:1.000,live\nseg0.ts\n#EXT-X-DISCONTINUITY\n{}{}#EXTINF:1.000,Amazon|1\nseg1.ts\n\
         {}#EXTINF:1.000,Amazon|2\nseg2.ts\n#EXT-X-DISCONTINUITY\n{}#EXTINF:1.000,live\nseg3.ts\n\
         #EXT-X-TWITCH-PREFETCH:seg4.ts\n#EXT-X-TWITCH-PREFETCH:seg5.ts\n",
        pdt(0),
        daterange(1, 2),
        pdt(1),
        pdt(2),
        pdt(3)
    );
    let w = media(&pl(0, 1, &body, false));
    assert_eq!(ads(&w), [(0, false), (1, true), (2, true), (3, false)]);
    assert_eq!(w.ad_ranges.len(), 1);
    // Prefetch lines are not segments: never fetched, never written.
    assert!(w.segments.iter().all(|s| !s.url.path().contains("seg4")));
}

#[test]
fn stacked_dateranges_and_twitch_tags_parse_and_only_ads_count() {
    let body = format!(
        "#EXT-X-TWITCH-LIVE-SEQUENCE:4\n#EXT-X-TWITCH-ELAPSED-SECS:8.000\n\
         #EXT-X-DATERANGE:ID=\"playlist-session-1\",CLASS=\"twitch-session\",\
         START-DATE=\"2026-01-01T00:00:00.000Z\",PLANNED-DURATION=86400,X-TV-TWITCH-SESSIONID=\"abc\"\n\
         {}#EXTINF:1.000,live\nseg0.ts\n{}\
         #EXT-X-DATERANGE:ID=\"source-1\",CLASS=\"twitch-stream-source\",\
         START-DATE=\"2026-01-01T00:00:01.000Z\",END-ON-NEXT=YES,X-TV-TWITCH-STREAM-SOURCE=\"live\"\n\
         {}#EXTINF:1.000,\nseg1.ts\n{}#EXTINF:1.000,\nseg2.ts\n",
        pdt(0),
        daterange(1, 1),
        pdt(1),
        pdt(2)
    );
    // The ad range comes first of two tags before seg1: m3u8-rs alone
    // would keep only the stream-source one.
    let w = media(&pl(0, 1, &body, false));
    assert_eq!(ads(&w), [(0, false), (1, true), (2, false)]);
    assert_eq!(w.ad_ranges, [(1_767_225_601_000, 1_767_225_602_000)]);
}

#[test]
fn a_daterange_alone_marks_its_segments_by_program_date_time() {
    let body: String = daterange(2, 2)
        + &(0..5)
            .map(|n| format!("{}#EXTINF:1.000,\nseg{n}.ts\n", pdt(n)))
            .collect::<String>();
    let w = media(&pl(0, 1, &body, false));
    assert_eq!(
        ads(&w),
        [(0, false), (1, false), (2, true), (3, true), (4, false)]
    );
}

#[test]
fn ranges_end_at_end_date_or_duration_and_need_an_ad_class_or_id() {
    let text = "#EXT-X-DATERANGE:ID=\"stitched-ad-9\",START-DATE=\"2026-01-01T00:00:10Z\",\
                END-DATE=\"2026-01-01T00:00:40Z\",X-TV-TWITCH-AD-URL=\"https://a.example/?x=1,2\"\n\
                #EXT-X-DATERANGE:ID=\"x\",CLASS=\"twitch-stitched-ad\",START-DATE=\"2026-01-01T00:01:00Z\",\
                PLANNED-DURATION=15\n\
                #EXT-X-DATERANGE:ID=\"x\",CLASS=\"twitch-stitched-ad\",START-DATE=\"2026-01-01T00:02:00Z\"\n\
                #EXT-X-DATERANGE:ID=\"quartile\",CLASS=\"twitch-ad-quartile\",START-DATE=\"2026-01-01T00:00:10Z\",DURATION=5\n";
    let base = 1_767_225_600_000;
    assert_eq!(
        ad_ranges(text.as_bytes()),
        [
            (base + 10_000, base + 40_000),
            (base + 60_000, base + 75_000)
        ],
        "an open-ended range and other classes are not ads"
    );
}

#[test]
fn ranges_include_a_rounded_start_and_exclude_the_next_segment() {
    let r = [(10_000, 12_000)];
    assert!(in_ranges(Some(9_999), &r));
    assert!(in_ranges(Some(11_000), &r));
    assert!(!in_ranges(Some(12_000), &r));
    assert!(
        !in_ranges(Some(11_999), &r),
        "the content right after, rounded"
    );
    assert!(!in_ranges(None, &r));
}

#[test]
fn the_gate_remembers_ranges_after_the_tag_scrolled_out() {
    let first = format!(
        "{}{}#EXTINF:1.000,\nseg0.ts\n{}{}#EXTINF:1.000,\nseg1.ts\n",
        pdt(0),
        "",
        daterange(1, 2),
        pdt(1)
    );
    let second = format!(
        "{}#EXTINF:1.000,\nseg2.ts\n{}#EXTINF:1.000,\nseg3.ts\n",
        pdt(2),
        pdt(3)
    );
    let numbering = Arc::new(Numbering::default());
    let mut tracker = PlaylistTracker::with_numbering(StartAt::Oldest, numbering.clone());
    let mut gate = AdGate::default();
    let mut passed = Vec::new();
    for text in [pl(0, 1, &first, false), pl(2, 1, &second, false)] {
        let w = media(&text);
        gate.absorb(&w.ad_ranges);
        for job in tracker.update(&w) {
            if let Some(j) = gate.pass(job, &numbering) {
                passed.push((j.seg.seq, j.boundary));
            }
        }
    }
    assert_eq!(passed, [(0, None), (3, Some(Boundary::Ad { skipped: 2 }))]);
}

#[tokio::test(start_paused = true)]
async fn a_mid_roll_is_left_out_and_content_resumes_in_a_new_file() {
    let body = format!(
        "{}#EXTINF:2.000,live\nseg1.ts\n#EXT-X-DISCONTINUITY\n{}{}#EXTINF:2.000,Amazon|9\nseg2.ts\n\
         {}#EXTINF:2.000,Amazon|9\nseg3.ts\n#EXT-X-DISCONTINUITY\n{}#EXTINF:2.000,live\nseg4.ts\n\
         {}#EXTINF:2.000,live\nseg5.ts\n",
        pdt(2),
        daterange(4, 4),
        pdt(4),
        pdt(6),
        pdt(8),
        pdt(10)
    );
    let fetch = Arc::new(
        FakeFetch::new()
            .live(vec![pl(1, 2, &body, true)])
            .plain_segments(1..=5),
    );
    let run = record(fetch.clone(), opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<seg1>", "<seg4><seg5>"]);
    assert_eq!(run.closes()[0], (0, SplitReason::Discontinuity));
    assert_eq!(
        fetch.requests("/live/seg2.ts"),
        0,
        "ads are not even fetched"
    );
}

#[tokio::test(start_paused = true)]
async fn a_long_break_is_not_a_stall() {
    // Ten reloads of nothing but ads (20 s, beyond the 3 x 2 s + grace
    // stall deadline would be without them), then content.
    let mut script = Vec::new();
    for i in 0..12u64 {
        let seq = 1 + i;
        let ad = (1..=10).contains(&i);
        let title = if ad { "Amazon|1" } else { "live" };
        script.push(pl(
            seq,
            2,
            &format!("#EXTINF:2.000,{title}\nseg{seq}.ts\n"),
            i == 11,
        ));
    }
    let fetch = Arc::new(FakeFetch::new().live(script).plain_segments(1..=12));
    let mut o = opts();
    o.watch.stall_grace = std::time::Duration::from_secs(1);
    let run = record(fetch, o, MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<seg1>", "<seg12>"]);
}

#[tokio::test(start_paused = true)]
async fn a_pre_roll_leaves_one_clean_file() {
    let body = "#EXTINF:2.000,Amazon|1\nseg1.ts\n#EXTINF:2.000,Amazon|1\nseg2.ts\n\
                #EXT-X-DISCONTINUITY\n#EXTINF:2.000,live\nseg3.ts\n#EXTINF:2.000,live\nseg4.ts\n";
    let fetch = Arc::new(
        FakeFetch::new()
            .live(vec![pl(1, 2, body, true)])
            .plain_segments(1..=4),
    );
    let run = record(fetch, opts(), MemSink::default(), None).await;
    run.ok();
    assert_eq!(run.texts(), ["<seg3><seg4>"]);
    assert_eq!(run.closes(), [(0, SplitReason::EndOfStream)]);
}
