//! The fault knobs of the live test server against the external engines
//! (ffmpeg, streamlink) through the real daemon: whatever the source does,
//! the session keeps recording until the room goes offline, every file the
//! DB knows is closed, the size it says and readable by ffprobe, and most
//! of the live time is on disk. mesio's behaviour per knob is checked to
//! the frame in `mesio_faults` and `mesio_faults_flv`; this is the coarser
//! row of the fault matrix in docs/RELIABILITY.md for the other engines.

use std::time::Duration;

use fake_live::Fault;

use crate::engines::{EXIT, check_rows, engine_config, have_tools, segments};
use crate::fake::Fake;
use crate::harness::{Srec, wait_until};

/// A case: name, stream format, and the fault (armed `times` times).
type Case = (&'static str, &'static str, Fault, Option<u32>);

fn cases() -> Vec<Case> {
    vec![
        (
            "flv-drop",
            "flv",
            Fault::FlvDrop {
                after_bytes: 200_000,
            },
            Some(1),
        ),
        (
            "flv-stall",
            "flv",
            Fault::FlvStall {
                after_bytes: 100_000,
                secs: 3.0,
            },
            Some(1),
        ),
        (
            "flv-variant-switch",
            "flv",
            Fault::VariantSwitch { at_ms: None },
            None,
        ),
        (
            "hls-segment-404",
            "hls",
            Fault::SegmentStatus {
                seq: None,
                status: 404,
            },
            Some(1),
        ),
        (
            "hls-segment-drop",
            "hls",
            Fault::SegmentDrop { after_seq: 0 },
            Some(1),
        ),
        (
            "hls-segment-stall",
            "hls",
            Fault::SegmentStall {
                seq: None,
                secs: 3.0,
            },
            Some(1),
        ),
        (
            "hls-playlist-reset",
            "hls",
            Fault::PlaylistReset { to_seq: 0 },
            None,
        ),
    ]
}

/// Records every case with `engine` at once (one room each), fires the
/// faults once every recording has a file, records `SPAN` more, then takes
/// the rooms offline and checks the files.
fn matrix(engine: &str) {
    const SPAN: Duration = Duration::from_secs(14);
    if !have_tools() {
        return;
    }
    let fake = Fake::new();
    let s = Srec::new();
    // Seven recordings at once: more than the default six slots.
    let out = engine_config(&s, "[download]\nmax_concurrent = 8\n");
    let cases = cases();
    let added: Vec<(i64, &Case, fake_live::Room)> = cases
        .iter()
        .map(|case| {
            let room = fake.live_room(&format!("{engine}_{}", case.0.replace('-', "_")));
            let template = format!("{engine}_{}", case.1);
            let v = s.json(&["add", &room.page_url(), "--template", &template]);
            (v["id"].as_i64().expect("id"), case, room)
        })
        .collect();
    let mut d = s.daemon();
    assert!(
        wait_until(Duration::from_secs(40), || added
            .iter()
            .all(|(id, ..)| !segments(&s, *id).is_empty())),
        "{engine}: every case is recording; list:\n{}",
        s.ok(&["list"])
    );
    for (_, (_, _, fault, times), room) in &added {
        match times {
            Some(n) => room.set_fault_times(fault.clone(), *n),
            None => room.set_fault(fault.clone()),
        }
    }
    // Recording for a span of wall time is the point of the test.
    std::thread::sleep(SPAN);
    for (.., room) in &added {
        room.set_live(false);
    }
    let offline_ms = srec::db::now_ms();
    assert!(
        wait_until(Duration::from_secs(30), || added.iter().all(|(id, ..)| {
            let rows = segments(&s, *id);
            !rows.is_empty() && rows.iter().all(|g| g.ended_at.is_some())
        })),
        "{engine}: every session closed; log:\n{}",
        d.seen.join("\n")
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    assert!(!d.seen.iter().any(|l| l.contains("panicked")));
    let mut failed = Vec::new();
    for (id, (name, ..), _) in &added {
        let rows = segments(&s, *id);
        let secs = check_rows(&rows, &out, name);
        let first = rows
            .iter()
            .map(|g| g.started_at)
            .min()
            .unwrap_or(offline_ms);
        let live = (offline_ms - first) as f64 / 1000.0;
        eprintln!(
            "{engine} {name}: {} file(s), {secs:.1} s of media for {live:.1} s live",
            rows.len()
        );
        // From the first file to offline: a restart or a lost segment may
        // cost a few seconds, never the session.
        if secs < live - 4.0 {
            failed.push(format!("{name}: {secs:.1} s recorded, {live:.1} s live"));
        }
    }
    assert!(failed.is_empty(), "{engine}: {failed:?}");
}

#[test]
fn ffmpeg_survives_every_fault_knob() {
    matrix("ffmpeg");
}

#[test]
fn streamlink_survives_every_fault_knob() {
    matrix("streamlink");
}
