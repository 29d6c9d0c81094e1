//! Huya end to end: the real binary records `https://www.huya.com/RID`
//! from the fake's Huya room page (`/sites/huya`), signing the anticodes
//! itself, over FLV and HLS with mesio; a missing streamer reaches
//! `srec list` as `not_found`.

use std::time::Duration;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::sites::{SiteRun, record_site, site_config};

#[test]
fn huya_records_flv_with_mesio() {
    let fake = Fake::new();
    let room = fake.room("660001");
    room.set_title("排位 <3 & \"chill\"");
    room.set_category("英雄联盟");
    let r = record_site(
        &fake,
        SiteRun {
            platform: "huya",
            url: "https://www.huya.com/660001",
            room: "660001",
            engine: "mesio",
            extra: "stream_format = \"flv\"",
        },
    );
    assert!(!r.files.is_empty());
    assert_eq!(r.session.title.as_deref(), Some("排位 <3 & \"chill\""));
    assert_eq!(r.session.category.as_deref(), Some("英雄联盟"));
    assert!(fake.site_stat("huya.page") >= 2);
    let media = fake.room("660001").stats();
    assert!(media.flv > 0 && media.segment == 0, "FLV only: {media:?}");
}

#[test]
fn huya_records_hls_from_a_base64_stream_config() {
    let fake = Fake::new();
    fake.room("660002").set_site_mode(Some("b64"));
    let r = record_site(
        &fake,
        SiteRun {
            platform: "huya",
            url: "https://www.huya.com/660002",
            room: "660002",
            engine: "mesio",
            extra: "stream_format = \"hls\"",
        },
    );
    assert!(!r.files.is_empty());
    let media = fake.room("660002").stats();
    assert!(
        media.media_playlist > 0 && media.segment > 0 && media.flv == 0,
        "HLS only: {media:?}"
    );
}

#[test]
fn huya_missing_streamer_is_not_found() {
    let fake = Fake::new();
    let s = Srec::new();
    s.write_config(&site_config(&fake, "huya", "mesio", ""));
    s.ok(&["add", "https://www.huya.com/nobody_here"]);
    let mut d = s.daemon();
    let mut row = serde_json::Value::Null;
    let ok = wait_until(Duration::from_secs(30), || {
        row = s.json(&["list"])[0].clone();
        row["state"] == "not_found"
    });
    assert!(ok, "{row}");
    assert!(row.to_string().contains("找不到这个主播"), "{row}");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
}

#[test]
fn huya_replay_is_not_recorded() {
    let fake = Fake::new();
    let room = fake.live_room("660003");
    room.set_site_mode(Some("replay"));
    let s = Srec::new();
    s.write_config(&site_config(&fake, "huya", "mesio", ""));
    s.ok(&["add", "https://www.huya.com/660003"]);
    let mut d = s.daemon();
    let checks = || fake.site_stat("huya.page");
    assert!(wait_until(Duration::from_secs(30), || checks() >= 3));
    assert_eq!(s.json(&["list"])[0]["state"], "not_live");
    let status = s.json(&["status"]);
    assert_eq!(
        status["recordings"].as_array().map(Vec::len),
        Some(0),
        "{status}"
    );
    let media = room.stats();
    assert_eq!((media.flv, media.media_playlist), (0, 0), "{media:?}");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
}

#[test]
fn huya_changed_page_falls_back_to_the_mp_api() {
    let fake = Fake::new();
    fake.room("660004").set_site_mode(Some("mp"));
    record_site(
        &fake,
        SiteRun {
            platform: "huya",
            url: "https://www.huya.com/660004",
            room: "660004",
            engine: "mesio",
            extra: "",
        },
    );
    let stats = fake.site_stats();
    assert!(stats.get("huya.mp").copied().unwrap_or(0) >= 2, "{stats:?}");
    assert!(
        fake.room("660004").stats().flv > 0,
        "FLV first, as Huya orders it"
    );
}
