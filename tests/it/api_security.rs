//! The API's secrets and privilege boundary over real HTTP: every printer
//! redacts, a redacted round trip keeps the stored secret, the config file
//! keeps its 0600 mode.

use std::os::unix::fs::PermissionsExt;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::S;
use crate::api_support::Api;

const SECRETS: &str = "[recording]\ncookies = \"SESSDATA=cookie-1\"\n\
    proxy = \"http://u:proxy-pw@127.0.0.1:3128\"\n\
    [recording.headers]\nAuthorization = \"Bearer auth-1\"\nReferer = \"https://site/\"\n";

fn assert_no_secret(v: &Value) {
    let text = v.to_string();
    for secret in ["tok-123456", "cookie-1", "proxy-pw", "auth-1", "over-1"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_redacted_and_survive_a_round_trip() {
    let api = Api::start("token = \"tok-123456\"", SECRETS).await;
    let file = api.dir.path().join("config.toml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = api.get("/api/config", "/api/config").await;
    assert_eq!(cfg.status, StatusCode::OK);
    assert_no_secret(&cfg.body);
    assert_eq!(cfg.body["recording"]["headers"]["Referer"], "https://site/");

    // GET, change one thing, PATCH the whole object back.
    let mut whole = cfg.body.clone();
    whole["recording"]["check_interval"] = json!("9s");
    let r = api
        .call(Method::PATCH, "/api/config", "/api/config", Some(whole))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_no_secret(&r.body);
    let now = api.c().config.current();
    assert_eq!(now.recording.cookies.as_deref(), Some("SESSDATA=cookie-1"));
    assert_eq!(
        now.recording.proxy.as_deref(),
        Some("http://u:proxy-pw@127.0.0.1:3128")
    );
    let on_disk = std::fs::read_to_string(&file).unwrap();
    assert!(
        on_disk.contains("cookie-1") && !on_disk.contains("redacted"),
        "{on_disk}"
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the rewrite keeps the file private");

    // A streamer's overrides: the DTO and its effective config.
    let s = api
        .call(
            Method::POST,
            S,
            S,
            Some(json!({"url": "http://127.0.0.1:9/room/x",
                "overrides": {"cookies": "c=over-1", "headers": {"X-Api-Key": "over-1"}}})),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
    assert_no_secret(&s.body);
    let id = s.body["id"].as_i64().unwrap();
    let eff = api
        .get("/api/streamers/{id}/config", &format!("{S}/{id}/config"))
        .await;
    assert_no_secret(&eff.body);
    let mut overrides = s.body["overrides"].clone();
    overrides["quality"] = json!("720p");
    let r = api
        .call(
            Method::PATCH,
            "/api/streamers/{id}",
            &format!("{S}/{id}"),
            Some(json!({ "overrides": overrides })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stored = api.c().streamers.get(id).unwrap().overrides;
    assert_eq!(stored.cookies.as_deref(), Some("c=over-1"));
    assert_eq!(stored.headers.unwrap()["X-Api-Key"], "over-1");
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_cannot_change_programs_api_settings_or_output_roots() {
    let api = Api::start("token = \"tok-123456\"", "").await;
    let file = api.dir.path().join("config.toml");
    let before = std::fs::read_to_string(&file).unwrap();
    for (body, field) in [
        (
            json!({"engines": {"ffmpeg": {"path": "/bin/sh"}}}),
            "engines.ffmpeg.path",
        ),
        (
            json!({"engines": {"streamlink": {"extra_args": ["--player", "x"]}}}),
            "engines.streamlink.extra_args",
        ),
        (json!({"api": {"token": "another-token"}}), "api.token"),
        (json!({"api": {"token": null}}), "api.token"),
        (json!({"api": {"address": "0.0.0.0"}}), "api.address"),
        (json!({"api": {"allow_remote": true}}), "api.allow_remote"),
        (
            json!({"recording": {"output_dir": "/etc"}}),
            "recording.output_dir",
        ),
        (
            json!({"platforms": {"fake": {"output_dir": "/etc"}}}),
            "platforms.fake.output_dir",
        ),
    ] {
        let r = api
            .call(
                Method::PATCH,
                "/api/config",
                "/api/config",
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{body}: {}", r.body);
        assert_eq!(r.body["error"]["field"], field, "{body}: {}", r.body);
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "nothing written"
    );
    let r = api
        .call(
            Method::POST,
            S,
            S,
            Some(json!({"url": "http://127.0.0.1:9/room/y", "overrides": {"output_dir": "/etc"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["error"]["field"], "overrides.output_dir");
    api.stop().await;
}
