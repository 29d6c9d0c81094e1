//! Positive markers a test waits for before it asserts that something did
//! *not* happen: proof the daemon had its chance (a later check cycle seen
//! by the fake server, every notification channel past an outbox row, one
//! more failed check in the database), instead of a fixed sleep.

use std::time::Duration;

use fake_live::Room;
use srec::db::Db;

use crate::harness::{Srec, wait_until};

/// Status requests the fake server got for `room` (single or batch).
pub fn room_checks(room: &Room) -> u64 {
    let s = room.stats();
    s.room_api + s.batch_api
}

/// Waits until `room` got `n` more status requests than now; `n = 2`
/// proves at least one full check cycle (request, answer handled, next
/// request) happened after this call.
pub fn wait_checks(room: &Room, n: u64, within: Duration) -> bool {
    let start = room_checks(room);
    wait_until(within, || room_checks(room) >= start + n)
}

fn query(s: &Srec, sql: &str) -> i64 {
    Db::open(&s.db_path())
        .expect("db")
        .with(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
        .expect("query")
}

/// Whether every notification channel's outbox position has reached the
/// newest outbox row: every event so far was delivered, dead-lettered or
/// skipped, so no delivery of it is still to come.
pub fn notify_caught_up(s: &Srec) -> bool {
    let channels = query(
        s,
        "SELECT COUNT(*) FROM outbox_cursors WHERE consumer LIKE 'notify:%'",
    );
    let behind = query(
        s,
        "SELECT COUNT(*) FROM outbox_cursors WHERE consumer LIKE 'notify:%' \
         AND last_id < (SELECT COALESCE(MAX(id), 0) FROM monitor_event_outbox)",
    );
    channels > 0 && behind == 0
}

/// Failed checks in a row of streamer `id`, as stored.
pub fn consecutive_errors(s: &Srec, id: i64) -> i64 {
    query(
        s,
        &format!("SELECT consecutive_errors FROM streamers WHERE id = {id}"),
    )
}
