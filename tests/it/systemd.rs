//! systemd notifications from the real binary: with `$NOTIFY_SOCKET`
//! pointing at a datagram socket bound here, `srec run --no-tui` says
//! `READY=1` once its API answers, pings `WATCHDOG=1` at half of
//! `$WATCHDOG_USEC`, and says `STOPPING=1` on SIGTERM.

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use crate::harness::{Daemon, Srec};
use crate::http::{api_addr, get};

const EXIT: Duration = Duration::from_secs(35);

/// Datagrams received within `timeout` until one contains `needle`.
fn recv_until(sock: &UnixDatagram, needle: &str, timeout: Duration) -> Vec<String> {
    let end = Instant::now() + timeout;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        if let Ok(n) = sock.recv(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            let done = msg.contains(needle);
            got.push(msg);
            if done {
                return got;
            }
        }
    }
    panic!("no {needle:?} within {timeout:?}; got {got:?}");
}

#[test]
fn systemd_ready_watchdog_and_stopping() {
    let s = Srec::new();
    let path = s.dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut cmd = s.daemon_command();
    cmd.env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID");
    let mut d = Daemon::spawn(cmd);
    let got = recv_until(&sock, "READY=1", Duration::from_secs(20));
    assert_eq!(got.len(), 1, "READY=1 comes first: {got:?}");
    // Ready means the API answers.
    get(&api_addr(&s), "/api/health/ready");
    d.wait_for("srec ready", Duration::from_secs(5));
    let t0 = Instant::now();
    recv_until(&sock, "WATCHDOG=1", Duration::from_secs(2));
    recv_until(&sock, "WATCHDOG=1", Duration::from_secs(2));
    let per_ping = t0.elapsed() / 2;
    assert!(
        per_ping < Duration::from_millis(400),
        "pings every half of WATCHDOG_USEC (0.2 s), saw {per_ping:?}"
    );
    d.signal("TERM");
    recv_until(&sock, "STOPPING=1", Duration::from_secs(10));
    assert_eq!(d.wait_exit(EXIT), 0);
}

#[test]
fn no_notifications_without_notify_socket() {
    // Nothing to assert on a socket; the daemon must simply start and stop.
    let s = Srec::new();
    let mut cmd = s.daemon_command();
    cmd.env_remove("NOTIFY_SOCKET");
    let mut d = Daemon::spawn(cmd);
    d.wait_for("srec ready", Duration::from_secs(20));
    d.signal("TERM");
    assert_eq!(d.wait_exit(EXIT), 0);
}
