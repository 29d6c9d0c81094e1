//! Helpers of the pipeline tests: a daemon whose pipeline consumer is
//! listening, recordings injected as the rows and outbox events a real
//! recording commits, and job polling through `srec jobs`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use rusqlite::params;
use srec::db::{Db, now_ms, outbox};
use srec::events::{MonitorEventKind, SegmentFinalised, SplitReason};

use crate::harness::{Daemon, Srec, tool_missing, wait_until};

pub const WAIT: Duration = Duration::from_secs(40);

/// Writes `config` (with a fast backoff) and starts a daemon whose
/// pipeline cursor exists, so injected events are seen.
pub fn daemon(s: &Srec, config: &str) -> Daemon {
    s.write_config(config);
    let mut cmd = s.daemon_command();
    cmd.env("SREC_PIPELINE_BACKOFF_MS", "100");
    daemon_from(s, cmd)
}

/// Starts `cmd` (a daemon command of `s`) and waits for the pipeline cursor.
pub fn daemon_from(s: &Srec, cmd: Command) -> Daemon {
    let mut d = Daemon::spawn(cmd);
    d.wait_for("srec ready", Duration::from_secs(20));
    let db = db(s);
    assert!(
        wait_until(Duration::from_secs(10), || db
            .with(|c| Ok(c.query_row(
                "SELECT count(*) FROM outbox_cursors WHERE consumer = 'pipeline'",
                [],
                |r| r.get::<_, i64>(0)
            )?))
            .is_ok_and(|n| n == 1)),
        "pipeline consumer started"
    );
    d
}

pub fn db(s: &Srec) -> Db {
    Db::open(&s.db_path()).expect("db")
}

/// The recording folder of the test (absolute, inside the temp dir).
pub fn out_dir(s: &Srec) -> PathBuf {
    let d = s.dir.path().join("rec");
    std::fs::create_dir_all(&d).expect("rec dir");
    d
}

/// A streamer row named `name` (never live: its URL refuses connections).
pub fn streamer(s: &Srec, name: &str) -> i64 {
    let url = format!("http://127.0.0.1:9/room/{name}");
    s.ok(&["add", &url, "--name", name]);
    db(s)
        .with(|c| {
            Ok(
                c.query_row("SELECT id FROM streamers WHERE name = ?1", [name], |r| {
                    r.get(0)
                })?,
            )
        })
        .expect("streamer id")
}

/// A closed session titled `title`, as the monitor leaves it.
pub fn session(s: &Srec, streamer: i64, title: &str) -> i64 {
    db(s)
        .with(|c| {
            let now = now_ms();
            c.execute(
                "INSERT INTO live_sessions (streamer_id, title, started_at, ended_at, end_reason)
                 VALUES (?1, ?2, ?3, ?3, 'offline')",
                params![streamer, title, now],
            )?;
            Ok(c.last_insert_rowid())
        })
        .expect("session")
}

/// A finalised segment `path` with its outbox event, in one transaction
/// like `sessions::finalise_segment`.
pub fn segment(s: &Srec, streamer: i64, session: i64, index: u32, path: &Path) {
    let ev = SegmentFinalised {
        session_id: session,
        streamer_id: streamer,
        index,
        path: path.to_path_buf(),
        duration_ms: 2000,
        bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        split_reason: SplitReason::Duration,
    };
    db(s)
        .with(|c| {
            let tx = c.transaction()?;
            let now = now_ms();
            tx.execute(
                "INSERT INTO session_segments (session_id, seg_index, path, started_at, ended_at,
                     duration_ms, bytes, split_reason) VALUES (?1, ?2, ?3, ?4, ?4, 2000, ?5, 'duration')",
                params![session, index, path.display().to_string(), now, ev.bytes as i64],
            )?;
            outbox::insert(
                &tx,
                Some(streamer),
                SegmentFinalised::KIND,
                &serde_json::to_string(&ev).expect("json"),
            )?;
            tx.commit()?;
            Ok(())
        })
        .expect("segment");
}

/// The `offline` event of a closed session.
pub fn offline(s: &Srec, streamer: i64, session: i64) {
    let kind = MonitorEventKind::Offline {
        session_id: session,
        reason: "offline".into(),
    };
    db(s)
        .with(|c| {
            outbox::insert(
                c,
                Some(streamer),
                "offline",
                &serde_json::to_string(&kind).expect("json"),
            )
        })
        .expect("offline");
}

/// Every job as `srec jobs list --json` prints it.
pub fn jobs(s: &Srec) -> Vec<serde_json::Value> {
    s.json(&["jobs", "list"])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// `srec jobs show ID --json`.
pub fn job(s: &Srec, id: i64) -> serde_json::Value {
    s.json(&["jobs", "show", &id.to_string()])
}

/// Waits until job `id` is in `state`; returns it.
pub fn wait_state(s: &Srec, id: i64, state: &str) -> serde_json::Value {
    let mut last = serde_json::Value::Null;
    let ok = wait_until(WAIT, || {
        last = job(s, id);
        last["state"] == state
    });
    assert!(ok, "job {id} never became {state}: {last:#}");
    last
}

/// Waits for `n` jobs to exist; returns them oldest first.
pub fn wait_jobs(s: &Srec, n: usize) -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    let ok = wait_until(WAIT, || {
        all = jobs(s);
        all.len() >= n
    });
    assert!(ok, "expected {n} jobs, have {all:#?}");
    all.reverse();
    all
}

/// Milliseconds since the epoch of a job document's time field.
pub fn ms(v: &serde_json::Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not a time: {v}"))
}

/// The step `id` of a job document.
pub fn step<'a>(job: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    job["steps"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["step_id"] == id))
        .unwrap_or_else(|| panic!("no step {id} in {job:#}"))
}

/// Whether ffmpeg is installed (or a loud skip / failure per SREC_REQUIRE_TOOLS).
pub fn have_ffmpeg() -> bool {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        tool_missing("ffmpeg is not installed; pipeline media processors not tested");
    }
    ok
}

/// A short FLV test clip made by ffmpeg.
pub fn clip(path: &Path, seconds: u32) {
    let st = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(format!("testsrc=duration={seconds}:size=320x240:rate=25"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=duration={seconds}"))
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(path)
        .status()
        .expect("ffmpeg");
    assert!(st.success(), "clip made");
}

/// Writes `n` finished segments of session `sess` and their outbox rows, as
/// the recorder does, so the pipeline queues `n` runs. Files are named
/// `{prefix}{index}.flv` in `rec`.
pub fn queue_segments(s: &Srec, rec: &Path, prefix: &str, id: i64, sess: i64, n: u32) {
    db(s)
        .with(|c| {
            let tx = c.transaction()?;
            for i in 0..n {
                let f = rec.join(format!("{prefix}{i}.flv"));
                std::fs::write(&f, b"x").unwrap();
                tx.execute(
                    "INSERT INTO session_segments (session_id, seg_index, path, started_at, ended_at)
                     VALUES (?1, ?2, ?3, 1, 1)",
                    rusqlite::params![sess, i, f.display().to_string()],
                )?;
                let ev = SegmentFinalised {
                    session_id: sess,
                    streamer_id: id,
                    index: i,
                    path: f,
                    duration_ms: 1,
                    bytes: 1,
                    split_reason: SplitReason::Duration,
                };
                outbox::insert(
                    &tx,
                    Some(id),
                    SegmentFinalised::KIND,
                    &serde_json::to_string(&ev).unwrap(),
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .unwrap();
}
