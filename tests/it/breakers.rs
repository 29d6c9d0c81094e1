//! Download circuit breakers through the real binary (issue 17, "one broken
//! streamer must not block the others"): a streamer whose stream URLs keep
//! answering 403 (an expired token) opens its own breaker and leaves every
//! other streamer on the same engine and CDN host recording; an open breaker
//! survives a `kill -9` of the daemon (no attempt before its cooldown ends,
//! `srec status` still shows it) and closes after the cooldown. Mesio only,
//! so no external tool is needed.

use std::time::{Duration, Instant};

use fake_live::{Fault, Room};
use serde_json::Value;

use crate::engines::{EXIT, engine_config, segments};
use crate::fake::Fake;
use crate::harness::{Srec, wait_until};

/// Fast checks and retries; two failures open a breaker for `cooldown`.
fn config(s: &Srec, cooldown: &str) {
    engine_config(
        s,
        &format!(
            "engine = \"mesio\"\n\
             [download.retry]\ninitial_delay = \"100ms\"\nmax_delay = \"300ms\"\n\
             [download.circuit_breaker]\nfailures = 2\ncooldown = \"{cooldown}\"\n"
        ),
    );
}

/// Every stream URL of the room answers `status`, as after a token expired.
fn expire_urls(room: &Room, status: u16) {
    room.set_fault(Fault::PlaylistStatus { status });
    room.set_fault(Fault::FlvStatus { status });
}

/// `srec status --json` breakers that are open or half-open.
fn breakers(s: &Srec) -> Vec<Value> {
    s.json(&["status"])["breakers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn open_for_streamer(s: &Srec, streamer: i64) -> Option<Value> {
    let suffix = format!(":streamer{streamer}");
    breakers(s)
        .into_iter()
        .find(|b| b["key"].as_str().is_some_and(|k| k.ends_with(&suffix)) && b["state"] == "open")
}

/// Media requests the room has answered (playlists and FLV opens).
fn media_hits(room: &Room) -> u64 {
    let st = room.stats();
    st.playlist() + st.flv + st.segment
}

fn recording(s: &Srec, streamer: i64) -> bool {
    segments(s, streamer)
        .iter()
        .any(|g| g.bytes > 0 || g.ended_at.is_none())
}

#[test]
fn one_streamers_expired_urls_do_not_block_another_streamer_on_the_same_host() {
    let fake = Fake::new();
    let broken = fake.live_room("expired");
    let fine = fake.live_room("fine");
    expire_urls(&broken, 403);
    let s = Srec::new();
    config(&s, "5m");
    s.ok(&["add", &broken.page_url()]);
    let mut d = s.daemon();
    let opened = wait_until(Duration::from_secs(40), || {
        open_for_streamer(&s, 1).is_some()
    });
    assert!(
        opened,
        "streamer 1's breaker opened; log:\n{}",
        d.seen.join("\n")
    );
    assert!(
        wait_until(Duration::from_secs(10), || s.json(&["list"])[0]["state"]
            == "error"),
        "the broken streamer shows error"
    );
    // Same engine, same CDN host: the second streamer records at once.
    let added = Instant::now();
    s.ok(&["add", &fine.page_url()]);
    let started = wait_until(Duration::from_secs(20), || recording(&s, 2));
    assert!(started, "streamer 2 records; log:\n{}", d.seen.join("\n"));
    eprintln!(
        "streamer 2 recording {:?} after it was added",
        added.elapsed()
    );
    assert!(
        wait_until(Duration::from_secs(10), || {
            s.json(&["status"])["recordings"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["bytes"].as_i64().unwrap_or(0) > 0))
        }),
        "streamer 2's media reaches the disk"
    );
    let shown = breakers(&s);
    assert!(
        shown
            .iter()
            .all(|b| !b["key"].as_str().unwrap_or("").starts_with("host:")),
        "an expired URL is not the host's fault: {shown:?}"
    );
    let list = s.json(&["list"]);
    assert_ne!(list[1]["state"], "error", "{list}");
    assert!(open_for_streamer(&s, 2).is_none(), "{:?}", breakers(&s));
    assert!(open_for_streamer(&s, 1).is_some(), "streamer 1 still waits");
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn an_open_breaker_survives_a_daemon_kill_and_closes_after_its_cooldown() {
    let fake = Fake::new();
    let room = fake.live_room("reboot");
    expire_urls(&room, 403);
    let s = Srec::new();
    config(&s, "15s");
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    let opened = wait_until(Duration::from_secs(40), || {
        open_for_streamer(&s, 1).is_some()
    });
    assert!(opened, "breaker opened; log:\n{}", d.seen.join("\n"));
    d.signal("KILL");
    d.wait_exit(EXIT);
    let before = open_for_streamer(&s, 1).expect("the row outlives the process");
    let retry_at = before["retry_at"].as_i64().expect("retry_at");
    // The URLs work again, but the restarted daemon must not know that
    // before the cooldown it remembered ends.
    room.clear_faults();
    let hits = media_hits(&room);
    let mut d = s.daemon();
    let refused = d.try_wait_for("not starting: circuit breaker", Duration::from_secs(20));
    let now = srec::db::now_ms();
    assert!(
        refused.is_some() && now < retry_at,
        "the restarted daemon honours the breaker ({now} < {retry_at}); log:\n{}",
        d.seen.join("\n")
    );
    let after = open_for_streamer(&s, 1);
    assert!(
        after.is_some(),
        "srec status shows it still open: {:?}",
        breakers(&s)
    );
    assert_eq!(
        after.unwrap()["retry_at"],
        before["retry_at"],
        "same cooldown"
    );
    assert!(
        s.ok(&["status"]).contains("circuit breaker engine:mesio@"),
        "{}",
        s.ok(&["status"])
    );
    assert_eq!(
        media_hits(&room),
        hits,
        "no attempt before the cooldown ends"
    );
    // After the cooldown one trial runs, records, and closes the breaker.
    let closed = wait_until(Duration::from_secs(40), || {
        breakers(&s).is_empty()
            && segments(&s, 1)
                .iter()
                .any(|g| g.started_at >= retry_at && (g.bytes > 0 || g.ended_at.is_none()))
    });
    assert!(
        closed,
        "recovered after the cooldown: {:?}; log:\n{}",
        breakers(&s),
        d.seen.join("\n")
    );
    let early: Vec<_> = segments(&s, 1)
        .into_iter()
        .filter(|g| g.bytes > 0 && g.started_at < retry_at)
        .collect();
    assert!(
        early.is_empty(),
        "nothing recorded before the cooldown: {early:?}"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}
