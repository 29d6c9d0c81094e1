//! `/api/config`, effective configs, `/api/sessions` and `/api/downloads`
//! over real HTTP.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::{S, code};
use crate::api_support::Api;

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
            let chat = srec::db::danmu::open(c, b, sid, 0, "/r/b_000.xml")?;
            srec::db::danmu::update_counts(c, chat, 7, 1)?;
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
    assert_eq!(segs.body[0]["danmu"]["path"], "/r/b_000.xml");
    assert_eq!(
        segs.body[0]["danmu"]["messages"], 7,
        "chat file beside the video"
    );
    assert!(
        one.body["segments"][0].get("danmu").is_none(),
        "no chat: no field"
    );
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
