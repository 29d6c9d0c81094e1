//! A full disk under the database (a real `SQLITE_FULL`, made with the
//! test-only page cap `SREC_TEST_DB_MAX_PAGES`): the command that hits it
//! fails with "database disk full", the daemon keeps running, nothing
//! panics, and the daemon's memory matches what was actually committed,
//! as a restart without the cap shows.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use crate::harness::{Daemon, Srec};
use crate::http::{api_addr, request};

const CAP: &str = "SREC_TEST_DB_MAX_PAGES";

fn names(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_string())
        .collect()
}

fn page_count(srec: &Srec) -> i64 {
    let c = rusqlite::Connection::open(srec.db_path()).unwrap();
    c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap()
}

fn url(i: usize) -> String {
    // Long names fill pages quickly (names are capped at 200 characters).
    format!("http://127.0.0.1:9/room/s{i:03}{}", "x".repeat(150))
}

#[test]
fn a_full_database_fails_the_command_clearly_and_memory_stays_committed() {
    let srec = Srec::new();
    srec.ok(&["add", &url(0)]);
    // Room for a few more streamers, not for many.
    let pages = page_count(&srec) + 2;

    let mut cmd = srec.daemon_command();
    cmd.env(CAP, pages.to_string());
    let mut daemon = Daemon::spawn(cmd);
    daemon.wait_for("srec ready", Duration::from_secs(20));
    let addr = api_addr(&srec);

    // Add streamers through the daemon until the database is full.
    let mut failure = None;
    let mut added = 0;
    for i in 1..200 {
        let out = srec.run(&["add", &url(i)]);
        if out.code() != 0 {
            failure = Some(out);
            break;
        }
        added += 1;
    }
    assert!(added >= 1, "the cap left room for some streamers");
    let out = failure.expect("the page cap was never reached");
    assert_eq!(out.code(), 1, "{}", out.stderr());
    let err = out.stderr();
    assert!(err.contains("database disk full: "), "{err}");
    assert!(
        err.contains(&srec.db_path().display().to_string()),
        "names the file: {err}"
    );
    assert!(err.contains(" bytes"), "names the free space: {err}");

    // The daemon is still serving, and what it shows is what is stored.
    assert_eq!(request(&addr, "GET", "/api/health/live", None).0, 200);
    let (status, body) = request(&addr, "GET", "/api/streamers", None);
    assert_eq!(status, 200, "{body}");
    let shown: Value = serde_json::from_str(&body).unwrap();
    let shown = names(&shown["items"]);
    assert_eq!(shown.len(), added + 1, "{body}");
    daemon.wait_for("database disk full", Duration::from_secs(5));

    daemon.signal("TERM");
    daemon.wait_exit(Duration::from_secs(30));
    let log = daemon.seen.join("\n");
    assert!(!log.contains("panicked"), "{log}");

    // Without a daemon the CLI writes the database itself: same message.
    let direct = srec
        .command()
        .env(CAP, pages.to_string())
        .args(["add", &url(500)])
        .output()
        .unwrap();
    let direct_err = String::from_utf8_lossy(&direct.stderr);
    assert_eq!(direct.status.code(), Some(1), "{direct_err}");
    assert!(direct_err.contains("database disk full: "), "{direct_err}");
    assert!(!direct_err.contains("panicked"), "{direct_err}");

    // Lift the cap: the stored state is exactly what the daemon showed.
    assert_eq!(names(&srec.json(&["list"])), shown);
    srec.ok(&["add", &url(600)]);
    assert_eq!(names(&srec.json(&["list"])).len(), shown.len() + 1);
}
