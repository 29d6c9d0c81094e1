//! YouTube end to end through the real binary against the fake server's
//! YouTube emulation (`tests/support/fake-live/src/sites/youtube.rs`):
//! recording a channel `/live` page with mesio and a watch URL with ffmpeg,
//! an upcoming broadcast that must not record, the "not a bot" sign-in wall
//! and unknown channels/videos.

use std::time::Duration;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::sites::{SiteRun, record_site, site_config};

#[test]
fn site_youtube_channel_live_page_records_with_mesio() {
    let fake = Fake::new();
    let r = record_site(
        &fake,
        SiteRun {
            platform: "youtube",
            url: "https://www.youtube.com/@ytmesio/live",
            room: "ytmesio",
            engine: "mesio",
            extra: "",
        },
    );
    let stats = fake.site_stats();
    assert!(
        stats.get("youtube.page").copied().unwrap_or(0) >= 2,
        "{stats:?}"
    );
    assert!(
        stats.get("youtube.manifest").copied().unwrap_or(0) >= 1,
        "{stats:?}"
    );
    assert!(r.session.title.is_some(), "title from videoDetails");
}

#[test]
fn site_youtube_watch_url_records_with_ffmpeg() {
    let fake = Fake::new();
    // An 11-character room id is its own video id in the emulation.
    record_site(
        &fake,
        SiteRun {
            platform: "youtube",
            url: "https://youtu.be/ytffmpeg_01",
            room: "ytffmpeg_01",
            engine: "ffmpeg",
            extra: "quality = \"720p\"",
        },
    );
}

#[test]
fn site_youtube_upcoming_is_not_live() {
    let fake = Fake::new();
    let room = fake.live_room("ytsoon");
    room.set_site_mode(Some("upcoming"));
    let s = Srec::new();
    s.write_config(&site_config(&fake, "youtube", "mesio", ""));
    s.ok(&["add", "https://www.youtube.com/@ytsoon/live"]);
    let mut d = s.daemon();
    // Several checks have answered "upcoming" by now.
    assert!(wait_until(Duration::from_secs(20), || {
        fake.site_stat("youtube.page") >= 3
    }));
    let l = s.json(&["list"]);
    assert_eq!(l[0]["state"], "not_live", "{l}");
    assert_eq!(fake.site_stats().get("youtube.manifest"), None);
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)), 0);
}

#[test]
fn site_youtube_bot_wall_geo_block_and_consent_page_are_errors() {
    let fake = Fake::new();
    fake.live_room("ytbot").set_site_mode(Some("bot"));
    fake.live_room("ytgeo").set_site_mode(Some("geo"));
    fake.live_room("ytconsent").set_site_mode(Some("consent"));
    let s = Srec::new();
    s.write_config(&site_config(&fake, "youtube", "mesio", ""));
    s.ok(&["add", "https://www.youtube.com/@ytbot/live"]);
    s.ok(&["add", "https://www.youtube.com/c/ytgeo/live"]);
    s.ok(&["add", "https://www.youtube.com/user/ytconsent/live"]);
    let mut d = s.daemon();
    let ok = wait_until(Duration::from_secs(20), || {
        let l = s.json(&["list"]);
        (0..3).all(|i| l[i]["state"] == "error")
    });
    let l = s.json(&["list"]);
    assert!(ok, "{l}");
    let msg = |name: &str| {
        let arr = l.as_array().cloned().unwrap_or_default();
        let x = arr
            .into_iter()
            .find(|x| x["url"].as_str().unwrap_or("").contains(name));
        x.and_then(|x| x["last_error"].as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let bot = msg("ytbot");
    assert!(
        bot.contains("not a bot") && bot.contains("cookies"),
        "{bot}"
    );
    let geo = msg("ytgeo");
    assert!(
        geo.contains("geo-blocked") && geo.contains("country"),
        "{geo}"
    );
    let consent = msg("ytconsent");
    assert!(
        consent.contains("consent") && consent.contains("cookies"),
        "{consent}"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)), 0);
}

#[test]
fn site_youtube_unknown_channel_and_video_are_not_found() {
    let fake = Fake::new();
    let s = Srec::new();
    s.write_config(&site_config(&fake, "youtube", "mesio", ""));
    s.ok(&["add", "https://www.youtube.com/@ytnobody/live"]);
    s.ok(&["add", "https://www.youtube.com/watch?v=NoSuchVid00"]);
    let mut d = s.daemon();
    let ok = wait_until(Duration::from_secs(20), || {
        let l = s.json(&["list"]);
        (0..2).all(|i| l[i]["state"] == "not_found")
    });
    let l = s.json(&["list"]);
    assert!(ok, "{l}");
    let msgs: Vec<&str> = (0..2)
        .map(|i| l[i]["last_error"].as_str().unwrap_or(""))
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains("no channel or video")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("unavailable")), "{msgs:?}");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(30)), 0);
}
