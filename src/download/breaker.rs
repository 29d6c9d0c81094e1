//! Circuit breakers: one per engine+config *and streamer*, and one per CDN
//! host (shared by every streamer on it). `K` consecutive failures open a
//! breaker; while open, downloads behind it are refused (the recorder waits
//! instead of hammering a broken URL or binary, or moves to a candidate on
//! another host); after the cooldown one trial download is let through
//! (half-open); its success closes the breaker, its failure reopens it.
//! A failure that is about one URL (401/403/404/410: an expired token, a
//! removed stream) counts against the streamer's breaker only, never the
//! shared host's. Pure state (no I/O); the manager persists [`Change`]s
//! (for `srec status` and the next start, see [`Breakers::restore`]).

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;

use crate::config::{BreakerSettings, EngineKind, EnginesSettings};

/// State of one breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    /// Stable text stored in `circuit_breakers.state`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

/// A breaker as persisted and shown by `srec status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub key: String,
    pub state: BreakerState,
    pub failures: u32,
    pub opened_at: Option<i64>,
    pub retry_at: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Breaker {
    failures: u32,
    /// When the breaker opened (ms); `None` = closed.
    opened_at: Option<i64>,
    retry_at: i64,
    /// A half-open trial is running since (ms).
    trial_since: Option<i64>,
    last_error: Option<String>,
}

/// A refused download: which breaker and for how long.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker `{key}` is open (last error: {last_error}); next try in {retry_in:?}")]
pub struct Refused {
    pub key: String,
    pub retry_in: Duration,
    pub last_error: String,
}

/// The breaker keys a download counts against: the engine config *for
/// this streamer* (one streamer's expired URL must not refuse every other
/// streamer's recordings on that engine) and the CDN host (shared: a dead
/// host is dead for everyone, and the recorder moves to another candidate).
pub fn keys(
    kind: EngineKind,
    engines: &EnginesSettings,
    streamer_id: i64,
    stream_url: &str,
) -> Vec<String> {
    let fp = xxhash_rust::xxh3::xxh3_64(engines.fingerprint(kind).as_bytes());
    let name = format!("{kind:?}").to_ascii_lowercase();
    let mut keys = vec![format!(
        "engine:{name}@{:08x}:streamer{streamer_id}",
        fp as u32
    )];
    if let Ok(u) = url::Url::parse(stream_url)
        && let Some(host) = u.host_str()
    {
        keys.push(match u.port() {
            Some(p) => format!("host:{host}:{p}"),
            None => format!("host:{host}"),
        });
    }
    keys
}

/// Whether a failure with HTTP `status` counts against breaker `key`: a
/// 401/403/404/410 says one URL is expired, revoked or gone, which is the
/// streamer's problem, not the host's, so it never opens a shared host
/// breaker (one streamer's expired URL must not refuse everyone on that CDN).
pub fn counts_against(key: &str, status: Option<u16>) -> bool {
    !(key.starts_with("host:") && matches!(status, Some(401 | 403 | 404 | 410)))
}

/// All breakers of one daemon.
#[derive(Debug, Default)]
pub struct Breakers {
    settings: BreakerSettings,
    map: HashMap<String, Breaker>,
}

impl Breakers {
    pub fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            map: HashMap::new(),
        }
    }

    /// New thresholds apply to the next failure.
    pub fn set_settings(&mut self, settings: BreakerSettings) {
        self.settings = settings;
    }

    fn cooldown_ms(&self) -> i64 {
        self.settings.cooldown.as_millis() as i64
    }

    /// May a download counting against `keys` start at `now` (ms)? Moves a
    /// breaker past its cooldown to half-open and lets one trial through.
    pub fn admit(&mut self, keys: &[String], now: i64) -> Result<Vec<Change>, Refused> {
        if self.settings.failures == 0 {
            return Ok(Vec::new());
        }
        let cooldown = self.cooldown_ms();
        for k in keys {
            let Some(b) = self.map.get(k) else { continue };
            if b.opened_at.is_none() {
                continue;
            }
            let trial_running = b.trial_since.is_some_and(|t| now - t < cooldown);
            if now < b.retry_at || trial_running {
                let wait = if trial_running {
                    cooldown.min(1000)
                } else {
                    b.retry_at - now
                };
                return Err(Refused {
                    key: k.clone(),
                    retry_in: Duration::from_millis(wait.max(0) as u64),
                    last_error: b.last_error.clone().unwrap_or_default(),
                });
            }
        }
        let mut changes = Vec::new();
        for k in keys {
            if let Some(b) = self.map.get_mut(k).filter(|b| b.opened_at.is_some()) {
                b.trial_since = Some(now);
                changes.push(snapshot(k, b));
            }
        }
        Ok(changes)
    }

    /// A download behind `keys` failed.
    pub fn failure(&mut self, keys: &[String], error: &str, now: i64) -> Vec<Change> {
        if self.settings.failures == 0 {
            return Vec::new();
        }
        let (threshold, cooldown) = (self.settings.failures, self.cooldown_ms());
        keys.iter()
            .map(|k| {
                let b = self.map.entry(k.clone()).or_default();
                b.failures += 1;
                b.last_error = Some(error.to_string());
                let reopen = b.trial_since.take().is_some();
                if reopen || b.failures >= threshold {
                    if b.opened_at.is_none() || reopen {
                        b.opened_at = Some(now);
                    }
                    b.retry_at = now + cooldown;
                }
                snapshot(k, b)
            })
            .collect()
    }

    /// A download behind `keys` ended for a reason that says nothing about
    /// them (see [`counts_against`]): a half-open trial among them is over
    /// without a verdict, so the next download may be the trial at once.
    pub fn no_verdict(&mut self, keys: &[String]) -> Vec<Change> {
        keys.iter()
            .filter_map(|k| {
                let b = self.map.get_mut(k)?;
                b.trial_since.take()?;
                Some(snapshot(k, b))
            })
            .collect()
    }

    /// A download behind `keys` delivered data: its breakers close.
    pub fn success(&mut self, keys: &[String]) -> Vec<Change> {
        keys.iter()
            .filter_map(|k| {
                let b = self.map.remove(k)?;
                (b.failures > 0 || b.opened_at.is_some()).then(|| Change {
                    key: k.clone(),
                    state: BreakerState::Closed,
                    failures: 0,
                    opened_at: None,
                    retry_at: None,
                    last_error: None,
                })
            })
            .collect()
    }

    /// Takes back the breakers persisted by an earlier run (`rows`, as
    /// loaded from the store) at daemon start, so a restart neither
    /// forgets a broken URL nor hammers it before its cooldown ends.
    /// Open and half-open rows come back open with their remaining
    /// cooldown (wall-clock ms; a half-open trial died with the old
    /// process, so the next admission is a fresh trial); a `retry_at`
    /// further ahead than one cooldown (a clock step) is capped. Rows whose
    /// cooldown ended more than one cooldown ago, rows still counting
    /// (closed), and everything while breakers are disabled are dropped.
    /// Returns the changes to persist (dropped rows as closed, i.e. deleted).
    pub fn restore(&mut self, rows: Vec<Change>, now: i64) -> Vec<Change> {
        let cooldown = self.cooldown_ms();
        rows.into_iter()
            .map(|row| {
                let live = match (row.state, row.opened_at, row.retry_at) {
                    (BreakerState::Closed, ..) | (_, None, _) | (_, _, None) => None,
                    _ if self.settings.failures == 0 => None,
                    (_, Some(opened), Some(retry)) if retry + cooldown >= now => {
                        Some((opened, retry.min(now + cooldown)))
                    }
                    _ => None,
                };
                let Some((opened_at, retry_at)) = live else {
                    self.map.remove(&row.key);
                    return Change {
                        state: BreakerState::Closed,
                        failures: 0,
                        opened_at: None,
                        retry_at: None,
                        last_error: None,
                        ..row
                    };
                };
                let b = Breaker {
                    failures: row.failures,
                    opened_at: Some(opened_at),
                    retry_at,
                    trial_since: None,
                    last_error: row.last_error,
                };
                let change = snapshot(&row.key, &b);
                self.map.insert(row.key, b);
                change
            })
            .collect()
    }

    /// Current state of one breaker (closed if unknown).
    pub fn state(&self, key: &str) -> BreakerState {
        self.map.get(key).map_or(BreakerState::Closed, state_of)
    }
}

fn state_of(b: &Breaker) -> BreakerState {
    match (b.opened_at, b.trial_since) {
        (None, _) => BreakerState::Closed,
        (Some(_), Some(_)) => BreakerState::HalfOpen,
        (Some(_), None) => BreakerState::Open,
    }
}

fn snapshot(key: &str, b: &Breaker) -> Change {
    Change {
        key: key.to_string(),
        state: state_of(b),
        failures: b.failures,
        opened_at: b.opened_at,
        retry_at: b.opened_at.map(|_| b.retry_at),
        last_error: b.last_error.clone(),
    }
}

#[cfg(test)]
#[path = "breaker_tests.rs"]
mod tests;
