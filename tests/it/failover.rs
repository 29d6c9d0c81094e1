//! Stream candidate failover through the real binary: when the first
//! candidate fails before any data arrives, the next one is recorded within
//! seconds without counting a failed attempt; a 403 resolves the URLs again
//! through the platform first.

use std::time::{Duration, Instant};

use fake_live::Fault;

use crate::fake::Fake;
use crate::harness::{Srec, ffprobe_ok, wait_until};

fn run(status: u16) -> (Fake, Srec, Duration, u64, u64) {
    let fake = Fake::new();
    let room = fake.live_room("fo");
    // HLS is ranked first by the config, and its playlists fail.
    room.set_fault(Fault::PlaylistStatus { status });
    let s = Srec::new();
    s.write_config("[recording]\ncheck_interval = \"30s\"\nstream_format = \"hls\"\n");
    s.ok(&["add", &room.page_url()]);
    let api_before = room.stats().room_api;
    let started = Instant::now();
    let mut d = s.daemon();
    let line = d.wait_for("segment opened", Duration::from_secs(20));
    let took = started.elapsed();
    assert!(
        line.contains(".flv"),
        "the FLV candidate is recorded: {line}"
    );
    // Some media reaches the disk from the second candidate.
    assert!(wait_until(Duration::from_secs(20), || {
        s.json(&["status"])["recordings"][0]["bytes"]
            .as_i64()
            .is_some_and(|b| b > 50_000)
    }));
    // Single-room API calls: the daemon's scheduled checks use the batch
    // API, so these are the recorder's re-resolves.
    let api_calls = room.stats().room_api - api_before;
    let playlist_hits = room.stats().playlist();
    let list = s.json(&["list"]);
    assert_eq!(list[0]["state"], "live", "no error state: {list}");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
    (fake, s, took, api_calls, playlist_hits)
}

fn recorded_files(s: &Srec) -> Vec<std::path::PathBuf> {
    let db = srec::db::Db::open(&s.db_path()).expect("db");
    let sess = db
        .with(|c| srec::db::sessions::list_for(c, 1, 10))
        .expect("sessions");
    db.with(|c| srec::db::sessions::segments(c, sess[0].id))
        .expect("segments")
        .into_iter()
        .map(|g| std::path::PathBuf::from(g.path))
        .collect()
}

#[test]
fn a_404_first_candidate_fails_over_to_the_next_at_once() {
    let (_fake, s, took, api_calls, playlist_hits) = run(404);
    eprintln!(
        "first FLV segment after {took:?}; {api_calls} API calls, {playlist_hits} playlist requests"
    );
    assert!(playlist_hits >= 1, "the HLS candidate was tried first");
    // The session was opened by a batch check; a 404 needs no fresh URLs,
    // so the single-room API (what a re-resolve calls) is never asked.
    assert_eq!(api_calls, 0, "404 fails over without re-resolving");
    let files = recorded_files(&s);
    assert!(
        files
            .iter()
            .all(|f| f.extension().is_some_and(|e| e == "flv"))
    );
    for f in &files {
        ffprobe_ok(f);
    }
}

#[test]
fn a_403_first_candidate_resolves_the_urls_again_before_the_next() {
    let (_fake, s, took, api_calls, _) = run(403);
    eprintln!("first FLV segment after {took:?}; {api_calls} API calls");
    assert!(
        api_calls >= 1,
        "403 resolves the stream URLs through the platform again: {api_calls} API calls"
    );
    for f in recorded_files(&s) {
        ffprobe_ok(&f);
    }
}
