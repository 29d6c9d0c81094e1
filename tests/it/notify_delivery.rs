//! Per-channel delivery rules through the real daemon over loopback:
//! `min_priority` and the streamer filter, the circuit breaker opening and
//! closing, a slow receiver that never holds back another channel, and a
//! kill -9 after the receiver got an event but before the daemon stored
//! that it was sent (delivered again: at least once, deduped by event_id).

use std::time::Duration;

use srec::db::outbox;

use crate::harness::{Srec, wait_until};
use crate::notify_support::{Receiver, db, ids, insert_event, start, verify_hmac, wait_channels};

const EXIT: Duration = Duration::from_secs(35);
const DISK_LOW: &str = r#"{"path":"/rec","free_bytes":1,"min_free_bytes":2}"#;

/// Writes an outbox row about streamer `streamer`; returns its id.
fn insert_for(s: &Srec, streamer: i64, kind: &str, payload: &str) -> i64 {
    db(s)
        .with(|c| outbox::insert(c, Some(streamer), kind, payload))
        .unwrap()
}

#[test]
fn min_priority_and_the_streamer_filter_pick_what_a_channel_gets() {
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config(&format!(
        "[notify]\ndebounce = \"0s\"\n\
         [notify.channels.urgent]\ntype = \"webhook\"\nurl = \"{}\"\nmin_priority = \"high\"\n\
         [notify.channels.alice]\ntype = \"webhook\"\nurl = \"{}\"\nmin_priority = \"low\"\n\
         streamers = [\"alice\"]\n",
        rx.url("urgent"),
        rx.url("alice"),
    ));
    // Disabled: never checked, so no event of their own joins the ones below.
    for name in ["alice", "bob"] {
        let url = format!("http://127.0.0.1:9/live/{name}.flv");
        s.ok(&["add", &url, "--name", name, "--disabled"]);
    }
    let mut d = start(&s);
    wait_channels(&mut d, &["urgent", "alice"]);
    let (alice, bob) = (1, 2);
    let title = insert_for(
        &s,
        alice,
        "title_changed",
        r#"{"type":"title_changed","session_id":1,"title":"t","category":null}"#,
    );
    insert_for(
        &s,
        bob,
        "recording_started",
        r#"{"session_id":2,"engine":"mesio","download_id":1}"#,
    );
    let bob_error = insert_for(
        &s,
        bob,
        "streamer_error",
        r#"{"reason":"check_failed","error":"boom"}"#,
    );
    let disk = insert_event(&s, "disk_low", DISK_LOW);
    let segment = insert_for(
        &s,
        alice,
        "segment_finalised",
        r#"{"session_id":1,"streamer_id":1,"index":0,"path":"/rec/a.flv","duration_ms":1,"bytes":1,"split_reason":"duration"}"#,
    );
    let failed = insert_for(
        &s,
        alice,
        "recording_failed",
        r#"{"session_id":1,"error":"HTTP 500","attempt":1}"#,
    );
    assert!(wait_until(Duration::from_secs(20), || {
        crate::waits::notify_caught_up(&s)
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    // High and critical only, whoever they are about (low daemon events too
    // are left out).
    assert_eq!(ids(&rx, "urgent"), [bob_error, disk, failed]);
    // Everything about alice, nothing about bob or about no streamer.
    assert_eq!(ids(&rx, "alice"), [title, segment, failed]);
}

#[test]
fn the_breaker_rests_a_failing_channel_and_closes_once_it_answers() {
    let rx = Receiver::start();
    let s = Srec::new();
    let common = "events = [\"disk_low\"]\nbackoff = \"100ms\"\nmax_backoff = \"100ms\"\n\
                  max_attempts = 100";
    s.write_config(&format!(
        "[notify.channels.tripped]\ntype = \"webhook\"\nurl = \"{}\"\n{common}\n\
         breaker_threshold = 2\nbreaker_cooldown = \"3s\"\n\
         [notify.channels.steady]\ntype = \"webhook\"\nurl = \"{}\"\n{common}\n\
         breaker_threshold = 100\n",
        rx.url("tripped"),
        rx.url("steady"),
    ));
    let mut d = start(&s);
    wait_channels(&mut d, &["tripped", "steady"]);
    rx.set_down(true);
    let first = insert_event(&s, "disk_low", DISK_LOW);
    d.wait_for("circuit breaker open", Duration::from_secs(10));
    // The channel without a breaker keeps retrying every ~100 ms; the
    // tripped one sent its two failures and now rests for 3 s (at most one
    // probe if this machine is very slow).
    assert!(wait_until(Duration::from_secs(10), || rx
        .hits("steady")
        .len()
        >= 10));
    let during = rx.hits("tripped").len();
    assert!(
        (2..=3).contains(&during),
        "{during} requests during the cool-down"
    );
    rx.set_down(false);
    // After the cool-down one probe goes out, succeeds and closes it.
    assert!(wait_until(Duration::from_secs(15), || ids(&rx, "tripped") == [first]));
    let before = rx.hits("tripped").len();
    assert!(before <= during + 2, "{before} requests in all");
    // Closed: the next event goes out at once, in one request.
    let second = insert_event(&s, "disk_low", DISK_LOW);
    assert!(wait_until(Duration::from_secs(5), || ids(&rx, "tripped")
        == [first, second]));
    assert_eq!(rx.hits("tripped").len(), before + 1);
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "steady")
        == [first, second]));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn a_slow_receiver_never_holds_back_another_channel() {
    let rx = Receiver::start();
    rx.set_slow("slow", Duration::from_secs(25));
    let s = Srec::new();
    s.write_config(&format!(
        "[notify.channels.slow]\ntype = \"webhook\"\nurl = \"{}\"\nevents = [\"disk_low\"]\n\
         [notify.channels.fast]\ntype = \"webhook\"\nurl = \"{}\"\nevents = [\"disk_low\"]\n",
        rx.url("slow"),
        rx.url("fast"),
    ));
    let mut d = start(&s);
    wait_channels(&mut d, &["slow", "fast"]);
    let sent: Vec<i64> = (0..5)
        .map(|_| insert_event(&s, "disk_low", DISK_LOW))
        .collect();
    // The slow channel is stuck on its first request while the fast one
    // delivers all five.
    assert!(
        wait_until(Duration::from_secs(15), || {
            rx.arrived("slow") >= 1 && ids(&rx, "fast") == sent
        }),
        "fast got {:?}, slow got {} request(s)",
        ids(&rx, "fast"),
        rx.arrived("slow")
    );
    assert!(rx.delivered("slow").len() <= 1);
    assert_eq!(rx.arrived("slow"), 1, "one request at a time per channel");
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn a_kill_9_between_the_send_and_the_ack_delivers_again_with_the_same_id() {
    const SECRET: &str = "hold-hmac";
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config(&format!(
        "[notify]\ndebounce = \"0s\"\n\
         [notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n\
         events = [\"disk_low\"]\n",
        rx.url("hook")
    ));
    let mut d = start(&s);
    wait_channels(&mut d, &["hook"]);
    let first = insert_event(&s, "disk_low", DISK_LOW);
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "hook") == [first]));
    // The receiver takes the next event, then sits on its 200.
    rx.hold_next("hook");
    let second = insert_event(&s, "disk_low", DISK_LOW);
    assert!(
        wait_until(Duration::from_secs(10), || rx.holding()),
        "log:\n{}",
        d.seen.join("\n")
    );
    assert_eq!(ids(&rx, "hook"), [first, second]);
    d.signal("KILL");
    d.wait_exit(EXIT);
    rx.release();
    // Written while the daemon is dead.
    let third = insert_event(&s, "disk_low", DISK_LOW);

    let mut d = start(&s);
    let fourth = insert_event(&s, "disk_low", DISK_LOW);
    assert!(
        wait_until(Duration::from_secs(15), || ids(&rx, "hook")
            .contains(&fourth)),
        "log:\n{}",
        d.seen.join("\n")
    );
    assert!(wait_until(Duration::from_secs(10), || {
        crate::waits::notify_caught_up(&s)
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);

    // At least once: the event whose answer never arrived came again, with
    // the same id and the same signed body; nothing else repeated.
    let got = ids(&rx, "hook");
    assert_eq!(got, [first, second, second, third, fourth], "in order");
    let hits = rx.delivered("hook");
    assert_eq!(hits[1].body, hits[2].body, "the same envelope again");
    assert!(hits.iter().all(|h| verify_hmac(SECRET, h)));
    // What a receiver that dedupes by event_id keeps: each event once.
    let mut seen = std::collections::BTreeSet::new();
    let kept: Vec<i64> = got.into_iter().filter(|id| seen.insert(*id)).collect();
    assert_eq!(kept, [first, second, third, fourth]);
}
