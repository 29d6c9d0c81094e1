//! The platform API failing (the `api_status` knob of the live test server)
//! through the real daemon: a check that fails never ends a recording that
//! is running, never opens a new session, and a room whose API fails from
//! the start shows the error and records once the API answers again.

use std::time::Duration;

use fake_live::Fault;
use srec::db::{Db, sessions};

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};

/// (sessions, segments) of streamer `id`.
fn recorded(s: &Srec, id: i64) -> (usize, usize) {
    let db = Db::open(&s.db_path()).expect("db");
    db.with(|c| {
        let all = sessions::list_for(c, id, 100)?;
        let mut segs = 0;
        for sess in &all {
            segs += sessions::segments(c, sess.id)?.len();
        }
        Ok((all.len(), segs))
    })
    .expect("db read")
}

/// Bytes on disk under `dir` (the open segment's rows only learn their
/// size at close, the file grows meanwhile).
fn disk_bytes(dir: &std::path::Path) -> u64 {
    crate::engines::files_below(dir)
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

#[test]
fn a_failing_platform_api_neither_stops_nor_splits_a_running_recording() {
    let fake = Fake::new();
    let recording = fake.live_room("api_down_mid");
    let blocked = fake.live_room("api_down_first");
    blocked.set_fault(Fault::ApiStatus { status: 503 });
    let s = Srec::new();
    let out = s.dir.path().join("rec");
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\n\
         stream_format = \"flv\"\noutput_dir = \"{}\"\n",
        out.display()
    ));
    s.ok(&["add", &recording.page_url()]);
    s.ok(&["add", &blocked.page_url()]);
    let mut d = s.daemon();
    d.wait_for("segment opened", Duration::from_secs(20));

    // The API of the recording room fails from now on.
    let checks_before = recording.stats().room_api + recording.stats().batch_api;
    recording.set_fault(Fault::ApiStatus { status: 500 });
    let grown_from = disk_bytes(&out.join("api_down_mid"));
    // Several failed checks (each one counted by the server) later...
    assert!(
        wait_until(Duration::from_secs(20), || {
            let st = recording.stats();
            st.room_api + st.batch_api >= checks_before + 4
        }),
        "the daemon kept checking"
    );
    // ...the recording still runs: same session, same file, still growing.
    assert_eq!(recorded(&s, 1), (1, 1), "no new session or segment");
    assert!(
        wait_until(Duration::from_secs(10), || disk_bytes(
            &out.join("api_down_mid")
        ) > grown_from),
        "the file kept growing while the API failed"
    );
    // The other room never recorded and says why.
    assert_eq!(recorded(&s, 2).0, 0, "no session while its API fails");
    let list = s.json(&["list"]);
    let blocked_row = &list.as_array().expect("list")[1];
    assert!(
        blocked_row["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("503")),
        "the error names the status: {blocked_row}"
    );

    // The API answers again: the blocked room records, the running
    // recording was never interrupted.
    blocked.clear_faults();
    recording.clear_faults();
    assert!(
        wait_until(Duration::from_secs(20), || recorded(&s, 2).1 > 0),
        "the blocked room records once its API answers; log:\n{}",
        d.seen.join("\n")
    );
    assert_eq!(recorded(&s, 1), (1, 1), "still one session, one file");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)), 0);
}
