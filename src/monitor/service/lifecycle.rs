//! Session open and close: the two transitions that commit a session row,
//! the streamer's state and the `Live`/`Offline` outbox event in one
//! transaction, then reset the per-streamer runtime memory.

use super::{Outcome, Runtime, StreamMonitor, insert_event};
use crate::db::{DbError, now_ms, sessions, streamers};
use crate::events::MonitorEventKind;
use crate::platform::LiveStatus;
use crate::streamer::StreamerState;

impl StreamMonitor {
    pub(super) async fn open_session(
        &self,
        id: i64,
        status: LiveStatus,
    ) -> Result<Outcome, DbError> {
        let (title, category) = (status.title.clone(), status.category.clone());
        let sid = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let opened = now_ms();
                let sid = sessions::open(
                    &tx,
                    id,
                    status.title.as_deref(),
                    status.category.as_deref(),
                    opened,
                )?;
                if let Some(t) = &status.title {
                    sessions::record_title(&tx, sid, t, status.category.as_deref())?;
                }
                streamers::set_state(&tx, id, StreamerState::Live, None)?;
                if let Some(a) = status.avatar.as_deref().filter(|a| !a.is_empty()) {
                    streamers::set_avatar(&tx, id, a)?;
                }
                let kind = MonitorEventKind::Live {
                    session_id: sid,
                    title: status.title,
                    category: status.category,
                    streams: status.streams,
                    room: status.room,
                    started_at: Some(status.started_at.unwrap_or(opened)),
                };
                insert_event(&tx, id, &kind)?;
                tx.commit()?;
                Ok(sid)
            })
            .await?;
        {
            let mut map = self.rt();
            let rt = map.entry(id).or_default();
            *rt = Runtime {
                loaded: true,
                session: Some(sid),
                offline_checks: 0,
                title,
                category,
            };
        }
        self.streamers.reload(id).await?;
        self.outbox_wake.notify_one();
        tracing::info!(streamer = id, session = sid, "live: session opened");
        Ok(Outcome::Live { session_id: sid })
    }

    /// Closes a streamer's open session (offline confirmed, filtered,
    /// disabled, removed) and publishes `Offline`.
    pub async fn close_session(
        &self,
        id: i64,
        sid: i64,
        state: StreamerState,
        reason: &str,
    ) -> Result<(), DbError> {
        let kind = MonitorEventKind::Offline {
            session_id: sid,
            reason: reason.to_string(),
        };
        let closed = self
            .db
            .call(move |c| {
                let tx = c.transaction()?;
                let closed = sessions::close(&tx, sid, now_ms(), reason_text(&kind))?;
                if streamers::get(&tx, id)?.is_some() {
                    streamers::set_state(&tx, id, state, None)?;
                }
                if closed {
                    insert_event(&tx, id, &kind)?;
                }
                tx.commit()?;
                Ok(closed)
            })
            .await?;
        {
            let mut map = self.rt();
            let rt = map.entry(id).or_default();
            *rt = Runtime {
                loaded: true,
                ..Default::default()
            };
        }
        self.streamers.reload(id).await?;
        self.outbox_wake.notify_one();
        if closed {
            tracing::info!(streamer = id, session = sid, reason, "session closed");
        }
        Ok(())
    }

    /// Ends the open session of a streamer that is being disabled or removed.
    pub async fn end_session_for(&self, id: i64, reason: &str) -> Result<(), DbError> {
        if let Some(sid) = self.session_of(id).await? {
            self.close_session(id, sid, StreamerState::NotLive, reason)
                .await?;
        }
        self.rt().remove(&id);
        Ok(())
    }
}

/// The reason stored on the closed session row (empty for other events).
fn reason_text(kind: &MonitorEventKind) -> &str {
    match kind {
        MonitorEventKind::Offline { reason, .. } => reason,
        _ => "",
    }
}
