//! One channel's delivery task: reads the outbox after the channel's own
//! cursor (`notify:<id>`), filters, debounces, sends with retries, writes a
//! dead letter after `max_attempts`, and only then moves the cursor (once
//! per batch or 250 ms). A crash between a send and the cursor write
//! re-sends those events after the restart with the same ids (receivers
//! dedupe by them). Dead letters marked
//! for retry are re-sent between outbox batches.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::channel::{Channel, Failure, Sent, Text};
use super::event::{Event, StreamerRef};
use super::retry::{Breaker, delay};
use crate::config::notify::ChannelConfig;
use crate::db::outbox::OutboxRow;
use crate::db::{Db, notify as store};
use crate::monitor::follow::Follower;

/// Longest time handled rows wait for their position to be stored: one
/// write per batch (or per this interval) instead of one per event; a crash
/// re-sends at most what was handled since (receivers dedupe by id).
const ACK_EVERY: Duration = Duration::from_millis(250);
/// Rows read per batch.
const BATCH: usize = 64;
/// How often dead letters marked for retry are looked for.
const RETRY_POLL: Duration = Duration::from_secs(1);

/// Cursor name of channel `id` in `outbox_cursors`.
pub fn consumer_name(id: &str) -> String {
    format!("notify:{id}")
}

/// What became of one event.
#[derive(Debug)]
enum Outcome {
    Sent,
    Dead,
    Cancelled,
}

pub struct Worker {
    pub id: String,
    pub config: ChannelConfig,
    pub channel: Channel,
    pub db: Db,
    pub debounce: Duration,
    breaker: Breaker,
    last_sent: HashMap<(&'static str, i64), Instant>,
}

impl Worker {
    pub fn new(
        id: String,
        config: ChannelConfig,
        channel: Channel,
        db: Db,
        debounce: Duration,
    ) -> Self {
        let d = config.delivery();
        let breaker = Breaker::new(d.breaker_threshold, d.breaker_cooldown);
        Self {
            id,
            config,
            channel,
            db,
            debounce,
            breaker,
            last_sent: HashMap::new(),
        }
    }

    /// Delivers until `cancel` fires.
    pub async fn run(mut self, mut follower: Follower, cancel: CancellationToken) {
        tracing::info!(channel = %self.id, kind = self.config.kind(), position = follower.position(), "notification channel started");
        loop {
            if !self.retry_dead_letters(&cancel).await {
                return;
            }
            let rows = tokio::select! {
                rows = follower.next(BATCH, &cancel) => match rows {
                    Some(r) => r,
                    None => return,
                },
                _ = tokio::time::sleep(RETRY_POLL) => continue,
            };
            let mut done = None;
            let mut saved = Instant::now();
            for row in rows {
                if let Some(ev) = self.prepare(&row).await {
                    if saved.elapsed() >= ACK_EVERY {
                        self.ack(&mut follower, done.take()).await;
                        saved = Instant::now();
                    }
                    if let Outcome::Cancelled = self.deliver(&row, &ev, &cancel).await {
                        self.ack(&mut follower, done).await;
                        return;
                    }
                }
                done = Some(row.id);
            }
            self.ack(&mut follower, done).await;
        }
    }

    /// Stores the position up to `id` (if any).
    async fn ack(&self, follower: &mut Follower, id: Option<i64>) {
        if let Some(id) = id
            && let Err(e) = follower.ack(id).await
        {
            tracing::warn!(channel = %self.id, "cannot store the delivery position: {e}");
        }
    }

    /// The event for `row` if this channel wants it (type, priority,
    /// streamer filter, debounce).
    async fn prepare(&mut self, row: &OutboxRow) -> Option<Event> {
        let mut ev = load_event(&self.db, row).await?;
        let d = self.config.delivery();
        if !d.events.is_empty() && !d.events.iter().any(|e| e == ev.event_type) {
            return None;
        }
        if ev.priority < d.min_priority {
            return None;
        }
        if !d.streamers.is_empty() {
            let s = ev.streamer.as_ref()?;
            if !d
                .streamers
                .iter()
                .any(|f| *f == s.name || *f == s.id.to_string())
            {
                return None;
            }
        }
        if ev.debounced() && !self.debounce.is_zero() {
            let key = (ev.event_type, ev.streamer.as_ref().map_or(0, |s| s.id));
            let now = Instant::now();
            if let Some(last) = self.last_sent.get(&key)
                && now.duration_since(*last) < self.debounce
            {
                tracing::debug!(channel = %self.id, id = ev.id, kind = ev.event_type, "debounced");
                return None;
            }
            self.last_sent.insert(key, now);
        }
        if ev.event_type == "stream_offline" {
            enrich_offline(&self.db, &mut ev).await;
        }
        Some(ev)
    }

    /// Sends with retries; a dead letter after `max_attempts`.
    async fn deliver(
        &mut self,
        row: &OutboxRow,
        ev: &Event,
        cancel: &CancellationToken,
    ) -> Outcome {
        let d = self.config.delivery();
        let text = Text::render(ev, &d);
        let mut attempt = 0;
        loop {
            let rest = self.breaker.wait(Instant::now());
            if !rest.is_zero() && !sleep(rest, cancel).await {
                return Outcome::Cancelled;
            }
            attempt += 1;
            let result = tokio::select! {
                _ = cancel.cancelled() => return Outcome::Cancelled,
                r = self.channel.send(ev, &text) => r,
            };
            match result {
                Ok(sent) => {
                    self.breaker.success();
                    log_sent(&self.id, ev, &sent);
                    return Outcome::Sent;
                }
                Err(f) => {
                    if self.breaker.failure(Instant::now()) {
                        tracing::warn!(channel = %self.id, "circuit breaker open for {:?}", d.breaker_cooldown);
                    }
                    if f.permanent || attempt >= d.max_attempts {
                        self.bury(row, &f, attempt).await;
                        return Outcome::Dead;
                    }
                    let wait = delay(d.backoff, d.max_backoff, attempt, f.retry_after);
                    tracing::info!(channel = %self.id, id = ev.id, attempt, "send failed ({}), retrying in {wait:?}", f.message);
                    if !sleep(wait, cancel).await {
                        return Outcome::Cancelled;
                    }
                }
            }
        }
    }

    async fn bury(&self, row: &OutboxRow, f: &Failure, attempts: u32) {
        tracing::warn!(channel = %self.id, id = row.id, attempts, "notification moved to dead letters: {}", f.message);
        let (ch, row, msg) = (self.id.clone(), row.clone(), f.message.clone());
        if let Err(e) = self
            .db
            .call(move |c| store::insert(c, &ch, &row, &msg, attempts))
            .await
        {
            tracing::error!(channel = %self.id, "cannot store a dead letter: {e}");
        }
    }

    /// Re-sends dead letters marked for retry; false when cancelled.
    async fn retry_dead_letters(&mut self, cancel: &CancellationToken) -> bool {
        let ch = self.id.clone();
        let letters = match self
            .db
            .call(move |c| store::retry_requested(c, &ch, BATCH))
            .await
        {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(channel = %self.id, "cannot read dead letters: {e}");
                return true;
            }
        };
        for letter in letters {
            let row = letter.event();
            let Some(ev) = load_event(&self.db, &row).await else {
                let id = letter.id;
                let _ = self.db.call(move |c| store::delete(c, id)).await;
                continue;
            };
            match self.deliver(&row, &ev, cancel).await {
                Outcome::Cancelled => return false,
                Outcome::Dead => {}
                Outcome::Sent => {
                    let id = letter.id;
                    if let Err(e) = self.db.call(move |c| store::delete(c, id)).await {
                        tracing::warn!(channel = %self.id, "cannot remove a delivered dead letter: {e}");
                    }
                }
            }
        }
        true
    }
}

fn log_sent(id: &str, ev: &Event, sent: &Sent) {
    tracing::debug!(channel = %id, id = ev.id, kind = ev.event_type, status = ?sent.status, "notification sent");
}

/// Sleeps unless cancelled first; false when cancelled.
async fn sleep(d: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

/// The event of an outbox row with its streamer looked up; `None` for an
/// unknown kind.
pub async fn load_event(db: &Db, row: &OutboxRow) -> Option<Event> {
    super::event::classify(&row.kind)?;
    let streamer = match row.streamer_id {
        Some(id) => db
            .call(move |c| store::streamer_ref(c, id))
            .await
            .ok()
            .flatten()
            .map(|(name, url, avatar)| StreamerRef {
                id,
                name,
                url,
                avatar,
            })
            .or(Some(StreamerRef {
                id,
                name: format!("streamer {id}"),
                url: String::new(),
                avatar: None,
            })),
        None => None,
    };
    Event::from_row(row, streamer)
}

/// Adds the session's duration, file count and bytes to an offline event.
async fn enrich_offline(db: &Db, ev: &mut Event) {
    let Some(session) = ev
        .data
        .get("session_id")
        .and_then(serde_json::Value::as_i64)
    else {
        return;
    };
    if let Ok((duration_ms, files, bytes)) =
        db.call(move |c| store::session_totals(c, session)).await
    {
        ev.extend(serde_json::json!({
            "duration_ms": duration_ms,
            "files": files,
            "bytes": bytes,
        }));
    }
}
