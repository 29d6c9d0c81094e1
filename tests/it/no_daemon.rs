//! `srec status` and `srec list` without a daemon: after `kill -9` of a
//! daemon that was recording, the database still says `live` and has an
//! open session. Both commands say at the top that no daemon runs and as of
//! when the state is known, show `live (last known)` and the recording as
//! interrupted, and their JSON carries `daemon_running: false`.

use std::time::Duration;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};

const EXIT: Duration = Duration::from_secs(35);

fn now_ms() -> i64 {
    srec::db::now_ms()
}

#[test]
fn after_kill_9_status_and_list_show_the_last_known_state_as_such() {
    let fake = Fake::new();
    let room = fake.live_room("nodaemon");
    let s = Srec::new();
    s.write_config(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\nstream_format = \"flv\"\n",
    );
    s.ok(&["add", &room.page_url()]);
    let mut d = s.daemon();
    assert!(wait_until(Duration::from_secs(20), || {
        let r = s.json(&["status"])["recordings"].clone();
        r.as_array().is_some_and(|r| r.len() == 1) && r[0]["bytes"].as_i64() > Some(0)
    }));
    // With the daemon: the state is current and said to be.
    let status = s.json(&["status"]);
    assert_eq!(status["daemon_running"], true, "{status}");
    assert!(status.get("state_as_of").is_none(), "{status}");
    let list = s.json(&["list"]);
    assert_eq!(list[0]["state"], "live", "{list}");
    assert_eq!(list[0]["daemon_running"], true, "{list}");
    assert!(!s.ok(&["list"]).contains("last known"));
    assert!(!s.ok(&["status"]).contains("last known"));
    let seen_recording = now_ms();

    d.signal("KILL");
    d.wait_exit(EXIT);
    let killed = now_ms();

    let text = s.ok(&["status"]);
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("no daemon running — last known state as of "),
        "{text}"
    );
    assert!(text.contains("1 live (last known)"), "{text}");
    assert!(text.contains("recordings: 1 interrupted"), "{text}");
    let status = s.json(&["status"]);
    assert_eq!(status["daemon_running"], false, "{status}");
    assert!(status["daemon"].is_null(), "{status}");
    // Existing fields are kept: the open session is still listed.
    assert_eq!(status["recordings"].as_array().map(Vec::len), Some(1));
    assert_eq!(status["streamers"]["by_state"]["live"], 1, "{status}");
    // The file grew until the kill (written at least every 0.5 s): the
    // state is known as of then.
    let as_of = status["state_as_of"].as_i64().expect("state_as_of");
    assert!(
        (seen_recording - 1_500..=killed).contains(&as_of),
        "{seen_recording} - 1.5 s <= {as_of} <= {killed}"
    );

    let table = s.ok(&["list"]);
    assert!(
        table.starts_with("no daemon running — last known state as of "),
        "{table}"
    );
    assert!(table.contains("live (last known)"), "{table}");
    let list = s.json(&["list"]);
    assert_eq!(list[0]["state"], "live", "the stored state: {list}");
    assert_eq!(list[0]["daemon_running"], false, "{list}");

    // A start recovers (nothing is live any more), and after a clean stop
    // nothing is shown as last-known live or recording.
    room.set_live(false);
    let mut d = s.daemon();
    d.wait_for("recovered from an unclean stop", Duration::from_secs(10));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let text = s.ok(&["status"]);
    assert!(text.starts_with("no daemon running"), "{text}");
    assert!(!text.contains("(last known)"), "{text}");
    assert!(text.contains("recordings: none"), "{text}");
    assert_eq!(s.json(&["list"])[0]["state"], "not_live");
}
