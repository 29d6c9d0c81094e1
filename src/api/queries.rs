//! Read-only session queries the API needs beyond the recorder's
//! repository (`db::sessions`): filtered, paged listing and lookup by id.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::DbError;
use crate::db::sessions::Session;

const COLUMNS: &str = "id, streamer_id, title, category, started_at, ended_at, end_reason";

fn row(r: &Row<'_>) -> rusqlite::Result<Session> {
    crate::db::sessions::session_from_row(r)
}

/// Sessions newest first, filtered by streamer and open/closed, plus the
/// total count before paging.
pub fn list_sessions(
    conn: &Connection,
    streamer_id: Option<i64>,
    active: Option<bool>,
    offset: usize,
    limit: usize,
) -> Result<(Vec<Session>, usize), DbError> {
    let filter = "WHERE (?1 IS NULL OR streamer_id = ?1)
          AND (?2 IS NULL OR (ended_at IS NULL) = ?2)";
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM live_sessions {filter}"),
        params![streamer_id, active],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM live_sessions {filter}
         ORDER BY started_at DESC, id DESC LIMIT ?3 OFFSET ?4"
    ))?;
    let items = stmt
        .query_map(
            params![streamer_id, active, limit as i64, offset as i64],
            row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, usize::try_from(total).unwrap_or(0)))
}

/// One session by id.
pub fn get_session(conn: &Connection, id: i64) -> Result<Option<Session>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM live_sessions WHERE id = ?1"),
            [id],
            row,
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Db, sessions, streamers};
    use crate::streamer::NewStreamer;

    #[test]
    fn filters_and_pages() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let s = streamers::insert(c, &NewStreamer::new("http://h/a", "a", "generic"))?;
            let first = sessions::open(c, s.id, Some("one"), None, 1_000)?;
            sessions::close(c, first, 2_000, "offline")?;
            let open = sessions::open(c, s.id, Some("two"), None, 3_000)?;
            let (all, total) = list_sessions(c, Some(s.id), None, 0, 10)?;
            assert_eq!((all.len(), total), (2, 2));
            assert_eq!(all[0].id, open, "newest first");
            let (active, _) = list_sessions(c, None, Some(true), 0, 10)?;
            assert_eq!(active.iter().map(|s| s.id).collect::<Vec<_>>(), [open]);
            let (page, total) = list_sessions(c, None, None, 1, 1)?;
            assert_eq!((page[0].id, total), (first, 2));
            assert_eq!(list_sessions(c, Some(999), None, 0, 10)?.1, 0);
            assert!(get_session(c, open)?.is_some());
            assert!(get_session(c, 999)?.is_none());
            Ok(())
        })
        .unwrap();
    }
}
