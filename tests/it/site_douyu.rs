//! Douyu end to end: the real binary records `https://www.douyu.com/RID`
//! whose `betard`, `getEncryption` and signed `getH5PlayV1` are answered by
//! the fake's Douyu emulation (`/sites/douyu`), with mesio and ffmpeg; a
//! refused key is refreshed; a rerun is not recorded; missing rooms,
//! region blocks and clock skew reach `srec list`.

use std::time::Duration;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::sites::{SiteRun, record_site, site_config};

fn run<'a>(url: &'a str, room: &'a str, engine: &'a str) -> SiteRun<'a> {
    SiteRun {
        platform: "douyu",
        url,
        room,
        engine,
        extra: "",
    }
}

/// The first streamer's `srec list --json` row once `pred` holds for it.
fn wait_for_state(s: &Srec, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let mut last = serde_json::Value::Null;
    let ok = wait_until(Duration::from_secs(30), || {
        last = s.json(&["list"])[0].clone();
        pred(&last)
    });
    assert!(ok, "state never reached; last row: {last}");
    last
}

#[test]
fn douyu_records_with_mesio() {
    let fake = Fake::new();
    let room = fake.room("9100");
    room.set_title("Night raid \"finals\"");
    room.set_category("Dota 2");
    let r = record_site(&fake, run("https://www.douyu.com/9100", "9100", "mesio"));
    assert!(!r.files.is_empty());
    assert_eq!(r.session.title.as_deref(), Some("Night raid \"finals\""));
    assert_eq!(r.session.category.as_deref(), Some("Dota 2"));
    let stats = fake.site_stats();
    assert!(
        stats.get("douyu.betard").copied().unwrap_or(0) >= 2,
        "{stats:?}"
    );
    assert!(
        stats.get("douyu.h5play").copied().unwrap_or(0) >= 1,
        "{stats:?}"
    );
    assert!(
        stats.get("douyu.encryption").copied().unwrap_or(0) >= 1,
        "{stats:?}"
    );
}

#[test]
fn douyu_records_with_ffmpeg_from_a_topic_url() {
    let fake = Fake::new();
    let r = record_site(
        &fake,
        run("https://www.douyu.com/topic/s14?rid=9101", "9101", "ffmpeg"),
    );
    assert!(!r.files.is_empty());
    let list = r.srec.json(&["list"]);
    assert_eq!(list[0]["url"], "https://www.douyu.com/9101", "{list}");
}

#[test]
fn douyu_refused_key_is_refreshed_and_the_room_still_records() {
    let fake = Fake::new();
    fake.room("9102").set_site_mode(Some("authfail"));
    record_site(&fake, run("https://www.douyu.com/9102", "9102", "mesio"));
    let stats = fake.site_stats();
    assert_eq!(stats.get("douyu.authfail_sent.9102"), Some(&1), "{stats:?}");
    assert!(
        stats.get("douyu.encryption").copied().unwrap_or(0) >= 2,
        "a new key after 鉴权失败: {stats:?}"
    );
}

#[test]
fn douyu_missing_room_is_not_found() {
    let fake = Fake::new();
    let s = Srec::new();
    s.write_config(&site_config(&fake, "douyu", "mesio", ""));
    s.ok(&["add", "https://www.douyu.com/9199"]);
    let mut d = s.daemon();
    let row = wait_for_state(&s, |r| r["state"] == "not_found");
    assert!(
        row.to_string().contains("douyu room 9199"),
        "the message names the room: {row}"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
}

#[test]
fn douyu_region_block_and_clock_skew_are_errors_that_say_so() {
    let fake = Fake::new();
    fake.live_room("9103").set_site_mode(Some("126"));
    fake.live_room("9105").set_site_mode(Some("-9"));
    let s = Srec::new();
    s.write_config(&site_config(&fake, "douyu", "mesio", ""));
    s.ok(&["add", "https://www.douyu.com/9103"]);
    s.ok(&["add", "https://www.douyu.com/9105"]);
    let mut d = s.daemon();
    let mut rows = serde_json::Value::Null;
    let both = wait_until(Duration::from_secs(30), || {
        rows = s.json(&["list"]);
        rows.as_array()
            .is_some_and(|r| r.len() == 2 && r.iter().all(|x| x["state"] == "error"))
    });
    assert!(both, "{rows}");
    let text = |url: &str| {
        rows.as_array()
            .and_then(|r| r.iter().find(|x| x["url"] == url))
            .map(|x| x.to_string())
            .unwrap_or_default()
    };
    let geo = text("https://www.douyu.com/9103");
    assert!(
        geo.contains("geo-blocked") && geo.contains("region"),
        "{rows}"
    );
    let skew = text("https://www.douyu.com/9105");
    assert!(skew.contains("clock"), "{rows}");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
}

#[test]
fn douyu_vanity_path_resolves_and_a_rerun_is_not_recorded() {
    let fake = Fake::new();
    let room = fake.live_room("9104");
    room.set_site_mode(Some("loop"));
    let s = Srec::new();
    s.write_config(&site_config(&fake, "douyu", "mesio", ""));
    s.ok(&["add", "https://www.douyu.com/lunashow9104"]);
    let mut d = s.daemon();
    let checks = || fake.site_stat("douyu.betard");
    assert!(
        wait_until(Duration::from_secs(30), || checks() >= 3),
        "{:?}",
        fake.site_stats()
    );
    let stats = fake.site_stats();
    assert_eq!(
        stats.get("douyu.page"),
        Some(&1),
        "vanity page read once: {stats:?}"
    );
    assert_eq!(stats.get("douyu.h5play"), None, "no play URL for a rerun");
    assert_eq!(s.json(&["list"])[0]["state"], "not_live");
    let status = s.json(&["status"]);
    assert_eq!(
        status["recordings"].as_array().map(Vec::len),
        Some(0),
        "{status}"
    );
    assert_eq!(room.stats().flv, 0);
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
}
