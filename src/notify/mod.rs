//! NotificationService: events read from the database outbox (each channel
//! with its own durable cursor `notify:<id>`), mapped to typed notification
//! events and delivered to webhook, Discord, email and ntfy channels with
//! retries, a circuit breaker, debounce and dead letters.
//!
//! [`event`] maps outbox rows, [`channel`] builds a sender per kind
//! ([`webhook`], [`discord`], [`email`], [`ntfy`]), [`retry`] holds backoff
//! and breaker, [`worker`] is one channel's loop and [`service`] runs them
//! all and follows config reloads. [`test_send`] backs `srec notify test`.

pub mod channel;
pub mod discord;
pub mod email;
pub mod event;
pub mod ntfy;
pub mod retry;
pub mod service;
pub mod webhook;
pub mod worker;

pub use channel::{Channel, Failure, Sent, Text};
pub use event::Event;

use crate::config::notify::NotifySettings;

/// Why a test send could not run.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    #[error("no channel `{0}` in [notify.channels] (configured: {1})")]
    Unknown(String, String),
    #[error(transparent)]
    Build(#[from] channel::BuildError),
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] crate::net::NetError),
}

/// Sends a test event to channel `id` once and returns the receiver's
/// answer (or the failure).
pub async fn test_send(
    settings: &NotifySettings,
    id: &str,
) -> Result<Result<Sent, Failure>, TestError> {
    let cfg = settings.channels.get(id).ok_or_else(|| {
        TestError::Unknown(
            id.to_string(),
            settings
                .channels
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
        )
    })?;
    let http = channel::http_client()?;
    let ch = Channel::build(id, cfg, &http)?;
    let ev = Event::test();
    let text = Text::render(&ev, &cfg.delivery());
    Ok(ch.send(&ev, &text).await)
}
