//! A full disk under the database: SQLite's `SQLITE_FULL` (and an
//! `SQLITE_IOERR` on a write while the filesystem is nearly full, e.g. a
//! quota) becomes [`DbError::DiskFull`], which names the file and the free
//! space, so the CLI, the API and the logs say "disk full" instead of a bare
//! "database error". Every call through [`super::Db`] is classified here.
//!
//! Test-only knob: `SREC_TEST_DB_MAX_PAGES=N` caps the database at N pages
//! (`PRAGMA max_page_count`) on every connection srec opens, so integration
//! tests get a real `SQLITE_FULL` without a small filesystem (which needs
//! root). Not for production use.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, ffi};

use super::DbError;

/// Environment variable of the test-only page cap.
pub const TEST_MAX_PAGES_ENV: &str = "SREC_TEST_DB_MAX_PAGES";

/// Below this much free space an I/O error on a write is taken for a full
/// disk (quotas and reserved blocks fail writes with `EDQUOT`/`EIO` before
/// the free count reaches zero).
const NEARLY_FULL: u64 = 16 * 1024 * 1024;

/// Applies the test-only page cap when its variable is set. A value that
/// is not a number is an error: a test that sets it wants it applied.
pub fn apply_test_cap(conn: &Connection) -> Result<(), DbError> {
    let Some(raw) = std::env::var_os(TEST_MAX_PAGES_ENV) else {
        return Ok(());
    };
    let pages: i64 = raw
        .to_str()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| DbError::Corrupt(format!("{TEST_MAX_PAGES_ENV}: not a number: {raw:?}")))?;
    conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
    Ok(())
}

/// Turns a SQLite error caused by a full disk into [`DbError::DiskFull`]
/// for the database at `path`; every other error is returned unchanged.
pub fn classify(err: DbError, path: &Path) -> DbError {
    let sqlite = match &err {
        DbError::Sqlite(e) => e,
        DbError::Migrate(rusqlite_migration::Error::RusqliteError { err: e, .. }) => e,
        _ => return err,
    };
    let Some((code, extended)) = codes(sqlite) else {
        return err;
    };
    let free = free_bytes(path);
    if !is_disk_full(code, extended, free) {
        return err;
    }
    let source = match err {
        DbError::Sqlite(e) => e,
        DbError::Migrate(rusqlite_migration::Error::RusqliteError { err: e, .. }) => e,
        other => return other,
    };
    DbError::DiskFull {
        path: path.to_path_buf(),
        free,
        source,
    }
}

fn codes(e: &rusqlite::Error) -> Option<(ErrorCode, i32)> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some((f.code, f.extended_code)),
        _ => None,
    }
}

/// The decision, apart from the measuring: `SQLITE_FULL` always; an I/O
/// error of the write family only when the filesystem is (nearly) full.
pub fn is_disk_full(code: ErrorCode, extended: i32, free: Option<u64>) -> bool {
    match code {
        ErrorCode::DiskFull => true,
        ErrorCode::SystemIoFailure => {
            let write_family = matches!(
                extended,
                ffi::SQLITE_IOERR_WRITE
                    | ffi::SQLITE_IOERR_FSYNC
                    | ffi::SQLITE_IOERR_DIR_FSYNC
                    | ffi::SQLITE_IOERR_TRUNCATE
                    | ffi::SQLITE_IOERR_SHMSIZE
            );
            write_family && free.is_some_and(|f| f < NEARLY_FULL)
        }
        _ => false,
    }
}

/// The user-facing text of [`DbError::DiskFull`].
pub fn describe(path: &Path, free: Option<u64>) -> String {
    let free = match free {
        Some(n) => format!(
            "free {n} bytes ({})",
            bytesize::ByteSize::b(n).display().iec()
        ),
        None => "free space unknown".to_string(),
    };
    format!(
        "database disk full: {}, {free}; the change was not saved (free some space and retry)",
        path.display()
    )
}

/// Free bytes (for unprivileged users) on the filesystem of the database
/// file; `None` for an in-memory database or when it cannot be measured.
fn free_bytes(path: &Path) -> Option<u64> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    #[cfg(unix)]
    {
        let s = rustix::fs::statvfs(dir).ok()?;
        Some(s.f_bavail.saturating_mul(s.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> DbError {
        DbError::Sqlite(rusqlite::Error::SqliteFailure(
            ffi::Error::new(code),
            Some("x".into()),
        ))
    }

    #[test]
    fn sqlite_full_is_disk_full_with_path_and_free_space() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("srec.db");
        let err = classify(failure(ffi::SQLITE_FULL), &path);
        let DbError::DiskFull { free, .. } = &err else {
            panic!("not mapped: {err:?}");
        };
        assert!(free.is_some(), "a real folder is measured");
        let text = err.to_string();
        assert!(text.starts_with("database disk full: "), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains(" bytes"), "{text}");
    }

    #[test]
    fn io_errors_count_only_when_writing_to_a_nearly_full_disk() {
        let io = ErrorCode::SystemIoFailure;
        assert!(is_disk_full(io, ffi::SQLITE_IOERR_WRITE, Some(4096)));
        assert!(is_disk_full(io, ffi::SQLITE_IOERR_FSYNC, Some(0)));
        assert!(!is_disk_full(io, ffi::SQLITE_IOERR_WRITE, Some(1 << 40)));
        assert!(!is_disk_full(io, ffi::SQLITE_IOERR_WRITE, None));
        assert!(!is_disk_full(io, ffi::SQLITE_IOERR_READ, Some(0)));
        assert!(is_disk_full(ErrorCode::DiskFull, ffi::SQLITE_FULL, None));
        assert!(!is_disk_full(
            ErrorCode::ConstraintViolation,
            ffi::SQLITE_CONSTRAINT_UNIQUE,
            Some(0)
        ));
    }

    #[test]
    fn other_errors_are_unchanged() {
        let path = Path::new("/nonexistent/srec.db");
        let err = classify(failure(ffi::SQLITE_CONSTRAINT), path);
        assert!(matches!(err, DbError::Sqlite(_)), "{err:?}");
        let err = classify(DbError::NotFound("x".into()), path);
        assert!(matches!(err, DbError::NotFound(_)), "{err:?}");
    }

    #[test]
    fn text_without_a_measure_says_so() {
        let t = describe(Path::new(":memory:"), None);
        assert_eq!(
            t,
            "database disk full: :memory:, free space unknown; the change was not saved \
             (free some space and retry)"
        );
    }
}
