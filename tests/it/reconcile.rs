//! The recorder survives lost events: with a one-slot event channel
//! (`SREC_EVENT_CAPACITY=1`) the recorder's receivers lag when many
//! streamers go live at once, and the reconcile step must still record
//! every open session.

use std::time::Duration;

use crate::fake::Fake;
use crate::harness::{Daemon, Srec, wait_until};

const ROOMS: usize = 12;

#[test]
fn every_open_session_is_recorded_although_the_recorder_lags() {
    let fake = Fake::new();
    let s = Srec::new();
    s.write_config(
        "[recording]\ncheck_interval = \"1s\"\noffline_confirmations = 1\nstream_format = \"flv\"\n\
         [download]\nmax_concurrent = 20\n",
    );
    let rooms: Vec<_> = (0..ROOMS).map(|i| fake.room(&format!("lag{i}"))).collect();
    for r in &rooms {
        r.set_live(false);
        s.ok(&["add", &r.page_url()]);
    }
    let mut cmd = s.daemon_command();
    cmd.env("SREC_EVENT_CAPACITY", "1");
    let mut d = Daemon::spawn(cmd);
    d.wait_for("srec ready", Duration::from_secs(20));
    let recording = || {
        s.json(&["status"])["recordings"].as_array().map_or(0, |v| {
            v.iter()
                .filter(|r| r["bytes"].as_i64().is_some_and(|b| b > 0))
                .count()
        })
    };
    // Whether the one-slot channel overflows depends on how the sessions'
    // events bunch up; repeat the go-live until the recorder did lag, so the
    // test always proves recovery from a real lag.
    let mut lagged = false;
    for round in 0..4 {
        for r in &rooms {
            r.set_live(true);
        }
        let all = wait_until(Duration::from_secs(45), || recording() == ROOMS);
        assert!(
            all,
            "round {round}: {} of {ROOMS} sessions recorded",
            recording()
        );
        if d.try_wait_for("recorder missed", Duration::from_secs(1))
            .is_some()
        {
            lagged = true;
            break;
        }
        for r in &rooms {
            r.set_live(false);
        }
        assert!(
            wait_until(Duration::from_secs(45), || recording() == 0),
            "round {round}: sessions end"
        );
    }
    assert!(lagged, "the event channel never overflowed in 4 rounds");
    d.signal("TERM");
    assert_eq!(d.wait_exit(Duration::from_secs(35)), 0);
}
