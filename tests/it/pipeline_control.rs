//! Steering the pipeline through the real daemon (issue 19): pool limits
//! hot reloaded, the throttle on a backed-up queue, and cancel/retry
//! through the database when no API runs.

use std::time::Duration;

use crate::harness::{Srec, wait_until};
use crate::pipeline_support::{
    WAIT, daemon, out_dir, segment, session, step, streamer, wait_jobs, wait_state,
};

fn ms(v: &serde_json::Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not a time: {v}"))
}

#[test]
fn pool_limits_are_hot_reloaded() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = |n: usize| {
        format!(
            r#"[recording]
output_dir = "{rec}"
pipeline = "one"
[pipeline]
cpu_workers = {n}
[pipelines.one]
[[pipelines.one.steps]]
id = "work"
processor = "execute"
command = ["sleep", "1.5"]
"#,
            rec = rec.display()
        )
    };
    let _d = daemon(&s, &cfg(1));
    let id = streamer(&s, "ida");
    let sess = session(&s, id, "t");
    for i in 0..4u32 {
        let f = rec.join(format!("i{i}.flv"));
        std::fs::write(&f, b"x").unwrap();
        segment(&s, id, sess, i, &f);
    }
    let all = wait_jobs(&s, 4);
    wait_until(WAIT, || {
        crate::pipeline_support::job(&s, all[0]["id"].as_i64().unwrap())["steps"][0]["state"]
            == "running"
    });
    s.write_config(&(cfg(3) + "\n[api]\nport = 0\n"));
    let mut spans = Vec::new();
    for j in &all {
        let j = wait_state(&s, j["id"].as_i64().unwrap(), "succeeded");
        let w = step(&j, "work");
        spans.push((ms(&w["started_at"]), ms(&w["finished_at"])));
    }
    let overlap = |t: i64| spans.iter().filter(|(a, b)| *a <= t && t < *b).count();
    assert_eq!(overlap(spans[0].0), 1, "one worker at first: {spans:?}");
    let peak = spans.iter().map(|(t, _)| overlap(*t)).max().unwrap();
    assert!(peak >= 2, "more workers after the reload: {spans:?}");
    assert!(peak <= 3, "{spans:?}");
}

#[test]
fn a_backed_up_queue_throttles_new_recordings_until_it_drains() {
    let s = Srec::new();
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "slow"
[download]
max_concurrent = 4
[pipeline]
cpu_workers = 1
[pipeline.throttle]
enabled = true
high_depth = 2
low_depth = 1
factor = 0.5
[pipelines.slow]
[[pipelines.slow.steps]]
id = "work"
processor = "execute"
command = ["sleep", "0.4"]
"#,
        rec = rec.display()
    );
    let mut d = daemon(&s, &cfg);
    let id = streamer(&s, "jay");
    let sess = session(&s, id, "t");
    crate::pipeline_support::queue_segments(&s, &rec, "j", id, sess, 5);
    let events = || -> Vec<serde_json::Value> {
        crate::pipeline_support::db(&s)
            .with(|c| {
                let mut st = c.prepare(
                    "SELECT payload FROM monitor_event_outbox WHERE kind = 'pipeline_throttle' ORDER BY id",
                )?;
                let rows = st.query_map([], |r| r.get::<_, String>(0))?;
                Ok(rows
                    .map(|r| serde_json::from_str(&r.unwrap()).unwrap())
                    .collect())
            })
            .unwrap()
    };
    assert!(
        wait_until(WAIT, || events().len() >= 2),
        "engaged then released: {:?}",
        events()
    );
    let ev = events();
    assert_eq!(ev[0]["engaged"], true);
    assert_eq!(
        ev[0]["max_concurrent"], 2,
        "half of download.max_concurrent"
    );
    assert!(ev[0]["depth"].as_u64().unwrap() > 2);
    assert_eq!(ev[1]["engaged"], false);
    assert_eq!(ev[1]["max_concurrent"], 4, "restored");
    d.wait_for("throttling new recordings", Duration::from_secs(5));
    for j in wait_jobs(&s, 5) {
        wait_state(&s, j["id"].as_i64().unwrap(), "succeeded");
    }
}

#[test]
fn without_the_api_cancel_and_retry_go_through_the_database() {
    let s = Srec::new();
    // A duration no other test uses, to find this very process.
    let secs = format!("61.{}", std::process::id());
    let alive = || {
        std::process::Command::new("pgrep")
            .args(["-f", &format!("^sleep {secs}$")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let rec = out_dir(&s);
    let cfg = format!(
        r#"[api]
enabled = false
[recording]
output_dir = "{rec}"
pipeline = "slow"
[pipelines.slow]
[[pipelines.slow.steps]]
id = "wait"
processor = "execute"
command = ["sleep", "{secs}"]
"#,
        rec = rec.display(),
        secs = secs
    );
    let _d = daemon(&s, &cfg);
    let id = streamer(&s, "kim");
    let sess = session(&s, id, "t");
    let f = rec.join("k.flv");
    std::fs::write(&f, b"x").unwrap();
    segment(&s, id, sess, 0, &f);
    let job_id = wait_jobs(&s, 1)[0]["id"].as_i64().unwrap();
    assert!(wait_until(WAIT, || crate::pipeline_support::job(
        &s, job_id
    )["steps"][0]["state"]
        == "running"));
    assert!(
        wait_until(Duration::from_secs(5), alive),
        "sleep {secs} runs"
    );
    let t = std::time::Instant::now();
    s.ok(&["jobs", "cancel", &job_id.to_string()]);
    wait_state(&s, job_id, "cancelled");
    // The daemon notices the cancelled step in the database and stops it.
    assert!(
        wait_until(Duration::from_secs(15), || !alive()),
        "the process was stopped"
    );
    assert!(t.elapsed() < Duration::from_secs(15));
    assert_eq!(
        crate::pipeline_support::job(&s, job_id)["state"],
        "cancelled"
    );
    let out = s.ok(&["jobs", "retry", &job_id.to_string()]);
    assert!(out.contains("queued again"), "{out}");
    assert!(wait_until(WAIT, || crate::pipeline_support::job(
        &s, job_id
    )["steps"][0]["state"]
        == "running"));
    let again = s.run(&["jobs", "retry", &job_id.to_string()]);
    assert_ne!(again.code(), 0);
    assert!(
        again.stderr().contains("still running"),
        "{}",
        again.stderr()
    );
    s.ok(&["jobs", "cancel", &job_id.to_string()]);
}
