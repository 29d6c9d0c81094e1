//! Durable outbox consumers. A [`Follower`] reads `monitor_event_outbox`
//! rows after its own cursor (stored in `outbox_cursors`), so a consumer
//! that is slow, down or restarted resumes where it stopped and never
//! depends on the broadcast, which may lag. The flusher's feed is only a
//! wake-up; a one-second poll covers rows written without ringing it.

use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::db::outbox::{self, OutboxRow};
use crate::db::{Db, DbError};

/// Safety-net poll when no wake-up arrives.
const POLL: Duration = Duration::from_secs(1);

/// Where a consumer seen for the first time starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Every row still kept in the outbox.
    Beginning,
    /// Only rows written from now on.
    Now,
}

/// Creates the feed the flusher rings (the highest id it has seen).
pub fn feed() -> watch::Sender<i64> {
    watch::Sender::new(0)
}

/// One durable consumer's reading position.
pub struct Follower {
    db: Db,
    consumer: String,
    last: i64,
    feed: watch::Receiver<i64>,
}

impl Follower {
    /// Loads (or creates) `consumer`'s cursor.
    pub async fn open(
        db: Db,
        consumer: &str,
        start: Start,
        feed: watch::Receiver<i64>,
    ) -> Result<Self, DbError> {
        let name = consumer.to_owned();
        let last = db
            .call(move |c| {
                let from = match start {
                    Start::Beginning => 0,
                    Start::Now => outbox::max_id(c)?,
                };
                outbox::cursor(c, &name, from)
            })
            .await?;
        Ok(Self {
            db,
            consumer: consumer.to_owned(),
            last,
            feed,
        })
    }

    /// The id of the last row acknowledged.
    pub fn position(&self) -> i64 {
        self.last
    }

    /// Waits for rows after the position and returns up to `limit` of them,
    /// oldest first; `None` once `cancel` fires. The same rows come back
    /// until they are acknowledged.
    pub async fn next(
        &mut self,
        limit: usize,
        cancel: &CancellationToken,
    ) -> Option<Vec<OutboxRow>> {
        loop {
            let last = self.last;
            match self.db.read(move |c| outbox::after(c, last, limit)).await {
                Ok(rows) if !rows.is_empty() => return Some(rows),
                Ok(_) => {}
                Err(e) => tracing::warn!(consumer = %self.consumer, "cannot read the outbox: {e}"),
            }
            tokio::select! {
                _ = cancel.cancelled() => return None,
                _ = self.feed.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Stores that every row up to `id` is handled (durably, before the
    /// next read can skip it).
    pub async fn ack(&mut self, id: i64) -> Result<(), DbError> {
        if id <= self.last {
            return Ok(());
        }
        let name = self.consumer.clone();
        self.db.call(move |c| outbox::advance(c, &name, id)).await?;
        self.last = id;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resumes_after_the_acknowledged_row_and_wakes_on_the_feed() {
        let db = Db::open_in_memory().unwrap();
        let old = db.with(|c| outbox::insert(c, None, "live", "{}")).unwrap();
        let tx = feed();
        let cancel = CancellationToken::new();
        let mut fresh = Follower::open(db.clone(), "fresh", Start::Now, tx.subscribe())
            .await
            .unwrap();
        assert_eq!(fresh.position(), old, "Start::Now skips what was there");
        let mut all = Follower::open(db.clone(), "all", Start::Beginning, tx.subscribe())
            .await
            .unwrap();
        let rows = all.next(10, &cancel).await.unwrap();
        assert_eq!(rows[0].id, old);
        let waiter = tokio::spawn(async move {
            let rows = fresh.next(10, &CancellationToken::new()).await.unwrap();
            rows[0].id
        });
        let new = db
            .with(|c| outbox::insert(c, None, "segment_finalised", "{}"))
            .unwrap();
        tx.send_replace(new);
        assert_eq!(waiter.await.unwrap(), new);
        all.ack(old).await.unwrap();
        // A restarted consumer continues after its acknowledged row.
        let mut again = Follower::open(db.clone(), "all", Start::Beginning, tx.subscribe())
            .await
            .unwrap();
        assert_eq!(again.next(10, &cancel).await.unwrap()[0].id, new);
        cancel.cancel();
        let mut idle = Follower::open(db, "idle", Start::Now, tx.subscribe())
            .await
            .unwrap();
        assert!(
            idle.next(10, &cancel).await.is_none(),
            "cancel ends the wait"
        );
    }
}
