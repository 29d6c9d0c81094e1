//! The notification event model: an outbox row mapped to a typed event with
//! a stable id (the outbox id), a type, a timestamp, a priority and a JSON
//! payload. Unknown outbox kinds map to nothing and are skipped.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::notify::Priority;
use crate::db::outbox::OutboxRow;
use crate::events::{
    DanmuFinalised, DiskLow, PipelineFinished, PipelineThrottle, SegmentFinalised,
};

pub use crate::events::kinds;

/// Who an event is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamerRef {
    pub id: i64,
    pub name: String,
    pub url: String,
    /// The profile picture the platform last reported, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The outbox id: stable across retries and restarts (receivers dedupe by it).
    pub id: i64,
    pub event_type: &'static str,
    pub timestamp: DateTime<Utc>,
    pub priority: Priority,
    pub streamer: Option<StreamerRef>,
    pub data: Value,
}

/// The notification type and priority of an outbox kind; `None` for kinds
/// notifications do not know (skipped, not an error).
pub fn classify(kind: &str) -> Option<(&'static str, Priority)> {
    use Priority::*;
    Some(match kind {
        "live" => ("stream_online", High),
        "offline" => ("stream_offline", Normal),
        "title_changed" => ("title_changed", Low),
        kinds::RECORDING_STARTED => ("recording_started", Normal),
        kinds::RECORDING_FAILED => ("recording_failed", High),
        SegmentFinalised::KIND => ("segment_finalised", Low),
        DanmuFinalised::KIND => ("danmu_finalised", Low),
        kinds::STREAMER_ERROR => ("streamer_error", High),
        DiskLow::KIND => ("disk_low", Critical),
        PipelineFinished::COMPLETED => ("pipeline_completed", Normal),
        PipelineFinished::FAILED => ("pipeline_failed", High),
        // Engaged; a release is told apart by its payload (see `refine`).
        PipelineThrottle::KIND => ("pipeline_throttled", Normal),
        kinds::DAEMON_STARTED => ("daemon_started", Low),
        kinds::DAEMON_STOPPING => ("daemon_stopping", Low),
        "test" => ("test", Normal),
        _ => return None,
    })
}

/// The type of a row whose kind alone does not say it: a pipeline
/// throttle row is `pipeline_throttled` when it engaged and
/// `pipeline_throttle_released` when the backlog drained.
fn refine(event_type: &'static str, data: &Value) -> &'static str {
    match event_type {
        "pipeline_throttled" if data.get("engaged") == Some(&Value::Bool(false)) => {
            "pipeline_throttle_released"
        }
        t => t,
    }
}

/// The payload notifications show: monitor events lose their stream list
/// (CDN URLs carry tokens and say nothing to a person).
fn data_of(row: &OutboxRow) -> Value {
    let mut v: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v
        && crate::events::is_monitor_kind(&row.kind)
    {
        m.remove("type");
        m.remove("streams");
        m.remove("room");
        // Unix ms in the outbox; a person (and a template) reads RFC 3339.
        if let Some(at) = m.get("started_at").and_then(Value::as_i64)
            && let Some(t) = Utc.timestamp_millis_opt(at).single()
        {
            m.insert("started_at".into(), json!(t.to_rfc3339()));
        }
    }
    if !v.is_object() {
        v = json!({ "value": v });
    }
    v
}

impl Event {
    /// Maps an outbox row; `None` for an unknown kind.
    pub fn from_row(row: &OutboxRow, streamer: Option<StreamerRef>) -> Option<Self> {
        let (event_type, priority) = classify(&row.kind)?;
        let data = data_of(row);
        Some(Self {
            id: row.id,
            event_type: refine(event_type, &data),
            timestamp: Utc
                .timestamp_millis_opt(row.created_at)
                .single()
                .unwrap_or_else(Utc::now),
            priority,
            streamer,
            data,
        })
    }

    /// A test event (`srec notify test`); id 0 never collides with the outbox.
    pub fn test() -> Self {
        Self {
            id: 0,
            event_type: "test",
            timestamp: Utc::now(),
            priority: Priority::Normal,
            streamer: None,
            data: json!({ "message": "If you can read this, the channel works." }),
        }
    }

    /// Adds fields to the payload (e.g. session totals).
    pub fn extend(&mut self, extra: Value) {
        if let (Value::Object(m), Value::Object(e)) = (&mut self.data, extra) {
            m.extend(e);
        }
    }

    /// Whether debounce applies: state changes of one streamer, not files.
    pub fn debounced(&self) -> bool {
        self.streamer.is_some()
            && matches!(
                self.event_type,
                "stream_online"
                    | "stream_offline"
                    | "title_changed"
                    | "recording_started"
                    | "recording_failed"
                    | "streamer_error"
            )
    }

    /// Placeholder values for templates.
    pub fn vars(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("event".to_string(), self.event_type.to_string()),
            ("id".into(), self.id.to_string()),
            ("priority".into(), self.priority.as_str().to_string()),
            ("timestamp".into(), self.timestamp.to_rfc3339()),
            (
                "streamer".into(),
                self.streamer
                    .as_ref()
                    .map_or_else(|| "srec".to_string(), |s| s.name.clone()),
            ),
            (
                "url".into(),
                self.streamer
                    .as_ref()
                    .map(|s| s.url.clone())
                    .unwrap_or_default(),
            ),
        ];
        if let Value::Object(m) = &self.data {
            for (k, val) in m {
                let text = match val {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                v.push((k.clone(), text));
            }
            let num = |k: &str| m.get(k).and_then(Value::as_u64);
            if let Some(b) = num("bytes") {
                v.push(("size".into(), bytesize::ByteSize(b).to_string()));
            }
            if let Some(b) = num("free_bytes") {
                v.push(("free".into(), bytesize::ByteSize(b).to_string()));
            }
            if let Some(ms) = num("duration_ms") {
                let d = std::time::Duration::from_secs(ms / 1000);
                v.push(("duration".into(), humantime::format_duration(d).to_string()));
            }
        }
        v
    }
}

/// Default title and body templates of an event type.
pub fn default_templates(event_type: &str) -> (&'static str, &'static str) {
    match event_type {
        "stream_online" => ("{streamer} is live", "{title}"),
        "stream_offline" => (
            "{streamer} went offline",
            "Recorded {files} file(s), {size} in {duration}.",
        ),
        "title_changed" => ("{streamer} changed the title", "{title}"),
        "recording_started" => ("Recording {streamer}", "Engine: {engine}"),
        "recording_failed" => ("Recording of {streamer} failed", "{error}"),
        "segment_finalised" => ("{streamer}: file finished", "{path} ({size})"),
        "danmu_finalised" => ("{streamer}: chat file finished", "{path}"),
        "streamer_error" => ("{streamer}: error", "{error}"),
        "disk_low" => ("Disk space low", "{path}: only {free} free"),
        "pipeline_completed" => ("Pipeline {pipeline} finished", "{pipeline} done."),
        "pipeline_failed" => ("Pipeline {pipeline} failed", "{error}"),
        "pipeline_throttled" => (
            "Pipeline backlog: fewer new recordings",
            "{depth} queued steps; new recordings limited to {max_concurrent} at a time.",
        ),
        "pipeline_throttle_released" => (
            "Pipeline backlog drained",
            "New recordings may use {max_concurrent} slots again.",
        ),
        "daemon_started" => ("srec started", "srec {version} is running."),
        "daemon_stopping" => ("srec is stopping", "srec is shutting down."),
        "test" => ("srec test notification", "{message}"),
        _ => ("{event}", ""),
    }
}

/// `template` with each `{name}` replaced by its value; unknown
/// placeholders are left as they are.
pub fn render(template: &str, vars: &[(String, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_') =>
            {
                let name = &after[..end];
                match vars.iter().rev().find(|(k, _)| k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, payload: &str) -> OutboxRow {
        OutboxRow {
            id: 3,
            streamer_id: Some(1),
            kind: kind.into(),
            payload: payload.into(),
            created_at: 1_700_000_000_000,
        }
    }

    #[test]
    fn every_known_kind_maps_and_unknown_kinds_are_skipped() {
        for kind in [
            "live",
            "offline",
            "title_changed",
            "segment_finalised",
            "danmu_finalised",
            "disk_low",
            "pipeline_completed",
            "pipeline_failed",
            "recording_started",
            "recording_failed",
            "streamer_error",
            "daemon_started",
            "daemon_stopping",
            "pipeline_throttle",
        ] {
            let (t, _) = classify(kind).unwrap();
            assert!(crate::config::notify::EVENT_TYPES.contains(&t), "{t}");
        }
        assert!(Event::from_row(&row("something_new", "{}"), None).is_none());
    }

    #[test]
    fn pipeline_throttle_rows_say_whether_it_engaged_or_released() {
        let payload = |engaged: bool| {
            format!(r#"{{"engaged":{engaged},"depth":7,"oldest_wait_ms":10,"max_concurrent":2}}"#)
        };
        let on = Event::from_row(&row("pipeline_throttle", &payload(true)), None).unwrap();
        let off = Event::from_row(&row("pipeline_throttle", &payload(false)), None).unwrap();
        assert_eq!(
            (on.event_type, on.priority),
            ("pipeline_throttled", Priority::Normal)
        );
        assert_eq!(
            (off.event_type, off.priority),
            ("pipeline_throttle_released", Priority::Normal)
        );
        assert!(crate::config::notify::EVENT_TYPES.contains(&off.event_type));
        let (t, b) = default_templates(on.event_type);
        assert_eq!(
            render(t, &on.vars()),
            "Pipeline backlog: fewer new recordings"
        );
        assert_eq!(
            render(b, &on.vars()),
            "7 queued steps; new recordings limited to 2 at a time."
        );
    }

    #[test]
    fn live_events_drop_stream_urls_and_render_templates() {
        let ev = Event::from_row(
            &row(
                "live",
                r#"{"type":"live","session_id":4,"title":"Hi {there}","category":null,"streams":[{"url":"http://cdn/?token=x"}],"started_at":1700000000000}"#,
            ),
            Some(StreamerRef {
                id: 1,
                name: "alice".into(),
                url: "http://x/alice".into(),
                avatar: None,
            }),
        )
        .unwrap();
        assert_eq!(ev.event_type, "stream_online");
        assert!(!ev.data.to_string().contains("token"), "{}", ev.data);
        assert_eq!(ev.data["started_at"], "2023-11-14T22:13:20+00:00");
        let (t, b) = default_templates(ev.event_type);
        assert_eq!(render(t, &ev.vars()), "alice is live");
        assert_eq!(render(b, &ev.vars()), "Hi {there}");
        assert_eq!(render("{nope} {id} {", &ev.vars()), "{nope} 3 {");
    }
}
