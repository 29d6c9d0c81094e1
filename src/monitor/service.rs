//! The monitor's state machine. Every transition that must survive a crash
//! (session opened or closed, state changed) is committed together with its
//! outbox row in one transaction; the flusher publishes it afterwards.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use tokio::sync::Notify;

use super::filters::{CompiledFilters, Rejection};
use crate::config::{ConfigService, EffectiveConfig};
use crate::db::{Db, DbError, outbox, sessions};
use crate::events::MonitorEventKind;
use crate::platform::http::ClientPool;
use crate::platform::{BatchGroup, CheckContext, LiveStatus, PlatformError, PlatformRegistry};
use crate::streamer::{Streamer, StreamerManager, StreamerState};

mod lifecycle;

/// What one check concluded; the scheduler uses it for timing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Offline,
    Live {
        session_id: i64,
    },
    Filtered(Rejection),
    Failed(PlatformError),
    /// The streamer no longer exists.
    Gone,
}

/// Per-streamer memory between checks.
#[derive(Debug, Default)]
struct Runtime {
    loaded: bool,
    session: Option<i64>,
    offline_checks: u32,
    title: Option<String>,
    category: Option<String>,
}

/// Runs checks and applies their results.
pub struct StreamMonitor {
    pub(super) db: Db,
    pub(super) streamers: Arc<StreamerManager>,
    pub(super) config: Arc<ConfigService>,
    pub(super) platforms: PlatformRegistry,
    pub(super) clients: ClientPool,
    runtime: Mutex<HashMap<i64, Runtime>>,
    outbox_wake: Arc<Notify>,
    /// Seconds each platform request of a check took (`GET /api/metrics`).
    pub check_latency: Histogram,
}

/// Buckets of [`StreamMonitor::check_latency`]: 50 ms to ~100 s.
pub fn check_latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 12))
}

impl StreamMonitor {
    pub fn new(
        db: Db,
        streamers: Arc<StreamerManager>,
        config: Arc<ConfigService>,
        outbox_wake: Arc<Notify>,
    ) -> Self {
        Self {
            db,
            streamers,
            config,
            platforms: PlatformRegistry::default(),
            clients: ClientPool::default(),
            runtime: Mutex::new(HashMap::new()),
            outbox_wake,
            check_latency: check_latency_histogram(),
        }
    }

    fn rt(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Runtime>> {
        self.runtime.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The batch group of a streamer, if its platform checks in batches.
    pub fn batch_group(&self, s: &Streamer) -> Option<BatchGroup> {
        self.platforms.by_name(&s.platform).batch_group(&s.url)
    }

    /// Checks one streamer and applies the result.
    pub async fn check(&self, id: i64) -> Outcome {
        let Some(s) = self.streamers.get(id) else {
            return Outcome::Gone;
        };
        let eff = self.config.effective(&s);
        let result = match self.clients.client(&eff) {
            Ok(http) => {
                let platform = self.platforms.by_name(&s.platform);
                let ctx = CheckContext {
                    url: &s.url,
                    http: &http,
                    config: &eff,
                };
                let t0 = std::time::Instant::now();
                let r = platform.check_live(&ctx).await;
                self.check_latency.observe(t0.elapsed().as_secs_f64());
                r
            }
            Err(e) => Err(PlatformError::Transient(e)),
        }
        .map_err(|e| super::proxy_hint::name_proxy(e, &eff));
        self.apply(&s, &eff, result).await
    }

    /// Asks the platform for the current streams without changing any state
    /// (fresh URLs before restarting a download).
    pub async fn probe(&self, id: i64) -> Result<LiveStatus, PlatformError> {
        let s = self
            .streamers
            .get(id)
            .ok_or_else(|| PlatformError::NotFound(format!("streamer {id}")))?;
        let eff = self.config.effective(&s);
        let http = self
            .clients
            .client(&eff)
            .map_err(PlatformError::Transient)?;
        let platform = self.platforms.by_name(&s.platform);
        let ctx = CheckContext {
            url: &s.url,
            http: &http,
            config: &eff,
        };
        platform
            .check_live(&ctx)
            .await
            .map_err(|e| super::proxy_hint::name_proxy(e, &eff))
    }

    pub(super) async fn session_of(&self, id: i64) -> Result<Option<i64>, DbError> {
        if let Some(rt) = self.rt().get(&id).filter(|r| r.loaded) {
            return Ok(rt.session);
        }
        let active = self.db.read(move |c| sessions::active_for(c, id)).await?;
        let mut map = self.rt();
        let rt = map.entry(id).or_default();
        rt.loaded = true;
        rt.session = active.as_ref().map(|s| s.id);
        rt.title = active.as_ref().and_then(|s| s.title.clone());
        rt.category = active.and_then(|s| s.category);
        Ok(rt.session)
    }

    /// Stores the room's canonical URL when the platform names one that
    /// differs from the streamer's (a Bilibili short id's long id).
    async fn learn_canonical_url(&self, s: &Streamer, room: &crate::platform::RoomIdentity) {
        let Some(url) = self.platforms.by_name(&s.platform).canonical_url(room) else {
            return;
        };
        if url == s.url {
            return;
        }
        match self.streamers.set_url(s.id, url.clone()).await {
            Ok(true) => {
                tracing::info!(streamer = s.id, from = %s.url, to = %url, "stored the room's canonical URL")
            }
            Ok(false) => {
                tracing::warn!(streamer = s.id, url = %url, "another streamer already has the canonical URL of this room")
            }
            Err(e) => tracing::warn!(streamer = s.id, "cannot store the canonical URL: {e}"),
        }
    }

    /// Applies a check result to one streamer.
    pub async fn apply(
        &self,
        s: &Streamer,
        eff: &EffectiveConfig,
        result: Result<LiveStatus, PlatformError>,
    ) -> Outcome {
        match self.apply_inner(s, eff, result).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(streamer = s.id, "cannot record check result: {e}");
                Outcome::Failed(PlatformError::Transient(format!("database: {e}")))
            }
        }
    }

    async fn apply_inner(
        &self,
        s: &Streamer,
        eff: &EffectiveConfig,
        result: Result<LiveStatus, PlatformError>,
    ) -> Result<Outcome, DbError> {
        let session = self.session_of(s.id).await?;
        if let Ok(LiveStatus {
            room: Some(room), ..
        }) = &result
        {
            self.learn_canonical_url(s, room).await;
        }
        let status = match result {
            Ok(st) => st,
            Err(PlatformError::NotFound(msg)) if session.is_none() => {
                self.set_state(s, StreamerState::NotFound, Some(msg.clone()))
                    .await?;
                if s.state != StreamerState::NotFound {
                    self.streamer_error(s.id, "not_found", &msg).await;
                }
                return Ok(Outcome::Failed(PlatformError::NotFound(msg)));
            }
            Err(PlatformError::NotFound(_)) => LiveStatus::default(),
            Err(e) => {
                if session.is_none() {
                    self.set_state(s, StreamerState::Error, Some(e.to_string()))
                        .await?;
                    if s.state != StreamerState::Error {
                        self.streamer_error(s.id, error_reason(&e), &e.to_string())
                            .await;
                    }
                } else {
                    tracing::warn!(streamer = s.id, "check failed during a live session: {e}");
                }
                return Ok(Outcome::Failed(e));
            }
        };
        if !status.live {
            return self.observe_offline(s, eff, session).await;
        }
        let filters = CompiledFilters::compile(&eff.filters).unwrap_or_else(|e| {
            tracing::warn!(streamer = s.id, "ignoring invalid filters: {e}");
            CompiledFilters::compile(&Default::default())
                .unwrap_or_else(|_| unreachable!("empty filters compile"))
        });
        let title = status.title.clone().unwrap_or_default();
        if let Err(rej) = filters.evaluate(&title, status.category.as_deref(), chrono::Utc::now()) {
            if let Some(sid) = session {
                self.close_session(
                    s.id,
                    sid,
                    StreamerState::OutOfSchedule,
                    &format!("filtered: {rej}"),
                )
                .await?;
            } else {
                self.set_state(s, StreamerState::OutOfSchedule, None)
                    .await?;
            }
            return Ok(Outcome::Filtered(rej));
        }
        match session {
            None => self.open_session(s.id, status).await,
            Some(sid) => {
                self.observe_live(s.id, sid, &status).await?;
                Ok(Outcome::Live { session_id: sid })
            }
        }
    }

    async fn observe_offline(
        &self,
        s: &Streamer,
        eff: &EffectiveConfig,
        session: Option<i64>,
    ) -> Result<Outcome, DbError> {
        let Some(sid) = session else {
            if s.state != StreamerState::NotLive {
                self.set_state(s, StreamerState::NotLive, None).await?;
            }
            return Ok(Outcome::Offline);
        };
        let checks = {
            let mut map = self.rt();
            let rt = map.entry(s.id).or_default();
            rt.offline_checks += 1;
            rt.offline_checks
        };
        if checks >= eff.offline_confirmations {
            self.close_session(s.id, sid, StreamerState::NotLive, "offline")
                .await?;
        } else {
            tracing::debug!(
                streamer = s.id,
                checks,
                "offline check {checks}/{}",
                eff.offline_confirmations
            );
        }
        Ok(Outcome::Offline)
    }

    async fn observe_live(&self, id: i64, sid: i64, status: &LiveStatus) -> Result<(), DbError> {
        // The remembered title changes only after the database has it, so
        // a failed write (a full disk) is retried on the next check.
        let changed = {
            let mut map = self.rt();
            let rt = map.entry(id).or_default();
            rt.offline_checks = 0;
            status.title.is_some() && (rt.title != status.title || rt.category != status.category)
        };
        if !changed {
            return Ok(());
        }
        let title = status.title.clone().unwrap_or_default();
        let category = status.category.clone();
        let kind = MonitorEventKind::TitleChanged {
            session_id: sid,
            title: title.clone(),
            category: category.clone(),
        };
        self.db
            .call(move |c| {
                let tx = c.transaction()?;
                sessions::record_title(&tx, sid, &title, category.as_deref())?;
                insert_event(&tx, id, &kind)?;
                tx.commit()?;
                Ok(())
            })
            .await?;
        if let Some(rt) = self.rt().get_mut(&id) {
            rt.title = status.title.clone();
            rt.category = status.category.clone();
        }
        self.outbox_wake.notify_one();
        Ok(())
    }

    /// Tells notifications that a streamer entered an error state (only on
    /// the transition, so a streamer failing every check does not repeat it).
    async fn streamer_error(&self, id: i64, reason: &'static str, error: &str) {
        let payload = serde_json::json!({ "reason": reason, "error": error }).to_string();
        let kind = crate::events::kinds::STREAMER_ERROR;
        match self
            .db
            .call(move |c| outbox::insert(c, Some(id), kind, &payload))
            .await
        {
            Ok(_) => self.outbox_wake.notify_one(),
            Err(e) => tracing::warn!(streamer = id, "cannot record {kind}: {e}"),
        }
    }

    async fn set_state(
        &self,
        s: &Streamer,
        state: StreamerState,
        error: Option<String>,
    ) -> Result<(), DbError> {
        let same_error = error.is_none() || error == s.last_error;
        if s.state == state && same_error && state != StreamerState::Error {
            return Ok(());
        }
        self.streamers.set_state(s.id, state, error).await
    }
}

/// The `reason` of a `streamer_error` event for a failed check: a login
/// or cookies the user must supply is told apart from a check that failed.
fn error_reason(e: &PlatformError) -> &'static str {
    match e {
        PlatformError::AuthRequired(_) => "auth_required",
        _ => "check_failed",
    }
}

/// Commits a monitor event's outbox row in the caller's transaction.
fn insert_event(
    c: &rusqlite::Connection,
    streamer_id: i64,
    kind: &MonitorEventKind,
) -> Result<i64, DbError> {
    let payload =
        serde_json::to_string(kind).map_err(|e| DbError::Corrupt(format!("event payload: {e}")))?;
    outbox::insert(c, Some(streamer_id), kind.name(), &payload)
}
