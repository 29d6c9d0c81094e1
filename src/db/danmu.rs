//! Repository for `danmu_files`: the chat XML beside each video segment.
//! Closing a file commits its row and the `danmu_finalised` outbox row in
//! one transaction, so the pipeline never pairs a file that is not final.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{DbError, now_ms, outbox};
use crate::events::DanmuFinalised;

/// One chat file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DanmuFile {
    pub id: i64,
    pub session_id: i64,
    pub streamer_id: i64,
    pub seg_index: u32,
    pub path: String,
    pub messages: u64,
    pub dropped: u64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// `open` while written (or left by a crash), `closed` when complete.
    pub state: String,
}

const COLUMNS: &str =
    "id, session_id, streamer_id, seg_index, path, messages, dropped, started_at, ended_at, state";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DanmuFile> {
    Ok(DanmuFile {
        id: r.get(0)?,
        session_id: r.get(1)?,
        streamer_id: r.get(2)?,
        seg_index: r.get(3)?,
        path: r.get(4)?,
        messages: r.get::<_, i64>(5)?.max(0) as u64,
        dropped: r.get::<_, i64>(6)?.max(0) as u64,
        started_at: r.get(7)?,
        ended_at: r.get(8)?,
        state: r.get(9)?,
    })
}

/// Records a file being opened (replacing a row a restarted recording of
/// the same index left).
pub fn open(
    conn: &Connection,
    session_id: i64,
    streamer_id: i64,
    seg_index: u32,
    path: &str,
) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO danmu_files (session_id, streamer_id, seg_index, path, started_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, 'open')
         ON CONFLICT (session_id, seg_index) DO UPDATE SET
           path = excluded.path, started_at = excluded.started_at, ended_at = NULL,
           messages = 0, dropped = 0, state = 'open'",
        params![session_id, streamer_id, seg_index, path, now_ms()],
    )?;
    Ok(conn.query_row(
        "SELECT id FROM danmu_files WHERE session_id = ?1 AND seg_index = ?2",
        params![session_id, seg_index],
        |r| r.get(0),
    )?)
}

/// Marks a file closed with its counts and writes the `danmu_finalised`
/// outbox row in the same transaction. Returns the outbox id, or `None`
/// when the row was already closed (nothing written twice).
pub fn close(
    conn: &mut Connection,
    id: i64,
    messages: u64,
    dropped: u64,
) -> Result<Option<i64>, DbError> {
    let tx = conn.transaction()?;
    let Some(file) = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM danmu_files WHERE id = ?1 AND state = 'open'"),
            [id],
            from_row,
        )
        .optional()?
    else {
        return Ok(None);
    };
    tx.execute(
        "UPDATE danmu_files SET messages = ?2, dropped = ?3, ended_at = ?4, state = 'closed' WHERE id = ?1",
        params![id, messages as i64, dropped as i64, now_ms()],
    )?;
    let payload = DanmuFinalised {
        session_id: file.session_id,
        streamer_id: file.streamer_id,
        index: file.seg_index,
        path: file.path.into(),
        messages,
        dropped,
    };
    let json = serde_json::to_string(&payload).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let out = outbox::insert(&tx, Some(file.streamer_id), DanmuFinalised::KIND, &json)?;
    tx.commit()?;
    Ok(Some(out))
}

/// Updates the live counts of an open file (the dashboard and `srec status`
/// read them while it is written).
pub fn update_counts(
    conn: &Connection,
    id: i64,
    messages: u64,
    dropped: u64,
) -> Result<(), DbError> {
    conn.execute(
        "UPDATE danmu_files SET messages = ?2, dropped = ?3 WHERE id = ?1 AND state = 'open'",
        params![id, messages as i64, dropped as i64],
    )?;
    Ok(())
}

/// Removes a file's row (its video segment was junk and deleted).
pub fn delete(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM danmu_files WHERE id = ?1", [id])? > 0)
}

/// Files left open (by a crash, or still being written).
pub fn open_files(conn: &Connection) -> Result<Vec<DanmuFile>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM danmu_files WHERE state = 'open' ORDER BY id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The chat files of every session still live (closed ones too, so each
/// video file of the current session shows its `.xml`), plus any file
/// left open, by session and segment index.
pub fn current_files(conn: &Connection) -> Result<Vec<DanmuFile>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM danmu_files WHERE state = 'open'
           OR session_id IN (SELECT id FROM live_sessions WHERE ended_at IS NULL)
         ORDER BY session_id, seg_index"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A session's chat files, by segment index.
pub fn for_session(conn: &Connection, session_id: i64) -> Result<Vec<DanmuFile>, DbError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM danmu_files WHERE session_id = ?1 ORDER BY seg_index"
    ))?;
    let rows = stmt.query_map([session_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn open_close_writes_one_outbox_row_and_repairs_are_listed() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let sid: i64 = {
                c.execute(
                    "INSERT INTO streamers (name, url, platform, created_at, updated_at) VALUES ('a', 'http://127.0.0.1/room/a', 'fake', 0, 0)",
                    [],
                )?;
                let st = c.last_insert_rowid();
                crate::db::sessions::open(c, st, None, None, 0)?
            };
            let id = open(c, sid, 1, 0, "/r/a.xml")?;
            assert_eq!(open_files(c)?.len(), 1);
            update_counts(c, id, 3, 1)?;
            assert_eq!(for_session(c, sid)?[0].messages, 3);
            let out = close(c, id, 5, 1)?;
            assert!(out.is_some());
            assert_eq!(close(c, id, 5, 1)?, None, "closing twice writes nothing");
            assert!(open_files(c)?.is_empty());
            let rows = outbox::after(c, 0, 10)?;
            let row = rows.iter().find(|r| r.kind == DanmuFinalised::KIND).unwrap();
            let p: DanmuFinalised = serde_json::from_str(&row.payload).unwrap();
            assert_eq!((p.index, p.messages, p.dropped), (0, 5, 1));
            Ok(())
        })
        .unwrap();
    }
}
