//! The IO pool and the file processors through the real daemon: uploads
//! (a slow stand-in for rclone) never run more at once than `io_workers`,
//! `copy` then `move` leave the files where they say, and `execute` gets
//! the `SREC_*` environment and is stopped at its timeout.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use crate::harness::{Srec, wait_until};
use crate::pipeline_support::{
    daemon, jobs, ms, out_dir, segment, session, step, streamer, wait_jobs, wait_state,
};

/// A stand-in for rclone that takes a while and records its arguments.
fn slow_rclone(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("fake-rclone");
    let log = dir.join("rclone-calls");
    std::fs::write(
        &path,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\nsleep 0.5\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn the_io_pool_never_exceeds_its_limit_and_copy_then_move_place_the_files() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let rclone = slow_rclone(s.dir.path());
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "files"
[pipeline]
io_workers = 2
[pipelines.files]
[[pipelines.files.steps]]
id = "up"
processor = "upload"
remote = "box"
path = "{{streamer}}"
rclone = "{rclone}"
[[pipelines.files.steps]]
id = "keep"
processor = "copy"
dest = "{{output_dir}}/backup"
[[pipelines.files.steps]]
id = "archive"
processor = "move"
dest = "{{output_dir}}/archive"
depends_on = ["keep"]
"#,
        rec = rec.display(),
        rclone = rclone.display()
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "erin");
    let sess = session(&s, id, "t");
    for i in 0..6u32 {
        let f = rec.join(format!("e{i}.flv"));
        std::fs::write(&f, format!("clip {i}")).unwrap();
        segment(&s, id, sess, i, &f);
    }
    let all = wait_jobs(&s, 6);
    let mut uploads = Vec::new();
    for j in &all {
        let j = wait_state(&s, j["id"].as_i64().unwrap(), "succeeded");
        let up = step(&j, "up");
        uploads.push((ms(&up["started_at"]), ms(&up["finished_at"])));
    }
    let peak = uploads
        .iter()
        .map(|(t, _)| uploads.iter().filter(|(a, b)| a <= t && t < b).count())
        .max()
        .unwrap();
    assert!(peak <= 2, "at most io_workers uploads at once: {uploads:?}");
    assert_eq!(peak, 2, "the pool is used: {uploads:?}");
    let calls = std::fs::read_to_string(s.dir.path().join("rclone-calls")).unwrap();
    assert_eq!(calls.lines().count(), 6, "{calls}");
    assert!(calls.contains("box:erin/e0.flv"), "{calls}");
    for i in 0..6 {
        let name = format!("e{i}.flv");
        let text = format!("clip {i}");
        assert_eq!(std::fs::read_to_string(rec.join(&name)).unwrap(), text);
        // The copy was moved on: it is in archive/ and no longer in backup/.
        assert_eq!(
            std::fs::read_to_string(rec.join("archive").join(&name)).unwrap(),
            text
        );
        assert!(
            !rec.join("backup").join(&name).exists(),
            "{name} still in backup"
        );
    }
    assert_eq!(jobs(&s).len(), 6);
}

#[test]
fn execute_gets_the_srec_environment_and_is_stopped_at_its_timeout() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "run"
[pipelines.run]
max_attempts = 1
[[pipelines.run.steps]]
id = "show"
processor = "execute"
command = ["env"]
env = {{ MY_TITLE = "[{{title}}]" }}
[[pipelines.run.steps]]
id = "hang"
processor = "execute"
command = ["sleep", "4242"]
timeout = "1s"
"#,
        rec = rec.display()
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "dave");
    let sess = session(&s, id, "night $(id) talk");
    let f = rec.join("d0.flv");
    std::fs::write(&f, b"x").unwrap();
    segment(&s, id, sess, 0, &f);
    let job = wait_jobs(&s, 1)[0]["id"].as_i64().unwrap();
    let j = wait_state(&s, job, "failed");
    assert_eq!(step(&j, "show")["state"], "succeeded", "{j:#}");
    assert_eq!(step(&j, "hang")["state"], "failed", "{j:#}");
    let logs = s.ok(&["jobs", "logs", &job.to_string()]);
    for want in [
        "SREC_STREAMER=dave".to_string(),
        "SREC_TITLE=night $(id) talk".to_string(),
        format!("SREC_INPUT={}", f.display()),
        format!("SREC_SESSION_ID={sess}"),
        "MY_TITLE=[night $(id) talk]".to_string(),
    ] {
        assert!(
            logs.contains(&want),
            "{want} missing from the job log:\n{logs}"
        );
    }
    assert!(
        logs.to_lowercase().contains("timed out") || logs.to_lowercase().contains("timeout"),
        "the timeout is named:\n{logs}"
    );
    assert!(
        wait_until(Duration::from_secs(10), || crate::harness::processes(&[
            "sleep", "4242"
        ])
        .is_empty()),
        "the timed-out command is still running"
    );
}
