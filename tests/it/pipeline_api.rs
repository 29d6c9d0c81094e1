//! `/api/jobs` against the real services: list with filters, one job,
//! logs, cancel (stops the running process) and retry, every answer
//! checked against the OpenAPI document.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use srec::db::jobs::{NewDag, NewStep, create};

use crate::api_support::Api;
use crate::harness::wait_until;

fn dag(key: &str) -> NewDag {
    let def = json!({"trigger": "segment", "max_attempts": 1, "priority": 0, "steps": [
        {"id": "wait", "processor": "execute", "command": ["sleep", "30"]},
        {"id": "after", "processor": "execute", "command": ["true"], "depends_on": ["wait"]}
    ]});
    NewDag {
        pipeline: "p".into(),
        trigger: "segment".into(),
        dedupe_key: key.into(),
        definition: def.to_string(),
        context: json!({"streamer": "s", "platform": "generic", "title": "t",
            "output_dir": "/nonexistent", "ffmpeg": "ffmpeg"})
        .to_string(),
        inputs: vec!["/nonexistent/a.flv".into()],
        streamer_id: None,
        session_id: None,
        seg_index: Some(0),
        state: "running",
        priority: 0,
        steps: ["wait", "after"]
            .iter()
            .map(|s| NewStep {
                step_id: s.to_string(),
                processor: "execute".into(),
                pool: "cpu".into(),
                depends_on: if *s == "after" {
                    vec!["wait".into()]
                } else {
                    vec![]
                },
                max_attempts: 1,
            })
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_listed_cancelled_and_retried_through_the_api() {
    let api = Api::start("", "").await;
    let id = api
        .c()
        .db
        .call(|c| Ok(create(c, &dag("k1"))?.unwrap()))
        .await
        .unwrap();
    let one = |id: i64| format!("/api/jobs/{id}");
    let mut running = false;
    for _ in 0..100 {
        let j = api.get("/api/jobs/{id}", &one(id)).await;
        if j.body["steps"][0]["state"] == "running" {
            running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(running, "the step started");
    let list = api.get("/api/jobs", "/api/jobs?state=running").await;
    assert_eq!(list.body[0]["id"], id);
    assert_eq!(list.body[0]["steps_total"], 2);
    let bad = api.get("/api/jobs", "/api/jobs?state=sleepy").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let c = api
        .call(
            Method::POST,
            "/api/jobs/{id}/cancel",
            &format!("{}/cancel", one(id)),
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert_eq!(c.body["state"], "cancelled");
    assert_eq!(c.body["steps"][1]["state"], "cancelled");
    let db = api.c().db.clone();
    let stopped = wait_until(Duration::from_secs(10), || {
        db.with(|c| srec::db::jobs::step_state(c, 1))
            .is_ok_and(|s| s.as_deref() == Some("cancelled"))
    });
    assert!(stopped);
    let busy = api
        .call(
            Method::POST,
            "/api/jobs/{id}/retry",
            &format!("{}/retry", one(id)),
            None,
        )
        .await;
    assert_eq!(busy.status, StatusCode::OK, "{}", busy.body);
    assert_eq!(busy.body["state"], "running");
    let again = api
        .call(
            Method::POST,
            "/api/jobs/{id}/retry",
            &format!("{}/retry", one(id)),
            None,
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "a running job is not retried"
    );
    let logs = api
        .get(
            "/api/jobs/{id}/logs",
            &format!("{}/logs?after=0&limit=10", one(id)),
        )
        .await;
    assert!(
        logs.body.as_array().is_some_and(|l| !l.is_empty()),
        "{}",
        logs.body
    );
    let missing = api.get("/api/jobs/{id}", "/api/jobs/999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    api.call(
        Method::POST,
        "/api/jobs/{id}/cancel",
        &format!("{}/cancel", one(id)),
        None,
    )
    .await;
    api.check_against_openapi().await;
    api.stop().await;
}
