//! Unit tests of sessions and segments: finalising a segment commits its
//! outbox event, one active session per streamer, restart recovery.

use super::sessions::*;
use crate::db::{Db, streamers};
use crate::model::streamer::{NewStreamer, StreamerState};

#[test]
fn finalising_a_segment_commits_its_outbox_event() {
    use crate::events::{SegmentFinalised, SplitReason};
    let db = Db::open_in_memory().unwrap();
    db.with(|c| {
        let s = streamers::insert(c, &NewStreamer::new("http://h/a", "a", "generic"))?;
        let sid = open(c, s.id, None, None, 1_000)?;
        add_segment(c, sid, 0, "/x/0.flv", 1_000)?;
        let mut done = SegmentFinalised {
            session_id: sid,
            streamer_id: s.id,
            index: 0,
            path: "/x/0.flv".into(),
            duration_ms: 4_000,
            bytes: 77,
            split_reason: SplitReason::Size,
        };
        finalise_segment(c, &done)?;
        let rows = crate::db::outbox::after(c, 0, 10)?;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, SegmentFinalised::KIND);
        let back: SegmentFinalised = serde_json::from_str(&rows[0].payload).unwrap();
        assert_eq!(back, done);
        assert_eq!(segments(c, sid)?[0].bytes, 77);
        done.index = 9;
        finalise_segment(c, &done)?;
        assert_eq!(
            crate::db::outbox::after(c, 0, 10)?.len(),
            1,
            "no event for a segment without a row"
        );
        // A file on disk gives the size, whatever the engine counted.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("1.flv");
        std::fs::write(&file, [0u8; 1_000]).unwrap();
        add_segment(c, sid, 1, &file.display().to_string(), 5_000)?;
        done.index = 1;
        done.path = file;
        done.bytes = 1_024;
        finalise_segment(c, &done)?;
        assert_eq!(segments(c, sid)?[1].bytes, 1_000);
        let rows = crate::db::outbox::after(c, 0, 10)?;
        let back: SegmentFinalised = serde_json::from_str(&rows[1].payload).unwrap();
        assert_eq!(back.bytes, 1_000);
        Ok(())
    })
    .unwrap();
}

#[test]
fn one_active_session_and_recovery() {
    let db = Db::open_in_memory().unwrap();
    db.with(|c| {
        let s = streamers::insert(c, &NewStreamer::new("http://h/a", "a", "generic"))?;
        streamers::set_state(c, s.id, StreamerState::Live, None)?;
        let sid = open(c, s.id, Some("t"), None, 1_000)?;
        assert!(
            open(c, s.id, None, None, 2_000).is_err(),
            "second open session refused"
        );
        let g1 = add_segment(c, sid, 0, "/x/0.flv", 1_000)?;
        close_segment(c, g1, 5_000, 100, "size")?;
        let g2 = add_segment(c, sid, 1, "/x/1.flv", 6_000)?;
        c.execute(
            "UPDATE session_segments SET duration_ms = 2000, bytes = 50 WHERE id = ?1",
            [g2],
        )?;
        record_title(c, sid, "new title", Some("music"))?;
        let active = active_recordings(c)?;
        assert_eq!(active.len(), 1);
        assert_eq!((active[0].segments, active[0].bytes), (2, 150));
        assert_eq!(active[0].current_path.as_deref(), Some("/x/1.flv"));
        assert_eq!(active[0].title.as_deref(), Some("new title"));
        Ok(())
    })
    .unwrap();
    let rec = db.with(|c| recover_after_crash(c, &[])).unwrap();
    assert_eq!(
        rec,
        Recovery {
            streamers_reset: 1,
            sessions_closed: 1,
            segments_closed: 1,
            files_renamed: 0,
        }
    );
    db.with(|c| {
        let (ended, reason): (i64, String) =
            c.query_row("SELECT ended_at, end_reason FROM live_sessions", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        assert_eq!((ended, reason.as_str()), (8_000, "recovered_after_crash"));
        assert_eq!(streamers::list(c)?[0].state, StreamerState::NotLive);
        assert!(active_recordings(c)?.is_empty());
        Ok(())
    })
    .unwrap();
}
