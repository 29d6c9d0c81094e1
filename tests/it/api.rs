//! REST API over real HTTP on 127.0.0.1 (port 0): auth, malformed and
//! oversized bodies, and a tour of every documented operation; each test's
//! responses are checked against the served OpenAPI document.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api_support::{Api, documented_operations};

pub const S: &str = "/api/streamers";
pub const S_ID: &str = "/api/streamers/{id}";

pub fn code(r: &crate::api_support::Resp) -> (&str, Option<&str>) {
    (
        r.body["error"]["code"].as_str().unwrap_or("<none>"),
        r.body["error"]["field"].as_str(),
    )
}

pub async fn create(api: &Api, body: Value) -> crate::api_support::Resp {
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
        (Method::POST, "/api/streamers/{id}/start", None),
        (Method::GET, "/api/streamers/{id}/config", None),
        (Method::GET, "/api/config", None),
        (
            Method::PATCH,
            "/api/config",
            Some(json!({"download": {"high_priority_slots": 1}})),
        ),
        (Method::GET, "/api/downloads", None),
        (Method::GET, "/api/openapi.json", None),
        (Method::GET, "/api/metrics", None),
        (Method::GET, "/api/sessions", None),
        (Method::GET, "/api/jobs", None),
        (Method::GET, "/api/jobs/{id}", None),
        (Method::GET, "/api/jobs/{id}/logs", None),
        (Method::POST, "/api/jobs/{id}/retry", None),
        (Method::POST, "/api/jobs/{id}/cancel", None),
        (Method::GET, "/api/notify/dead-letters", None),
        (Method::POST, "/api/notify/dead-letters/{id}/retry", None),
        (Method::POST, "/api/notify/dead-letters/retry", None),
        (Method::DELETE, S_ID, None),
    ];
    for (m, t, body) in tour {
        let r = api.call(m.clone(), t, &p(t), body).await;
        assert!(r.status.as_u16() < 500, "{m} {t}: {}", r.body);
    }
    api.call(
        Method::POST,
        "/api/notify/test/{channel}",
        "/api/notify/test/none",
        None,
    )
    .await;
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

#[test]
fn example_config_states_the_api_defaults() {
    let file = srec::config::parse_str(
        srec::config::EXAMPLE_CONFIG,
        std::path::Path::new("example"),
    )
    .unwrap();
    assert_eq!(file.api, srec::config::ConfigFile::default().api);
}
