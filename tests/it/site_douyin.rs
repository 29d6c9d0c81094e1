//! Douyin end to end through the real binary against the fake server's
//! Douyin emulation (`tests/support/fake-live/src/sites/douyin.rs`): an
//! FLV recording with mesio (ttwid registered once and reused), an
//! interactive-game room that must not record, a blocked (empty) answer
//! that renews the ttwid and ends in a clear error, and a deleted account.

use std::time::Duration;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::sites::{SiteRun, record_site, site_config};

fn count(fake: &Fake, key: &str) -> u64 {
    fake.site_stats().get(key).copied().unwrap_or(0)
}

#[test]
fn site_douyin_records_flv_with_mesio() {
    let fake = Fake::new();
    let r = record_site(
        &fake,
        SiteRun {
            platform: "douyin",
            url: "https://live.douyin.com/80017709309",
            room: "80017709309",
            engine: "mesio",
            extra: "stream_format = \"flv\"",
        },
    );
    assert!(
        r.files
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "flv")),
        "{:?}",
        r.files
    );
    assert!(count(&fake, "douyin.enter") >= 3);
    // One daemon, one cookie: later checks reuse the cached ttwid.
    assert_eq!(count(&fake, "douyin.ttwid"), 1, "{:?}", fake.site_stats());
}

#[test]
fn site_douyin_game_room_blocked_answer_and_deleted_account() {
    let fake = Fake::new();
    fake.live_room("80000000001").set_site_mode(Some("game"));
    fake.live_room("80000000002").set_site_mode(Some("empty"));
    let s = Srec::new();
    s.write_config(&site_config(&fake, "douyin", "mesio", ""));
    s.ok(&["add", "https://live.douyin.com/80000000001"]);
    s.ok(&["add", "https://www.douyin.com/root/live/80000000002"]);
    s.ok(&["add", "https://live.douyin.com/80000000003"]);
    let mut d = s.daemon();
    let state = |l: &serde_json::Value, id: &str| {
        let arr = l.as_array().cloned().unwrap_or_default();
        arr.into_iter()
            .find(|x| x["url"].as_str().unwrap_or("").ends_with(id))
            .unwrap_or_default()
    };
    let ok = wait_until(Duration::from_secs(20), || {
        let l = s.json(&["list"]);
        state(&l, "02")["state"] == "error"
            && state(&l, "03")["state"] == "not_found"
            && count(&fake, "douyin.enter") >= 8
    });
    let l = s.json(&["list"]);
    assert!(ok, "{l}");
    let blocked = state(&l, "02")["last_error"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        blocked.contains("blocked or verification required"),
        "{blocked}"
    );
    let gone = state(&l, "03")["last_error"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(gone.contains("账号已注销"), "{gone}");
    // Checked several times and never recorded.
    assert_eq!(state(&l, "01")["state"], "not_live", "{l}");
    assert_eq!(fake.room("80000000001").stats().flv, 0);
    // The empty answer made srec renew its ttwid.
    assert!(count(&fake, "douyin.ttwid") >= 2, "{:?}", fake.site_stats());
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)), 0);
}

#[test]
fn site_douyin_configured_ttwid_is_used_without_registering() {
    let fake = Fake::new();
    fake.room("80000000004");
    let s = Srec::new();
    s.write_config(&site_config(
        &fake,
        "douyin",
        "mesio",
        "cookies = \"ttwid=1%7Cmine; other=1\"",
    ));
    s.ok(&["add", "https://live.douyin.com/80000000004"]);
    let mut d = s.daemon();
    // Without the cookie the emulation answers empty (an error state), so
    // several offline checks prove it was sent.
    let ok = wait_until(Duration::from_secs(20), || {
        count(&fake, "douyin.enter") >= 3
    });
    let l = s.json(&["list"]);
    assert!(ok, "{l}");
    assert_eq!(l[0]["state"], "not_live", "{l}");
    assert_eq!(count(&fake, "douyin.ttwid"), 0, "{:?}", fake.site_stats());
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)), 0);
}
