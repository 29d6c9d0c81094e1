//! `[notify]` and `[notify.channels.<id>]`: where notifications go. Each
//! channel is typed by its `type` (webhook, discord, email, ntfy) and rejects
//! unknown keys; the id keys the channel's delivery cursor, breaker and dead
//! letters, so renaming or reordering other channels never mixes them up.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How urgent an event is; channels drop events below their `min_priority`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Critical,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// `[notify]`: process-wide notification settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// Delivered outbox rows older than this are deleted (only once every
    /// durable consumer has passed them).
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
    /// An identical event (same type, same streamer) within this window of
    /// the last one sent is not sent again: a flapping stream does not send
    /// a hundred "online" messages an hour. `0s` turns it off.
    #[serde(with = "humantime_serde")]
    pub debounce: Duration,
    /// Channels keyed by a stable id.
    pub channels: BTreeMap<String, ChannelConfig>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(7 * 86_400),
            debounce: Duration::from_secs(120),
            channels: BTreeMap::new(),
        }
    }
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption at all: only for a relay on loopback.
    Plain,
}

/// ntfy priority (1–5) sent for each srec priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NtfyPriorities {
    pub low: u8,
    pub normal: u8,
    pub high: u8,
    pub critical: u8,
}

impl Default for NtfyPriorities {
    fn default() -> Self {
        Self {
            low: 2,
            normal: 3,
            high: 4,
            critical: 5,
        }
    }
}

impl NtfyPriorities {
    pub fn get(&self, p: Priority) -> u8 {
        match p {
            Priority::Low => self.low,
            Priority::Normal => self.normal,
            Priority::High => self.high,
            Priority::Critical => self.critical,
        }
    }
}

fn default_attempts() -> u32 {
    5
}
fn default_backoff() -> Duration {
    Duration::from_secs(5)
}
fn default_max_backoff() -> Duration {
    Duration::from_secs(300)
}
fn default_breaker_threshold() -> u32 {
    10
}
fn default_breaker_cooldown() -> Duration {
    Duration::from_secs(300)
}

/// Delivery settings every channel kind has, borrowed from it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub events: &'a [String],
    pub min_priority: Priority,
    pub streamers: &'a [String],
    pub max_attempts: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
    pub breaker_threshold: u32,
    pub breaker_cooldown: Duration,
    pub title: Option<&'a str>,
    pub body: Option<&'a str>,
}

/// Declares a channel struct with its own fields followed by the delivery
/// fields every kind shares (serde's `flatten` would lose
/// `deny_unknown_fields`, so the shared fields are spelled into each).
macro_rules! channel {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* pub $f:ident : $t:ty,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fm])* pub $f: $t,)*
            /// Event types sent (`stream_online`, ...); empty sends all.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub events: Vec<String>,
            /// Events below this priority are not sent.
            #[serde(default)]
            pub min_priority: Priority,
            /// Streamer names (or ids) whose events are sent; empty sends all.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub streamers: Vec<String>,
            /// Tries per event before it goes to the dead letters.
            #[serde(default = "default_attempts")]
            pub max_attempts: u32,
            /// First retry delay; doubles per attempt (with jitter).
            #[serde(default = "default_backoff", with = "humantime_serde")]
            pub backoff: Duration,
            /// Upper bound of the retry delay.
            #[serde(default = "default_max_backoff", with = "humantime_serde")]
            pub max_backoff: Duration,
            /// Failures in a row that open the channel's circuit breaker.
            #[serde(default = "default_breaker_threshold")]
            pub breaker_threshold: u32,
            /// How long an open breaker waits before one probe.
            #[serde(default = "default_breaker_cooldown", with = "humantime_serde")]
            pub breaker_cooldown: Duration,
            /// Title template (placeholders `{streamer}`, `{event}`, `{title}`, ...).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub title: Option<String>,
            /// Body template.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub body: Option<String>,
        }

        impl $name {
            /// The shared delivery settings.
            pub fn delivery(&self) -> Delivery<'_> {
                Delivery {
                    events: &self.events,
                    min_priority: self.min_priority,
                    streamers: &self.streamers,
                    max_attempts: self.max_attempts,
                    backoff: self.backoff,
                    max_backoff: self.max_backoff,
                    breaker_threshold: self.breaker_threshold,
                    breaker_cooldown: self.breaker_cooldown,
                    title: self.title.as_deref(),
                    body: self.body.as_deref(),
                }
            }
        }
    };
}

channel!(
    /// POSTs a JSON envelope to `url`.
    WebhookChannel {
        pub url: String,
        /// Extra request headers.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        pub headers: BTreeMap<String, String>,
        /// Shared secret: the body's HMAC-SHA256 goes in `X-Srec-Signature`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub secret: Option<String>,
    }
);

channel!(
    /// A Discord webhook (embeds).
    DiscordChannel {
        pub url: String,
        /// Mentions put in the message (`<@id>`, `<@&role>`, `@here`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub mentions: Vec<String>,
        /// Avatar of the webhook user.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub avatar_url: Option<String>,
        /// Name of the webhook user (default `srec`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub username: Option<String>,
    }
);

channel!(
    /// Mail through an SMTP relay.
    EmailChannel {
        pub host: String,
        /// Default: 587 (starttls), 465 (tls), 25 (plain).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub port: Option<u16>,
        #[serde(default)]
        pub security: SmtpSecurity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub user: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub password: Option<String>,
        /// PEM file of extra trusted CA certificates, for a relay whose
        /// certificate comes from a private CA or is self-signed (the
        /// public roots stay trusted too). Absolute path.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub ca_file: Option<PathBuf>,
        pub from: String,
        pub to: Vec<String>,
        /// Subject template (default: the title template).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub subject: Option<String>,
    }
);

channel!(
    /// An ntfy topic (`https://ntfy.sh/mytopic`).
    NtfyChannel {
        pub url: String,
        /// Access token (sent as `Authorization: Bearer`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub token: Option<String>,
        /// ntfy priority per srec priority.
        #[serde(default)]
        pub priorities: NtfyPriorities,
    }
);

/// One `[notify.channels.<id>]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChannelConfig {
    Webhook(WebhookChannel),
    Discord(DiscordChannel),
    Email(EmailChannel),
    Ntfy(NtfyChannel),
}

impl ChannelConfig {
    pub fn delivery(&self) -> Delivery<'_> {
        match self {
            Self::Webhook(c) => c.delivery(),
            Self::Discord(c) => c.delivery(),
            Self::Email(c) => c.delivery(),
            Self::Ntfy(c) => c.delivery(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Webhook(_) => "webhook",
            Self::Discord(_) => "discord",
            Self::Email(_) => "email",
            Self::Ntfy(_) => "ntfy",
        }
    }
}

/// Event types a channel may subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "stream_online",
    "stream_offline",
    "title_changed",
    "recording_started",
    "recording_failed",
    "segment_finalised",
    "danmu_finalised",
    "streamer_error",
    "disk_low",
    "pipeline_completed",
    "pipeline_failed",
    "pipeline_throttled",
    "pipeline_throttle_released",
    "daemon_started",
    "daemon_stopping",
    "test",
];

#[cfg(test)]
mod tests {
    use super::*;
    fn parse_str(t: &str) -> Result<crate::config::ConfigFile, crate::config::ConfigError> {
        crate::config::parse_str(t, std::path::Path::new("c.toml"))
    }

    #[test]
    fn channels_are_typed_and_reject_unknown_keys() {
        let f = parse_str(
            "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:1/x\"\n\
             [notify.channels.mail]\ntype = \"email\"\nhost = \"127.0.0.1\"\nsecurity = \"plain\"\n\
             from = \"srec <a@b.c>\"\nto = [\"d@e.f\"]\n",
        )
        .unwrap();
        assert!(matches!(
            f.notify.channels["hook"],
            ChannelConfig::Webhook(_)
        ));
        assert_eq!(f.notify.channels["mail"].delivery().max_attempts, 5);
        let err = parse_str(
            "[notify.channels.hook]\ntype = \"webhook\"\nurl = \"http://a/\"\nsecrt = \"x\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("secrt"), "{err}");
        let err =
            parse_str("[notify.channels.x]\ntype = \"pager\"\nurl = \"http://a/\"\n").unwrap_err();
        assert!(err.to_string().contains("pager"), "{err}");
    }
}
