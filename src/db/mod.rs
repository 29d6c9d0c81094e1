//! SQLite access: one WAL-mode writer connection with foreign keys on,
//! migrations applied at open, a small pool of read-only connections
//! ([`pool`]) so reads never wait behind a write, and repository modules per
//! table group. Async callers go through [`Db::call`] (writes) and
//! [`Db::read`] (reads), which run the closure on the blocking pool so the
//! runtime never waits on disk. Errors caused by a full disk come out as
//! [`DbError::DiskFull`] ([`full`]).

pub mod danmu;
pub mod full;
pub mod jobs;
pub mod jobs_ops;
pub mod jobs_query;
#[cfg(test)]
mod jobs_tests;
pub mod migrations;
pub mod notify;
pub mod orphans;
pub mod outbox;
pub mod pool;
pub mod sessions;
#[cfg(test)]
mod sessions_tests;
pub mod streamers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use pool::ReadPool;

/// Errors from the storage layer, with enough context to act on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open database {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create data directory {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create database file {}", path.display())]
    CreateFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database migration failed")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error(
        "database schema version {found} is newer than this srec understands ({known}); upgrade srec"
    )]
    TooNew { found: usize, known: usize },
    #[error("a streamer with URL {url} already exists (id {existing_id})")]
    DuplicateUrl { url: String, existing_id: i64 },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Ambiguous(String),
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    #[error("database worker stopped")]
    Worker,
    /// A write failed because the disk (or the test page cap) is full.
    /// Nothing of the failed transaction was stored.
    #[error("{}", full::describe(path, *free))]
    DiskFull {
        path: PathBuf,
        free: Option<u64>,
        #[source]
        source: rusqlite::Error,
    },
}

/// Cloneable handle to the database: the writer connection and the read
/// pool (none for an in-memory database, or when WAL is unavailable: then
/// reads use the writer).
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    readers: Option<Arc<ReadPool>>,
    path: PathBuf,
}

impl Db {
    /// Opens (creating if needed) the database file and migrates it.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        create_private(path).map_err(|source| DbError::CreateFile {
            path: path.to_path_buf(),
            source,
        })?;
        let conn = Connection::open(path).map_err(|source| DbError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::init(conn, path.to_path_buf(), true)
    }

    /// A private in-memory database (tests).
    pub fn open_in_memory() -> Result<Self, DbError> {
        let conn = Connection::open_in_memory()?;
        Self::init(conn, PathBuf::from(":memory:"), false)
    }

    fn init(mut conn: Connection, path: PathBuf, file: bool) -> Result<Self, DbError> {
        let wal = configure(&conn).map_err(|e| full::classify(e, &path))?;
        migrations::migrate(&mut conn).map_err(|e| full::classify(e, &path))?;
        if file && !wal {
            tracing::warn!(
                path = %path.display(),
                "the database is not in WAL mode (unsupported filesystem?); reads share the writer connection"
            );
        }
        let readers = (file && wal).then(|| Arc::new(ReadPool::new(&path)));
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            readers,
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the writer connection on the current thread (CLI,
    /// tests). A failure leaves no transaction open (SQLite may already
    /// have rolled back after `SQLITE_FULL`; whatever is left is rolled back
    /// here), and a full disk is reported as [`DbError::DiskFull`].
    pub fn with<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (transactions roll back), so a poisoned lock is safe to reuse.
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let out = f(&mut guard);
        if out.is_err() && !guard.is_autocommit() {
            let _ = guard.execute_batch("ROLLBACK");
        }
        out.map_err(|e| full::classify(e, &self.path))
    }

    /// Runs `f` on the blocking pool with the writer; use from async code.
    pub async fn call<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.with(f))
            .await
            .map_err(|_| DbError::Worker)?
    }

    /// Runs a read-only `f` on a pooled reader on the current thread: it
    /// sees the last committed state and never waits for a writer.
    pub fn read_with<R>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        match &self.readers {
            Some(pool) => pool.with(f).map_err(|e| full::classify(e, &self.path)),
            None => self.with(|c| f(c)),
        }
    }

    /// Runs a read-only `f` on the blocking pool with a pooled reader;
    /// use from async code for dashboard, API and monitor queries.
    pub async fn read<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_with(f))
            .await
            .map_err(|_| DbError::Worker)?
    }

    /// The read pool, if this database has one (tests, diagnostics).
    pub fn read_pool(&self) -> Option<&ReadPool> {
        self.readers.as_deref()
    }

    /// Checkpoints the WAL into the main file so a closed database is one
    /// self-contained file.
    pub fn checkpoint(&self) -> Result<(), DbError> {
        self.with(|c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
    }
}

/// Connection settings: WAL for concurrent readers (the read pool, the
/// CLI), FULL sync because a committed state change must survive power
/// loss, a busy timeout so the CLI and the daemon can write at the same
/// time. Returns whether WAL is on (SQLite keeps the old mode when the
/// filesystem cannot do WAL).
fn configure(conn: &Connection) -> Result<bool, DbError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    full::apply_test_cap(conn)?;
    Ok(mode.eq_ignore_ascii_case("wal"))
}

/// Current time as unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Creates the database file readable by its owner only (0600), because it
/// holds per-streamer cookies and tokens; SQLite gives `-wal` and `-shm`
/// the mode of the database file. An existing file keeps its mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(all(test, unix))]
mod mode_tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn database_and_wal_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/srec.db");
        let db = super::Db::open(&path).unwrap();
        db.with(|c| {
            let s = crate::model::streamer::NewStreamer::new("http://h/a", "a", "generic");
            super::streamers::insert(c, &s)?;
            Ok(())
        })
        .unwrap();
        for name in ["srec.db", "srec.db-wal", "srec.db-shm"] {
            let p = dir.path().join("data").join(name);
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name}");
        }
    }
}
