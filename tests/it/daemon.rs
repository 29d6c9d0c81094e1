//! `srec run --no-tui` as a user runs it: ready line, signals, one daemon per
//! data dir, live pick-up of CLI changes, config hot reload, crash recovery.

use std::time::Duration;

use srec::db::{Db, sessions, streamers};
use srec::streamer::{NewStreamer, StreamerState};

use crate::harness::Srec;

const EXIT: Duration = Duration::from_secs(35);
const LOG: Duration = Duration::from_secs(10);

#[test]
fn sigterm_exits_zero_and_leaves_a_clean_database() {
    let s = Srec::new();
    s.ok(&["add", "http://127.0.0.1:9/room/a"]);
    let mut d = s.daemon();
    let status = s.json(&["status"]);
    assert_eq!(status["daemon"]["pid"], d.child.id());
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    d.wait_for("shutdown complete", LOG);
    let wal = s.data_dir().join("srec.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "WAL checkpointed at shutdown");
    let db = Db::open(&s.db_path()).unwrap();
    let ok: String = db
        .with(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(ok, "ok");
    assert!(s.json(&["status"])["daemon"].is_null(), "lock released");
}

#[test]
fn sigint_also_shuts_down_gracefully() {
    let s = Srec::new();
    let mut d = s.daemon();
    d.signal("INT");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn second_daemon_on_same_data_dir_is_refused() {
    let s = Srec::new();
    let _d = s.daemon();
    let out = s.run(&["run", "--no-tui"]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr().contains("already running"), "{}", out.stderr());
}

#[test]
fn cli_changes_reach_the_running_daemon() {
    let s = Srec::new();
    // The database path (the fallback when the REST API is off); the API
    // path is covered in api_cli.rs.
    s.write_config("[api]\nenabled = false\n");
    let mut d = s.daemon();
    let added = s.ok(&["add", "http://127.0.0.1:9/room/late"]);
    assert!(added.contains("picks it up"), "{added}");
    let line = d.wait_for("streamer added", LOG);
    assert!(line.contains("room/late"), "{line}");
    s.ok(&["disable", "late"]);
    let line = d.wait_for("streamer updated", LOG);
    assert!(line.contains("enabled=false"), "{line}");
    s.ok(&["remove", "late"]);
    d.wait_for("streamer removed", LOG);
}

#[test]
fn config_hot_reload_rejects_bad_edits_and_applies_good_ones() {
    let s = Srec::new();
    s.write_config("[recording]\ncheck_interval = \"30s\"\n");
    let mut d = s.daemon();
    s.write_config("[recording]\ncheck_interval = \n");
    let line = d.wait_for("config change rejected", LOG);
    assert!(line.contains("config.toml:2:"), "{line}");
    s.write_config("[recording]\ncheck_interval = \"20s\"\n[daemon]\nlog_level = \"debug\"\n");
    d.wait_for("config reloaded", LOG);
    d.wait_for("log level changed", LOG);
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn restart_recovery_resets_live_streamers_and_closes_sessions() {
    let s = Srec::new();
    let db = Db::open(&s.db_path()).unwrap();
    let session = db
        .with(|c| {
            let st = streamers::insert(
                c,
                &NewStreamer::new("http://127.0.0.1:9/room/crashed", "crashed", "fake"),
            )?;
            streamers::set_state(c, st.id, StreamerState::Live, None)?;
            let sid = sessions::open(c, st.id, Some("before crash"), None, 10_000)?;
            let g = sessions::add_segment(c, sid, 0, "/rec/0.flv", 10_000)?;
            sessions::close_segment(c, g, 60_000, 1_000, "size")?;
            let g = sessions::add_segment(c, sid, 1, "/rec/1.flv", 70_000)?;
            c.execute(
                "UPDATE session_segments SET duration_ms = 5000 WHERE id = ?1",
                [g],
            )?;
            Ok(sid)
        })
        .unwrap();
    drop(db);

    let mut d = s.daemon();
    let line = d.wait_for("recovered from an unclean stop", LOG);
    assert!(line.contains("sessions_closed=1"), "{line}");
    let list = s.json(&["list"]);
    assert_eq!(list[0]["state"], "not_live");
    let status = s.json(&["status"]);
    assert_eq!(status["recordings"].as_array().unwrap().len(), 0);
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);

    let db = Db::open(&s.db_path()).unwrap();
    let (ended, reason): (i64, String) = db
        .with(|c| {
            Ok(c.query_row(
                "SELECT ended_at, end_reason FROM live_sessions WHERE id = ?1",
                [session],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .unwrap();
    assert_eq!(ended, 75_000, "ends at the last segment's end");
    assert_eq!(reason, "recovered_after_crash");
}

#[test]
fn kill_9_releases_the_lock_for_the_next_start() {
    let s = Srec::new();
    let mut d = s.daemon();
    d.signal("KILL");
    d.wait_exit(EXIT);
    let mut again = s.daemon();
    again.signal("TERM");
    assert_eq!(again.wait_exit(EXIT), 0);
}

#[test]
fn log_files_are_written_to_the_data_dir() {
    let s = Srec::new();
    let mut d = s.daemon();
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let logs: Vec<_> = std::fs::read_dir(s.data_dir().join("logs"))
        .unwrap()
        .collect();
    assert_eq!(logs.len(), 1);
    let path = logs[0].as_ref().unwrap().path();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("srec ready"), "{text}");
    assert!(!text.contains('\u{1b}'), "no ANSI codes in log files");
}

#[test]
fn old_log_files_beyond_retention_are_removed() {
    let s = Srec::new();
    s.write_config("[daemon]\nlog_retention_days = 2\n");
    let logs = s.data_dir().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for day in ["2020-01-01", "2020-01-02", "2020-01-03"] {
        std::fs::write(logs.join(format!("srec.{day}.log")), "old\n").unwrap();
    }
    let mut d = s.daemon();
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let mut names: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        !names.contains(&"srec.2020-01-01.log".to_string()),
        "{names:?}"
    );
}
