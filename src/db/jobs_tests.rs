//! Unit tests of the job queue: claim order and readiness, outputs
//! flowing to dependents, downstream-only cancellation, retry, recovery,
//! and the settle event.

use super::Db;
use super::jobs::{self, NewDag, NewStep};
use super::jobs_query;

fn dag(key: &str, priority: i64, steps: &[(&str, &[&str])]) -> NewDag {
    NewDag {
        pipeline: "p".into(),
        trigger: "segment".into(),
        dedupe_key: key.into(),
        definition: "{}".into(),
        context: "{}".into(),
        inputs: vec!["/in.flv".into()],
        streamer_id: None,
        session_id: None,
        seg_index: None,
        state: "running",
        priority,
        steps: steps
            .iter()
            .map(|(id, deps)| NewStep {
                step_id: id.to_string(),
                processor: "execute".into(),
                pool: "cpu".into(),
                depends_on: deps.iter().map(|d| d.to_string()).collect(),
                max_attempts: 2,
            })
            .collect(),
    }
}

#[test]
fn ready_steps_run_by_priority_then_age_and_outputs_flow() {
    let db = Db::open_in_memory().unwrap();
    db.with(|c| {
        let a = jobs::create(c, &dag("a", 0, &[("x", &[]), ("y", &["x"])]))?.unwrap();
        assert!(
            jobs::create(c, &dag("a", 0, &[]))?.is_none(),
            "deduplicated"
        );
        let b = jobs::create(c, &dag("b", 5, &[("x", &[])]))?.unwrap();
        assert!(jobs::claim(c, "io")?.is_none(), "other pool");
        let first = jobs::claim(c, "cpu")?.unwrap();
        assert_eq!(first.dag_id, b, "higher priority first");
        let second = jobs::claim(c, "cpu")?.unwrap();
        assert_eq!((second.dag_id, second.step_id.as_str()), (a, "x"));
        assert_eq!(second.inputs, vec!["/in.flv".to_string()]);
        assert!(jobs::claim(c, "cpu")?.is_none(), "y waits for x");
        jobs::succeed(c, second.id, &["/out.mp4".into(), "/out.mp4".into()])?;
        let y = jobs::claim(c, "cpu")?.unwrap();
        assert_eq!(
            y.inputs,
            vec!["/out.mp4".to_string()],
            "deduplicated outputs"
        );
        let done = jobs::succeed(c, y.id, &["/final".into()])?.unwrap();
        assert_eq!(done.outputs, vec![std::path::PathBuf::from("/final")]);
        assert!(done.error.is_none());
        let kinds: Vec<String> = super::outbox::after(c, 0, 10)?
            .into_iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, vec!["pipeline_completed".to_string()]);
        Ok(())
    })
    .unwrap();
}

#[test]
fn final_failure_cancels_only_downstream_and_retry_resumes() {
    let db = Db::open_in_memory().unwrap();
    db.with(|c| {
        let id = jobs::create(
            c,
            &dag(
                "k",
                0,
                &[
                    ("bad", &[]),
                    ("after", &["bad"]),
                    ("last", &["after"]),
                    ("free", &[]),
                ],
            ),
        )?
        .unwrap();
        let bad = jobs::claim(c, "cpu")?.unwrap();
        assert_eq!(bad.step_id, "bad");
        jobs::fail(c, bad.id, "boom", Some(super::now_ms() + 60_000))?;
        let free = jobs::claim(c, "cpu")?.unwrap();
        assert_eq!(free.step_id, "free", "bad is backing off");
        assert!(jobs::claim(c, "cpu")?.is_none());
        c.execute("UPDATE step_executions SET not_before = 0", [])?;
        let bad = jobs::claim(c, "cpu")?.unwrap();
        assert_eq!(bad.attempt, 2);
        assert!(
            jobs::fail(c, bad.id, "boom again", None)?.is_none(),
            "free still runs"
        );
        let d = jobs_query::get(c, id)?.unwrap();
        let st = |s: &str| {
            d.steps
                .iter()
                .find(|x| x.step_id == s)
                .unwrap()
                .state
                .clone()
        };
        assert_eq!(
            (st("after"), st("last"), st("free")),
            ("cancelled".into(), "cancelled".into(), "running".into())
        );
        let settled = jobs::succeed(c, free.id, &[])?.unwrap();
        assert_eq!(settled.error.as_deref(), Some("bad: boom again"));
        assert_eq!(jobs_query::get(c, id)?.unwrap().job.state, "failed");
        assert_eq!(jobs_query::pane(c, 10)?[0].state, "failed");
        assert_eq!(jobs::retry(c, id)?, Some(true));
        assert_eq!(jobs::retry(c, id)?, Some(false), "already running");
        let again = jobs::claim(c, "cpu")?.unwrap();
        assert_eq!((again.step_id.as_str(), again.attempt), ("bad", 1));
        // A crash while it runs: recovery queues it again.
        assert_eq!(jobs::recover(c)?, 1);
        assert_eq!(jobs::claim(c, "cpu")?.unwrap().step_id, "bad");
        assert_eq!(
            jobs::cancel(c, id)?.unwrap().len(),
            1,
            "one running step to stop"
        );
        assert_eq!(jobs_query::get(c, id)?.unwrap().job.state, "cancelled");
        assert!(jobs::cancel(c, 999)?.is_none());
        Ok(())
    })
    .unwrap();
}
