//! Twitch end to end: the real binary records `https://www.twitch.tv/<room>`
//! against the fake server's Twitch emulation (GQL, usher, media
//! playlists), with mesio and ffmpeg, through a stitched mid-roll, and
//! reports unknown and geo-blocked channels; offline channels are checked
//! 30 to a GQL request.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::fake::Fake;
use crate::harness::{Srec, have_ffprobe, wait_until};
use crate::sites::{SiteRun, record_site, site_config};

fn url(room: &str) -> String {
    format!("https://www.twitch.tv/{room}")
}

/// `WxH` of the video streams ffprobe finds in a file (its program
/// section repeats them, hence the dedup).
fn resolutions(path: &Path) -> Vec<String> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v"])
        .args(["-show_entries", "stream=width,height", "-of", "csv=p=0:s=x"])
        .arg(path)
        .output()
        .expect("ffprobe");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Frame sizes of the decoded picture across the whole file, and any
/// decoder complaint.
fn decoded_sizes(path: &Path) -> (Vec<String>, String) {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args(["-show_entries", "frame=width,height", "-of", "csv=p=0:s=x"])
        .arg(path)
        .output()
        .expect("ffprobe");
    let mut sizes: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().trim_end_matches('x').to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    sizes.dedup();
    (sizes, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn record(engine: &str, room: &str, mode: Option<&str>) -> (Fake, crate::sites::SiteResult) {
    let fake = Fake::new();
    fake.room(room).set_site_mode(mode);
    let u = url(room);
    let r = record_site(
        &fake,
        SiteRun {
            platform: "twitch",
            url: &u,
            room,
            engine,
            extra: "",
        },
    );
    (fake, r)
}

#[test]
fn mesio_records_the_source_variant() {
    let (fake, r) = record("mesio", "tw_mesio", None);
    let stats = fake.site_stats();
    assert!(
        stats.get("twitch.usher").copied().unwrap_or(0) >= 1,
        "{stats:?}"
    );
    assert!(
        stats.get("twitch.playlist").copied().unwrap_or(0) >= 1,
        "{stats:?}"
    );
    if have_ffprobe() {
        for f in &r.files {
            assert_eq!(
                resolutions(f),
                ["480x270"],
                "{}: not the source",
                f.display()
            );
        }
    }
    assert_eq!(
        r.session.title.as_deref(),
        Some(fake.room("tw_mesio").info().title.as_str())
    );
}

#[test]
fn ffmpeg_records_a_twitch_channel() {
    let (fake, r) = record("ffmpeg", "tw_ffmpeg", None);
    assert!(!r.files.is_empty());
    assert!(fake.site_stat("twitch.usher") >= 1);
}

#[test]
fn mesio_leaves_stitched_ads_out() {
    let (fake, r) = record("mesio", "tw_ads", Some("ads"));
    let stats = fake.site_stats();
    assert!(
        stats.get("twitch.ad_segments").copied().unwrap_or(0) > 0,
        "the emulation never listed an ad: {stats:?}"
    );
    // The first window (0..5) holds the break 2..4: content before and
    // after it lands in separate files.
    assert!(
        r.files.len() >= 2,
        "no split at the ad break: {:?}",
        r.files
    );
    if !have_ffprobe() {
        return;
    }
    for f in &r.files {
        let (sizes, errors) = decoded_sizes(f);
        assert_eq!(sizes, ["480x270"], "{}: an ad leaked in", f.display());
        assert!(errors.trim().is_empty(), "{}: {errors}", f.display());
    }
}

/// Adds `room`'s channel, starts the daemon and waits for `state`.
fn wait_state(fake: &Fake, room: &str, state: &str) -> (Srec, serde_json::Value) {
    let s = Srec::new();
    s.write_config(&site_config(fake, "twitch", "mesio", ""));
    s.ok(&["add", &url(room)]);
    let mut d = s.daemon();
    let mut last = serde_json::Value::Null;
    let reached = wait_until(Duration::from_secs(20), || {
        last = s.json(&["list"])[0].clone();
        last["state"] == state
    });
    d.signal("TERM");
    d.wait_exit(Duration::from_secs(35));
    assert!(reached, "state never became {state}: {last}");
    (s, last)
}

#[test]
fn unknown_channel_is_not_found() {
    let fake = Fake::new();
    let (_s, row) = wait_state(&fake, "tw_nobody", "not_found");
    let msg = row.to_string();
    assert!(msg.contains("tw_nobody"), "{row}");
}

#[test]
fn geo_blocked_channel_is_an_error_naming_the_region() {
    let fake = Fake::new();
    let room = fake.live_room("tw_geo");
    room.set_site_mode(Some("geo"));
    let (_s, row) = wait_state(&fake, "tw_geo", "error");
    assert!(row.to_string().to_lowercase().contains("geo"), "{row}");
}

#[test]
fn a_failed_integrity_check_asks_for_an_oauth_token() {
    let fake = Fake::new();
    fake.live_room("tw_kasada").set_site_mode(Some("integrity"));
    let (_s, row) = wait_state(&fake, "tw_kasada", "error");
    assert!(
        row["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("oauth_token"),
        "{row}"
    );
}

#[test]
fn offline_channels_cost_two_gql_requests_per_round_of_45() {
    let fake = Fake::new();
    let s = Srec::new();
    s.write_config(&site_config(&fake, "twitch", "mesio", ""));
    for i in 0..45 {
        let room = format!("tw_off{i:02}");
        fake.room(&room);
        s.ok(&["add", &url(&room)]);
    }
    let mut d = s.daemon();
    // A consistent reading between rounds: every POST named 22 or 23
    // logins on average, i.e. exactly two POSTs per round of 45.
    let mut last = Default::default();
    let ok = wait_until(Duration::from_secs(30), || {
        last = fake.site_stats();
        let get = |k: &str| last.get(k).copied().unwrap_or(0);
        let gql = get("twitch.gql");
        gql >= 6 && gql % 2 == 0 && get("twitch.status_query") == 45 * gql / 2
    });
    d.signal("TERM");
    d.wait_exit(Duration::from_secs(35));
    assert!(ok, "{last:?}");
    assert_eq!(last.get("twitch.token"), None, "{last:?}");
    assert_eq!(last.get("twitch.gql_ops"), last.get("twitch.status_query"));
    assert!(
        s.json(&["list"])
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "not_live")
    );
}
