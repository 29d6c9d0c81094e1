//! Streamer domain types shared by the DB layer, the manager, CLI and API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::RecordingOptions;

/// What srec last observed about a streamer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StreamerState {
    #[default]
    NotLive,
    Live,
    /// Live, but filters (schedule, keywords, ...) say not to record.
    OutOfSchedule,
    /// Checks or downloads are failing; see `last_error`.
    Error,
    /// The platform says the room does not exist.
    NotFound,
}

impl StreamerState {
    pub const ALL: [Self; 5] = [
        Self::NotLive,
        Self::Live,
        Self::OutOfSchedule,
        Self::Error,
        Self::NotFound,
    ];

    /// Stable text stored in SQLite and shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotLive => "not_live",
            Self::Live => "live",
            Self::OutOfSchedule => "out_of_schedule",
            Self::Error => "error",
            Self::NotFound => "not_found",
        }
    }
}

impl fmt::Display for StreamerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StreamerState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown streamer state `{s}`"))
    }
}

/// Scheduling priority: high-priority streamers may use reserved slots.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Default,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    #[default]
    Normal,
    Low,
}

impl Priority {
    /// Stable text stored in SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Normal => "normal",
            Self::Low => "low",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "high" => Ok(Self::High),
            "normal" => Ok(Self::Normal),
            "low" => Ok(Self::Low),
            _ => Err(format!("unknown priority `{s}`")),
        }
    }
}

/// One monitored channel, as stored in the `streamers` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Streamer {
    pub id: i64,
    pub url: String,
    pub name: String,
    pub platform: String,
    pub state: StreamerState,
    pub priority: Priority,
    pub enabled: bool,
    pub template: Option<String>,
    /// Streamer-level recording options (level 4 of the merge).
    pub overrides: RecordingOptions,
    pub consecutive_errors: u32,
    pub last_error: Option<String>,
    /// Unix milliseconds of the last time it was seen live.
    pub last_live_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Streamer {
    /// Fields a user can change; used to detect external edits of the DB.
    pub fn settings_differ(&self, other: &Streamer) -> bool {
        self.name != other.name
            || self.url != other.url
            || self.priority != other.priority
            || self.enabled != other.enabled
            || self.template != other.template
            || self.overrides != other.overrides
    }
}

/// Input for creating a streamer.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStreamer {
    pub url: String,
    pub name: String,
    pub platform: String,
    pub priority: Priority,
    pub enabled: bool,
    pub template: Option<String>,
    pub overrides: RecordingOptions,
}

impl NewStreamer {
    /// An enabled, normal-priority streamer with no template or overrides.
    pub fn new(
        url: impl Into<String>,
        name: impl Into<String>,
        platform: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            name: name.into(),
            platform: platform.into(),
            priority: Priority::Normal,
            enabled: true,
            template: None,
            overrides: RecordingOptions::default(),
        }
    }
}
