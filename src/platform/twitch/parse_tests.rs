//! Parsing tests over the fixtures the fake server's Twitch emulation
//! serves (`tests/fixtures/twitch/`), placeholders filled here.

use super::*;

const LIVE: &str = include_str!("../../../tests/fixtures/twitch/gql_live.json");
const OFFLINE: &str = include_str!("../../../tests/fixtures/twitch/gql_offline.json");
const NOT_FOUND: &str = include_str!("../../../tests/fixtures/twitch/gql_notfound.json");
const INTEGRITY: &str = include_str!("../../../tests/fixtures/twitch/token_integrity.json");
const STALE: &str = include_str!("../../../tests/fixtures/twitch/gql_stale_hash.json");
const B_LIVE: &str = include_str!("../../../tests/fixtures/twitch/gql_batch_live.json");
const B_OFF: &str = include_str!("../../../tests/fixtures/twitch/gql_batch_offline.json");
const B_NONE: &str = include_str!("../../../tests/fixtures/twitch/gql_batch_notfound.json");
const USHER_404: &str = include_str!("../../../tests/fixtures/twitch/usher_404.json");
const USHER_GEO: &str = include_str!("../../../tests/fixtures/twitch/usher_geo_403.json");

fn fill(t: &str, id: &str) -> String {
    t.replace("{{id}}", id)
        .replace("{{user_id}}", "141981764")
        .replace("{{streamer}}", "Alice")
        .replace("{{title}}", "speedrun \\\"any%\\\"")
        .replace("{{category}}", "Just Chatting")
        .replace("{{stream_id}}", "40123456789")
        .replace("{{broadcast_id}}", "315551234567")
        .replace("{{created_at}}", "2026-12-04T10:00:00Z")
        .replace("{{expires_s}}", "1764850000")
        .replace("{{signature}}", "0123abcd")
}

#[test]
fn live_check_fills_status_and_token() {
    let c = channel_check(&fill(LIVE, "alice"), "alice").unwrap();
    let s = &c.status;
    assert!(s.live);
    assert_eq!(s.title.as_deref(), Some("speedrun \"any%\""));
    assert_eq!(s.category.as_deref(), Some("Just Chatting"));
    assert_eq!(s.started_at, Some(1_796_378_400_000));
    assert!(s.avatar.as_deref().unwrap().contains("alice-profile_image"));
    let room = s.room.as_ref().unwrap();
    assert_eq!(room.id, "alice");
    assert_eq!(room.owner_id.as_deref(), Some("141981764"));
    assert_eq!(room.owner_name.as_deref(), Some("Alice"));
    let t = c.token.unwrap();
    assert_eq!(t.signature, "0123abcd");
    assert_eq!(t.expires, Some(1_764_850_000));
    assert!(t.value.contains("\"channel\":\"alice\""));
}

#[test]
fn offline_check_has_no_token_and_no_stream() {
    let c = channel_check(&fill(OFFLINE, "alice"), "alice").unwrap();
    assert!(!c.status.live);
    assert_eq!(c.token, None);
    assert_eq!(c.status.title.as_deref(), Some("speedrun \"any%\""));
    assert_eq!(c.status.started_at, None);
}

#[test]
fn unknown_login_is_not_found() {
    let e = channel_check(&fill(NOT_FOUND, "nobody"), "nobody").unwrap_err();
    assert!(
        matches!(e, PlatformError::NotFound(ref m) if m.contains("nobody")),
        "{e}"
    );
}

#[test]
fn integrity_failure_needs_auth_only_when_live() {
    let live = fill(LIVE, "alice");
    let mut r: Vec<Value> = serde_json::from_str(&live).unwrap();
    r[2] = serde_json::from_str(INTEGRITY).unwrap();
    let body = serde_json::to_string(&r).unwrap();
    let e = channel_check(&body, "alice").unwrap_err();
    assert!(
        matches!(e, PlatformError::AuthRequired(ref m) if m.contains("oauth_token")),
        "{e}"
    );
    let mut r: Vec<Value> = serde_json::from_str(&fill(OFFLINE, "alice")).unwrap();
    r[2] = serde_json::from_str(INTEGRITY).unwrap();
    let c = channel_check(&serde_json::to_string(&r).unwrap(), "alice").unwrap();
    assert!(!c.status.live);
}

#[test]
fn stale_hash_is_an_api_change() {
    let arr = format!("[{STALE},{STALE},{STALE}]");
    let e = channel_check(&arr, "alice").unwrap_err();
    assert!(
        matches!(e, PlatformError::ApiChanged(ref m) if m.contains("PersistedQueryNotFound")),
        "{e}"
    );
    // The same error as one object for the whole request.
    assert!(matches!(
        channel_check(STALE, "alice"),
        Err(PlatformError::ApiChanged(_))
    ));
}

#[test]
fn renamed_fields_name_their_path() {
    let body = fill(LIVE, "alice").replace("\"type\":\"live\"", "\"kind\":\"live\"");
    let e = channel_check(&body, "alice").unwrap_err();
    assert!(e.to_string().contains("[1].data.user.stream.type"), "{e}");
    let body = fill(LIVE, "alice").replace("\"signature\"", "\"sig\"");
    let e = channel_check(&body, "alice").unwrap_err();
    assert!(
        e.to_string()
            .contains("[2].data.streamPlaybackAccessToken.signature"),
        "{e}"
    );
    let e = channel_check("[1,2]", "alice").unwrap_err();
    assert!(e.to_string().contains("2 replies for 3"), "{e}");
}

#[test]
fn batch_keeps_order_and_leaves_out_unknown_logins() {
    let logins: Vec<String> = ["a1", "b2", "c3"].iter().map(|s| s.to_string()).collect();
    let body = format!(
        "[{},{},{}]",
        fill(B_LIVE, "a1"),
        fill(B_NONE, "b2"),
        fill(B_OFF, "c3")
    );
    let m = batch(&body, &logins).unwrap();
    assert_eq!(m.len(), 2);
    let a = &m["a1"];
    assert!(a.live && a.streams.is_empty());
    assert_eq!(a.category.as_deref(), Some("Just Chatting"));
    assert_eq!(a.room.as_ref().unwrap().id, "a1");
    assert!(!m["c3"].live);
    assert_eq!(m["c3"].title.as_deref(), Some("speedrun \"any%\""));
    let e = batch(&format!("[{}]", fill(B_LIVE, "a1")), &logins).unwrap_err();
    assert!(matches!(e, PlatformError::ApiChanged(_)));
}

#[test]
fn usher_errors_are_classified() {
    let off = usher_error(404, &USHER_404.replace("{{id}}", "a"));
    assert!(matches!(off, UsherError::Offline(ref m) if m.contains("transcode does not exist")));
    assert!(matches!(
        usher_error(404, "Not Found"),
        UsherError::Offline(_)
    ));
    match usher_error(403, &USHER_GEO.replace("{{id}}", "a")) {
        UsherError::Failed(PlatformError::GeoBlocked(m)) => assert!(m.contains("region")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        usher_error(
            403,
            "[{\"error\":\"nope\",\"error_code\":\"unauthorized_entitlements\"}]"
        ),
        UsherError::Failed(PlatformError::AuthRequired(_))
    ));
    assert!(matches!(
        usher_error(502, "bad gateway"),
        UsherError::Failed(PlatformError::Transient(_))
    ));
}
