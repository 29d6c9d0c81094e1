//! `/api/notify` over the real services: a test send, dead letters listed
//! and retried through the API, every answer matching the OpenAPI document.

use std::time::Duration;

use reqwest::Method;
use srec::db::outbox::OutboxRow;

use crate::api_support::Api;
use crate::harness::wait_until;
use crate::notify_support::Receiver;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_send_and_dead_letter_retry_through_the_api() {
    let rx = tokio::task::spawn_blocking(Receiver::start).await.unwrap();
    let api = Api::start(
        "",
        &format!(
            "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}\"\n",
            rx.url("hook")
        ),
    )
    .await;
    let t = "/api/notify/test/{channel}";
    let r = api
        .call(Method::POST, t, "/api/notify/test/hook", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["delivered"], true);
    assert_eq!(r.body["status"], 200);
    let r = api
        .call(Method::POST, t, "/api/notify/test/nope", None)
        .await;
    assert_eq!(r.status, 404);

    let ev = OutboxRow {
        id: 77,
        streamer_id: None,
        kind: "disk_low".into(),
        payload: r#"{"path":"/rec","free_bytes":1,"min_free_bytes":2}"#.into(),
        created_at: srec::db::now_ms(),
    };
    let id = api
        .c()
        .db
        .call(move |c| srec::db::notify::insert(c, "hook", &ev, "HTTP 503: down", 5))
        .await
        .unwrap();
    let list = api
        .get("/api/notify/dead-letters", "/api/notify/dead-letters")
        .await;
    assert_eq!(list.body[0]["event_id"], 77);
    assert_eq!(list.body[0]["attempts"], 5);
    let tpl = "/api/notify/dead-letters/{id}/retry";
    let r = api
        .call(
            Method::POST,
            tpl,
            &format!("/api/notify/dead-letters/{id}/retry"),
            None,
        )
        .await;
    assert_eq!(r.body["queued"], 1);
    let got = tokio::task::spawn_blocking(move || {
        let ok = wait_until(Duration::from_secs(10), || {
            rx.delivered("hook")
                .iter()
                .any(|h| h.json()["event_id"] == 77)
        });
        (ok, rx)
    })
    .await
    .unwrap();
    assert!(got.0, "the dead letter was delivered");
    let mut empty = false;
    for _ in 0..50 {
        let list = api
            .get("/api/notify/dead-letters", "/api/notify/dead-letters")
            .await;
        if list.body.as_array().is_some_and(Vec::is_empty) {
            empty = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(empty, "delivered dead letters are removed");
    let r = api
        .call(
            Method::POST,
            tpl,
            "/api/notify/dead-letters/999/retry",
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    let r = api
        .call(
            Method::POST,
            "/api/notify/dead-letters/retry",
            "/api/notify/dead-letters/retry",
            None,
        )
        .await;
    assert_eq!(r.body["queued"], 0);
    api.check_against_openapi().await;
    let rx = got.1;
    tokio::task::spawn_blocking(move || drop(rx)).await.unwrap();
    api.stop().await;
}
