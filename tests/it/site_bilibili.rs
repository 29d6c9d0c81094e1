//! Bilibili live end to end: the real binary checks `live.bilibili.com`
//! URLs against the fake server's Bilibili emulation (`api_base`) and
//! records its FLV and HLS streams with mesio and streamlink; error states
//! (not found, rerun, -352, 412, paid/DRM) reach `srec list`; batch checks
//! by uid cost one request per 200 rooms once the room → uid cache is warm.

use std::time::Duration;

use srec::streamer::NewStreamer;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::sites::{SiteRun, record_site, site_config};

fn run<'a>(url: &'a str, room: &'a str, engine: &'a str, extra: &'a str) -> SiteRun<'a> {
    SiteRun {
        platform: "bilibili",
        url,
        room,
        engine,
        extra,
    }
}

fn count(fake: &Fake, key: &str) -> u64 {
    fake.site_stats().get(key).copied().unwrap_or(0)
}

#[test]
fn records_flv_with_mesio_through_a_short_id() {
    let fake = Fake::new();
    // Short id 7 is long room 10007 in the emulation.
    let url = "https://live.bilibili.com/7";
    let r = record_site(&fake, run(url, "10007", "mesio", "stream_format = \"flv\""));
    assert!(
        r.files
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "flv"))
    );
    assert!(r.session.title.is_some(), "title from the batch answer");
    let list = r.srec.json(&["list"]);
    assert_eq!(list[0]["url"], url, "the URL's own id is the canonical id");
    let stats = fake.site_stats();
    assert_eq!(stats.get("bilibili.room_init"), Some(&1), "{stats:?}");
    assert!(stats.get("bilibili.play_info").is_some_and(|n| *n >= 1));
}

#[test]
fn records_hls_with_mesio() {
    let fake = Fake::new();
    let url = "https://live.bilibili.com/h5/21452505";
    let r = record_site(
        &fake,
        run(url, "21452505", "mesio", "stream_format = \"hls\""),
    );
    assert!(!r.files.is_empty());
    assert_eq!(
        r.srec.json(&["list"])[0]["url"],
        "https://live.bilibili.com/21452505",
        "stored canonical"
    );
}

#[test]
fn records_with_streamlink_from_the_candidate_url() {
    let fake = Fake::new();
    let url = "https://live.bilibili.com/31337";
    let r = record_site(
        &fake,
        run(url, "31337", "streamlink", "stream_format = \"hls\""),
    );
    assert!(!r.files.is_empty());
}

/// Adds `url` with `extra` config, starts the daemon and waits until the
/// streamer's state is `want`; returns the `srec list` entry.
fn state_after_add(fake: &Fake, url: &str, want: &str) -> serde_json::Value {
    let s = Srec::new();
    s.write_config(&site_config(fake, "bilibili", "mesio", ""));
    s.ok(&["add", url]);
    let mut d = s.daemon();
    let reached = wait_until(Duration::from_secs(20), || {
        s.json(&["list"])[0]["state"] == want
    });
    let entry = s.json(&["list"])[0].clone();
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
    assert!(reached, "state never became {want}: {entry}");
    entry
}

#[test]
fn unknown_room_is_not_found() {
    let fake = Fake::new();
    let e = state_after_add(&fake, "https://live.bilibili.com/424242", "not_found");
    let msg = e["last_error"].as_str().unwrap_or_default();
    assert!(msg.contains("60004"), "{e}");
}

#[test]
fn rerun_stays_not_live() {
    let fake = Fake::new();
    let room = fake.live_room("10123");
    room.set_site_mode(Some("rerun"));
    let s = Srec::new();
    s.write_config(&site_config(&fake, "bilibili", "mesio", ""));
    s.ok(&["add", "https://live.bilibili.com/123"]);
    let mut d = s.daemon();
    // Three batch rounds have answered `live_status: 2`.
    assert!(wait_until(Duration::from_secs(20), || count(
        &fake,
        "bilibili.status_by_uids"
    ) >= 3));
    let entry = s.json(&["list"])[0].clone();
    let status = s.json(&["status"]);
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
    assert_eq!(entry["state"], "not_live", "{entry}");
    assert_eq!(status["recordings"].as_array().map(Vec::len), Some(0));
    assert_eq!(count(&fake, "bilibili.play_info"), 0);
}

#[test]
fn risk_control_352_asks_for_cookies() {
    let fake = Fake::new();
    fake.live_room("10352").set_site_mode(Some("-352"));
    let e = state_after_add(&fake, "https://live.bilibili.com/10352", "error");
    let msg = e["last_error"].as_str().unwrap_or_default();
    assert!(msg.contains("-352") && msg.contains("buvid3"), "{e}");
}

#[test]
fn http_412_is_rate_limited() {
    let fake = Fake::new();
    fake.live_room("10412").set_site_mode(Some("412"));
    let e = state_after_add(&fake, "https://live.bilibili.com/10412", "error");
    let msg = e["last_error"].as_str().unwrap_or_default();
    assert!(msg.contains("rate limited"), "{e}");
}

#[test]
fn paid_room_without_play_url_is_an_error() {
    let fake = Fake::new();
    fake.live_room("10666").set_site_mode(Some("drm"));
    let e = state_after_add(&fake, "https://live.bilibili.com/10666", "error");
    let msg = e["last_error"].as_str().unwrap_or_default();
    assert!(msg.contains("DRM") && msg.contains("cookies"), "{e}");
}

#[test]
fn two_hundred_fifty_rooms_cost_two_batch_requests_per_round() {
    let fake = Fake::new();
    let s = Srec::new();
    s.write_config(&site_config(&fake, "bilibili", "mesio", ""));
    let db = srec::db::Db::open(&s.db_path()).expect("db");
    db.with(|c| {
        for i in 0..250 {
            let id = 20_000 + i;
            fake.room(&id.to_string());
            let url = format!("https://live.bilibili.com/{id}");
            srec::db::streamers::insert(c, &NewStreamer::new(url, format!("b{i}"), "bilibili"))?;
        }
        Ok(())
    })
    .expect("insert");
    let mut d = s.daemon();
    // First round: one room_init per room (the uid cache is cold).
    assert!(wait_until(Duration::from_secs(30), || count(
        &fake,
        "bilibili.status_by_uids"
    ) >= 2));
    // Three more rounds on a warm cache.
    assert!(wait_until(Duration::from_secs(30), || count(
        &fake,
        "bilibili.status_by_uids"
    ) >= 8));
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
    let stats = fake.site_stats();
    eprintln!("{stats:?}");
    let get = |k: &str| stats.get(k).copied().unwrap_or(0);
    assert_eq!(get("bilibili.room_init"), 250, "uids resolved once");
    assert_eq!(get("bilibili.info") + get("bilibili.play_info"), 0);
    // Every round asks for 200 uids, then for the other 50.
    let n = get("bilibili.status_by_uids");
    let uids = get("bilibili.status_by_uids.uids");
    assert_eq!(uids, 200 * n.div_ceil(2) + 50 * (n / 2), "{n} requests");
    let list = s.json(&["list"]);
    let states: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["state"].as_str())
        .collect();
    assert!(states.iter().all(|st| *st == "not_live"), "{states:?}");
}
