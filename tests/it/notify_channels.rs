//! Notifications end to end (issue 20): the real binary delivers outbox
//! events to a webhook receiver (HMAC checked), a Discord-shaped receiver
//! (429 then 204), a real SMTP conversation with a local sink, and an
//! ntfy-shaped receiver; outages, dead letters, `srec notify retry` and a
//! kill -9 before delivery.

use std::time::Duration;

use srec::db::outbox;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::notify_support::{
    Receiver, SmtpSink, db, ids, insert_event, start, types, verify_hmac, wait_channels,
};

const EXIT: Duration = Duration::from_secs(35);
const SECRET: &str = "s3cret-hmac";

#[test]
fn live_and_offline_reach_every_channel_once_in_order() {
    let fake = Fake::new();
    let room = fake.room("alice");
    room.set_live(false);
    let avatar = format!("{}/avatars/alice.png", fake.base_url());
    room.set_avatar(Some(&avatar));
    let rx = Receiver::start();
    rx.throttle(1);
    let smtp = SmtpSink::start();
    let s = Srec::new();
    let events = r#"events = ["stream_online", "stream_offline"]"#;
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\nstream_format = \"flv\"\n\
         [notify]\ndebounce = \"0s\"\n\
         [notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n{events}\n\
         headers.X-Team = \"rec\"\n\
         [notify.channels.dc]\ntype = \"discord\"\nurl = \"{}\"\n{events}\nmentions = [\"<@42>\"]\n\
         [notify.channels.mail]\ntype = \"email\"\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"plain\"\n\
         from = \"srec <srec@localhost>\"\nto = [\"me@localhost\"]\n{events}\n\
         [notify.channels.push]\ntype = \"ntfy\"\nurl = \"{}\"\n{events}\n",
        rx.url("hook"),
        rx.url("discord"),
        smtp.port,
        rx.url("ntfy"),
    ));
    s.ok(&["add", &room.page_url()]);
    let mut d = start(&s);
    wait_channels(&mut d, &["hook", "dc", "mail", "push"]);

    room.set_live(true);
    let since = room.info().live_since_ms.unwrap();
    let online = |rx: &Receiver, smtp: &SmtpSink| {
        !rx.delivered("hook").is_empty()
            && !rx.delivered("discord").is_empty()
            && !rx.delivered("ntfy").is_empty()
            && !smtp.mails().is_empty()
    };
    assert!(
        wait_until(Duration::from_secs(25), || online(&rx, &smtp)),
        "online everywhere; log:\n{}",
        d.seen.join("\n")
    );
    room.set_live(false);
    assert!(
        wait_until(Duration::from_secs(30), || {
            rx.delivered("hook").len() >= 2
                && rx.delivered("discord").len() >= 2
                && rx.delivered("ntfy").len() >= 2
                && smtp.mails().len() >= 2
        }),
        "offline everywhere"
    );
    // Every channel past the newest event: no delivery is still to come.
    assert!(wait_until(Duration::from_secs(20), || {
        crate::waits::notify_caught_up(&s)
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);

    // Webhook: the envelope, custom header, a valid signature, once each.
    let hook = rx.delivered("hook");
    assert_eq!(types(&rx, "hook"), ["stream_online", "stream_offline"]);
    for h in &hook {
        assert!(verify_hmac(SECRET, h), "bad signature on {:?}", h.json());
        assert_eq!(h.header("X-Team"), "rec");
        let v = h.json();
        assert!(v["event_id"].as_i64().unwrap() > 0);
        assert_eq!(v["streamer"]["name"], "alice");
        assert!(v["timestamp"].as_str().unwrap().contains('T'));
    }
    assert!(
        hook[0].json()["event_id"].as_i64() < hook[1].json()["event_id"].as_i64(),
        "in order"
    );
    assert!(
        hook[1].json()["data"]["files"].as_i64().is_some(),
        "{}",
        hook[1].json()
    );
    // The stream start is the platform's, not the moment srec noticed.
    let started = hook[0].json()["data"]["started_at"]
        .as_str()
        .unwrap()
        .to_string();
    let started = chrono::DateTime::parse_from_rfc3339(&started).unwrap();
    assert_eq!(
        started.timestamp_millis(),
        since as i64,
        "{}",
        hook[0].json()
    );
    let mut tampered = hook[0].clone();
    tampered.body.push(b' ');
    assert!(!verify_hmac(SECRET, &tampered));

    // Discord: a 429 first, then the same message once more, then offline.
    let dc = rx.hits("discord");
    assert_eq!(dc[0].status, 429);
    assert_eq!(dc.iter().filter(|h| h.ok()).count(), 2, "each event once");
    let msg = dc[1].json();
    assert_eq!(msg["embeds"][0]["title"], "alice is live");
    assert_eq!(msg["embeds"][0]["color"], 0x2e_cc71);
    assert_eq!(msg["content"], "<@42>");
    // The avatar the platform reported is the embed's thumbnail, on every
    // event about the streamer.
    assert_eq!(msg["embeds"][0]["thumbnail"]["url"], avatar, "{msg}");
    assert_eq!(
        rx.delivered("discord")[1].json()["embeds"][0]["thumbnail"]["url"],
        avatar
    );
    assert_eq!(
        rx.delivered("discord")[1].json()["embeds"][0]["title"],
        "alice went offline"
    );

    // ntfy: title, priority mapping (online is high = 4) and tags.
    let push = rx.delivered("ntfy");
    assert_eq!(push.len(), 2);
    assert_eq!(push[0].header("Title"), "alice is live");
    assert_eq!(push[0].header("Priority"), "4");
    assert_eq!(push[0].header("Tags"), "stream_online");
    assert_eq!(push[1].header("Priority"), "3");

    // Email: a real SMTP conversation, one mail per event.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(mails[0].subject(), "alice is live");
    assert_eq!(mails[1].subject(), "alice went offline");
    assert!(mails[0].from.contains("srec@localhost"));
    assert_eq!(mails[0].to, ["<me@localhost>"]);
}

#[test]
fn outages_are_retried_dead_lettered_and_retried_on_demand() {
    let rx = Receiver::start();
    let s = Srec::new();
    let common = "events = [\"disk_low\"]\nbackoff = \"100ms\"\nmax_backoff = \"300ms\"\n\
                  breaker_threshold = 100";
    s.write_config(&format!(
        "[notify.channels.patient]\ntype = \"webhook\"\nurl = \"{}\"\nmax_attempts = 50\n{common}\n\
         [notify.channels.hasty]\ntype = \"webhook\"\nurl = \"{}\"\nmax_attempts = 2\n{common}\n",
        rx.url("patient"),
        rx.url("hasty"),
    ));
    let mut d = start(&s);
    wait_channels(&mut d, &["patient", "hasty"]);
    rx.set_down(true);
    let payload = r#"{"path":"/rec","free_bytes":1000,"min_free_bytes":5000}"#;
    let id = insert_event(&s, "disk_low", payload);
    assert!(wait_until(Duration::from_secs(15), || {
        rx.hits("patient").len() >= 3 && rx.hits("hasty").len() >= 2
    }));
    // The hasty channel gave up: a dead letter with the last error.
    assert!(wait_until(Duration::from_secs(10), || {
        s.json(&["notify", "dead-letters"])
            .as_array()
            .is_some_and(|a| a.len() == 1)
    }));
    let dead = s.json(&["notify", "dead-letters"]);
    assert_eq!(dead[0]["channel"], "hasty");
    assert_eq!(dead[0]["event_id"], id);
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("503"),
        "{dead}"
    );
    assert!(s.ok(&["notify", "dead-letters"]).contains("hasty"));

    // The receiver comes back: the patient channel delivers on its own.
    rx.set_down(false);
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "patient") == [id]));
    // A later event reaching the hasty channel proves it runs again and
    // has passed the dead letter without sending it.
    let later = insert_event(
        &s,
        "disk_low",
        r#"{"path":"/other","free_bytes":1000,"min_free_bytes":5000}"#,
    );
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "hasty") == [later]));
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "patient")
        == [id, later]));
    // Kept: the retry poller (1 s) leaves no trace to wait for; two rounds.
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(ids(&rx, "hasty"), [later], "dead letters wait for a retry");

    let out = s.ok(&["notify", "retry", "--all"]);
    assert!(out.contains("1 dead letter"), "{out}");
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "hasty") == [later, id]));
    assert!(wait_until(Duration::from_secs(5), || {
        s.json(&["notify", "dead-letters"])
            .as_array()
            .is_some_and(|a| a.is_empty())
    }));
    assert_eq!(ids(&rx, "patient"), [id, later], "delivered once");
    let missing = s.run(&["notify", "retry", "999"]);
    assert_eq!(missing.code(), 1);
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn an_event_left_by_kill_9_is_delivered_once_after_restart() {
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config(&format!(
        "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n\
         events = [\"disk_low\", \"pipeline_failed\"]\n",
        rx.url("hook")
    ));
    let mut d = start(&s);
    d.wait_for("notification channel started", Duration::from_secs(5));
    let first = insert_event(
        &s,
        "disk_low",
        r#"{"path":"/a","free_bytes":1,"min_free_bytes":2}"#,
    );
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "hook") == [first]));
    d.signal("KILL");
    d.wait_exit(EXIT);
    // Written while the daemon is dead: between the outbox write and delivery.
    let second = insert_event(
        &s,
        "pipeline_failed",
        r#"{"dag_id":1,"pipeline":"upload","streamer_id":null,"session_id":null,"outputs":[],"error":"rclone exited 1"}"#,
    );
    // An unknown kind is skipped, not an error.
    insert_event(&s, "future_kind", "{}");
    let mut d = start(&s);
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "hook")
        .len()
        >= 2));
    // The channel passed the last row (the skipped unknown kind).
    assert!(wait_until(Duration::from_secs(10), || {
        crate::waits::notify_caught_up(&s)
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let mut got = ids(&rx, "hook");
    got.dedup();
    assert_eq!(got, [first, second], "each event once, in order");
    let failed = &rx.delivered("hook")[1];
    assert!(verify_hmac(SECRET, failed));
    assert_eq!(failed.json()["event_type"], "pipeline_failed");
    assert_eq!(failed.json()["title"], "Pipeline upload failed");
}

#[test]
fn notify_test_prints_the_answer_and_config_show_hides_secrets() {
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config(&format!(
        "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}?token=tok-123\"\nsecret = \"{SECRET}\"\n",
        rx.url("hook")
    ));
    let out = s.ok(&["notify", "test", "hook"]);
    assert!(out.contains("sent to hook: 200"), "{out}");
    let hit = &rx.delivered("hook")[0];
    assert_eq!(hit.json()["event_type"], "test");
    assert!(verify_hmac(SECRET, hit));
    let unknown = s.run(&["notify", "test", "nope"]);
    assert_eq!(unknown.code(), 1);
    assert!(
        unknown.stderr().contains("no channel `nope`"),
        "{}",
        unknown.stderr()
    );
    rx.set_down(true);
    let down = s.run(&["notify", "test", "hook"]);
    assert_eq!(down.code(), 1);
    assert!(down.stderr().contains("503"), "{}", down.stderr());
    let shown = s.ok(&["config", "show"]);
    assert!(
        !shown.contains("tok-123") && !shown.contains(SECRET),
        "{shown}"
    );
}

#[test]
fn a_channel_added_by_a_config_reload_starts_delivering() {
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config("[api]\nport = 0\n");
    let mut d = start(&s);
    s.write_config(&format!(
        "[api]\nport = 0\n[notify.channels.late]\ntype = \"ntfy\"\nurl = \"{}\"\ntitle = \"{{streamer}}: {{event}}\"\nmin_priority = \"low\"\n",
        rx.url("late")
    ));
    d.wait_for("notification channels reloaded", Duration::from_secs(10));
    d.wait_for("notification channel started", Duration::from_secs(5));
    insert_event(
        &s,
        "disk_low",
        r#"{"path":"/rec","free_bytes":1024,"min_free_bytes":2048}"#,
    );
    assert!(wait_until(Duration::from_secs(10), || !rx
        .delivered("late")
        .is_empty()));
    let hit = &rx.delivered("late")[0];
    assert_eq!(hit.header("Title"), "srec: disk_low");
    assert_eq!(hit.header("Priority"), "5", "critical maps to 5");
    assert!(String::from_utf8_lossy(&hit.body).contains("/rec: only 1.0 KiB free"));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let last = rx.delivered("late").last().unwrap().clone();
    assert_eq!(
        last.header("Tags"),
        "daemon_stopping",
        "sent before exit; log:\n{}",
        d.seen.join("\n")
    );
}

#[test]
fn a_failing_streamer_reports_streamer_error_once() {
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\n\
         [notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}\"\nevents = [\"streamer_error\"]\n",
        rx.url("hook")
    ));
    s.ok(&["add", "http://127.0.0.1:9/live/x.flv", "--name", "gone"]);
    let mut d = start(&s);
    assert!(
        wait_until(Duration::from_secs(20), || !rx.delivered("hook").is_empty()),
        "log:\n{}",
        d.seen.join("\n")
    );
    // Three more failed checks after the report: chances to report again.
    let errors = crate::waits::consecutive_errors(&s, 1);
    assert!(wait_until(Duration::from_secs(20), || {
        crate::waits::consecutive_errors(&s, 1) >= errors + 3
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let hits = rx.delivered("hook");
    assert_eq!(hits.len(), 1, "only the transition is reported");
    let v = hits[0].json();
    assert_eq!(v["streamer"]["name"], "gone");
    assert!(v["data"]["error"].as_str().is_some(), "{v}");
    assert_eq!(v["data"]["reason"], "check_failed", "{v}");
}

#[test]
fn identical_events_of_a_streamer_are_debounced() {
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1h\"\n[notify]\ndebounce = \"1h\"\n\
         [notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}\"\n\
         events = [\"stream_online\", \"disk_low\"]\n",
        rx.url("hook")
    ));
    s.ok(&["add", "http://127.0.0.1:9/live/flap.flv", "--name", "flap"]);
    let mut d = start(&s);
    d.wait_for("notification channel started", Duration::from_secs(5));
    let live = r#"{"type":"live","session_id":1,"title":"t","category":null,"streams":[]}"#;
    let ins = |kind: &str, payload: &str| {
        db(&s)
            .with(|c| outbox::insert(c, Some(1), kind, payload))
            .unwrap()
    };
    let first = ins("live", live);
    ins("live", live);
    ins("live", live);
    let sentinel = ins(
        "disk_low",
        r#"{"path":"/r","free_bytes":1,"min_free_bytes":2}"#,
    );
    assert!(wait_until(Duration::from_secs(10), || ids(&rx, "hook")
        .contains(&sentinel)));
    assert_eq!(ids(&rx, "hook"), [first, sentinel], "one online per window");
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}
