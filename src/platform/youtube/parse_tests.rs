//! Unit tests of the page parser over the fixture files the fake server's
//! YouTube emulation serves.

use super::*;

const LIVE: &str = include_str!("../../../tests/fixtures/youtube/live.html");
const UPCOMING: &str = include_str!("../../../tests/fixtures/youtube/upcoming.html");
const NOTLIVE: &str = include_str!("../../../tests/fixtures/youtube/notlive.html");
const CONSENT: &str = include_str!("../../../tests/fixtures/youtube/consent.html");
const BOT: &str = include_str!("../../../tests/fixtures/youtube/player_bot.json");
const GEO: &str = include_str!("../../../tests/fixtures/youtube/player_geo.json");
const MEMBERS: &str = include_str!("../../../tests/fixtures/youtube/player_members.json");
const ERROR: &str = include_str!("../../../tests/fixtures/youtube/player_error.json");

/// The fixture with its placeholders filled as the fake server does.
pub(crate) fn fill(t: &str) -> String {
    t.replace("{{id}}", "alice")
        .replace("{{video_id}}", "aBcDeFgHiJk")
        .replace("{{channel_id}}", "UCaaaaaaaaaaaaaaaaaaaaaa")
        .replace("{{title}}", "Night \\\"stream\\\" };")
        .replace("{{streamer}}", "Alice")
        .replace("{{category}}", "Gaming")
        .replace(
            "{{manifest_url}}",
            "https://manifest.googlevideo.com/api/manifest/hls_variant/id/x/file/index.m3u8",
        )
        .replace("{{live_since_iso}}", "2026-12-04T17:00:00+00:00")
        .replace("{{scheduled_s}}", "1733346000")
}

#[test]
fn live_page() {
    let d = page(&fill(LIVE), false, 1_000).unwrap();
    assert!(d.status.live);
    assert_eq!(d.status.title.as_deref(), Some("Night \"stream\" };"));
    assert_eq!(d.status.category.as_deref(), Some("Gaming"));
    assert_eq!(d.status.started_at, Some(1_796_403_600_000));
    assert_eq!(
        d.status.room,
        Some(RoomIdentity {
            id: "aBcDeFgHiJk".into(),
            owner_id: Some("UCaaaaaaaaaaaaaaaaaaaaaa".into()),
            owner_name: Some("Alice".into()),
        })
    );
    assert_eq!(
        d.status.avatar.as_deref(),
        Some("https://yt3.ggpht.com/invented-avatar=s88-c-k-c0x00ffffff-no-rj")
    );
    assert!(d.manifest.unwrap().contains("hls_variant"));
    assert_eq!(d.expires_at, Some(1_000 + 21_540));
}

#[test]
fn extraction_respects_strings_and_escapes() {
    let html =
        r#"<script>var ytInitialPlayerResponse = {"a":"};{\"","b":{"c":"}"}};var x = {};</script>"#;
    assert_eq!(
        extract_object(html, "ytInitialPlayerResponse"),
        Some(r#"{"a":"};{\"","b":{"c":"}"}}"#)
    );
    let win = r#"window["ytInitialPlayerResponse"] = {"k":1};"#;
    assert_eq!(
        extract_object(win, "ytInitialPlayerResponse"),
        Some(r#"{"k":1}"#)
    );
    // A mention without an assignment is skipped.
    let mention = r#"if (ytInitialPlayerResponse) {} var ytInitialPlayerResponse = {"k":2};"#;
    assert_eq!(
        extract_object(mention, "ytInitialPlayerResponse"),
        Some(r#"{"k":2}"#)
    );
    assert_eq!(
        extract_object("var ytInitialPlayerResponse = {", "ytInitialPlayerResponse"),
        None
    );
}

#[test]
fn upcoming_is_not_live_with_a_schedule() {
    let d = page(&fill(UPCOMING), true, 0).unwrap();
    assert!(!d.status.live);
    assert_eq!(d.status.note.as_deref(), Some("upcoming"));
    assert_eq!(d.status.scheduled_at, Some(1_733_346_000_000));
    assert_eq!(d.manifest, None);
    assert_eq!(d.status.room.unwrap().id, "aBcDeFgHiJk");
}

#[test]
fn channel_page_without_player_is_offline_but_a_video_page_is_an_api_change() {
    let d = page(&fill(NOTLIVE), true, 0).unwrap();
    assert_eq!(d.status, LiveStatus::default());
    let e = page(&fill(NOTLIVE), false, 0).unwrap_err();
    assert!(
        matches!(&e, PlatformError::ApiChanged(m) if m.contains("ytInitialPlayerResponse")),
        "{e:?}"
    );
}

#[test]
fn consent_page_asks_for_cookies() {
    let e = page(&fill(CONSENT), true, 0).unwrap_err();
    assert!(
        matches!(&e, PlatformError::AuthRequired(m) if m.contains("consent") && m.contains("cookies")),
        "{e:?}"
    );
}

#[test]
fn error_states_are_classified() {
    let bot = player(&fill(BOT), 0).unwrap_err();
    assert!(
        matches!(&bot, PlatformError::AuthRequired(m) if m.contains("not a bot") && m.contains("cookies")),
        "{bot:?}"
    );
    let geo = player(&fill(GEO), 0).unwrap_err();
    assert!(
        matches!(&geo, PlatformError::GeoBlocked(m) if m.contains("country")),
        "{geo:?}"
    );
    let members = player(&fill(MEMBERS), 0).unwrap_err();
    assert!(
        matches!(&members, PlatformError::AuthRequired(m) if m.contains("members-only")),
        "{members:?}"
    );
    let gone = player(&fill(ERROR), 0).unwrap_err();
    assert!(
        matches!(&gone, PlatformError::NotFound(m) if m.contains("unavailable")),
        "{gone:?}"
    );
    let ok_reason = player(
        r#"{"playabilityStatus":{"status":"OK","reason":"Playback on other websites has been disabled"}}"#,
        0,
    )
    .unwrap_err();
    assert!(matches!(ok_reason, PlatformError::Transient(_)));
}

#[test]
fn vod_and_renamed_fields() {
    let vod = r#"{"playabilityStatus":{"status":"OK"},"videoDetails":{"videoId":"v","isLive":false},
        "streamingData":{"formats":[]}}"#;
    let d = player(vod, 0).unwrap();
    assert!(!d.status.live && d.manifest.is_none());
    let e = player(r#"{"playability":{}}"#, 0).unwrap_err();
    assert_eq!(e, PlatformError::missing(API, "playabilityStatus"));
    let e = player(r#"{"playabilityStatus":{}}"#, 0).unwrap_err();
    assert_eq!(e, PlatformError::missing(API, "playabilityStatus.status"));
    // Live by the broadcast flag when isLive is missing.
    let flag = r#"{"playabilityStatus":{"status":"OK"},"videoDetails":{"videoId":"v"},
        "microformat":{"playerMicroformatRenderer":{"liveBroadcastDetails":{"isLiveNow":true}}},
        "streamingData":{"hlsManifestUrl":"https://m/x.m3u8"}}"#;
    assert!(player(flag, 0).unwrap().status.live);
}
