//! `min_free_space` through the real binary: a recording whose disk fills
//! stops cleanly (finalised file, no corrupt bytes), the streamer shows
//! `disk full`, a `disk_low` outbox row is written, the daemon idles while
//! it waits (CPU measured) and recording resumes by itself when space is
//! back. The "disk" is the test-only knob `SREC_TEST_FREE_SPACE_FILE` (a
//! small tmpfs needs root; tests also run unprivileged).

use std::path::Path;
use std::time::{Duration, Instant};

use srec::db::{Db, outbox, sessions};

use crate::fake::Fake;
use crate::harness::{Daemon, Srec, have_ffprobe, wait_until};

const EXIT: Duration = Duration::from_secs(35);

fn segments(s: &Srec) -> Vec<sessions::Segment> {
    let db = Db::open(&s.db_path()).expect("db");
    db.with(|c| {
        let mut all = Vec::new();
        for sess in sessions::list_for(c, 1, 100)? {
            all.extend(sessions::segments(c, sess.id)?);
        }
        Ok(all)
    })
    .expect("segments")
}

/// CPU time (user + system, clock ticks) the process has used so far.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15; `rest` starts at field 3.
    n(11) + n(12)
}

fn set_free(knob: &Path, bytes: u64) {
    std::fs::write(knob, bytes.to_string()).expect("knob");
}

#[test]
fn a_full_disk_stops_recording_cleanly_and_it_resumes_when_space_is_back() {
    let fake = Fake::new();
    let room = fake.live_room("diskfull");
    let s = Srec::new();
    let out = s.dir.path().join("rec");
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\n\
         stream_format = \"flv\"\nmin_free_space = \"100 MiB\"\noutput_dir = \"{}\"\n",
        out.display()
    ));
    let knob = s.dir.path().join("free_space");
    set_free(&knob, 10 << 30);
    s.ok(&["add", &room.page_url()]);
    let mut cmd = s.daemon_command();
    cmd.env(srec::download::disk::TEST_FREE_SPACE_ENV, &knob);
    let mut d = Daemon::spawn(cmd);
    d.wait_for("srec ready", Duration::from_secs(20));
    d.wait_for("segment opened", Duration::from_secs(20));
    assert!(wait_until(Duration::from_secs(10), || !segments(&s).is_empty()));

    // The disk fills: the recording stops, its file is finalised.
    set_free(&knob, 50 << 20);
    d.wait_for("the disk is full", Duration::from_secs(10));
    let mut list = serde_json::Value::Null;
    assert!(
        wait_until(Duration::from_secs(10), || {
            list = s.json(&["list"]);
            list[0]["state"] == "error"
                && list[0]["last_error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("disk full"))
        }),
        "{list}"
    );
    assert!(
        wait_until(Duration::from_secs(10), || segments(&s)
            .iter()
            .all(|g| g.ended_at.is_some())),
        "{:?}",
        segments(&s)
    );
    let status = s.json(&["status"]);
    assert_eq!(
        status["downloads"]["active"].as_array().map(Vec::len),
        Some(0),
        "{status}"
    );
    let db = Db::open(&s.db_path()).expect("db");
    let rows = db.with(|c| outbox::after(c, 0, 10_000)).expect("outbox");
    let low: Vec<_> = rows.iter().filter(|r| r.kind == "disk_low").collect();
    assert_eq!(low.len(), 1, "one disk_low row per episode: {rows:?}");
    let payload: srec::events::DiskLow = serde_json::from_str(&low[0].payload).expect("payload");
    assert_eq!(
        (payload.free_bytes, payload.min_free_bytes),
        (50 << 20, 100 << 20)
    );

    // While blocked: no new file, no download attempts, an idle daemon.
    let before = segments(&s).len();
    let pid = d.child.id();
    let (t0, c0) = (Instant::now(), cpu_ticks(pid));
    // Four more checks of the (still live) room: four chances to start a
    // recording, and a window of some seconds to measure CPU over.
    assert!(crate::waits::wait_checks(&room, 4, Duration::from_secs(20)));
    let ticks = cpu_ticks(pid) - c0;
    let secs = t0.elapsed().as_secs_f64();
    // Clock ticks are 1/100 s on Linux.
    let cpu = ticks as f64 / 100.0 / secs;
    eprintln!(
        "CPU while the disk is full: {:.1}% of one core",
        cpu * 100.0
    );
    assert!(cpu < 0.10, "busy while waiting for space: {cpu:.3}");
    assert_eq!(
        segments(&s).len(),
        before,
        "a recording started on a full disk"
    );
    let files: Vec<_> = segments(&s).iter().map(|g| g.path.clone()).collect();
    for f in &files {
        let bytes = std::fs::read(f).expect("segment file");
        assert!(bytes.starts_with(b"FLV"), "{f} is not an FLV file");
        if have_ffprobe() {
            crate::harness::ffprobe_ok(Path::new(f));
        }
    }

    // Space is back: recording resumes by itself into a new file.
    set_free(&knob, 10 << 30);
    d.wait_for("recording resumes", Duration::from_secs(10));
    assert!(
        wait_until(Duration::from_secs(20), || segments(&s).len() > before
            && s.json(&["list"])[0]["state"] == "live"),
        "{:?}\n{}",
        segments(&s),
        d.seen.join("\n")
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}
