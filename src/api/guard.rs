//! The API's privilege boundary: what a token holder may not change
//! through `PATCH /api/config` or a streamer's overrides. These settings
//! pick programs srec runs (`engines.*`: binaries and argument lists),
//! where it writes (`output_dir` at every level), and who may reach the API
//! (`api.*`), and what post-processing runs (`pipelines.*`: `execute`
//! commands, delete and upload targets); they are edited in the file by whoever owns it. The list is
//! in docs/SECURITY.md.

use axum::http::StatusCode;
use serde_json::Value;

use super::error::ApiError;
use crate::config::{ConfigFile, RecordingOptions};

/// The config sections the API may not change.
pub const DENIED_SECTIONS: [&str; 3] = ["engines", "api", "pipelines"];

/// The refusal for `field`.
pub fn forbidden(field: String) -> ApiError {
    ApiError {
        field: Some(field.clone()),
        ..ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "`{field}` cannot be changed through the API (it selects programs, \
                 where files are written, or who may use the API); edit the config file"
            ),
        )
    }
}

/// The first denied key whose value differs between `old` and `new`.
pub fn config_change_denied(old: &ConfigFile, new: &ConfigFile) -> Option<String> {
    let (a, b) = (
        serde_json::to_value(old).ok()?,
        serde_json::to_value(new).ok()?,
    );
    for section in DENIED_SECTIONS {
        if let Some(k) = first_difference(&a[section], &b[section], section) {
            return Some(k);
        }
    }
    let levels = std::iter::once(("recording".to_string(), &old.recording, &new.recording))
        .chain(named(&old.platforms, &new.platforms, "platforms"))
        .chain(named(&old.templates, &new.templates, "templates"));
    for (prefix, o, n) in levels {
        if o.output_dir != n.output_dir {
            return Some(format!("{prefix}.output_dir"));
        }
    }
    None
}

/// Levels present in either map, with an empty level standing in for a missing one.
fn named<'a>(
    old: &'a std::collections::BTreeMap<String, RecordingOptions>,
    new: &'a std::collections::BTreeMap<String, RecordingOptions>,
    section: &'a str,
) -> impl Iterator<Item = (String, &'a RecordingOptions, &'a RecordingOptions)> {
    static EMPTY: std::sync::LazyLock<RecordingOptions> =
        std::sync::LazyLock::new(RecordingOptions::default);
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter().map(move |k| {
        (
            format!("{section}.{k}"),
            old.get(k).unwrap_or(&EMPTY),
            new.get(k).unwrap_or(&EMPTY),
        )
    })
}

/// A streamer's overrides may not set or change `output_dir` via the API.
pub fn overrides_change_denied(
    old: Option<&RecordingOptions>,
    new: &RecordingOptions,
) -> Option<String> {
    let before = old.and_then(|o| o.output_dir.as_ref());
    (new.output_dir.as_ref() != before).then(|| "overrides.output_dir".to_string())
}

/// Dotted path of the first leaf that differs.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    if a == b {
        return None;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                )
            })
        }
        _ => Some(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denied_changes_are_named() {
        let old = ConfigFile::default();
        let mut new = old.clone();
        assert_eq!(config_change_denied(&old, &new), None);
        new.engines.ffmpeg.path = "/bin/sh".into();
        assert_eq!(
            config_change_denied(&old, &new).as_deref(),
            Some("engines.ffmpeg.path")
        );
        let mut new = old.clone();
        new.api.token = Some("new-token-1".into());
        assert_eq!(
            config_change_denied(&old, &new).as_deref(),
            Some("api.token")
        );
        let mut new = old.clone();
        new.templates.insert(
            "t".into(),
            RecordingOptions {
                output_dir: Some("/etc".into()),
                ..Default::default()
            },
        );
        assert_eq!(
            config_change_denied(&old, &new).as_deref(),
            Some("templates.t.output_dir")
        );
        let mut new = old.clone();
        new.recording.check_interval = Some(std::time::Duration::from_secs(5));
        assert_eq!(config_change_denied(&old, &new), None);
    }
}
