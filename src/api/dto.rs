//! Wire types of the API. Domain types stay free of API concerns; these
//! mirror them with OpenAPI schemas and convert with `From`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use super::dto_sessions::*;
use super::schemas::{EffectiveConfigDoc, RecordingOptionsDoc};
use crate::config::RecordingOptions;
use crate::streamer::{Priority, Streamer, StreamerState};

/// Streamer states (schema only; values as stored).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum StateName {
    NotLive,
    Live,
    OutOfSchedule,
    Error,
    NotFound,
}

/// Priorities (schema only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum PriorityName {
    High,
    Normal,
    Low,
}

/// Engines (schema only).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum EngineName {
    Mesio,
    Ffmpeg,
    Streamlink,
}

/// A monitored streamer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StreamerDto {
    pub id: i64,
    pub url: String,
    pub name: String,
    /// Platform detected from the URL (`generic`, `fake`, ...).
    pub platform: String,
    #[schema(value_type = StateName)]
    pub state: StreamerState,
    #[schema(value_type = PriorityName)]
    pub priority: Priority,
    pub enabled: bool,
    /// `[templates.NAME]` applied to it.
    pub template: Option<String>,
    /// Streamer-level recording options (level 4 of the merge).
    #[schema(value_type = RecordingOptionsDoc)]
    pub overrides: RecordingOptions,
    pub consecutive_errors: u32,
    pub last_error: Option<String>,
    /// Unix milliseconds.
    pub last_live_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// A download of it is running now.
    pub recording: bool,
    /// The user stopped the recording of its open session: it records
    /// again at the next session or on `POST /api/streamers/{id}/start`.
    #[serde(default)]
    pub stopped_by_user: bool,
}

impl StreamerDto {
    pub fn new(s: Streamer, recording: bool) -> Self {
        Self {
            id: s.id,
            url: s.url,
            name: s.name,
            platform: s.platform,
            state: s.state,
            priority: s.priority,
            enabled: s.enabled,
            template: s.template,
            overrides: s.overrides.redacted(),
            consecutive_errors: s.consecutive_errors,
            last_error: s.last_error,
            last_live_at: s.last_live_at,
            created_at: s.created_at,
            updated_at: s.updated_at,
            recording,
            stopped_by_user: false,
        }
    }
}

/// One page of streamers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StreamerPage {
    pub items: Vec<StreamerDto>,
    /// Matches before paging.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
}

/// Filters and paging of `GET /api/streamers`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StreamerQuery {
    /// Only streamers in this state (`not_live`, `live`, `out_of_schedule`, `error`, `not_found`).
    pub state: Option<String>,
    /// Only streamers of this platform.
    pub platform: Option<String>,
    /// Only enabled (true) or disabled (false) streamers.
    pub enabled: Option<bool>,
    /// Items to skip (default 0).
    pub offset: Option<usize>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// Body of `POST /api/streamers`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStreamerReq {
    /// Channel page or direct stream URL (http/https).
    pub url: String,
    /// Display name; derived from the URL when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PriorityName>)]
    pub priority: Option<Priority>,
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Name of a `[templates.NAME]` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<RecordingOptionsDoc>)]
    pub overrides: Option<RecordingOptions>,
}

/// Body of `PATCH /api/streamers/{id}`: absent keys stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStreamerReq {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PriorityName>)]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// A template name, or null to drop the template.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub template: Option<Option<String>>,
    /// Replaces the whole override set (`{}` clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<RecordingOptionsDoc>)]
    pub overrides: Option<RecordingOptions>,
}

/// Distinguishes an absent key (outer `None`) from `null` (`Some(None)`).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_body_round_trips_absent_and_null() {
        let only_enabled = UpdateStreamerReq {
            enabled: Some(false),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&only_enabled).unwrap(),
            r#"{"enabled":false}"#
        );
        let clear: UpdateStreamerReq = serde_json::from_str(r#"{"template": null}"#).unwrap();
        assert_eq!(clear.template, Some(None));
        let absent: UpdateStreamerReq = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.template, None);
    }
}

/// Answer of `POST /api/streamers/{id}/check`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CheckAccepted {
    /// False when the streamer's checker is not running yet (it checks on start anyway).
    pub triggered: bool,
}

/// Answer of `POST /api/streamers/{id}/stop`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stopped {
    pub stopped: bool,
}

/// Answer of `POST /api/streamers/{id}/start`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Started {
    /// The session's recording was stopped by the user and resumes now.
    pub started: bool,
}

/// A streamer's merged config and the level each value came from.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EffectiveDto {
    pub streamer_id: i64,
    #[schema(value_type = EffectiveConfigDoc)]
    pub config: serde_json::Value,
    /// Field → `default`, `global`, `platform:NAME`, `template:NAME` or `streamer`.
    pub sources: BTreeMap<String, String>,
}
