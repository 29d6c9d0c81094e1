//! Fuzz target: arbitrary bytes as a series of playlist loads, each parsed
//! (m3u8 parsing, key/map/byte-range carry-over) and fed to the live
//! playlist tracker (dedup by sequence, stale/reset detection), plus
//! variant selection for master playlists.
//!
//! Invariants checked beyond "no panic": within one update the handed-out
//! segments have strictly rising sequence numbers and are all listed in the
//! window; outside a reset, nothing at or below the last handed-out
//! sequence is handed out again; `last_seq` follows what was handed out
//! (or the renumbered window after a reset with nothing new).
#![no_main]

use libfuzzer_sys::fuzz_target;
use srec::config::Quality;
use srec::media::hls::{Boundary, Parsed, PlaylistTracker, StartAt, parse, select_variant};
use url::Url;

fuzz_target!(|data: &[u8]| {
    // Byte 0 picks the start position and quality; 0xFF separates loads.
    let [mode, rest @ ..] = data else {
        return;
    };
    let start = match mode % 3 {
        0 => StartAt::Oldest,
        1 => StartAt::Newest,
        _ => StartAt::FromEnd(usize::from(mode / 3)),
    };
    let quality = match mode % 4 {
        0 => Quality::Best,
        1 => Quality::Worst,
        2 => Quality::Height(u32::from(*mode) * 4),
        _ => Quality::MaxKbps(u64::from(*mode) * 10),
    };
    let Ok(base) = Url::parse("http://cdn.test/live/index.m3u8?token=1") else {
        return;
    };
    let mut tracker = PlaylistTracker::new(start);
    for body in rest.split(|b| *b == 0xFF) {
        match parse(&base, body) {
            Ok(Parsed::Media(w)) => {
                let before = tracker.last_seq();
                let jobs = tracker.update(&w);
                for pair in jobs.windows(2) {
                    assert!(pair[0].seg.seq < pair[1].seg.seq, "out of order: {jobs:?}");
                }
                for j in &jobs {
                    assert!(
                        w.segments.iter().any(|s| s.seq == j.seg.seq),
                        "handed out a segment that is not listed"
                    );
                }
                let reset = jobs.iter().any(|j| j.boundary == Some(Boundary::Reset));
                if let (Some(last), Some(first), false) = (before, jobs.first(), reset) {
                    assert!(first.seg.seq > last, "segment {} handed out twice", first.seg.seq);
                }
                if let Some(j) = jobs.last() {
                    assert_eq!(tracker.last_seq(), Some(j.seg.seq));
                } else {
                    // Unchanged, or renumbered by a reset whose segments
                    // were all recorded already.
                    let newest = w.segments.last().map(|s| s.seq);
                    assert!(tracker.last_seq() == before || tracker.last_seq() == newest);
                }
            }
            Ok(Parsed::Master(m)) => {
                let _ = select_variant(&m.variants, quality);
            }
            Err(_) => {}
        }
    }
});
