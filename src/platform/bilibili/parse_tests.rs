//! Parser tests over the fixture templates the fake server serves.

use super::*;

const NAV: &str = include_str!("../../../tests/fixtures/bilibili/nav.json");
const ROOM_INIT: &str = include_str!("../../../tests/fixtures/bilibili/room_init.json");
const ROOM_INIT_60004: &str = include_str!("../../../tests/fixtures/bilibili/room_init_60004.json");
const INFO: &str = include_str!("../../../tests/fixtures/bilibili/info.json");
const INFO_19002000: &str = include_str!("../../../tests/fixtures/bilibili/info_19002000.json");
const PLAYINFO: &str = include_str!("../../../tests/fixtures/bilibili/playinfo.json");
const PLAYINFO_NULL: &str = include_str!("../../../tests/fixtures/bilibili/playinfo_null.json");
const STATUS: &str = include_str!("../../../tests/fixtures/bilibili/status_by_uids.json");
const STATUS_ENTRY: &str = include_str!("../../../tests/fixtures/bilibili/status_entry.json");
const ERR_352: &str = include_str!("../../../tests/fixtures/bilibili/err_-352.json");
const ERR_412: &str = include_str!("../../../tests/fixtures/bilibili/err_412.json");

/// Fills `{{key}}` placeholders as the fake server does.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    out
}

fn room(live_status: &str, start: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id", "10042".into()),
        ("short_id", "42".into()),
        ("uid", "1000010042".into()),
        ("title", "晚间 \\\"测试\\\" stream".into()),
        ("category", "独立游戏".into()),
        ("streamer", "小明".into()),
        ("live_status", live_status.into()),
        ("live_start_time", start.into()),
        ("expires", "1767225600".into()),
        ("base_url", "https://cn-gotcha01.bilivideo.com".into()),
        (
            "mcdn_host",
            "https://xy60x1x2x3xy.mcdn.bilivideo.cn:4483".into(),
        ),
    ]
}

fn filled(template: &str, vars: &[(&'static str, String)]) -> String {
    let v: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(template, &v)
}

#[test]
fn nav_gives_key_stems_despite_code_101() {
    let k = nav_keys(NAV).unwrap();
    assert_eq!(k.img, "5a6f1c9e0d2b47c38e91f4a7b6c0d2e3");
    assert_eq!(k.sub, "9e8d7c6b5a4f43e2a1b0c9d8e7f6a5b4");
    assert!(k.mixin().is_some());
    let err = nav_keys(r#"{"code":0,"data":{"wbi_img":{}}}"#).unwrap_err();
    assert!(err.to_string().contains("data.wbi_img.img_url"), "{err}");
}

#[test]
fn room_init_resolves_short_ids() {
    let r = room_init(&filled(ROOM_INIT, &room("1", "1767220000"))).unwrap();
    assert_eq!(
        r,
        RoomInit {
            room_id: 10042,
            short_id: 42,
            uid: 1_000_010_042,
            live_status: 1
        }
    );
    let e = room_init(ROOM_INIT_60004).unwrap_err();
    assert!(
        matches!(e, PlatformError::NotFound(ref m) if m.contains("60004")),
        "{e:?}"
    );
}

#[test]
fn room_info_live_offline_rerun_and_missing() {
    let live = room_info(&filled(INFO, &room("1", "1767220000"))).unwrap();
    assert_eq!(live.room_id, 10042);
    assert_eq!(live.uid, 1_000_010_042);
    assert_eq!(live.title.as_deref(), Some("晚间 \"测试\" stream"));
    assert_eq!(live.category.as_deref(), Some("独立游戏"));
    assert_eq!(live.uname.as_deref(), Some("小明"));
    assert!(
        live.face
            .as_deref()
            .is_some_and(|f| f.ends_with("f1000010042.jpg"))
    );
    assert!(live.cover.is_some());
    assert_eq!(live.live_start_s, Some(1_767_220_000));
    let off = room_info(&filled(INFO, &room("0", "0"))).unwrap();
    assert_eq!((off.live_status, off.live_start_s), (0, None));
    let rerun = room_info(&filled(INFO, &room("2", "0"))).unwrap();
    assert_eq!(rerun.live_status, 2);
    assert!(matches!(
        room_info(INFO_19002000),
        Err(PlatformError::NotFound(_))
    ));
    let renamed = filled(INFO, &room("1", "0")).replace("\"title\"", "\"name\"");
    let err = room_info(&renamed).unwrap_err();
    assert!(err.to_string().contains("data.room_info.title"), "{err}");
}

#[test]
fn play_info_lists_every_host_best_qn_first() {
    let p = play_info(&filled(PLAYINFO, &room("1", "1767220000"))).unwrap();
    assert_eq!(p.live_status, 1);
    let s = p.streams.unwrap();
    // 5 codec entries, 6 hosts; the fMP4 avc entry (qn 400) comes last.
    assert_eq!(s.len(), 6);
    let last = s.last().unwrap();
    assert_eq!(
        (last.quality.as_str(), last.format),
        ("蓝光", StreamFormat::Hls)
    );
    assert!(s[..5].iter().all(|c| c.quality == "原画"));
    let first = &s[0];
    assert_eq!(first.format, StreamFormat::Flv);
    assert_eq!(first.codec.as_deref(), Some("avc"));
    assert_eq!(first.cdn.as_deref(), Some("mcdn/cn-gotcha208"));
    assert!(
        first
            .url
            .starts_with("https://xy60x1x2x3xy.mcdn.bilivideo.cn:4483/live/10042.flv?expires=")
    );
    assert_eq!(first.expires_at, Some(1_767_225_600));
    assert_eq!(s[1].cdn.as_deref(), Some("cn-gotcha01"));
    assert_eq!(s[2].codec.as_deref(), Some("hevc"));
    assert_eq!(s[3].format, StreamFormat::Hls);
    assert!(
        s[3].url
            .contains("/hls/10042/0/index.m3u8?expires=1767225600&")
    );
    assert_eq!(s[3].cdn.as_deref(), Some("cn-gotcha04"));
}

#[test]
fn play_info_null_and_broken() {
    let p = play_info(&filled(PLAYINFO_NULL, &room("1", "1767220000"))).unwrap();
    assert_eq!((p.live_status, p.streams), (1, None));
    let broken = filled(PLAYINFO, &room("1", "0")).replace("\"base_url\"", "\"url\"");
    let err = play_info(&broken).unwrap_err();
    assert!(err.to_string().contains("codec[].base_url"), "{err}");
}

#[test]
fn batch_by_uid() {
    let a = filled(STATUS_ENTRY, &room("1", "1767220000"));
    let mut other = room("2", "0");
    other[0].1 = "20001".into();
    other[2].1 = "1000020001".into();
    let b = filled(STATUS_ENTRY, &other);
    let text = fill(STATUS, &[("entries", &format!("{a},{b}"))]);
    let map = status_by_uids(&text).unwrap();
    assert_eq!(map.len(), 2);
    let live = &map[&1_000_010_042];
    assert_eq!((live.room_id, live.live_status), (10042, 1));
    assert_eq!(live.live_start_s, Some(1_767_220_000));
    assert_eq!(live.category.as_deref(), Some("独立游戏"));
    assert_eq!(map[&1_000_020_001].live_status, 2);
    let empty = fill(STATUS, &[("entries", "")]);
    assert!(status_by_uids(&empty).unwrap().is_empty());
    assert!(
        status_by_uids(r#"{"code":0,"data":[]}"#)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn error_codes_are_classified() {
    assert_eq!(code_of(ERR_352), Some(-352));
    let e = room_info(ERR_352).unwrap_err();
    assert!(
        matches!(e, PlatformError::AuthRequired(ref m) if m.contains("buvid3")),
        "{e:?}"
    );
    assert!(matches!(
        play_info(ERR_412),
        Err(PlatformError::RateLimited { .. })
    ));
    assert!(matches!(
        room_init("<html>"),
        Err(PlatformError::ApiChanged(_))
    ));
}

#[test]
fn p2p_hosts_are_ranked_last_within_their_quality() {
    let p = play_info(&filled(PLAYINFO, &room("1", "1767220000"))).unwrap();
    let s = p.streams.unwrap();
    let cfg = crate::config::EffectiveConfig::defaults(std::env::temp_dir());
    let ranked = crate::platform::select::rank(&s, &cfg, 0);
    let tier: Vec<&str> = ranked
        .iter()
        .filter(|c| c.quality == "原画")
        .filter_map(|c| c.cdn.as_deref())
        .collect();
    assert_eq!(tier.last(), Some(&"mcdn/cn-gotcha208"), "{tier:?}");
    assert_eq!(ranked[0].cdn.as_deref(), Some("cn-gotcha01"));
}
