//! Tests of crash recovery in the database: files renamed and measured,
//! rows closed with what was found, the time of the last known state.

use super::*;

#[test]
fn renames_a_part_measures_a_present_file_and_reports_missing() {
    let dir = tempfile::tempdir().unwrap();
    let hls = dir.path().join("a.ts");
    std::fs::write(part_path(&hls), b"0123456789").unwrap();
    assert_eq!(
        recover_file(&hls).unwrap(),
        FileRecovery::Renamed { bytes: 10 }
    );
    assert_eq!(std::fs::read(&hls).unwrap(), b"0123456789");
    assert!(!part_path(&hls).exists());

    let flv = dir.path().join("b.flv");
    std::fs::write(&flv, b"abc").unwrap();
    assert_eq!(
        recover_file(&flv).unwrap(),
        FileRecovery::Present { bytes: 3 }
    );
    // An existing final file is never replaced by a stray part.
    std::fs::write(part_path(&flv), b"zzzzzz").unwrap();
    assert_eq!(recover_file(&flv).unwrap().bytes(), Some(3));
    assert_eq!(std::fs::read(&flv).unwrap(), b"abc");

    let none = dir.path().join("c.ts");
    assert_eq!(recover_file(&none).unwrap(), FileRecovery::Missing);
    assert_eq!(FileRecovery::Missing.bytes(), None);
}

fn one_open_segment(c: &mut Connection, path: &str) -> Result<(i64, i64), DbError> {
    use crate::db::{sessions, streamers};
    use crate::model::streamer::{NewStreamer, StreamerState};
    let s = streamers::insert(c, &NewStreamer::new("http://h/a", "a", "generic"))?;
    streamers::set_state(c, s.id, StreamerState::Live, None)?;
    let sid = sessions::open(c, s.id, None, None, 1_000)?;
    let g = sessions::add_segment(c, sid, 0, path, 1_500)?;
    Ok((sid, g))
}

#[test]
fn crash_recovery_reports_surviving_files_as_finalised() {
    use crate::db::{Db, sessions};
    use crate::events::{SegmentFinalised, SplitReason};
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("0.flv");
    std::fs::write(&kept, b"12345").unwrap();
    let gone = dir.path().join("1.flv");
    let db = Db::open_in_memory().unwrap();
    db.with(|c| {
        let (sid, g0) = one_open_segment(c, &kept.display().to_string())?;
        sessions::add_segment(c, sid, 1, &gone.display().to_string(), 2_000)?;
        let open = open_segments(c)?;
        assert_eq!(open.len(), 2);
        assert_eq!((open[0].id, open[0].started_at), (g0, 1_500));
        let found = FoundFile {
            segment_id: g0,
            bytes: 5,
            duration_ms: Some(19_000),
            last_write_at: None,
            renamed: true,
        };
        let r = recover_after_crash(c, &[found])?;
        assert_eq!((r.files_renamed, r.segments_closed), (1, 2));
        let rows = super::super::outbox::after(c, 0, 10)?;
        assert_eq!(
            rows.len(),
            2,
            "the file that exists, then the session: {rows:?}"
        );
        assert_eq!(rows[1].kind, crate::events::SessionClosed::KIND);
        let ev: SegmentFinalised = serde_json::from_str(&rows[0].payload).unwrap();
        assert_eq!((ev.index, ev.bytes, ev.duration_ms), (0, 5, 19_000));
        assert_eq!(ev.split_reason, SplitReason::Crash);
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_recovered_segment_ends_at_its_media_end_or_later_last_write() {
    use crate::db::{Db, sessions};
    let ended = |found: FoundFile| {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let (sid, g) = one_open_segment(c, "/nowhere/0.flv")?;
            recover_after_crash(
                c,
                &[FoundFile {
                    segment_id: g,
                    ..found
                }],
            )?;
            let seg = sessions::segments(c, sid)?.remove(0);
            let session: i64 = c.query_row(
                "SELECT ended_at FROM live_sessions WHERE id = ?1",
                [sid],
                |r| r.get(0),
            )?;
            Ok((seg.duration_ms, seg.ended_at, seg.bytes, session))
        })
        .unwrap()
    };
    let media_only = FoundFile {
        segment_id: 0,
        bytes: 3_145_728,
        duration_ms: Some(19_000),
        last_write_at: None,
        renamed: false,
    };
    // 19 s of media from 1.5 s: not the 4 ms of a row closed at its start.
    assert_eq!(
        ended(media_only),
        (Some(19_000), Some(20_500), 3_145_728, 20_500)
    );
    // A later last write wins (the source stalled before the crash)...
    let stalled = FoundFile {
        last_write_at: Some(25_000),
        ..media_only
    };
    assert_eq!(
        ended(stalled),
        (Some(19_000), Some(25_000), 3_145_728, 25_000)
    );
    // ...an earlier one does not (the media is in the file).
    let early = FoundFile {
        last_write_at: Some(10_000),
        ..media_only
    };
    assert_eq!(ended(early).1, Some(20_500));
}

#[test]
fn last_activity_is_the_latest_time_written() {
    use crate::db::{Db, sessions};
    let db = Db::open_in_memory().unwrap();
    db.with(|c| {
        assert_eq!(last_activity(c)?, None);
        let (_, g) = one_open_segment(c, "/x/0.flv")?;
        let updated: i64 = c.query_row("SELECT updated_at FROM streamers", [], |r| r.get(0))?;
        assert_eq!(last_activity(c)?, Some(updated));
        let later = updated + 60_000;
        sessions::close_segment(c, g, later - 1_500, 10, "size")?;
        assert_eq!(last_activity(c)?, Some(later));
        Ok(())
    })
    .unwrap();
}
