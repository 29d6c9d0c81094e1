//! Notification events end to end through the real binary: what
//! `streamer_error` says about a room that needs a login.

use std::time::Duration;

use fake_live::Fault;

use crate::fake::Fake;
use crate::harness::{Srec, wait_until};
use crate::notify_support::{Receiver, start};

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
