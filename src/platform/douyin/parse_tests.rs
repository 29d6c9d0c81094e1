//! Unit tests of the enter-API parser over the fixture files the fake
//! server's Douyin emulation serves.

use super::*;

const LIVE: &str = include_str!("../../../tests/fixtures/douyin/enter_live.json");
const ENDED: &str = include_str!("../../../tests/fixtures/douyin/enter_ended.json");
const GAME: &str = include_str!("../../../tests/fixtures/douyin/enter_game.json");
const LEGACY: &str = include_str!("../../../tests/fixtures/douyin/enter_legacy.json");
const CANCELLED: &str = include_str!("../../../tests/fixtures/douyin/enter_cancelled.json");

fn fill(t: &str) -> String {
    t.replace("{{id}}", "80001")
        .replace("{{title}}", "夜间\\\"直播\\\"")
        .replace("{{streamer}}", "主播")
        .replace("{{category}}", "聊天")
        .replace(
            "{{flv_url}}",
            "https://pull-flv-l1.douyincdn.com/stage/stream-1.flv",
        )
        .replace(
            "{{hls_media_url}}",
            "https://pull-hls-l1.douyincdn.com/stage/stream-1.m3u8",
        )
        .replace("{{expire_s}}", "1796500000")
}

fn hdr() -> BTreeMap<String, String> {
    BTreeMap::from([(
        "Referer".to_string(),
        "https://live.douyin.com/".to_string(),
    )])
}

#[test]
fn live_room_with_sdk_stream_data() {
    let st = enter(&fill(LIVE), &hdr()).unwrap();
    assert!(st.live);
    assert_eq!(st.title.as_deref(), Some("夜间\"直播\""));
    assert_eq!(st.category.as_deref(), Some("聊天"));
    assert!(st.avatar.unwrap().contains("invented_80001"));
    assert_eq!(
        st.room,
        Some(RoomIdentity {
            id: "744080001".into(),
            owner_id: Some("MS4wLjABAAAAinventedSecUid_80001".into()),
            owner_name: Some("主播".into()),
        })
    );
    let got: Vec<(String, StreamFormat)> = st
        .streams
        .iter()
        .map(|c| (c.quality.clone(), c.format))
        .collect();
    let want: Vec<(String, StreamFormat)> = ["原画", "蓝光", "超清", "高清", "标清"]
        .iter()
        .flat_map(|q| {
            [
                (q.to_string(), StreamFormat::Flv),
                (q.to_string(), StreamFormat::Hls),
            ]
        })
        .collect();
    assert_eq!(got, want, "origin first, FLV then HLS, no audio-only");
    let origin = &st.streams[0];
    assert_eq!(
        origin.url,
        "https://pull-flv-l1.douyincdn.com/stage/stream-1.flv?quality=origin&expire=1796500000&sign=0f3c2a"
    );
    assert_eq!(origin.codec.as_deref(), Some("avc"));
    assert_eq!(origin.height, Some(1080));
    assert_eq!(origin.bitrate, Some(6_000_000));
    assert_eq!(origin.cdn.as_deref(), Some("pull-flv-l1.douyincdn.com"));
    assert_eq!(origin.expires_at, Some(1_796_500_000));
    assert_eq!(origin.headers, hdr());
    assert_eq!(st.streams[2].codec.as_deref(), Some("hevc"));
    assert_eq!(st.streams[4].height, Some(720));
}

#[test]
fn legacy_url_maps() {
    let st = enter(&fill(LEGACY), &hdr()).unwrap();
    assert!(st.live);
    let labels: Vec<&str> = st.streams.iter().map(|c| c.quality.as_str()).collect();
    assert_eq!(
        labels,
        [
            "FULL_HD1", "FULL_HD1", "HD1", "HD1", "SD1", "SD1", "SD2", "SD2"
        ]
    );
    assert_eq!(st.streams[1].format, StreamFormat::Hls);
}

#[test]
fn ended_game_and_deleted_rooms() {
    let ended = enter(&fill(ENDED), &hdr()).unwrap();
    assert!(!ended.live && ended.streams.is_empty());
    assert_eq!(ended.title.as_deref(), Some("夜间\"直播\""));
    let game = enter(&fill(GAME), &hdr()).unwrap();
    assert!(!game.live && game.streams.is_empty());
    assert!(game.note.unwrap().contains("互动玩法"));
    let gone = enter(&fill(CANCELLED), &hdr()).unwrap_err();
    assert!(
        matches!(&gone, PlatformError::NotFound(m) if m.contains("账号已注销")),
        "{gone:?}"
    );
}

#[test]
fn blocked_and_broken_answers() {
    for body in ["", "  \n", "<!DOCTYPE html><html>验证码</html>"] {
        let e = enter(body, &hdr()).unwrap_err();
        assert!(
            matches!(&e, PlatformError::Transient(m) if m.contains("verification")),
            "{body:?}: {e:?}"
        );
    }
    assert_eq!(
        enter(r#"{"status_code":0}"#, &hdr()).unwrap_err(),
        PlatformError::missing(API, "data")
    );
    assert_eq!(
        enter(r#"{"data":{"data":[{"id_str":"1"}]}}"#, &hdr()).unwrap_err(),
        PlatformError::missing(API, "data.data[0].status")
    );
    assert_eq!(
        enter(r#"{"data":{"data":[{"status":2}]}}"#, &hdr()).unwrap_err(),
        PlatformError::missing(API, "data.data[0].stream_url")
    );
    assert!(matches!(
        enter(r#"{"status_code":10011,"data":{"prompts":"x"}}"#, &hdr()),
        Err(PlatformError::Transient(m)) if m.contains("10011")
    ));
    assert!(matches!(
        enter(r#"{"data":{"data":[]}}"#, &hdr()),
        Err(PlatformError::NotFound(_))
    ));
    assert_eq!(short_side("1080x1920"), Some(1080));
    assert_eq!(short_side("bad"), None);
}
