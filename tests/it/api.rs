//! REST API over real HTTP on 127.0.0.1 (port 0): every endpoint's happy
//! path and error cases, auth, body limits; each test's responses are
//! checked against the served OpenAPI document.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api_support::{Api, documented_operations};

const S: &str = "/api/streamers";
const S_ID: &str = "/api/streamers/{id}";

fn code(r: &crate::api_support::Resp) -> (&str, Option<&str>) {
    (
        r.body["error"]["code"].as_str().unwrap_or("<none>"),
        r.body["error"]["field"].as_str(),
    )
}

async fn create(api: &Api, body: Value) -> crate::api_support::Resp {
    api.call(Method::POST, S, S, Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_is_required_except_for_liveness() {
    let api = Api::start("token = \"s3cret-token\"", "").await;
    let live = api
        .raw(
            Method::GET,
            "/api/health/live",
            "/api/health/live",
            None,
            |r| r,
        )
        .await;
    assert_eq!(live.status, StatusCode::OK);
    for path in [
        "/api/health",
        "/api/health/ready",
        S,
        "/api/config",
        "/api/openapi.json",
    ] {
        let none = api.raw(Method::GET, path, path, None, |r| r).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(code(&none).0, "unauthorized");
        assert_eq!(none.headers["www-authenticate"], "Bearer");
        let wrong = api
            .raw(Method::GET, path, path, Some("s3cret-tokem"), |r| r)
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            wrong.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("wrong")
        );
    }
    let basic = api
        .raw(Method::GET, S, S, None, |r| {
            r.header("authorization", "Basic czNjcmV0LXRva2Vu")
        })
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    let ok = api.get("/api/health", "/api/health").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body["status"], "ok");
    let ready = api.get("/api/health/ready", "/api/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    for c in ["db", "scheduler", "downloads", "disk"] {
        assert_eq!(ready.body["components"][c]["status"], "ok", "{c}");
    }
    // A mutation without the token changes nothing.
    let denied = api
        .raw(Method::POST, S, S, None, |r| {
            r.json(&json!({"url": "http://h/x"}))
        })
        .await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert!(api.c().streamers.is_empty());
    api.check_against_openapi().await;
    api.stop().await;
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_4xx_never_5xx() {
    let api = Api::start("", "").await;
    let send = |ct: &'static str, body: Vec<u8>| {
        let api = &api;
        async move {
            api.raw(Method::POST, S, S, None, |r| {
                r.header("content-type", ct).body(body)
            })
            .await
        }
    };
    for body in [
        &b"{\"url\": "[..],
        b"not json",
        b"",
        b"{\"url\": \"http://h/a\"} trailing",
    ] {
        let r = send("application/json", body.to_vec()).await;
        assert_eq!(
            (r.status, code(&r).0),
            (StatusCode::BAD_REQUEST, "invalid_json"),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    let r = send("application/json", b"[1, 2]".to_vec()).await;
    assert_eq!(
        (r.status, code(&r).0),
        (StatusCode::BAD_REQUEST, "validation_failed")
    );
    let r = send("text/plain", br#"{"url": "http://h/a"}"#.to_vec()).await;
    assert_eq!(
        (r.status, code(&r).0),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    // Just over 1 MiB of valid JSON.
    let big = format!(
        r#"{{"url": "http://h/a", "name": "{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    let r = send("application/json", big.into_bytes()).await;
    assert_eq!(
        (r.status, code(&r).0),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    let r = api
        .raw(Method::PATCH, "/api/config", "/api/config", None, |r| {
            r.header("content-type", "application/json")
                .body(vec![b' '; 2 * 1024 * 1024])
        })
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(api.c().streamers.is_empty());
    // Unknown route and method: JSON errors too (not in the document).
    let r = api.raw(Method::GET, "-", "/api/nope", None, |r| r).await;
    assert_eq!((r.status, code(&r).0), (StatusCode::NOT_FOUND, "not_found"));
    let r = api.raw(Method::PUT, "-", S, None, |r| r).await;
    assert_eq!(
        (r.status, code(&r).0),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let log: Vec<_> = api
        .log
        .lock()
        .unwrap()
        .drain(..)
        .filter(|e| e.template != "-")
        .collect();
    *api.log.lock().unwrap() = log;
    api.check_against_openapi().await;
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_read_patch_and_effective() {
    let api = Api::start(
        "token = \"tok-123456\"",
        "[platforms.fake]\ncheck_interval = \"20s\"\n",
    )
    .await;
    let cfg = api.get("/api/config", "/api/config").await;
    assert_eq!(cfg.status, StatusCode::OK);
    assert_eq!(cfg.body["api"]["token_set"], true);
    assert!(
        !cfg.body.to_string().contains("tok-123456"),
        "token never returned"
    );

    let api_ref = &api;
    let patch = |body: Value| async move {
        api_ref
            .call(Method::PATCH, "/api/config", "/api/config", Some(body))
            .await
    };
    let r = patch(
        json!({"download": {"max_concurrent": 2}, "recording": {"engine": "ffmpeg"},
        "templates": {"archive": {"max_segment_duration": "1h"}}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["download"]["max_concurrent"], 2);
    // Hot-applied and written atomically.
    let now = api.c().config.current();
    assert_eq!(now.download.max_concurrent, 2);
    assert!(now.templates.contains_key("archive"));
    assert_eq!(now.api.token.as_deref(), Some("tok-123456"), "token kept");
    let file = api.dir.path().join("config.toml");
    let on_disk = srec::config::load_file(&file).unwrap();
    assert_eq!(on_disk, *now);
    assert!(!api.dir.path().join("config.toml.partial").exists());
    assert_eq!(
        api.c().downloads.counts().2,
        2,
        "slot limit followed the reload"
    );
    // A GET-modify-PATCH round trip (with token_set) is accepted.
    let mut whole = api.get("/api/config", "/api/config").await.body;
    whole["download"]["high_priority_slots"] = json!(0);
    assert_eq!(patch(whole).await.status, StatusCode::OK);
    // null resets to the default.
    let r = patch(json!({"recording": {"engine": null}})).await;
    assert!(r.body["recording"].get("engine").is_none());

    for (body, field) in [
        (
            json!({"download": {"max_concurrent": 0}}),
            "download.max_concurrent",
        ),
        (
            json!({"recording": {"chek_interval": "1s"}}),
            "recording.chek_interval",
        ),
        (json!({"platforms": {"twich": {}}}), "platforms.twich"),
        (json!({"api": {"address": "0.0.0.0"}}), "api.address"),
        (json!({"api": {"token": "short"}}), "api.token"),
        (
            json!({"recording": {"filters": {"title_regex": "("}}}),
            "recording.filters",
        ),
        (json!([1]), ""),
    ] {
        let r = patch(body.clone()).await;
        assert_eq!(
            (r.status, code(&r)),
            (StatusCode::BAD_REQUEST, ("validation_failed", Some(field))),
            "{body}: {}",
            r.body
        );
    }
    assert_eq!(
        srec::config::load_file(&file)
            .unwrap()
            .download
            .max_concurrent,
        2,
        "rejected patches leave the file alone"
    );

    // Effective config with the level each value came from.
    let s = api
        .call(
            Method::POST,
            S,
            S,
            Some(
                json!({"url": "http://127.0.0.1:9/room/x", "template": "archive",
        "overrides": {"quality": "720p"}}),
            ),
        )
        .await;
    let id = s.body["id"].as_i64().unwrap();
    let eff = api
        .get("/api/streamers/{id}/config", &format!("{S}/{id}/config"))
        .await;
    assert_eq!(eff.status, StatusCode::OK, "{}", eff.body);
    assert_eq!(eff.body["config"]["check_interval"], "20s");
    assert_eq!(eff.body["sources"]["check_interval"], "platform:fake");
    assert_eq!(
        eff.body["sources"]["max_segment_duration"],
        "template:archive"
    );
    assert_eq!(eff.body["sources"]["quality"], "streamer");
    assert_eq!(eff.body["sources"]["engine"], "default");
    assert_eq!(
        api.get("/api/streamers/{id}/config", &format!("{S}/77/config"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    api.check_against_openapi().await;
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_segments_and_downloads() {
    let api = Api::start("", "").await;
    let s = api
        .call(
            Method::POST,
            S,
            S,
            Some(json!({"url": "http://127.0.0.1:9/room/s"})),
        )
        .await;
    let sid = s.body["id"].as_i64().unwrap();
    let (closed, open) = api
        .c()
        .db
        .call(move |c| {
            use srec::db::sessions;
            let a = sessions::open(c, sid, Some("first"), Some("music"), 1_000)?;
            let g = sessions::add_segment(c, a, 0, "/r/a_000.flv", 1_000)?;
            sessions::close_segment(c, g, 5_000, 1234, "size")?;
            sessions::close(c, a, 6_000, "offline")?;
            let b = sessions::open(c, sid, Some("second"), None, 7_000)?;
            sessions::add_segment(c, b, 0, "/r/b_000.flv", 7_000)?;
            Ok((a, b))
        })
        .await
        .unwrap();
    let list = api.get("/api/sessions", "/api/sessions").await;
    assert_eq!(list.body["total"], 2);
    assert_eq!(
        list.body["items"][0]["id"].as_i64(),
        Some(open),
        "newest first"
    );
    assert_eq!(list.body["items"][0]["active"], true);
    let active = api.get("/api/sessions", "/api/sessions?active=false").await;
    assert_eq!(active.body["items"][0]["id"].as_i64(), Some(closed));
    let mine = api
        .get(
            "/api/sessions",
            &format!("/api/sessions?streamer_id={sid}&limit=1"),
        )
        .await;
    assert_eq!(
        (
            mine.body["total"].as_u64(),
            mine.body["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    let bad = api.get("/api/sessions", "/api/sessions?limit=-1").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let one = api
        .get("/api/sessions/{id}", &format!("/api/sessions/{closed}"))
        .await;
    assert_eq!(one.body["session"]["end_reason"], "offline");
    assert_eq!(one.body["segments"][0]["bytes"], 1234);
    let segs = api
        .get(
            "/api/sessions/{id}/segments",
            &format!("/api/sessions/{open}/segments"),
        )
        .await;
    assert_eq!(segs.body[0]["path"], "/r/b_000.flv");
    for path in ["/api/sessions/999", "/api/sessions/999/segments"] {
        let t = if path.ends_with("segments") {
            "/api/sessions/{id}/segments"
        } else {
            "/api/sessions/{id}"
        };
        assert_eq!(api.get(t, path).await.status, StatusCode::NOT_FOUND);
    }
    let d = api.get("/api/downloads", "/api/downloads").await;
    assert_eq!(d.body["active"], json!([]));
    assert_eq!(
        (
            d.body["slots"]["limit"].as_u64(),
            d.body["slots"]["active"].as_u64()
        ),
        (Some(6), Some(0))
    );
    api.check_against_openapi().await;
    api.stop().await;
}

/// Tour of every documented operation: each is exercised at least once and
/// every answer matches the document; the document itself is well-formed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_exercised_and_conforms() {
    let api = Api::start("", "").await;
    let r = api
        .call(
            Method::POST,
            S,
            S,
            Some(json!({"url": "http://127.0.0.1:9/room/t"})),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let sid = api
        .c()
        .db
        .call(move |c| srec::db::sessions::open(c, id, None, None, 1))
        .await
        .unwrap();
    let p = |t: &str| t.replace("{id}", &id.to_string());
    let tour: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "/api/health/live", None),
        (Method::GET, "/api/health", None),
        (Method::GET, "/api/health/ready", None),
        (Method::GET, S, None),
        (Method::GET, S_ID, None),
        (Method::PATCH, S_ID, Some(json!({"priority": "low"}))),
        (Method::POST, "/api/streamers/{id}/check", None),
        (Method::POST, "/api/streamers/{id}/stop", None),
        (Method::GET, "/api/streamers/{id}/config", None),
        (Method::GET, "/api/config", None),
        (
            Method::PATCH,
            "/api/config",
            Some(json!({"download": {"high_priority_slots": 1}})),
        ),
        (Method::GET, "/api/downloads", None),
        (Method::GET, "/api/openapi.json", None),
        (Method::GET, "/api/sessions", None),
        (Method::DELETE, S_ID, None),
    ];
    for (m, t, body) in tour {
        let r = api.call(m.clone(), t, &p(t), body).await;
        assert!(r.status.as_u16() < 500, "{m} {t}: {}", r.body);
    }
    for t in ["/api/sessions/{id}", "/api/sessions/{id}/segments"] {
        api.get(t, &t.replace("{id}", &sid.to_string())).await;
    }
    let log = api.check_against_openapi().await;
    let doc = api.get("/api/openapi.json", "/api/openapi.json").await.body;
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true)
    );
    let exercised: std::collections::BTreeSet<(String, String)> = log
        .iter()
        .map(|e| (e.method.to_string(), e.template.clone()))
        .collect();
    for op in documented_operations(&doc) {
        assert!(
            exercised.contains(&op),
            "documented but not exercised: {op:?}"
        );
    }
    // Every schema in the document compiles as JSON Schema 2020-12.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let mut root = schema.clone();
        root["components"] = doc["components"].clone();
        jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("schema {name}: {e}"));
    }
    api.stop().await;
}
