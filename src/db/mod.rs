//! SQLite access: one WAL-mode connection with foreign keys on, migrations
//! applied at open, and repository modules per table group. Async callers go
//! through [`Db::call`], which runs the closure on the blocking pool so the
//! runtime never waits on disk.

pub mod danmu;
pub mod jobs;
pub mod jobs_ops;
pub mod jobs_query;
#[cfg(test)]
mod jobs_tests;
pub mod migrations;
pub mod notify;
pub mod orphans;
pub mod outbox;
pub mod sessions;
pub mod streamers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

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
}

/// Cloneable handle to the single database connection.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
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
        Self::init(conn, path.to_path_buf())
    }

    /// A private in-memory database (tests).
    pub fn open_in_memory() -> Result<Self, DbError> {
        let conn = Connection::open_in_memory()?;
        Self::init(conn, PathBuf::from(":memory:"))
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<Self, DbError> {
        configure(&conn)?;
        migrations::migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on the current thread (CLI, tests).
    pub fn with<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        // A panic while holding the lock cannot leave SQLite half-written
        // (transactions roll back), so a poisoned lock is safe to reuse.
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Runs `f` on the blocking pool; use from async code.
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

    /// Checkpoints the WAL into the main file so a closed database is one
    /// self-contained file.
    pub fn checkpoint(&self) -> Result<(), DbError> {
        self.with(|c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
    }
}

/// Connection settings: WAL for concurrent CLI readers, FULL sync because a
/// committed state change must survive power loss, a busy timeout so the CLI
/// and the daemon can write at the same time.
fn configure(conn: &Connection) -> Result<(), DbError> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
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
