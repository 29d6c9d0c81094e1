//! `kill -9` of the real binary in the middle of mesio recordings (one FLV,
//! one HLS streamer at once): before the kill `srec status` counts the open
//! files' bytes; after it the partial files play up to the last complete
//! tag/packet, and the next start recovers them — the HLS `.part` is renamed
//! to the name its row holds, and both rows get the real file size.

use std::path::{Path, PathBuf};
use std::time::Duration;

use srec::db::{Db, sessions};
use srec::download::engine::part_path;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::mesio_probe::{decode_errors, probe, tools};

const EXIT: Duration = Duration::from_secs(35);

fn open_segment(s: &Srec, streamer: i64) -> Option<sessions::Segment> {
    let db = Db::open(&s.db_path()).ok()?;
    let session = db
        .with(|c| sessions::list_for(c, streamer, 1))
        .ok()?
        .into_iter()
        .next()?;
    db.with(|c| sessions::segments(c, session.id))
        .ok()?
        .into_iter()
        .last()
}

/// Plays the file through, allowing only complaints about its cut-off end;
/// returns ffprobe's duration.
fn assert_plays_to_the_cut(path: &Path, at_least: f64) -> f64 {
    let p = probe(path);
    assert!(
        p.duration >= at_least,
        "{}: {} s recorded, expected at least {at_least} s ({})",
        path.display(),
        p.duration,
        p.errors
    );
    assert!(
        p.non_monotonic().is_empty(),
        "{}: timestamps",
        path.display()
    );
    assert!(p.starts_with_keyframe(), "{}: first frame", path.display());
    let decode = decode_errors(path);
    assert!(
        !decode.contains("exited with"),
        "{}: {decode}",
        path.display()
    );
    // Everything but the last (possibly cut) packet decodes cleanly: at most
    // one complaint, about the truncated end.
    assert!(
        decode.lines().filter(|l| !l.trim().is_empty()).count() <= 1,
        "{}: decode errors before the cut: {decode}",
        path.display()
    );
    p.duration
}

#[test]
fn mesio_kill_9_leaves_playable_files_and_restart_recovers_them() {
    if !tools("mesio_kill_9_leaves_playable_files_and_restart_recovers_them") {
        return;
    }
    let fake = Fake::new();
    let flv_room = fake.live_room("kflv");
    let hls_room = fake.live_room("khls");
    let s = Srec::new();
    s.write_config(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\nstream_format = \"flv\"\n\
         [templates.hls]\nstream_format = \"hls\"\n",
    );
    s.ok(&["add", &flv_room.page_url()]);
    s.ok(&["add", &hls_room.page_url(), "--template", "hls"]);
    let mut d = s.daemon();
    assert!(wait_until(Duration::from_secs(15), || {
        open_segment(&s, 1).is_some() && open_segment(&s, 2).is_some()
    }));
    // Both files hold more than the 3 s checked after the kill.
    let media_secs = |id: i64, part: bool| {
        open_segment(&s, id)
            .map(|g| PathBuf::from(&g.path))
            .map(|p| if part { part_path(&p) } else { p })
            .and_then(|p| crate::harness::ffprobe_duration(&p))
            .unwrap_or(0.0)
    };
    assert!(
        wait_until(Duration::from_secs(30), || media_secs(1, false) >= 4.0
            && media_secs(2, true) >= 4.0),
        "4 s of media in each file"
    );
    // While the first files are open, `srec status` counts what they hold
    // so far (the HLS one exists only as its `.part`).
    let status = s.json(&["status"]);
    let recordings = status["recordings"].as_array().expect("recordings");
    assert_eq!(recordings.len(), 2, "{status}");
    for r in recordings {
        assert!(r["bytes"].as_i64().is_some_and(|b| b > 0), "{status}");
    }
    d.signal("KILL");
    d.wait_exit(EXIT);

    let flv = open_segment(&s, 1).expect("FLV segment row");
    let hls = open_segment(&s, 2).expect("HLS segment row");
    assert!(
        flv.ended_at.is_none() && hls.ended_at.is_none(),
        "rows still open"
    );
    let flv_path = PathBuf::from(&flv.path);
    let hls_path = PathBuf::from(&hls.path);
    assert!(
        flv_path.extension().is_some_and(|e| e == "flv"),
        "{flv_path:?}"
    );
    assert!(
        hls_path.extension().is_some_and(|e| e == "ts"),
        "{hls_path:?}"
    );
    // FLV writes the final name from the start; HLS writes a .part.
    assert!(flv_path.exists());
    assert!(
        !hls_path.exists() && part_path(&hls_path).exists(),
        "{hls_path:?}"
    );
    let flv_secs = assert_plays_to_the_cut(&flv_path, 3.0);
    let hls_secs = assert_plays_to_the_cut(&part_path(&hls_path), 3.0);
    eprintln!("after kill -9: FLV {flv_secs:.1} s, HLS .part {hls_secs:.1} s");

    // Restart with both rooms offline: only recovery runs.
    flv_room.set_live(false);
    hls_room.set_live(false);
    let mut d = s.daemon();
    d.wait_for("recovered from an unclean stop", Duration::from_secs(5));
    d.wait_for("recovered a segment left as .part", Duration::from_secs(5));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);

    assert!(!part_path(&hls_path).exists(), ".part renamed");
    for (row, path) in [(1, &flv_path), (2, &hls_path)] {
        let seg = open_segment(&s, row).expect("row");
        assert_eq!(seg.path, path.to_string_lossy(), "row keeps its final name");
        assert!(seg.ended_at.is_some(), "row closed");
        assert_eq!(seg.split_reason.as_deref(), Some("crash"));
        let len = std::fs::metadata(path).expect("final file").len();
        assert_eq!(seg.bytes as u64, len, "row bytes match {}", path.display());
        assert_plays_to_the_cut(path, 3.0);
    }
}
