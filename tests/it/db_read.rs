//! The daemon's read path: while another process holds SQLite's write lock
//! (a long CLI write) and a daemon write waits for it inside the writer
//! connection, API reads still answer at once from the read pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::harness::Srec;
use crate::http::{api_addr, request};

/// A read that waited for the writer would take the whole busy wait
/// (seconds); a pooled read takes milliseconds even on a loaded machine.
const READ_DEADLINE: Duration = Duration::from_millis(1500);

#[test]
fn api_reads_complete_while_another_connection_holds_a_write_transaction() {
    let srec = Srec::new();
    srec.ok(&["add", "http://127.0.0.1:9/room/alice"]);
    let _daemon = srec.daemon();
    let addr = api_addr(&srec);
    assert_eq!(request(&addr, "GET", "/api/streamers", None).0, 200);

    // A long write by another process, like a CLI import.
    let cli = rusqlite::Connection::open(srec.db_path()).unwrap();
    cli.execute_batch("BEGIN IMMEDIATE; UPDATE streamers SET name = 'held' WHERE id = 1;")
        .unwrap();

    // A daemon write now waits for that lock inside the writer connection.
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (addr, done) = (addr.clone(), done.clone());
        std::thread::spawn(move || {
            let r = request(
                &addr,
                "PATCH",
                "/api/streamers/1",
                Some(r#"{"priority":"high"}"#),
            );
            done.store(true, Ordering::SeqCst);
            r
        })
    };

    let window = Instant::now();
    let mut reads = 0;
    while window.elapsed() < Duration::from_millis(1500) {
        let t0 = Instant::now();
        let (status, body) = request(&addr, "GET", "/api/streamers", None);
        let took = t0.elapsed();
        assert_eq!(status, 200, "{body}");
        assert!(
            took < READ_DEADLINE,
            "GET /api/streamers took {took:?} while a write waited"
        );
        assert!(body.contains("\"alice\""), "the committed name: {body}");
        reads += 1;
    }
    assert!(
        !done.load(Ordering::SeqCst),
        "the daemon's write must still be waiting, or the reads proved nothing"
    );
    assert!(reads >= 3, "only {reads} reads");

    cli.execute_batch("ROLLBACK").unwrap();
    let (status, body) = writer.join().unwrap();
    assert_eq!(status, 200, "the waiting write goes through: {body}");
    assert!(body.contains("\"high\""), "{body}");
}
