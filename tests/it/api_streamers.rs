//! `/api/streamers` over real HTTP: create, duplicate, get, list filters
//! and paging, update, check now, stop, delete, with their error cases.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{S, S_ID, code, create};
use crate::api_support::Api;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamers_crud_and_errors() {
    let api = Api::start("", "[templates.night]\ncheck_interval = \"30s\"\n").await;
    let r = create(
        &api,
        json!({"url": "http://127.0.0.1:9/room/alice", "priority": "high"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.headers["location"], format!("/api/streamers/{id}"));
    assert_eq!(
        (r.body["name"].as_str(), r.body["platform"].as_str()),
        (Some("alice"), Some("fake"))
    );
    // Applied in memory at once (no 250 ms DB poll involved).
    assert_eq!(api.c().streamers.get(id).unwrap().name, "alice");

    let dup = create(&api, json!({"url": "http://127.0.0.1:9/room/alice"})).await;
    assert_eq!(
        (dup.status, code(&dup).0),
        (StatusCode::CONFLICT, "duplicate")
    );

    for (body, field) in [
        (json!({"url": "ftp://x/y"}), "url"),
        (json!({"url": "http://h/b", "name": "  "}), "name"),
        (json!({"url": "http://h/b", "name": "123"}), "name"),
        (json!({"url": "http://u:p@h/b"}), "url"),
        (
            json!({"url": "http://h/b", "overrides": {"cookies": "a=1\r\nX: y"}}),
            "overrides.cookies",
        ),
        (
            json!({"url": "http://h/b", "template": "nigth"}),
            "template",
        ),
        (
            json!({"url": "http://h/b", "overrides": {"check_interval": "100ms"}}),
            "overrides.check_interval",
        ),
        (
            json!({"url": "http://h/b", "overrides": {"chek_interval": "1s"}}),
            "overrides.chek_interval",
        ),
        (
            json!({"url": "http://h/b", "priority": "urgent"}),
            "priority",
        ),
        (json!({"url": 5}), "url"),
        (json!({"name": "x"}), ""),
    ] {
        let r = create(&api, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(
            code(&r),
            ("validation_failed", Some(field)),
            "{body}: {}",
            r.body
        );
    }
    let hint = create(&api, json!({"url": "http://h/b", "template": "nigth"})).await;
    assert!(
        hint.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `night`")
    );

    let b = create(
        &api,
        json!({"url": "https://cdn.example/live/bob.m3u8", "enabled": false, "template": "night"}),
    )
    .await;
    let bid = b.body["id"].as_i64().unwrap();

    let got = api.get(S_ID, &format!("{S}/{id}")).await;
    assert_eq!(
        (got.status, got.body["priority"].as_str()),
        (StatusCode::OK, Some("high"))
    );
    assert_eq!(
        api.get(S_ID, &format!("{S}/999")).await.status,
        StatusCode::NOT_FOUND
    );
    let bad = api.get(S_ID, &format!("{S}/abc")).await;
    assert_eq!(
        (bad.status, code(&bad).0),
        (StatusCode::BAD_REQUEST, "invalid_path")
    );
    let msg = bad.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("`abc` is not an id") && !msg.contains("i64"),
        "{msg}"
    );

    // Filters and paging.
    let api_ref = &api;
    let q = |query: &'static str| async move { api_ref.get(S, &format!("{S}?{query}")).await };
    let all = q("").await;
    assert_eq!(
        (
            all.body["total"].as_u64(),
            all.body["items"].as_array().unwrap().len()
        ),
        (Some(2), 2)
    );
    assert_eq!(
        q("platform=generic").await.body["items"][0]["id"].as_i64(),
        Some(bid)
    );
    assert_eq!(q("enabled=false").await.body["total"], 1);
    assert_eq!(q("state=live").await.body["total"], 0);
    let page = q("offset=1&limit=1").await;
    assert_eq!(
        (
            page.body["items"][0]["id"].as_i64(),
            page.body["total"].as_u64()
        ),
        (Some(bid), Some(2))
    );
    for (query, field) in [
        ("state=bogus", "state"),
        ("platform=nope", "platform"),
        ("limit=0", "limit"),
        ("limit=5000", "limit"),
    ] {
        let r = q(query).await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::BAD_REQUEST, ("validation_failed", Some(field))),
            "{query}"
        );
    }
    for query in ["limit=x", "colour=red"] {
        let r = q(query).await;
        assert_eq!(
            (r.status, code(&r).0),
            (StatusCode::BAD_REQUEST, "invalid_query"),
            "{query}: {}",
            r.body
        );
    }

    // Update.
    let patch = |body: Value, id: i64| async move {
        api_ref
            .call(Method::PATCH, S_ID, &format!("{S}/{id}"), Some(body))
            .await
    };
    let r = patch(
        json!({"priority": "low", "name": "Alice", "template": "night",
        "overrides": {"check_interval": "5s", "headers": {"x-a": "1"}}}),
        id,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = api.c().streamers.get(id).unwrap();
    assert_eq!(
        (s.name.as_str(), s.template.as_deref()),
        ("Alice", Some("night"))
    );
    assert_eq!(s.overrides.check_interval, Some(Duration::from_secs(5)));
    let r = patch(json!({"template": null}), id).await;
    assert_eq!(r.body["template"], Value::Null);
    assert_eq!(
        api.c().streamers.get(id).unwrap().overrides.check_interval,
        Some(Duration::from_secs(5)),
        "absent keys stay"
    );
    for (body, field) in [
        (
            json!({"overrides": {"offline_confirmations": 0}}),
            "overrides.offline_confirmations",
        ),
        (
            json!({"overrides": {"proxy": "ftp://p"}}),
            "overrides.proxy",
        ),
        (json!({"template": "nope"}), "template"),
        (json!({"enabled": "yes"}), "enabled"),
        (json!({"url": "http://elsewhere/"}), "url"),
    ] {
        let r = patch(body.clone(), id).await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::BAD_REQUEST, ("validation_failed", Some(field))),
            "{body}: {}",
            r.body
        );
    }
    assert_eq!(
        patch(json!({"enabled": false}), 999).await.status,
        StatusCode::NOT_FOUND
    );

    // Check now: the scheduler has (or soon has) an actor for the new streamer.
    let check = format!("{S}/{id}/check");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let r = api
            .call(Method::POST, "/api/streamers/{id}/check", &check, None)
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        if r.body["triggered"] == true {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "scheduler never picked up the streamer"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let off = api
        .call(
            Method::POST,
            "/api/streamers/{id}/check",
            &format!("{S}/{bid}/check"),
            None,
        )
        .await;
    assert_eq!(
        (off.status, code(&off).0),
        (StatusCode::CONFLICT, "streamer_disabled")
    );
    let missing = api
        .call(
            Method::POST,
            "/api/streamers/{id}/check",
            &format!("{S}/999/check"),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Stop: nothing is recording.
    let stop = api
        .call(
            Method::POST,
            "/api/streamers/{id}/stop",
            &format!("{S}/{id}/stop"),
            None,
        )
        .await;
    assert_eq!(
        (stop.status, code(&stop).0),
        (StatusCode::CONFLICT, "not_recording")
    );
    let stop = api
        .call(
            Method::POST,
            "/api/streamers/{id}/stop",
            &format!("{S}/999/stop"),
            None,
        )
        .await;
    assert_eq!(stop.status, StatusCode::NOT_FOUND);

    // Delete.
    let del = api
        .call(Method::DELETE, S_ID, &format!("{S}/{bid}"), None)
        .await;
    assert_eq!(
        (del.status, &del.body),
        (StatusCode::NO_CONTENT, &Value::Null)
    );
    assert!(api.c().streamers.get(bid).is_none());
    let again = api
        .call(Method::DELETE, S_ID, &format!("{S}/{bid}"), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    api.check_against_openapi().await;
    api.stop().await;
}
