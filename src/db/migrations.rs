//! Embedded schema migrations (files in `migrations/`), applied at open.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations, SchemaVersion};

use super::DbError;

/// Every migration, oldest first. Append only: never edit a released one.
pub const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../migrations/0001_initial.sql")),
    M::up(include_str!("../../migrations/0002_session_titles.sql")),
    M::up(include_str!("../../migrations/0003_circuit_breakers.sql")),
    M::up(include_str!("../../migrations/0004_outbox_cursors.sql")),
    M::up(include_str!("../../migrations/0005_danmu_files.sql")),
    M::up(include_str!("../../migrations/0006_pipeline_jobs.sql")),
    M::up(include_str!(
        "../../migrations/0007_notify_dead_letters.sql"
    )),
    M::up(include_str!("../../migrations/0008_session_user_stop.sql")),
    M::up(include_str!("../../migrations/0009_streamer_avatar.sql")),
];

/// Brings the schema to the latest version, refusing a newer database.
pub fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let migrations = Migrations::from_slice(MIGRATIONS);
    let found: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > MIGRATIONS.len() {
        return Err(DbError::TooNew {
            found,
            known: MIGRATIONS.len(),
        });
    }
    migrations.to_latest(conn)?;
    Ok(())
}

/// Applies only the first `n` migrations (tests of upgrade paths).
pub fn migrate_to(conn: &mut Connection, n: usize) -> Result<(), DbError> {
    Migrations::from_slice(MIGRATIONS).to_version(conn, n)?;
    Ok(())
}

/// The schema version stored in the database.
pub fn version(conn: &Connection) -> Result<usize, DbError> {
    Ok(
        match Migrations::from_slice(MIGRATIONS).current_version(conn)? {
            SchemaVersion::NoneSet => 0,
            SchemaVersion::Inside(n) | SchemaVersion::Outside(n) => n.get(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
    }

    #[test]
    fn every_prefix_upgrades_to_latest_keeping_data() {
        for n in 0..MIGRATIONS.len() {
            let mut conn = Connection::open_in_memory().unwrap();
            migrate_to(&mut conn, n).unwrap();
            if n >= 1 {
                conn.execute(
                    "INSERT INTO streamers (url, name, platform, created_at, updated_at)
                     VALUES ('http://a/x', 'x', 'generic', 1, 1)",
                    [],
                )
                .unwrap();
            }
            migrate(&mut conn).unwrap();
            assert_eq!(version(&conn).unwrap(), MIGRATIONS.len());
            let count: i64 = conn
                .query_row("SELECT count(*) FROM streamers", [], |r| r.get(0))
                .unwrap();
            assert_eq!(count, i64::from(n >= 1));
        }
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(err.to_string().contains("newer than this srec"), "{err}");
    }
}
