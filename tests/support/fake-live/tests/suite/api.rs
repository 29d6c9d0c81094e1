//! Platform API, batch endpoint and counters, control API, room pages, chat.

use std::time::Duration;

use fake_live::ServerOptions;
use hyper::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn room_api_reports_state_with_absolute_urls() {
    let server = start(ServerOptions {
        rooms: vec!["alpha".into()],
        ..Default::default()
    })
    .await;
    let room = server.rooms().pop().expect("alpha was created at start");
    let info = get(&room.api_url()).await.json();
    assert_eq!(info["id"], "alpha");
    assert_eq!(info["live"], true);
    assert_eq!(info["streamer"], "streamer_alpha");
    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(info["hls_url"], format!("{base}/hls/alpha/master.m3u8"));
    assert_eq!(info["flv_url"], format!("{base}/live/alpha.flv"));
    assert_eq!(info["page_url"], format!("{base}/room/alpha"));
    assert!(info["live_since_ms"].as_u64().is_some());
    room.set_title("New title");
    room.set_live(false);
    let info = get(&room.api_url()).await.json();
    assert_eq!(
        (info["title"].as_str(), info["live"].as_bool()),
        (Some("New title"), Some(false))
    );
    assert!(info["live_since_ms"].is_null());
    let missing = get(&format!("{base}/api/rooms/ghost")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.json(),
        json!({"error": "room not found", "id": "ghost"})
    );
    assert_eq!(server.stats().room_api, 3);
    assert_eq!(room.stats().room_api, 2);
    // Rooms a test creates start offline and have never been live: nothing to play.
    let quiet = server.room("quiet");
    assert_eq!(get(&quiet.api_url()).await.json()["live"], false);
    assert_eq!(
        get(&quiet.hls_media_url()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&quiet.flv_url()).await.status, StatusCode::NOT_FOUND);
    quiet.set_live(true);
    assert_eq!(get(&quiet.hls_media_url()).await.status, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn batch_endpoint_is_one_request_for_many_rooms() {
    let server = start(ServerOptions::default()).await;
    let ids: Vec<String> = (0..50).map(|i| format!("r{i}")).collect();
    for id in &ids {
        server.live_room(id).set_title(&format!("title of {id}"));
    }
    server.live_room("r7").set_live(false);
    let mut asked = ids.clone();
    asked.push("ghost".into());
    let url = format!("{}/api/rooms/batch", server.base_url());
    let got = post(&url, json!({ "ids": asked })).await.json();
    let rooms = got["rooms"].as_array().expect("rooms array");
    assert_eq!(rooms.len(), 50);
    assert_eq!(rooms[7]["title"], "title of r7");
    assert_eq!(rooms[7]["live"], false);
    assert_eq!(got["missing"], json!(["ghost"]));
    let stats = server.stats();
    assert_eq!((stats.batch_api, stats.room_api), (1, 0));
    assert_eq!(server.live_room("r3").stats().batch_api, 1);
    let over_http = get(&format!("{}/control/stats", server.base_url()))
        .await
        .json();
    assert_eq!(over_http["total"]["batch_api"], 1);
    assert_eq!(over_http["rooms"]["r3"]["batch_api"], 1);
    let bad = send(Method::POST, &url, Some(json!({"nope": 1}))).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    server.shutdown().await;
}

#[tokio::test]
async fn control_api_creates_and_steers_rooms() {
    let server = start(ServerOptions::default()).await;
    let ctl = |room: &str, action: &str| format!("{}/control/{room}/{action}", server.base_url());
    let resp = post(
        &ctl("fresh", "title"),
        json!({"title": "Hello <b>world</b>"}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.json()["room"]["title"], "Hello <b>world</b>");
    let room = server
        .rooms()
        .into_iter()
        .find(|r| r.id() == "fresh")
        .expect("created by control call");
    post(&ctl("fresh", "category"), json!({"category": "Music"})).await;
    assert_eq!(get(&room.api_url()).await.json()["category"], "Music");
    post(&ctl("fresh", "offline"), json!({})).await;
    assert!(!room.is_live());
    post(&ctl("fresh", "live"), json!({})).await;
    assert!(room.is_live());
    let iv = "0x000102030405060708090A0B0C0D0E0F";
    post(
        &ctl("fresh", "encrypted"),
        json!({"enabled": true, "iv": iv}),
    )
    .await;
    post(&ctl("fresh", "hls_mode"), json!({"mode": "fmp4"})).await;
    let text = get(&room.hls_media_url()).await.text();
    assert!(text.contains(&format!(",IV={iv}\n")), "{text}");
    assert!(text.contains("#EXT-X-MAP:URI=\"init-a.mp4\""), "{text}");
    let reset = post(
        &ctl("fresh", "fault"),
        json!({"kind": "playlist_reset", "to_seq": 100}),
    )
    .await;
    assert_eq!(
        reset.json()["faults"],
        json!([]),
        "timeline events are not armed"
    );
    assert_eq!(
        media_sequence(&get(&room.hls_media_url()).await.text()),
        100
    );
    assert_eq!(
        post(&ctl("fresh", "explode"), json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&ctl("bad.id", "live"), json!({})).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(&ctl("fresh", "title"), json!({"name": "x"}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // Unknown actions and bad ids are counted server-wide only.
    assert_eq!(room.stats().control, 8);
    assert_eq!(server.stats().control, 10);
    server.shutdown().await;
}

#[tokio::test]
async fn room_page_embeds_escaped_room_data() {
    let server = start(ServerOptions::default()).await;
    let room = server.live_room("page");
    room.set_title("<script>alert(1)</script> & co");
    let page = get(&room.page_url()).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</h1>"),
        "{html}"
    );
    assert!(
        !html.contains("<script>alert"),
        "title never appears unescaped"
    );
    let open = "<script id=\"room-data\" type=\"application/json\">";
    let start = html.find(open).expect("embedded data") + open.len();
    let end = start + html[start..].find("</script>").expect("closed");
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).expect("valid JSON");
    assert_eq!(data["hls_url"], room.hls_master_url());
    assert_eq!(data["title"], "<script>alert(1)</script> & co");
    assert_eq!(
        get(&format!("{}/room/nobody", server.base_url()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        get(&format!("{}/", server.base_url()))
            .await
            .text()
            .contains(&room.page_url())
    );
    assert_eq!(room.stats().page, 1);
    server.shutdown().await;
}

#[tokio::test]
async fn chat_websocket_delivers_scripted_and_pushed_messages() {
    let opts = ServerOptions {
        chat_interval: Duration::from_millis(40),
        ..Default::default()
    };
    let server = start(opts).await;
    let room = server.live_room("chat");
    let (mut ws, _) = tokio_tungstenite::connect_async(room.ws_url())
        .await
        .expect("websocket connects");
    assert_eq!(next_json(&mut ws).await["type"], "welcome");
    for n in 1..=6u64 {
        let msg = next_json(&mut ws).await;
        assert_eq!(msg["seq"], n);
        assert_eq!(msg["room"], "chat");
        if n == 5 {
            assert_eq!(msg["type"], "gift");
        } else {
            assert_eq!(
                (msg["type"].as_str(), msg["text"].as_str()),
                (Some("chat"), Some(format!("hello {n}").as_str()))
            );
        }
    }
    post(
        &format!("{}/control/chat/chat", server.base_url()),
        json!({"type": "superchat", "text": "hi"}),
    )
    .await;
    let mut found = false;
    for _ in 0..50 {
        if next_json(&mut ws).await["type"] == "superchat" {
            found = true;
            break;
        }
    }
    assert!(found, "pushed message delivered");
    assert_eq!(room.stats().chat, 1);
    let ghost = format!("ws://{}/ws/ghost", server.addr());
    assert!(
        tokio_tungstenite::connect_async(ghost).await.is_err(),
        "unknown room refuses the upgrade"
    );
    server.shutdown().await;
}
