//! A user's stop means "stop recording this session" (issue 17): through
//! the real binary's API, `POST /api/streamers/{id}/stop` ends the
//! recording and the recorder does not start it again while the session
//! lasts; `srec status`, the API and the log say "stopped by you";
//! `POST /api/streamers/{id}/start` records again; after a stop, the next
//! live session records by itself.

use std::time::{Duration, Instant};

use srec::db::{Db, sessions};

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::http::{api_addr, get, request};

const EXIT: Duration = Duration::from_secs(35);

/// Segments of every session of streamer 1.
fn segment_count(s: &Srec) -> usize {
    let db = Db::open(&s.db_path()).expect("db");
    db.with(|c| {
        let mut n = 0;
        for sess in sessions::list_for(c, 1, 100)? {
            n += sessions::segments(c, sess.id)?.len();
        }
        Ok(n)
    })
    .expect("segments")
}

fn session_count(s: &Srec) -> usize {
    let db = Db::open(&s.db_path()).expect("db");
    db.with(|c| sessions::list_for(c, 1, 100))
        .expect("sessions")
        .len()
}

fn streamer(addr: &str) -> serde_json::Value {
    serde_json::from_str(&get(addr, "/api/streamers/1")).expect("json")
}

#[test]
fn a_user_stop_lasts_for_the_session_and_the_next_session_records() {
    let fake = Fake::new();
    let room = fake.live_room("stoppable");
    let s = Srec::new();
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\n\
         stream_format = \"flv\"\noutput_dir = \"{}\"\n",
        s.dir.path().join("rec").display()
    ));
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    let addr = api_addr(&s);
    d.wait_for("segment opened", Duration::from_secs(20));

    let (code, body) = request(&addr, "POST", "/api/streamers/1/stop", None);
    assert_eq!(code, 200, "{body}");
    d.wait_for("recording stopped by you", Duration::from_secs(10));
    assert!(
        wait_until(Duration::from_secs(10), || {
            let v = streamer(&addr);
            v["stopped_by_user"] == true && v["recording"] == false
        }),
        "{}",
        streamer(&addr)
    );
    let status = s.json(&["status"]);
    assert_eq!(status["recordings"][0]["stopped_by_user"], true, "{status}");
    assert!(
        s.ok(&["status"]).contains("stopped by you"),
        "{}",
        s.ok(&["status"])
    );
    // No restart while the session lasts: longer than the quick retry
    // delay and two reconcile passes (5 s each).
    let before = segment_count(&s);
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(11) {
        assert_eq!(segment_count(&s), before, "restarted after a user's stop");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(
        !d.seen.iter().any(|l| l.contains("ended at the source")),
        "{}",
        d.seen.join("\n")
    );

    // An explicit start records again in this session.
    let (code, body) = request(&addr, "POST", "/api/streamers/1/start", None);
    assert_eq!(code, 202, "{body}");
    assert!(
        wait_until(Duration::from_secs(15), || segment_count(&s) > before),
        "no recording after start:\n{}",
        d.seen.join("\n")
    );
    let (code, _) = request(&addr, "POST", "/api/streamers/1/start", None);
    assert_eq!(code, 409, "nothing to start");

    // Stop again; the next live session records by itself.
    assert!(wait_until(
        Duration::from_secs(10),
        || streamer(&addr)["recording"] == true
    ));
    let (code, body) = request(&addr, "POST", "/api/streamers/1/stop", None);
    assert_eq!(code, 200, "{body}");
    assert!(wait_until(
        Duration::from_secs(10),
        || streamer(&addr)["stopped_by_user"] == true
    ));
    room.set_live(false);
    assert!(wait_until(Duration::from_secs(20), || {
        s.json(&["list"])[0]["state"] == "not_live"
    }));
    let stopped_at = segment_count(&s);
    room.set_live(true);
    assert!(
        wait_until(Duration::from_secs(25), || session_count(&s) == 2
            && segment_count(&s) > stopped_at),
        "the next session did not record:\n{}",
        d.seen.join("\n")
    );
    assert_eq!(streamer(&addr)["stopped_by_user"], false);
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}
