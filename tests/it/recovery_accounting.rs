//! Crash recovery accounting: after `kill -9` of a daemon recording with
//! mesio (FLV, HLS TS and HLS fMP4 at once), the next start closes each
//! open segment with the media length its file holds (as ffprobe sees it,
//! within 1.5 s) and the file's real size, and the session ends when the
//! recording did — not a few milliseconds after it started.
//! The same holds for a shutdown whose engine misses the deadline.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fake_live::{HlsMode, ServerOptions};
use srec::db::{Db, sessions};
use srec::download::engine::part_path;
use srec::media::probe::media_length;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::mesio_probe::{probe, tools};

const EXIT: Duration = Duration::from_secs(35);

/// Seconds recorded before the kill.
const RECORD_SECS: f64 = 7.0;

/// The newest session of a streamer and its last segment.
fn last_segment(s: &Srec, streamer: i64) -> Option<(sessions::Session, sessions::Segment)> {
    let db = Db::open(&s.db_path()).ok()?;
    let session = db
        .with(|c| sessions::list_for(c, streamer, 1))
        .ok()?
        .into_iter()
        .next()?;
    let seg = db
        .with(|c| sessions::segments(c, session.id))
        .ok()?
        .into_iter()
        .last()?;
    Some((session, seg))
}

/// Seconds of media in a segment being written (under its `.part` name
/// while mesio's HLS writer has it open).
fn recorded_secs(s: &Srec, streamer: i64) -> f64 {
    let Some((_, seg)) = last_segment(s, streamer) else {
        return 0.0;
    };
    let path = PathBuf::from(&seg.path);
    [part_path(&path), path]
        .iter()
        .find_map(|p| media_length(p).ok().flatten())
        .map_or(0.0, |m| m.duration.as_secs_f64())
}

#[test]
fn kill_9_then_restart_records_each_file_length_and_real_size() {
    if !tools("kill_9_then_restart_records_each_file_length_and_real_size") {
        return;
    }
    let fake = Fake::new();
    let fmp4 = Fake::start(ServerOptions {
        hls_mode: HlsMode::Fmp4,
        ..ServerOptions::default()
    });
    let rooms = [
        fake.live_room("acc-flv"),
        fake.live_room("acc-ts"),
        fmp4.live_room("acc-mp4"),
    ];
    let s = Srec::new();
    s.write_config(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\nstream_format = \"flv\"\n\
         [templates.hls]\nstream_format = \"hls\"\n",
    );
    s.ok(&["add", &rooms[0].page_url()]);
    s.ok(&["add", &rooms[1].page_url(), "--template", "hls"]);
    s.ok(&["add", &rooms[2].page_url(), "--template", "hls"]);
    let mut d = s.daemon();
    assert!(
        wait_until(Duration::from_secs(40), || {
            (1..=3).all(|id| recorded_secs(&s, id) >= RECORD_SECS)
        }),
        "each file holds {RECORD_SECS} s: {:?}",
        (1..=3).map(|id| recorded_secs(&s, id)).collect::<Vec<_>>()
    );
    d.signal("KILL");
    d.wait_exit(EXIT);
    for id in 1..=3 {
        let (session, seg) = last_segment(&s, id).expect("rows");
        assert!(session.ended_at.is_none() && seg.ended_at.is_none());
    }

    // Restart with every room offline: only recovery runs.
    for r in &rooms {
        r.set_live(false);
    }
    let mut d = s.daemon();
    d.wait_for("recovered from an unclean stop", Duration::from_secs(10));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);

    for (id, ext) in [(1, "flv"), (2, "ts"), (3, "mp4")] {
        let (session, seg) = last_segment(&s, id).expect("rows");
        let path = Path::new(&seg.path);
        assert!(
            path.extension().is_some_and(|e| e == ext),
            "{}",
            path.display()
        );
        assert_eq!(seg.split_reason.as_deref(), Some("crash"));
        let len = std::fs::metadata(path).expect("final file").len();
        assert_eq!(seg.bytes as u64, len, "row bytes = file size of {ext}");
        let ffprobe = probe(path).duration;
        let row = seg.duration_ms.expect("a duration") as f64 / 1000.0;
        eprintln!("{ext}: row {row:.3} s, ffprobe {ffprobe:.3} s, {len} bytes");
        assert!(
            (row - ffprobe).abs() <= 1.5,
            "{ext}: row says {row:.3} s, ffprobe {ffprobe:.3} s"
        );
        assert!(row >= RECORD_SECS - 0.5, "{ext}: {row:.3} s");
        let seg_end = seg.ended_at.expect("segment closed");
        assert!(
            seg_end - seg.started_at >= seg.duration_ms.unwrap_or(0),
            "{ext}: the segment ends after its media"
        );
        let ended = session.ended_at.expect("session closed");
        assert_eq!(ended, seg_end, "{ext}: the session ends with its file");
        assert!(
            (ended - session.started_at) as f64 / 1000.0 >= RECORD_SECS - 0.5,
            "{ext}: session lasted {} ms",
            ended - session.started_at
        );
        assert_eq!(session.end_reason.as_deref(), Some("recovered_after_crash"));
    }
}

/// A shutdown whose engine does not close its file in time (its ffmpeg is
/// paused, as on a stalled disk, and `shutdown_timeout` is 1 s) still
/// closes the open segment with its file's real size and media length,
/// not the figures the row had when it opened.
#[test]
fn a_shutdown_past_its_deadline_measures_the_file_left_open() {
    if !crate::engines::have_tools()
        || !tools("a_shutdown_past_its_deadline_measures_the_file_left_open")
    {
        return;
    }
    let fake = Fake::new();
    let room = fake.live_room("paused");
    let s = Srec::new();
    crate::engines::engine_config(&s, "[daemon]\nshutdown_timeout = \"1s\"\n");
    s.ok(&["add", &room.page_url(), "--template", "ffmpeg_flv"]);
    let mut d = s.daemon();
    assert!(
        wait_until(Duration::from_secs(40), || recorded_secs(&s, 1) >= 3.0),
        "ffmpeg recorded {:.1} s",
        recorded_secs(&s, 1)
    );
    let kids = crate::children::children_of(d.child.id());
    assert!(!kids.is_empty(), "no ffmpeg child");
    let signal = |sig: &str| {
        for pid in &kids {
            let _ = std::process::Command::new("kill")
                .args([sig, &pid.to_string()])
                .status();
        }
    };
    signal("-STOP");
    d.signal("TERM");
    d.wait_exit(EXIT);
    signal("-KILL");

    let (session, seg) = last_segment(&s, 1).expect("rows");
    assert_eq!(session.end_reason.as_deref(), Some("shutdown"));
    let path = Path::new(&seg.path);
    let len = std::fs::metadata(path).expect("the file").len();
    assert_eq!(seg.bytes as u64, len, "row bytes = file size");
    // ffmpeg writes an FLV's duration only when it ends, which a killed
    // one never does: the media span is the packets' own.
    let p = probe(path);
    let (first, last) = p
        .packets
        .iter()
        .fold((f64::MAX, 0f64), |(a, b), k| (a.min(k.dts), b.max(k.dts)));
    let row = seg.duration_ms.expect("a duration") as f64 / 1000.0;
    assert!(
        (row - (last - first)).abs() <= 1.5,
        "row says {row:.3} s, ffprobe's packets span {:.3} s",
        last - first
    );
    assert!(row >= 2.5, "{row:.3} s");
    assert!(session.ended_at.expect("closed") - session.started_at >= 2_500);
}
