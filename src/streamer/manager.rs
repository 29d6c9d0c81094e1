//! StreamerManager: the in-memory view of all streamers, written through to
//! SQLite before memory changes or events are published.

use std::collections::HashMap;
use std::sync::RwLock;

use rusqlite::TransactionBehavior;
use tokio::sync::broadcast;

use super::model::{NewStreamer, Streamer, StreamerState};
use crate::db::sessions::Recovery;
use crate::db::{Db, DbError, streamers};
use crate::events::ConfigUpdateEvent;

/// Owner of streamer state for a running daemon.
pub struct StreamerManager {
    db: Db,
    map: RwLock<HashMap<i64, Streamer>>,
    events: broadcast::Sender<ConfigUpdateEvent>,
}

impl StreamerManager {
    /// Runs restart recovery (Live → NotLive, open sessions closed), then
    /// loads every streamer into memory.
    pub async fn start(
        db: Db,
        events: broadcast::Sender<ConfigUpdateEvent>,
    ) -> Result<(Self, Recovery), DbError> {
        let recovery = super::recovery::recover(&db).await?;
        let all = db.call(|c| streamers::list(c)).await?;
        let map = all.into_iter().map(|s| (s.id, s)).collect();
        Ok((
            Self {
                db,
                map: RwLock::new(map),
                events,
            },
            recovery,
        ))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<i64, Streamer>> {
        self.map.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<i64, Streamer>> {
        self.map.write().unwrap_or_else(|p| p.into_inner())
    }

    /// One streamer.
    pub fn get(&self, id: i64) -> Option<Streamer> {
        self.read().get(&id).cloned()
    }

    /// All streamers ordered by id.
    pub fn list(&self) -> Vec<Streamer> {
        let mut v: Vec<Streamer> = self.read().values().cloned().collect();
        v.sort_by_key(|s| s.id);
        v
    }

    /// Number of streamers.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// True when no streamer is configured.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Creates a streamer (DB first, then memory, then the event).
    pub async fn add(&self, new: NewStreamer) -> Result<Streamer, DbError> {
        let s = self.db.call(move |c| streamers::insert(c, &new)).await?;
        self.write().insert(s.id, s.clone());
        let _ = self
            .events
            .send(ConfigUpdateEvent::StreamerAdded { id: s.id });
        Ok(s)
    }

    /// Deletes a streamer; false if it did not exist.
    pub async fn remove(&self, id: i64) -> Result<bool, DbError> {
        let removed = self.db.call(move |c| streamers::delete(c, id)).await?;
        if self.write().remove(&id).is_some() || removed {
            let _ = self.events.send(ConfigUpdateEvent::StreamerRemoved { id });
        }
        Ok(removed)
    }

    /// Enables or disables a streamer. The flag and the daemon-owned
    /// fields are written and read back in one transaction, so memory only
    /// changes once the row is committed and never half-way.
    pub async fn set_enabled(&self, id: i64, enabled: bool) -> Result<bool, DbError> {
        let (changed, fresh) = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let changed = streamers::set_enabled(&tx, id, enabled)?;
                let fresh = streamers::get(&tx, id)?;
                tx.commit()?;
                Ok((changed, fresh))
            })
            .await?;
        if changed {
            if let Some(fresh) = fresh {
                self.apply_daemon_fields(&fresh, |s| s.enabled = enabled);
            }
            let _ = self.events.send(ConfigUpdateEvent::StreamerUpdated { id });
        }
        Ok(changed)
    }

    /// Edits the user settings of a streamer (name, priority, enabled,
    /// template, overrides) with write-through, then announces
    /// `StreamerUpdated` so the scheduler applies it at once. `None` when the
    /// streamer does not exist; no event when nothing changed. Read, edit
    /// and write are one transaction: a concurrent CLI edit cannot slip in
    /// between, and a failed write (a full disk) leaves memory unchanged.
    pub async fn update(
        &self,
        id: i64,
        edit: impl FnOnce(&mut Streamer) + Send + 'static,
    ) -> Result<Option<Streamer>, DbError> {
        let outcome = self
            .db
            .call(move |c| {
                // IMMEDIATE: a deferred transaction that read first could not
                // wait for a CLI's write lock (SQLite only waits before the
                // first read), and would fail with SQLITE_BUSY at once.
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let Some(current) = streamers::get(&tx, id)? else {
                    return Ok(None);
                };
                let mut next = current.clone();
                edit(&mut next);
                if !current.settings_differ(&next) {
                    return Ok(Some((current, false)));
                }
                streamers::update_settings(&tx, &next)?;
                let fresh = streamers::get(&tx, id)?;
                tx.commit()?;
                Ok(fresh.map(|f| (f, true)))
            })
            .await?;
        let Some((fresh, changed)) = outcome else {
            return Ok(None);
        };
        if changed {
            self.write().insert(id, fresh.clone());
            let _ = self.events.send(ConfigUpdateEvent::StreamerUpdated { id });
        }
        Ok(Some(fresh))
    }

    /// Stores the canonical URL a check learnt (write-through). False when
    /// another streamer already has it: then both stay as they are.
    pub async fn set_url(&self, id: i64, url: String) -> Result<bool, DbError> {
        let u = url.clone();
        let changed = self.db.call(move |c| streamers::set_url(c, id, &u)).await?;
        if changed && let Some(s) = self.write().get_mut(&id) {
            s.url = url;
        }
        Ok(changed)
    }

    /// Records an observed state (write-through; no config event): the
    /// update and the read-back are one transaction, so a failed write
    /// (a full disk) changes nothing in memory and a committed one is
    /// always mirrored.
    pub async fn set_state(
        &self,
        id: i64,
        state: StreamerState,
        error: Option<String>,
    ) -> Result<(), DbError> {
        let fresh = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                streamers::set_state(&tx, id, state, error.as_deref())?;
                let fresh = streamers::get(&tx, id)?;
                tx.commit()?;
                Ok(fresh)
            })
            .await?;
        if let Some(fresh) = fresh {
            self.apply_daemon_fields(&fresh, |_| {});
        }
        Ok(())
    }

    /// Re-reads one streamer after another component committed a change
    /// to its row (e.g. the monitor's session transaction).
    pub async fn reload(&self, id: i64) -> Result<(), DbError> {
        self.refresh(id).await
    }

    /// Re-reads the daemon-owned fields (state, errors, timestamps) of one
    /// row through the read pool (it sees every committed change and never
    /// waits for a writer). User settings keep their in-memory values so
    /// that a concurrent CLI edit is still seen as a difference by
    /// [`Self::sync_from_db`] and announced; a row deleted by the CLI is
    /// left to `sync_from_db` too.
    async fn refresh(&self, id: i64) -> Result<(), DbError> {
        let Some(fresh) = self.db.read(move |c| streamers::get(c, id)).await? else {
            return Ok(());
        };
        self.apply_daemon_fields(&fresh, |_| {});
        Ok(())
    }

    /// Copies the daemon-owned fields of a committed row into memory, plus
    /// whatever `also` sets (the field the caller itself just wrote).
    fn apply_daemon_fields(&self, fresh: &Streamer, also: impl FnOnce(&mut Streamer)) {
        if let Some(s) = self.write().get_mut(&fresh.id) {
            s.state = fresh.state;
            s.consecutive_errors = fresh.consecutive_errors;
            s.last_error.clone_from(&fresh.last_error);
            s.last_live_at = fresh.last_live_at;
            s.updated_at = fresh.updated_at;
            also(s);
        }
    }

    /// Reconciles memory with rows changed by another process (the CLI) and
    /// publishes one event per difference.
    pub async fn sync_from_db(&self) -> Result<Vec<ConfigUpdateEvent>, DbError> {
        let rows = self.db.read(streamers::list).await?;
        let mut events = Vec::new();
        {
            let mut map = self.write();
            let mut fresh: HashMap<i64, Streamer> = rows.into_iter().map(|s| (s.id, s)).collect();
            for id in map.keys() {
                if !fresh.contains_key(id) {
                    events.push(ConfigUpdateEvent::StreamerRemoved { id: *id });
                }
            }
            for (id, s) in &fresh {
                match map.get(id) {
                    None => events.push(ConfigUpdateEvent::StreamerAdded { id: *id }),
                    Some(old) if old.settings_differ(s) => {
                        events.push(ConfigUpdateEvent::StreamerUpdated { id: *id })
                    }
                    Some(_) => {}
                }
            }
            std::mem::swap(&mut *map, &mut fresh);
        }
        events.sort_by_key(|e| match e {
            ConfigUpdateEvent::StreamerAdded { id }
            | ConfigUpdateEvent::StreamerRemoved { id }
            | ConfigUpdateEvent::StreamerUpdated { id } => *id,
            ConfigUpdateEvent::GlobalReloaded => 0,
        });
        for e in &events {
            let _ = self.events.send(e.clone());
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(url: &str) -> NewStreamer {
        NewStreamer::new(url, url.rsplit('/').next().unwrap_or("x"), "generic")
    }

    #[tokio::test]
    async fn write_through_and_external_sync() {
        let db = Db::open_in_memory().unwrap();
        let (tx, mut rx) = broadcast::channel(16);
        let (m, _) = StreamerManager::start(db.clone(), tx).await.unwrap();
        let a = m.add(new("http://h/a")).await.unwrap();
        assert_eq!(
            rx.recv().await.unwrap(),
            ConfigUpdateEvent::StreamerAdded { id: a.id }
        );
        m.set_state(a.id, StreamerState::Live, None).await.unwrap();
        let stored = db.with(|c| streamers::get(c, a.id)).unwrap().unwrap();
        assert_eq!(stored.state, StreamerState::Live, "state written through");

        // Another process adds b and disables a.
        let b = db
            .with(|c| streamers::insert(c, &new("http://h/b")))
            .unwrap();
        db.with(|c| streamers::set_enabled(c, a.id, false)).unwrap();
        let evs = m.sync_from_db().await.unwrap();
        assert_eq!(
            evs,
            vec![
                ConfigUpdateEvent::StreamerUpdated { id: a.id },
                ConfigUpdateEvent::StreamerAdded { id: b.id }
            ]
        );
        assert!(!m.get(a.id).unwrap().enabled);
        db.with(|c| streamers::delete(c, b.id)).unwrap();
        assert_eq!(
            m.sync_from_db().await.unwrap(),
            vec![ConfigUpdateEvent::StreamerRemoved { id: b.id }]
        );
        assert_eq!(m.len(), 1);
    }
}

#[cfg(test)]
mod disk_full_tests {
    use super::*;

    /// A file database capped at its current size: any write that needs a
    /// new page fails with `SQLITE_FULL`, like a full disk.
    async fn capped() -> (tempfile::TempDir, Db, StreamerManager, Streamer) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("srec.db")).unwrap();
        let (tx, _rx) = broadcast::channel(16);
        let (m, _) = StreamerManager::start(db.clone(), tx).await.unwrap();
        let a = m
            .add(NewStreamer::new("http://h/a", "a", "generic"))
            .await
            .unwrap();
        db.with(|c| {
            let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
            Ok(())
        })
        .unwrap();
        (dir, db, m, a)
    }

    fn big() -> String {
        "x".repeat(64 * 1024)
    }

    #[tokio::test]
    async fn a_failed_write_leaves_memory_as_the_database() {
        let (_dir, db, m, a) = capped().await;
        let err = m
            .add(NewStreamer::new("http://h/b", big(), "generic"))
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::DiskFull { .. }), "{err:?}");
        assert!(err.to_string().starts_with("database disk full: "), "{err}");
        let err = m
            .update(a.id, |s| s.template = Some(big()))
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::DiskFull { .. }), "{err:?}");

        let stored = db.with(|c| streamers::list(c)).unwrap();
        assert_eq!(stored.len(), 1, "nothing of the failed writes was stored");
        assert_eq!(m.list(), stored, "memory is the database");

        // Writes that fit still work on the same connection afterwards.
        m.set_state(a.id, StreamerState::Live, None).await.unwrap();
        assert!(m.set_enabled(a.id, false).await.unwrap());
        let stored = db.with(|c| streamers::list(c)).unwrap();
        assert_eq!(m.list(), stored);
        assert_eq!(stored[0].state, StreamerState::Live);
        assert!(!stored[0].enabled);
    }
}
