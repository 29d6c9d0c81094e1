//! The read path: a few read-only connections to the same WAL database,
//! so dashboard, API and monitor reads never queue behind the one writer
//! connection (which may wait up to the busy timeout for a CLI's write
//! lock). In WAL mode a reader sees the last committed state and is never
//! blocked by a writer, so each read waits for at most its own statement.
//!
//! A tiny pool of our own rather than a crate: connections are opened
//! lazily up to [`MAX_READERS`], handed out one per closure, and returned
//! on drop; nothing else is needed here.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::DbError;

/// Upper bound of open read connections: the dashboard, the API and the
/// monitor rarely read at the same time, and each read is short.
pub const MAX_READERS: usize = 4;

/// Read-only connections to one database file.
pub struct ReadPool {
    path: PathBuf,
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    idle: Vec<Connection>,
    open: usize,
}

impl ReadPool {
    /// A pool for `path`; no connection is opened until the first read.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a read-only connection, waiting for one when all
    /// [`MAX_READERS`] are busy.
    pub fn with<R>(&self, f: impl FnOnce(&Connection) -> Result<R, DbError>) -> Result<R, DbError> {
        let conn = self.take()?;
        let out = f(&conn);
        self.give_back(conn);
        out
    }

    fn take(&self) -> Result<Connection, DbError> {
        let mut st = self.lock();
        loop {
            if let Some(c) = st.idle.pop() {
                return Ok(c);
            }
            if st.open < MAX_READERS {
                st.open += 1;
                drop(st);
                return self.open_one().inspect_err(|_| {
                    self.lock().open -= 1;
                    self.freed.notify_one();
                });
            }
            st = self.freed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn give_back(&self, conn: Connection) {
        // A reader left inside a transaction (a closure that began one)
        // would pin an old snapshot and stop checkpoints: drop it instead.
        let mut st = self.lock();
        if conn.is_autocommit() {
            st.idle.push(conn);
        } else {
            st.open -= 1;
        }
        drop(st);
        self.freed.notify_one();
    }

    fn open_one(&self) -> Result<Connection, DbError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn =
            Connection::open_with_flags(&self.path, flags).map_err(|source| DbError::Open {
                path: self.path.clone(),
                source,
            })?;
        // A reader can still see SQLITE_BUSY briefly while the writer
        // restarts the WAL; the timeout covers that, not a writer's work.
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "query_only", "ON")?;
        Ok(conn)
    }

    /// Open read connections (tests).
    pub fn open_count(&self) -> usize {
        self.lock().open
    }
}

#[cfg(test)]
mod tests {
    use super::super::Db;
    use crate::db::streamers;
    use crate::model::streamer::NewStreamer;

    #[test]
    fn reads_proceed_while_another_connection_holds_the_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("srec.db");
        let db = Db::open(&path).unwrap();
        db.with(|c| {
            streamers::insert(c, &NewStreamer::new("http://h/a", "a", "generic"))?;
            Ok(())
        })
        .unwrap();
        let other = rusqlite::Connection::open(&path).unwrap();
        other
            .execute_batch("BEGIN IMMEDIATE; DELETE FROM streamers;")
            .unwrap();
        let seen = db.read_with(streamers::list).unwrap();
        assert_eq!(seen.len(), 1, "the committed state, not the open write");
        other.execute_batch("COMMIT").unwrap();
        assert!(db.read_with(streamers::list).unwrap().is_empty());
        let pool = db.read_pool().expect("a file database has a read pool");
        assert_eq!(pool.open_count(), 1, "one reader reused");
    }

    #[test]
    fn readers_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("srec.db")).unwrap();
        let err = db
            .read_with(|c| {
                c.execute("DELETE FROM streamers", [])?;
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(err, crate::db::DbError::Sqlite(_)), "{err:?}");
    }

    #[test]
    fn the_pool_never_opens_more_than_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("srec.db")).unwrap();
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || db.read_with(streamers::list).map(|v| v.len()))
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap(), 0);
        }
        let pool = db.read_pool().unwrap();
        assert!(pool.open_count() <= super::MAX_READERS);
    }
}
