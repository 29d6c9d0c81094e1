//! Repository for the `streamers` table.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{DbError, now_ms};
use crate::model::streamer::{NewStreamer, Priority, Streamer, StreamerState};

const COLUMNS: &str = "id, url, name, platform, state, priority, enabled, template, overrides, \
     consecutive_errors, last_error, last_live_at, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Streamer, DbError>> {
    let state: String = r.get(4)?;
    let priority: String = r.get(5)?;
    let overrides: String = r.get(8)?;
    let id: i64 = r.get(0)?;
    let parsed = (|| {
        Ok(Streamer {
            id,
            url: r.get(1)?,
            name: r.get(2)?,
            platform: r.get(3)?,
            state: state.parse().map_err(DbError::Corrupt)?,
            priority: priority.parse().map_err(DbError::Corrupt)?,
            enabled: r.get(6)?,
            template: r.get(7)?,
            overrides: serde_json::from_str(&overrides)
                .map_err(|e| DbError::Corrupt(format!("overrides of streamer {id}: {e}")))?,
            consecutive_errors: r.get(9)?,
            last_error: r.get(10)?,
            last_live_at: r.get(11)?,
            created_at: r.get(12)?,
            updated_at: r.get(13)?,
        })
    })();
    Ok(parsed)
}

/// Every streamer, ordered by id.
pub fn list(conn: &Connection) -> Result<Vec<Streamer>, DbError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM streamers ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| r?).collect()
}

/// One streamer by id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Streamer>, DbError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM streamers WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .transpose()
}

/// Inserts a streamer; a URL already present is a [`DbError::DuplicateUrl`].
pub fn insert(conn: &Connection, s: &NewStreamer) -> Result<Streamer, DbError> {
    if let Some(existing_id) = conn
        .query_row("SELECT id FROM streamers WHERE url = ?1", [&s.url], |r| {
            r.get(0)
        })
        .optional()?
    {
        return Err(DbError::DuplicateUrl {
            url: s.url.clone(),
            existing_id,
        });
    }
    let overrides = serde_json::to_string(&s.overrides)
        .map_err(|e| DbError::Corrupt(format!("overrides: {e}")))?;
    let now = now_ms();
    conn.execute(
        "INSERT INTO streamers (url, name, platform, priority, enabled, template, overrides, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![s.url, s.name, s.platform, s.priority.as_str(), s.enabled, s.template, overrides, now],
    )?;
    let id = conn.last_insert_rowid();
    get(conn, id)?.ok_or_else(|| DbError::NotFound(format!("streamer {id} vanished after insert")))
}

/// Deletes a streamer (its sessions and segments rows go with it; files stay).
pub fn delete(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM streamers WHERE id = ?1", [id])? > 0)
}

/// Sets the enabled flag; returns whether a row changed.
pub fn set_enabled(conn: &Connection, id: i64, enabled: bool) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE streamers SET enabled = ?2, updated_at = ?3 WHERE id = ?1 AND enabled != ?2",
        params![id, enabled, now_ms()],
    )? > 0)
}

/// Sets priority.
pub fn set_priority(conn: &Connection, id: i64, priority: Priority) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE streamers SET priority = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, priority.as_str(), now_ms()],
    )? > 0)
}

/// Replaces a streamer's URL with its canonical form; false when the row
/// is gone or another streamer already has that URL (both are kept).
pub fn set_url(conn: &Connection, id: i64, url: &str) -> Result<bool, DbError> {
    Ok(conn.execute(
        "UPDATE streamers SET url = ?2, updated_at = ?3
         WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM streamers WHERE url = ?2)",
        params![id, url, now_ms()],
    )? > 0)
}

/// Writes the user-editable settings (name, priority, enabled, template,
/// overrides) of `s`; returns whether the row exists.
pub fn update_settings(conn: &Connection, s: &Streamer) -> Result<bool, DbError> {
    let overrides = serde_json::to_string(&s.overrides)
        .map_err(|e| DbError::Corrupt(format!("overrides: {e}")))?;
    Ok(conn.execute(
        "UPDATE streamers SET name = ?2, priority = ?3, enabled = ?4, template = ?5,
             overrides = ?6, updated_at = ?7
         WHERE id = ?1",
        params![
            s.id,
            s.name,
            s.priority.as_str(),
            s.enabled,
            s.template,
            overrides,
            now_ms()
        ],
    )? > 0)
}

/// Remembers the avatar URL a live check reported (notifications show it).
pub fn set_avatar(conn: &Connection, id: i64, avatar: &str) -> Result<(), DbError> {
    conn.execute(
        "UPDATE streamers SET avatar_url = ?2 WHERE id = ?1",
        params![id, avatar],
    )?;
    Ok(())
}

/// Records a new state; an `Error` state bumps `consecutive_errors`, any
/// other resets it. `Live` stamps `last_live_at`.
pub fn set_state(
    conn: &Connection,
    id: i64,
    state: StreamerState,
    error: Option<&str>,
) -> Result<bool, DbError> {
    let now = now_ms();
    Ok(conn.execute(
        "UPDATE streamers SET state = ?2,
             last_error = CASE WHEN ?3 IS NULL THEN last_error ELSE ?3 END,
             consecutive_errors = CASE WHEN ?2 = 'error' THEN consecutive_errors + 1 ELSE 0 END,
             last_live_at = CASE WHEN ?2 = 'live' THEN ?4 ELSE last_live_at END,
             updated_at = ?4
         WHERE id = ?1",
        params![id, state.as_str(), error, now],
    )? > 0)
}

/// Finds a streamer by id, exact URL or name. Several with the same name
/// is an [`DbError::Ambiguous`] error listing their ids.
pub fn find(conn: &Connection, selector: &str) -> Result<Streamer, DbError> {
    let selector = selector.trim();
    if let Ok(id) = selector.parse::<i64>()
        && let Some(s) = get(conn, id)?
    {
        return Ok(s);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM streamers WHERE url = ?1 OR name = ?1 ORDER BY url = ?1 DESC, id"
    ))?;
    let found: Vec<Streamer> = stmt
        .query_map([selector], from_row)?
        .map(|r| r?)
        .collect::<Result<_, _>>()?;
    match found.as_slice() {
        [] => Err(DbError::NotFound(format!(
            "no streamer matches `{selector}` (give an id, URL or name; see `srec list`)"
        ))),
        [one, ..] if one.url == selector => Ok(one.clone()),
        [one] => Ok(one.clone()),
        many => Err(DbError::Ambiguous(format!(
            "`{selector}` names several streamers (ids {}); use an id or URL",
            many.iter()
                .map(|s| s.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Streamer count per state, for status displays.
pub fn count_by_state(conn: &Connection) -> Result<Vec<(StreamerState, bool, i64)>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, enabled, count(*) FROM streamers GROUP BY state, enabled ORDER BY state",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    rows.map(|r| {
        let (state, enabled, n) = r?;
        Ok((state.parse().map_err(DbError::Corrupt)?, enabled, n))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn new(url: &str, name: &str) -> NewStreamer {
        NewStreamer::new(url, name, "generic")
    }

    #[test]
    fn canonical_url_is_stored_unless_another_streamer_has_it() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let short = insert(c, &new("https://live.bilibili.com/7", "a"))?;
            let other = insert(c, &new("https://live.bilibili.com/10008", "b"))?;
            assert!(set_url(c, short.id, "https://live.bilibili.com/10007")?);
            assert_eq!(
                get(c, short.id)?.unwrap().url,
                "https://live.bilibili.com/10007"
            );
            assert!(!set_url(c, short.id, "https://live.bilibili.com/10008")?);
            assert_eq!(
                get(c, short.id)?.unwrap().url,
                "https://live.bilibili.com/10007"
            );
            assert_eq!(
                get(c, other.id)?.unwrap().url,
                "https://live.bilibili.com/10008"
            );
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn insert_find_update_delete() {
        let db = Db::open_in_memory().unwrap();
        db.with(|c| {
            let a = insert(c, &new("http://h/a", "alice"))?;
            insert(c, &new("http://h/b", "bob"))?;
            insert(c, &new("http://h/b2", "bob"))?;
            assert_eq!(find(c, "alice")?.id, a.id);
            assert_eq!(find(c, &a.id.to_string())?.url, "http://h/a");
            assert_eq!(find(c, "http://h/b2")?.name, "bob");
            assert!(matches!(find(c, "bob"), Err(DbError::Ambiguous(_))));
            assert!(matches!(find(c, "nobody"), Err(DbError::NotFound(_))));
            let dup = insert(c, &new("http://h/a", "again")).unwrap_err();
            assert!(
                matches!(dup, DbError::DuplicateUrl { existing_id, .. } if existing_id == a.id)
            );

            assert!(set_enabled(c, a.id, false)?);
            assert!(
                !set_enabled(c, a.id, false)?,
                "no-op update reports no change"
            );
            set_state(c, a.id, StreamerState::Error, Some("boom"))?;
            set_state(c, a.id, StreamerState::Error, None)?;
            let s = get(c, a.id)?.unwrap();
            assert_eq!(
                (s.consecutive_errors, s.last_error.as_deref()),
                (2, Some("boom"))
            );
            set_state(c, a.id, StreamerState::Live, None)?;
            let s = get(c, a.id)?.unwrap();
            assert_eq!(s.consecutive_errors, 0);
            assert!(s.last_live_at.is_some());
            assert!(delete(c, a.id)?);
            assert_eq!(list(c)?.len(), 2);
            Ok(())
        })
        .unwrap();
    }
}
