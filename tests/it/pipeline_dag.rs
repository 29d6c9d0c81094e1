//! Pipeline DAG execution through the real daemon (issue 19): fan-out and
//! fan-in order, a failure cancels only its downstream, retry and cancel
//! through the CLI and the API, no shell for hostile titles, pool limits.

use std::time::Duration;

use crate::harness::{Srec, wait_until};
use crate::pipeline_support::{
    WAIT, daemon, jobs, ms, offline, out_dir, segment, session, step, streamer, wait_jobs,
    wait_state,
};

#[test]
fn fan_out_fan_in_order_and_a_failure_cancels_only_downstream() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let flag = s.dir.path().join("flag");
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "dag"
[pipelines.dag]
max_attempts = 2
[[pipelines.dag.steps]]
id = "a"
processor = "execute"
command = ["sleep", "0.3"]
[[pipelines.dag.steps]]
id = "b"
processor = "execute"
command = ["sleep", "0.5"]
depends_on = ["a"]
[[pipelines.dag.steps]]
id = "c"
processor = "execute"
command = ["sleep", "0.2"]
depends_on = ["a"]
[[pipelines.dag.steps]]
id = "d"
processor = "execute"
command = ["true"]
depends_on = ["b", "c"]
[[pipelines.dag.steps]]
id = "e"
processor = "execute"
command = ["test", "-e", "{flag}"]
[[pipelines.dag.steps]]
id = "f"
processor = "execute"
command = ["true"]
depends_on = ["e"]
[[pipelines.dag.steps]]
id = "g"
processor = "execute"
command = ["true"]
depends_on = ["f"]
"#,
        rec = rec.display(),
        flag = flag.display()
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "alice");
    let sess = session(&s, id, "t");
    let file = rec.join("a.flv");
    std::fs::write(&file, b"x").unwrap();
    segment(&s, id, sess, 0, &file);
    let all = wait_jobs(&s, 1);
    let job_id = all[0]["id"].as_i64().unwrap();
    let j = wait_state(&s, job_id, "failed");
    for ok in ["a", "b", "c", "d"] {
        assert_eq!(step(&j, ok)["state"], "succeeded", "{j:#}");
    }
    // Fan-in: d starts only after both b and c ended; fan-out after a.
    let (a, b, c, d) = (step(&j, "a"), step(&j, "b"), step(&j, "c"), step(&j, "d"));
    assert!(ms(&d["started_at"]) >= ms(&b["finished_at"]).max(ms(&c["finished_at"])));
    assert!(ms(&b["started_at"]) >= ms(&a["finished_at"]));
    assert!(ms(&c["started_at"]) >= ms(&a["finished_at"]));
    assert_eq!(
        d["inputs"],
        serde_json::json!([file.display().to_string()]),
        "outputs flow"
    );
    let e = step(&j, "e");
    assert_eq!(e["state"], "failed");
    assert_eq!(e["attempts"], 2, "retried up to max_attempts");
    assert_eq!(step(&j, "f")["state"], "cancelled");
    assert_eq!(step(&j, "g")["state"], "cancelled", "transitive downstream");
    assert!(j["error"].as_str().unwrap().starts_with("e:"), "{j:#}");
    let failed_events: i64 = crate::pipeline_support::db(&s)
        .with(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM monitor_event_outbox WHERE kind = 'pipeline_failed'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(failed_events, 1);

    // Retry from the failed step through the CLI (the daemon's API).
    std::fs::write(&flag, b"").unwrap();
    let out = s.ok(&["jobs", "retry", &job_id.to_string()]);
    assert!(out.contains("queued again"), "{out}");
    let j = wait_state(&s, job_id, "succeeded");
    assert_eq!(
        step(&j, "a")["attempts"],
        1,
        "succeeded steps are not rerun"
    );
    assert_eq!(step(&j, "g")["state"], "succeeded");
}

#[test]
fn execute_never_uses_a_shell_and_cancel_stops_the_process() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = ["echo", "slow"]
[pipelines.echo]
[[pipelines.echo.steps]]
id = "say"
processor = "execute"
command = ["echo", "title={{title}}", "{{streamer}}"]
env = {{ EXTRA = "x{{session_id}}" }}
[pipelines.slow]
trigger = "session"
[[pipelines.slow.steps]]
id = "wait"
processor = "execute"
command = ["sleep", "60"]
[[pipelines.slow.steps]]
id = "after"
processor = "execute"
command = ["true"]
depends_on = ["wait"]
"#,
        rec = rec.display()
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "bob");
    let marker = s.dir.path().join("x");
    let title = format!(
        "$(touch {}); rm -rf ~; `touch {}`",
        marker.display(),
        marker.display()
    );
    let sess = session(&s, id, &title);
    let file = rec.join("b.flv");
    std::fs::write(&file, b"x").unwrap();
    segment(&s, id, sess, 0, &file);
    offline(&s, id, sess);
    let all = wait_jobs(&s, 2);
    let echo = all.iter().find(|j| j["pipeline"] == "echo").unwrap()["id"]
        .as_i64()
        .unwrap();
    let slow = all.iter().find(|j| j["pipeline"] == "slow").unwrap()["id"]
        .as_i64()
        .unwrap();
    wait_state(&s, echo, "succeeded");
    let logs = s.ok(&["jobs", "logs", &echo.to_string()]);
    assert!(logs.contains(&format!("title={title} bob")), "{logs}");
    assert!(!marker.exists(), "no shell ran the title");
    let followed = s.ok(&["jobs", "logs", &echo.to_string(), "-f"]);
    assert_eq!(followed, logs, "-f ends with a finished run");

    // The session DAG starts (its files are closed), then is cancelled
    // through the CLI while `sleep 60` runs.
    assert!(wait_until(WAIT, || crate::pipeline_support::job(&s, slow)
        ["steps"][0]["state"]
        == "running"));
    let t = std::time::Instant::now();
    let out = s.ok(&["jobs", "cancel", &slow.to_string()]);
    assert!(out.contains("cancelled"), "{out}");
    let j = wait_state(&s, slow, "cancelled");
    assert_eq!(step(&j, "after")["state"], "cancelled");
    assert!(wait_until(Duration::from_secs(10), || step(
        &crate::pipeline_support::job(&s, slow),
        "wait"
    )["state"]
        == "cancelled"));
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "the process was stopped"
    );
}

#[test]
fn pools_never_exceed_their_limits() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "one"
[pipeline]
cpu_workers = 2
[pipelines.one]
[[pipelines.one.steps]]
id = "work"
processor = "execute"
command = ["sleep", "0.4"]
"#,
        rec = rec.display()
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "carol");
    let sess = session(&s, id, "t");
    for i in 0..6u32 {
        let f = rec.join(format!("c{i}.flv"));
        std::fs::write(&f, b"x").unwrap();
        segment(&s, id, sess, i, &f);
    }
    let all = wait_jobs(&s, 6);
    let mut spans = Vec::new();
    for j in &all {
        let j = wait_state(&s, j["id"].as_i64().unwrap(), "succeeded");
        let w = step(&j, "work");
        spans.push((ms(&w["started_at"]), ms(&w["finished_at"])));
    }
    let peak = spans
        .iter()
        .map(|(t, _)| spans.iter().filter(|(a, b)| a <= t && t < b).count())
        .max()
        .unwrap();
    assert!(peak <= 2, "at most cpu_workers steps at once: {spans:?}");
    assert_eq!(peak, 2, "the pool is used: {spans:?}");
    // Oldest first: the steps started in the order their jobs were created.
    let starts: Vec<i64> = spans.iter().map(|s| s.0).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "oldest first");
    assert_eq!(jobs(&s).len(), 6);
    let listed = s.json(&[
        "jobs",
        "list",
        "--state",
        "succeeded",
        "--streamer",
        "carol",
    ]);
    assert_eq!(listed.as_array().unwrap().len(), 6);
    let none = s.json(&["jobs", "list", "--state", "failed"]);
    assert!(none.as_array().unwrap().is_empty());
    let table = s.ok(&["jobs", "list"]);
    assert!(
        table.contains("PIPELINE") && table.contains("carol"),
        "{table}"
    );
    let shown = s.ok(&["jobs", "show", &all[0]["id"].to_string()]);
    assert!(
        shown.contains("work") && shown.contains("log tail"),
        "{shown}"
    );
}

#[test]
fn files_and_sessions_closed_by_crash_recovery_still_get_their_pipelines() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = ["seg", "whole"]
[pipelines.seg]
[[pipelines.seg.steps]]
id = "touch"
processor = "execute"
command = ["true"]
[pipelines.whole]
trigger = "session"
[[pipelines.whole.steps]]
id = "touch"
processor = "execute"
command = ["true"]
"#,
        rec = rec.display()
    );
    let mut d = daemon(&s, &cfg);
    let id = streamer(&s, "gina");
    let file = rec.join("g.flv");
    std::fs::write(&file, b"data").unwrap();
    // An open session with an open segment, as a crash leaves them.
    crate::pipeline_support::db(&s)
        .with(|c| {
            c.execute(
                "INSERT INTO live_sessions (id, streamer_id, started_at) VALUES (50, ?1, 1)",
                [id],
            )?;
            c.execute(
                "INSERT INTO session_segments (session_id, seg_index, path, started_at)
                 VALUES (50, 0, ?1, 1)",
                [file.display().to_string()],
            )?;
            Ok(())
        })
        .unwrap();
    d.signal("KILL");
    d.wait_exit(Duration::from_secs(10));
    let _d = daemon(&s, &cfg);
    let all = wait_jobs(&s, 2);
    let triggers: std::collections::BTreeSet<String> = all
        .iter()
        .map(|j| j["trigger"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        triggers,
        ["segment".to_string(), "session".to_string()].into()
    );
    for j in &all {
        let j = wait_state(&s, j["id"].as_i64().unwrap(), "succeeded");
        assert_eq!(j["inputs"], serde_json::json!([file.display().to_string()]));
    }
}

#[test]
fn delete_refuses_files_outside_the_output_folder_and_a_missing_ffmpeg_is_clear() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = ["clean", "mux"]
[engines.ffmpeg]
path = "/nonexistent/ffmpeg"
[pipelines.clean]
[[pipelines.clean.steps]]
id = "rm"
processor = "delete"
[pipelines.mux]
max_attempts = 3
[[pipelines.mux.steps]]
id = "remux"
processor = "remux"
"#,
        rec = rec.display()
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "hana");
    let sess = session(&s, id, "t");
    let outside = s.dir.path().join("elsewhere.flv");
    std::fs::write(&outside, b"keep me").unwrap();
    segment(&s, id, sess, 0, &outside);
    let all = wait_jobs(&s, 2);
    for j in &all {
        let j = wait_state(&s, j["id"].as_i64().unwrap(), "failed");
        let st = &j["steps"][0];
        assert_eq!(st["attempts"], 1, "not worth a retry: {j:#}");
        let err = st["error"].as_str().unwrap();
        if j["pipeline"] == "clean" {
            assert!(err.contains("outside the output folder"), "{err}");
        } else {
            assert!(
                err.contains("/nonexistent/ffmpeg") && err.contains("not found"),
                "{err}"
            );
        }
    }
    assert!(outside.exists(), "not deleted");
}
