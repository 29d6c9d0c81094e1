//! A built channel: one kind's sender behind one `send` call, and the
//! outcome types the delivery loop acts on.

use std::time::Duration;

use super::event::{Event, default_templates, render};
use super::{discord, email, ntfy, webhook};
use crate::config::notify::{ChannelConfig, Delivery};
use crate::net::{HttpClient, HttpOptions, NetError, PostReply};

/// A send that worked: what the receiver said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub status: Option<u16>,
    pub response: String,
}

/// A send that did not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// The receiver asked to wait this long (Retry-After, Discord `retry_after`).
    pub retry_after: Option<Duration>,
    /// Retrying the same request cannot succeed (e.g. 400, 401, 404).
    pub permanent: bool,
}

impl Failure {
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry_after: None,
            permanent: false,
        }
    }
}

/// Turns an HTTP reply into an outcome: 2xx is sent, 408/425/429 and 5xx
/// are worth retrying, other statuses are permanent.
pub fn judge(reply: PostReply) -> Result<Sent, Failure> {
    if reply.is_success() {
        return Ok(Sent {
            status: Some(reply.status),
            response: reply.body,
        });
    }
    let s = reply.status;
    let body: String = reply.body.chars().take(300).collect();
    Err(Failure {
        message: format!("HTTP {s}: {body}")
            .trim_end_matches([':', ' '])
            .to_string(),
        retry_after: reply.retry_after,
        permanent: !(s >= 500 || matches!(s, 408 | 425 | 429)),
    })
}

/// A transport error, without the URL (webhook URLs carry tokens in their
/// path, and this text is stored with dead letters).
pub fn transport(e: NetError) -> Failure {
    let message = match e {
        NetError::Network { detail, url } => {
            format!("request failed: {}", detail.replace(&url, "<channel url>"))
        }
        NetError::Http { status, .. } => format!("HTTP {status}"),
        NetError::Config(m) => m,
        NetError::TooLarge { limit, .. } => format!("answer larger than {limit} bytes"),
    };
    Failure::transient(message)
}

/// A channel could not be built from its config.
#[derive(Debug, thiserror::Error)]
#[error("channel {channel}: {message}")]
pub struct BuildError {
    pub channel: String,
    pub message: String,
}

/// One configured channel, ready to send.
pub enum Channel {
    Webhook(webhook::Webhook),
    Discord(discord::Discord),
    Email(email::Email),
    Ntfy(ntfy::Ntfy),
}

/// The HTTP client notifications use (the shared `net` client, with a
/// recorder user agent and a 30 s bound per request).
pub fn http_client() -> Result<HttpClient, NetError> {
    HttpClient::new(&HttpOptions {
        headers: vec![(
            "User-Agent".into(),
            format!("srec/{}", env!("CARGO_PKG_VERSION")),
        )],
        request_timeout: Duration::from_secs(30),
        ..HttpOptions::default()
    })
}

impl Channel {
    /// Builds channel `id` from its config.
    pub fn build(id: &str, cfg: &ChannelConfig, http: &HttpClient) -> Result<Self, BuildError> {
        let err = |message: String| BuildError {
            channel: id.to_string(),
            message,
        };
        Ok(match cfg {
            ChannelConfig::Webhook(c) => {
                Self::Webhook(webhook::Webhook::new(c, http).map_err(err)?)
            }
            ChannelConfig::Discord(c) => {
                Self::Discord(discord::Discord::new(c, http).map_err(err)?)
            }
            ChannelConfig::Email(c) => Self::Email(email::Email::new(c).map_err(err)?),
            ChannelConfig::Ntfy(c) => Self::Ntfy(ntfy::Ntfy::new(c, http).map_err(err)?),
        })
    }

    /// Sends one event once.
    pub async fn send(&self, ev: &Event, text: &Text) -> Result<Sent, Failure> {
        match self {
            Self::Webhook(c) => c.send(ev, text).await,
            Self::Discord(c) => c.send(ev, text).await,
            Self::Email(c) => c.send(ev, text).await,
            Self::Ntfy(c) => c.send(ev, text).await,
        }
    }
}

/// The rendered title and body of an event for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub body: String,
}

impl Text {
    /// Renders the channel's templates (or the event type's defaults).
    pub fn render(ev: &Event, d: &Delivery<'_>) -> Self {
        let (t, b) = default_templates(ev.event_type);
        let vars = ev.vars();
        Self {
            title: render(d.title.unwrap_or(t), &vars),
            body: render(d.body.unwrap_or(b), &vars),
        }
    }
}

/// Parses a configured URL (validated at load, so this only fails on a
/// config built in code).
pub fn parse_url(u: &str) -> Result<url::Url, String> {
    url::Url::parse(u).map_err(|e| format!("invalid URL: {e}"))
}
