//! Notification events end to end through the real binary: what
//! `streamer_error` says about a room that needs a login, pipeline throttle
//! changes, and the recording events of a real recording of the fake room.

use std::time::Duration;

use fake_live::Fault;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::notify_support::{Receiver, start, types, wait_channels};
use crate::pipeline_support::out_dir;

const EXIT: Duration = Duration::from_secs(35);

#[test]
fn a_room_that_needs_a_login_reports_auth_required() {
    let fake = Fake::new();
    let room = fake.room("locked");
    room.set_fault(Fault::ApiStatus { status: 403 });
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\n\
         [notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}\"\nevents = [\"streamer_error\"]\n",
        rx.url("hook")
    ));
    s.ok(&["add", &room.page_url(), "--name", "locked"]);
    let mut d = start(&s);
    assert!(
        wait_until(Duration::from_secs(20), || !rx.delivered("hook").is_empty()),
        "log:\n{}",
        d.seen.join("\n")
    );
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    let v = rx.delivered("hook")[0].json();
    assert_eq!(v["event_type"], "streamer_error");
    assert_eq!(v["data"]["reason"], "auth_required", "{v}");
    assert!(v["data"]["error"].as_str().unwrap().contains("403"), "{v}");
}

#[test]
fn pipeline_throttle_changes_are_notified() {
    let rx = Receiver::start();
    let s = Srec::new();
    let rec = out_dir(&s);
    s.write_config(&format!(
        r#"[recording]
output_dir = "{rec}"
pipeline = "slow"
[download]
max_concurrent = 4
[pipeline]
cpu_workers = 1
[pipeline.throttle]
enabled = true
high_depth = 2
low_depth = 1
factor = 0.5
[pipelines.slow]
[[pipelines.slow.steps]]
id = "work"
processor = "execute"
command = ["sleep", "0.3"]
[notify.channels.hook]
type = "webhook"
url = "{url}"
events = ["pipeline_throttled", "pipeline_throttle_released"]
"#,
        rec = rec.display(),
        url = rx.url("hook"),
    ));
    let mut cmd = s.daemon_command();
    cmd.env("SREC_LOG", "srec=info");
    let mut d = crate::pipeline_support::daemon_from(&s, cmd);
    wait_channels(&mut d, &["hook"]);
    let id = crate::pipeline_support::streamer(&s, "jay");
    let sess = crate::pipeline_support::session(&s, id, "t");
    crate::pipeline_support::queue_segments(&s, &rec, "q", id, sess, 5);
    assert!(
        wait_until(Duration::from_secs(30), || rx.delivered("hook").len() >= 2),
        "log:\n{}",
        d.seen.join("\n")
    );
    assert!(wait_until(Duration::from_secs(20), || {
        crate::waits::notify_caught_up(&s)
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
    assert_eq!(
        types(&rx, "hook"),
        ["pipeline_throttled", "pipeline_throttle_released"],
        "engaged once, then released once"
    );
    let on = rx.delivered("hook")[0].json();
    assert_eq!(on["priority"], "normal");
    assert_eq!(on["data"]["max_concurrent"], 2, "{on}");
    assert_eq!(on["title"], "Pipeline backlog: fewer new recordings");
    assert_eq!(rx.delivered("hook")[1].json()["data"]["max_concurrent"], 4);
}

#[test]
fn a_real_recording_notifies_its_start_and_its_files() {
    let fake = Fake::new();
    let room = fake.room("alice");
    room.set_live(false);
    let rx = Receiver::start();
    let s = Srec::new();
    s.write_config(&format!(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 2\nstream_format = \"flv\"\n\
         [notify]\ndebounce = \"0s\"\n\
         [notify.channels.hook]\ntype = \"webhook\"\nurl = \"{}\"\nmin_priority = \"low\"\n\
         events = [\"recording_started\", \"segment_finalised\"]\n",
        rx.url("hook")
    ));
    s.ok(&["add", &room.page_url()]);
    let mut d = start(&s);
    wait_channels(&mut d, &["hook"]);
    room.set_live(true);
    assert!(
        wait_until(Duration::from_secs(25), || !rx.delivered("hook").is_empty()),
        "recording_started; log:\n{}",
        d.seen.join("\n")
    );
    // Some media in the file before the room ends it.
    d.wait_for("segment opened", Duration::from_secs(10));
    assert!(crate::waits::wait_checks(&room, 2, Duration::from_secs(20)));
    room.set_live(false);
    assert!(
        wait_until(Duration::from_secs(30), || {
            types(&rx, "hook").iter().any(|t| t == "segment_finalised")
        }),
        "segment_finalised; got {:?}",
        types(&rx, "hook")
    );
    assert!(wait_until(Duration::from_secs(20), || {
        crate::waits::notify_caught_up(&s)
    }));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);

    let got = rx.delivered("hook");
    assert_eq!(types(&rx, "hook")[0], "recording_started");
    let started = got[0].json();
    assert_eq!(started["streamer"]["name"], "alice");
    assert!(started["data"]["engine"].as_str().is_some(), "{started}");
    let session = started["data"]["session_id"].as_i64().unwrap();
    let files: Vec<serde_json::Value> = got[1..].iter().map(|h| h.json()).collect();
    assert!(!files.is_empty());
    for f in &files {
        assert_eq!(f["event_type"], "segment_finalised", "{f}");
        assert_eq!(f["streamer"]["name"], "alice");
        assert_eq!(f["data"]["session_id"], session);
        assert!(f["data"]["bytes"].as_u64().unwrap() > 0, "{f}");
        let path = std::path::PathBuf::from(f["data"]["path"].as_str().unwrap());
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert_eq!(size, f["data"]["bytes"].as_u64().unwrap(), "{f}");
    }
}
