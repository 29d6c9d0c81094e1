//! The platform against the fake server's Bilibili emulation: single
//! checks (room_init + signed info + play info), the WBI key cache and its
//! refresh on -352, and per-member errors inside a batch.

use std::collections::BTreeMap;

use fake_live::{FakeLive, ServerOptions};

use super::*;
use crate::config::EffectiveConfig;

async fn server() -> FakeLive {
    FakeLive::start(ServerOptions::default())
        .await
        .expect("fake server")
}

fn config(fake: &FakeLive) -> EffectiveConfig {
    let mut c = EffectiveConfig::defaults(std::env::temp_dir());
    c.api_base = Some(fake.site_base("bilibili"));
    c
}

async fn check(
    p: &BilibiliPlatform,
    cfg: &EffectiveConfig,
    url: &str,
) -> Result<LiveStatus, PlatformError> {
    let http = reqwest::Client::new();
    let ctx = CheckContext {
        url,
        http: &http,
        config: cfg,
    };
    p.check_live(&ctx).await
}

fn counts(fake: &FakeLive) -> BTreeMap<String, u64> {
    fake.site_stats()
}

#[tokio::test]
async fn live_room_by_short_id_has_identity_and_streams() {
    let fake = server().await;
    let room = fake.live_room("10042");
    room.set_title("夜の配信");
    let p = BilibiliPlatform::default();
    let cfg = config(&fake);
    let s = check(&p, &cfg, "https://live.bilibili.com/42")
        .await
        .unwrap();
    assert!(s.live);
    assert_eq!(s.title.as_deref(), Some("夜の配信"));
    assert!(s.started_at.is_some_and(|t| t > 0));
    assert!(s.avatar.is_some() && s.category.is_some());
    let id = s.room.unwrap();
    assert_eq!(id.id, "10042");
    assert_eq!(id.owner_id.as_deref(), Some("1000010042"));
    assert!(id.owner_name.is_some());
    assert_eq!(s.streams.len(), 6);
    let flv = &s.streams[0];
    assert!(
        flv.url
            .starts_with(&format!("{}/live/10042.flv?", fake.base_url()))
    );
    assert_eq!(
        flv.headers.get("Referer").map(String::as_str),
        Some(REFERER)
    );
    assert!(flv.expires_at.is_some());
    assert!(
        s.streams
            .iter()
            .any(|c| c.url.contains("/hls/10042/0/index.m3u8?"))
    );
    // A second check reuses the uid cache and the WBI keys.
    check(&p, &cfg, "https://live.bilibili.com/42")
        .await
        .unwrap();
    let c = counts(&fake);
    assert_eq!(c.get("bilibili.room_init"), Some(&1), "{c:?}");
    assert_eq!(c.get("bilibili.nav"), Some(&1), "{c:?}");
    assert_eq!(c.get("bilibili.info"), Some(&2), "{c:?}");
    fake.shutdown().await;
}

#[tokio::test]
async fn offline_rerun_missing_and_drm() {
    let fake = server().await;
    fake.room("10001");
    fake.live_room("10002").set_site_mode(Some("rerun"));
    fake.live_room("10003").set_site_mode(Some("drm"));
    let p = BilibiliPlatform::default();
    let cfg = config(&fake);
    let off = check(&p, &cfg, "https://live.bilibili.com/10001")
        .await
        .unwrap();
    assert!(!off.live && off.streams.is_empty() && off.note.is_none());
    let rerun = check(&p, &cfg, "https://live.bilibili.com/10002")
        .await
        .unwrap();
    assert!(!rerun.live);
    assert_eq!(rerun.note.as_deref(), Some("rerun"));
    let missing = check(&p, &cfg, "https://live.bilibili.com/999999").await;
    assert!(
        matches!(missing, Err(PlatformError::NotFound(ref m)) if m.contains("60004")),
        "{missing:?}"
    );
    let drm = check(&p, &cfg, "https://live.bilibili.com/10003").await;
    assert!(
        matches!(drm, Err(PlatformError::AuthRequired(ref m)) if m.contains("DRM")),
        "{drm:?}"
    );
    fake.shutdown().await;
}

#[tokio::test]
async fn minus_352_refreshes_the_keys_once_then_asks_for_cookies() {
    let fake = server().await;
    fake.live_room("10352").set_site_mode(Some("-352"));
    fake.live_room("10412").set_site_mode(Some("412"));
    let p = BilibiliPlatform::default();
    let cfg = config(&fake);
    let e = check(&p, &cfg, "https://live.bilibili.com/10352").await;
    assert!(
        matches!(e, Err(PlatformError::AuthRequired(ref m)) if m.contains("buvid3")),
        "{e:?}"
    );
    let c = counts(&fake);
    assert_eq!(c.get("bilibili.nav"), Some(&2), "keys fetched again: {c:?}");
    assert_eq!(c.get("bilibili.info"), Some(&2), "one retry: {c:?}");
    let e = check(&p, &cfg, "https://live.bilibili.com/10412").await;
    assert!(matches!(e, Err(PlatformError::RateLimited { .. })), "{e:?}");
    fake.shutdown().await;
}

#[tokio::test]
async fn batch_members_fail_alone() {
    let fake = server().await;
    fake.live_room("10010");
    fake.room("10011");
    fake.live_room("10012").set_site_mode(Some("drm"));
    let p = BilibiliPlatform::default();
    let cfg = config(&fake);
    let http = reqwest::Client::new();
    let ctx = CheckContext {
        url: "https://live.bilibili.com/10",
        http: &http,
        config: &cfg,
    };
    let ids: Vec<String> = ["10", "10011", "10012", "777777"]
        .map(String::from)
        .to_vec();
    let mut out = p.check_batch_each(&ctx, &ids).await.unwrap();
    let live = out.remove("10").unwrap().unwrap();
    assert!(live.live && !live.streams.is_empty());
    assert_eq!(live.room.map(|r| r.id).as_deref(), Some("10010"));
    assert!(!out.remove("10011").unwrap().unwrap().live);
    assert!(matches!(
        out.remove("10012"),
        Some(Err(PlatformError::AuthRequired(_)))
    ));
    assert!(matches!(
        out.remove("777777"),
        Some(Err(PlatformError::NotFound(_)))
    ));
    let c = counts(&fake);
    assert_eq!(c.get("bilibili.status_by_uids"), Some(&1), "{c:?}");
    assert_eq!(
        c.get("bilibili.play_info"),
        Some(&2),
        "live members only: {c:?}"
    );
    fake.shutdown().await;
}
