//! Download robustness end to end (issue 6): a missing engine binary is a
//! readable streamer error (and a failing `srec config check`), the reserved
//! high-priority slot, and the circuit breaker opening on a CDN whose
//! segments all fail, showing in `srec status`, and recovering.

use std::time::Duration;

use fake_live::Fault;

use crate::engines::{EXIT, engine_config, have_tools, segments};
use crate::fake::Fake;
use crate::harness::{Srec, wait_until};

#[test]
fn missing_binary_is_a_readable_streamer_error_not_a_panic() {
    let fake = Fake::new();
    let s = Srec::new();
    engine_config(
        &s,
        "\n[engines.ffmpeg]\npath = \"/nonexistent/ffmpeg\"\n\
         [engines.streamlink]\npath = \"srec-no-such-streamlink\"\n",
    );
    let a = fake.live_room("noff");
    let b = fake.live_room("nosl");
    s.ok(&["add", &a.page_url(), "--template", "ffmpeg_hls"]);
    s.ok(&["add", &b.page_url(), "--template", "streamlink_flv"]);
    let check = s.run(&["config", "check"]);
    assert_ne!(check.code(), 0, "{}", check.stdout());
    assert!(
        check.stderr().contains("/nonexistent/ffmpeg") && check.stderr().contains("not found"),
        "{}",
        check.stderr()
    );
    let mut d = s.daemon();
    let errored = wait_until(Duration::from_secs(15), || {
        let l = s.json(&["list"]);
        (0..2).all(|i| l[i]["state"] == "error")
    });
    assert!(errored, "log:\n{}", d.seen.join("\n"));
    let list = s.ok(&["list"]);
    assert!(
        list.contains("`/nonexistent/ffmpeg` was not found"),
        "{list}"
    );
    assert!(
        list.contains("`srec-no-such-streamlink` was not found"),
        "{list}"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    assert!(!d.seen.iter().any(|l| l.contains("panicked")));
}

#[test]
fn config_check_prints_tool_versions() {
    if !have_tools() {
        return;
    }
    let s = Srec::new();
    engine_config(&s, "engine = \"streamlink\"\n");
    let out = s.ok(&["config", "check"]);
    assert!(out.contains("ffmpeg: ffmpeg version"), "{out}");
    assert!(out.contains("streamlink: streamlink "), "{out}");
}

#[test]
fn high_priority_streamer_gets_the_reserved_slot_when_normal_slots_are_full() {
    let fake = Fake::new();
    let s = Srec::new();
    engine_config(
        &s,
        "stream_format = \"flv\"\n[download]\nmax_concurrent = 1\nhigh_priority_slots = 1\n",
    );
    let n1 = fake.live_room("n1");
    let n2 = fake.live_room("n2");
    let h = fake.live_room("h");
    s.ok(&["add", &n1.page_url()]);
    s.ok(&["add", &n2.page_url()]);
    let mut d = s.daemon();
    d.wait_for("segment opened", Duration::from_secs(15));
    d.wait_for("all download slots busy", Duration::from_secs(10));
    s.ok(&["add", &h.page_url(), "--priority", "high"]);
    let recording = |id: i64| !segments(&s, id).is_empty();
    assert!(
        wait_until(Duration::from_secs(15), || recording(3)),
        "the high-priority streamer got a slot; log:\n{}",
        d.seen.join("\n")
    );
    // Two more check rounds of both normal rooms: the queued one had its chances.
    assert!(crate::waits::wait_checks(&n1, 2, Duration::from_secs(20)));
    assert!(crate::waits::wait_checks(&n2, 2, Duration::from_secs(20)));
    assert_eq!(
        [recording(1), recording(2)].iter().filter(|r| **r).count(),
        1,
        "one normal download, the other still queued"
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn circuit_breaker_opens_after_k_failures_and_recovers_after_cooldown() {
    if !have_tools() {
        return;
    }
    let fake = Fake::new();
    let room = fake.live_room("cdn500");
    room.set_fault(Fault::SegmentStatus {
        seq: None,
        status: 500,
    });
    // The FLV candidate fails too, or the recorder would fail over to it.
    room.set_fault(Fault::FlvDrop { after_bytes: 0 });
    let s = Srec::new();
    engine_config(
        &s,
        "engine = \"ffmpeg\"\nstream_format = \"hls\"\n\
         [download.retry]\ninitial_delay = \"100ms\"\nmax_delay = \"200ms\"\n\
         [download.circuit_breaker]\nfailures = 2\ncooldown = \"4s\"\n\
         [engines.ffmpeg]\nrw_timeout = \"1s\"\n",
    );
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    let opened = wait_until(Duration::from_secs(40), || {
        s.json(&["status"])["breakers"]
            .as_array()
            .is_some_and(|b| b.iter().any(|b| b["state"] == "open"))
    });
    assert!(opened, "breaker opened; log:\n{}", d.seen.join("\n"));
    let text = s.ok(&["status"]);
    assert!(text.contains("circuit breaker host:127.0.0.1"), "{text}");
    assert!(segments(&s, 1).iter().all(|g| g.bytes == 0));
    assert!(
        wait_until(Duration::from_secs(5), || s.json(&["list"])[0]["state"]
            == "error"),
        "a refused streamer shows error"
    );
    assert!(s.ok(&["list"]).contains("circuit breaker"));
    room.clear_faults();
    let recovered = wait_until(Duration::from_secs(30), || {
        segments(&s, 1)
            .iter()
            .any(|g| g.bytes > 0 || g.ended_at.is_none())
            && s.json(&["status"])["breakers"]
                .as_array()
                .is_some_and(|b| b.is_empty())
    });
    if !recovered {
        d.signal("TERM");
        d.wait_exit(EXIT);
        panic!(
            "no recovery: status {}; log:\n{}",
            s.json(&["status"]),
            d.seen.join("\n")
        );
    }
    assert!(wait_until(Duration::from_secs(10), || s.json(&["list"])[0]
        ["state"]
        == "live"));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}
