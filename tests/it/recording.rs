//! Recording end to end (issue 5): the real binary against the fake live
//! platform over loopback.

use std::path::Path;
use std::time::{Duration, Instant};

use fake_live::Fault;
use srec::db::{Db, sessions};

use crate::fake::Fake;
use crate::harness::{Srec, ffprobe_duration, ffprobe_ok, wait_until};

const EXIT: Duration = Duration::from_secs(35);

fn config(s: &Srec, extra: &str) {
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\nstream_format = \"flv\"\n{extra}"
    ));
}

fn db(s: &Srec) -> Db {
    Db::open(&s.db_path()).expect("db")
}

fn segments_of(s: &Srec, session: i64) -> Vec<sessions::Segment> {
    db(s)
        .with(|c| sessions::segments(c, session))
        .expect("segments")
}

fn sessions_of(s: &Srec, streamer: i64) -> Vec<sessions::Session> {
    db(s)
        .with(|c| sessions::list_for(c, streamer, 100))
        .expect("sessions")
}

#[test]
fn goes_live_records_and_closes_the_session_when_offline() {
    let fake = Fake::new();
    let room = fake.room("alice");
    room.set_live(false);
    let s = Srec::new();
    config(&s, "");
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    // Two more status requests: at least one whole check cycle saw it offline.
    assert!(crate::waits::wait_checks(&room, 2, Duration::from_secs(20)));
    assert!(sessions_of(&s, 1).is_empty(), "offline room: no session");

    room.set_live(true);
    let flipped = Instant::now();
    assert!(wait_until(Duration::from_secs(25), || segments_of_first(
        &s
    )
    .is_some_and(|n| n > 0)));
    eprintln!("live flip -> first segment row: {:?}", flipped.elapsed());
    d.wait_for("segment opened", Duration::from_secs(5));
    let mut status = serde_json::Value::Null;
    assert!(
        wait_until(Duration::from_secs(20), || {
            status = s.json(&["status"]);
            status["recordings"].as_array().map(Vec::len) == Some(1)
                && status["recordings"][0]["bytes"]
                    .as_i64()
                    .is_some_and(|b| b > 0)
        }),
        "one recording with bytes: {status}"
    );
    assert_eq!(s.json(&["list"])[0]["state"], "live");

    room.set_live(false);
    assert!(wait_until(Duration::from_secs(25), || sessions_of(&s, 1)
        [0]
    .ended_at
    .is_some()));
    let session = &sessions_of(&s, 1)[0];
    assert_eq!(session.end_reason.as_deref(), Some("offline"));
    assert_eq!(s.json(&["list"])[0]["state"], "not_live");
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);

    let segs = segments_of(&s, session.id);
    assert!(!segs.is_empty());
    for g in &segs {
        assert!(g.ended_at.is_some() && g.bytes > 0, "{g:?}");
        assert!(Path::new(&g.path).exists(), "{}", g.path);
        assert_eq!(
            std::fs::metadata(&g.path).unwrap().len() as i64,
            g.bytes,
            "row matches file"
        );
        ffprobe_ok(Path::new(&g.path));
        if let Some(secs) = ffprobe_duration(Path::new(&g.path)) {
            let row = g.duration_ms.unwrap() as f64 / 1000.0;
            assert!(
                (secs - row).abs() <= 0.05 * row + 0.1,
                "file {secs}s vs row {row}s"
            );
        }
    }
}

fn segments_of_first(s: &Srec) -> Option<usize> {
    let first = sessions_of(s, 1).into_iter().last()?;
    Some(segments_of(s, first.id).len())
}

#[test]
fn dropped_connection_continues_the_session_in_a_new_segment() {
    let fake = Fake::new();
    let room = fake.live_room("drop");
    room.set_fault_times(
        Fault::FlvDrop {
            after_bytes: 150_000,
        },
        1,
    );
    let s = Srec::new();
    config(&s, "");
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    assert!(wait_until(Duration::from_secs(30), || segments_of_first(
        &s
    )
    .is_some_and(|n| n >= 2)));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let all = sessions_of(&s, 1);
    assert_eq!(all.len(), 1, "same session: {all:?}");
    let segs = segments_of(&s, all[0].id);
    assert_eq!((segs[0].index, segs[1].index), (0, 1));
    assert_eq!(segs[0].split_reason.as_deref(), Some("error"), "{segs:?}");
    let end0 = segs[0].started_at + segs[0].duration_ms.unwrap();
    let gap = segs[1].started_at - end0;
    eprintln!("gap between segments: {gap} ms");
    assert!(gap < 2_000, "gap {gap} ms; {segs:?}");
    for g in &segs {
        ffprobe_ok(Path::new(&g.path));
    }
}

#[test]
fn fifty_streamers_share_one_batch_request_per_interval() {
    let fake = Fake::new();
    let s = Srec::new();
    config(&s, "");
    for i in 0..50 {
        s.ok(&["add", &fake.room(&format!("r{i}")).page_url()]);
    }
    let before = fake.stats();
    let started = Instant::now();
    let mut d = s.daemon();
    // Five check rounds, however long a loaded machine takes for them.
    assert!(wait_until(Duration::from_secs(30), || fake
        .stats()
        .batch_api
        >= before.batch_api + 5));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let secs = started.elapsed().as_secs_f64();
    let after = fake.stats();
    let batches = after.batch_api - before.batch_api;
    let singles = after.room_api - before.room_api;
    eprintln!("{secs:.1} s with 50 streamers: {batches} batch requests, {singles} room requests");
    assert_eq!(singles, 0);
    // Every batch named all 50 rooms: one request per round, not per room.
    for i in 0..50 {
        assert_eq!(
            fake.room(&format!("r{i}")).stats().batch_api,
            batches,
            "room r{i} missing from a batch"
        );
    }
    assert!(
        batches as f64 <= secs + 2.0,
        "{batches} batch requests in {secs:.1} s at a 1 s interval"
    );
}

#[test]
fn large_groups_are_split_into_batches_the_platform_accepts() {
    let fake = Fake::new();
    let s = Srec::new();
    config(&s, "");
    db(&s)
        .with(|c| {
            for i in 0..1200 {
                let url = fake.room(&format!("b{i}")).page_url();
                srec::db::streamers::insert(
                    c,
                    &srec::streamer::NewStreamer::new(url, format!("b{i}"), "fake"),
                )?;
            }
            Ok(())
        })
        .unwrap();
    let before = fake.stats();
    let mut d = s.daemon();
    let rooms: Vec<_> = (0..1200).map(|i| fake.room(&format!("b{i}"))).collect();
    // Every room checked at least once.
    assert!(wait_until(Duration::from_secs(30), || rooms
        .iter()
        .all(|r| r.stats().batch_api > 0)));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let batches = fake.stats().batch_api - before.batch_api;
    let named: u64 = rooms.iter().map(|r| r.stats().batch_api).sum();
    let rounds = rooms.iter().map(|r| r.stats().batch_api).max().unwrap_or(0);
    // 1200 rooms, at most 500 per request: 3 requests per round.
    assert!(
        batches >= named.div_ceil(500),
        "{batches} batches for {named} room checks"
    );
    assert!(
        batches <= 3 * rounds,
        "{batches} batches in {rounds} round(s)"
    );
    let list = s.json(&["list"]);
    let errors = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["state"] != "not_live")
        .count();
    assert_eq!(errors, 0, "every room checked without error");
}

#[test]
fn filters_keep_live_streams_out_of_schedule() {
    let fake = Fake::new();
    let rerun = fake.live_room("rerun");
    rerun.set_title("Rerun of yesterday");
    let night = fake.live_room("night");
    night.set_title("fresh stream");
    let s = Srec::new();
    config(
        &s,
        "[recording.filters]\ntitle_exclude = [\"rerun\"]\n\
         [templates.never.filters]\ncron = \"0 0 1 1 *\"\ntimezone = \"UTC\"\n",
    );
    s.ok(&["add", &rerun.page_url()]);
    s.ok(&["add", &night.page_url(), "--template", "never"]);
    let _d = s.daemon();
    assert!(wait_until(Duration::from_secs(20), || {
        let l = s.json(&["list"]);
        l[0]["state"] == "out_of_schedule" && l[1]["state"] == "out_of_schedule"
    }));
    assert!(sessions_of(&s, 1).is_empty() && sessions_of(&s, 2).is_empty());
    rerun.set_title("Brand new");
    assert!(wait_until(Duration::from_secs(20), || s.json(&["list"])[0]
        ["state"]
        == "live"));
    assert_eq!(sessions_of(&s, 1).len(), 1);
    assert!(sessions_of(&s, 2).is_empty());
}

#[test]
fn add_disable_enable_remove_apply_while_running() {
    let fake = Fake::new();
    let room = fake.live_room("hot");
    let s = Srec::new();
    config(&s, "");
    let mut d = s.daemon();
    s.ok(&["add", &room.page_url()]);
    d.wait_for("segment opened", Duration::from_secs(20));
    s.ok(&["disable", "1"]);
    d.wait_for("reason=\"disabled\"", Duration::from_secs(20));
    assert!(wait_until(Duration::from_secs(20), || s.json(&["status"])
        ["recordings"]
        .as_array()
        .unwrap()
        .is_empty()));
    s.ok(&["enable", "1"]);
    assert!(wait_until(Duration::from_secs(20), || sessions_of(&s, 1)
        .len()
        == 2));
    s.ok(&["remove", "1"]);
    d.wait_for("streamer removed", Duration::from_secs(20));
    assert!(wait_until(Duration::from_secs(20), || s.json(&["status"])
        ["recordings"]
        .as_array()
        .unwrap()
        .is_empty()));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn kill_9_mid_recording_then_restart_recovers_and_resumes() {
    let fake = Fake::new();
    let room = fake.live_room("crash");
    let s = Srec::new();
    config(&s, "");
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    d.wait_for("segment opened", Duration::from_secs(20));
    // Some seconds of media on disk before the kill.
    assert!(wait_until(Duration::from_secs(20), || {
        let Some(first) = sessions_of(&s, 1).into_iter().next() else {
            return false;
        };
        segments_of(&s, first.id)
            .first()
            .and_then(|g| std::fs::metadata(&g.path).ok())
            .is_some_and(|m| m.len() > 200_000)
    }));
    d.signal("KILL");
    d.wait_exit(EXIT);
    let first = sessions_of(&s, 1)[0].clone();
    assert!(first.ended_at.is_none(), "still open after kill -9");
    let partial = segments_of(&s, first.id)[0].path.clone();
    ffprobe_ok(Path::new(&partial));

    let mut d = s.daemon();
    d.wait_for("recovered from an unclean stop", Duration::from_secs(5));
    let closed = sessions_of(&s, 1)
        .into_iter()
        .find(|x| x.id == first.id)
        .unwrap();
    assert_eq!(closed.end_reason.as_deref(), Some("recovered_after_crash"));
    assert_eq!(
        segments_of(&s, first.id).len(),
        1,
        "segments of the crashed session are kept"
    );
    assert!(wait_until(Duration::from_secs(25), || {
        sessions_of(&s, 1)
            .iter()
            .any(|x| x.id != first.id && !segments_of(&s, x.id).is_empty())
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn outbox_event_left_by_a_crash_is_published_once_after_restart() {
    let s = Srec::new();
    config(&s, "");
    s.ok(&["add", "http://127.0.0.1:9/live/x.flv"]);
    let id = db(&s)
        .with(|c| {
            srec::db::outbox::insert(
                c,
                Some(1),
                "offline",
                r#"{"type":"offline","session_id":42,"reason":"offline"}"#,
            )
        })
        .unwrap();
    let needle = format!("id={id}");
    let run = |s: &Srec| {
        // A later row, published after `id` would have been: the flusher
        // has had its chance once this one is out.
        let marker = db(s)
            .with(|c| {
                srec::db::outbox::insert(
                    c,
                    Some(1),
                    "offline",
                    r#"{"type":"offline","session_id":43,"reason":"offline"}"#,
                )
            })
            .unwrap();
        let mut cmd = s.daemon_command();
        cmd.env("SREC_LOG", "srec=debug");
        let mut d = crate::harness::Daemon::spawn(cmd);
        d.wait_for("srec ready", Duration::from_secs(20));
        d.wait_for(
            &format!("event published id={marker} "),
            Duration::from_secs(20),
        );
        d.signal("TERM");
        assert_eq!(d.wait_exit(EXIT), 0);
        d.seen
            .iter()
            .filter(|l| l.contains("event published") && l.contains(&needle))
            .count()
    };
    assert_eq!(run(&s), 1, "published once");
    assert_eq!(run(&s), 0, "not again after restart");
    let delivered: Option<i64> = db(&s)
        .with(|c| {
            Ok(c.query_row(
                "SELECT delivered_at FROM monitor_event_outbox WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert!(delivered.is_some());
}
