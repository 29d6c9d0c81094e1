//! Hand-written OpenAPI schemas for config types that live in
//! `crate::config` (they serialise durations and sizes as strings and stay
//! free of API concerns). Written as JSON Schema so they read like the wire
//! format; a unit test checks each parses.

use std::borrow::Cow;

use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, Schema};
use utoipa::{PartialSchema, ToSchema};

fn parse(v: Value) -> RefOr<Schema> {
    // A malformed literal is caught by the unit test below; at run time an
    // empty object schema is the harmless fallback.
    RefOr::T(serde_json::from_value(v).unwrap_or_else(|_| Schema::Object(Object::new())))
}

fn recording_options() -> Value {
    let size =
        json!({"type": ["string", "integer"], "description": "bytes, or a size such as `512 MiB`"});
    let duration =
        json!({"type": "string", "description": "humantime duration such as `30s` or `1h`"});
    json!({
        "type": "object",
        "description": "One level of recording options; absent keys inherit from the level above.",
        "additionalProperties": false,
        "properties": {
            "output_dir": {"type": "string"},
            "filename_template": {"type": "string"},
            "output_format": {"type": "string", "enum": ["auto", "flv", "ts", "mp4", "mkv"]},
            "engine": {"type": "string", "enum": ["mesio", "ffmpeg", "streamlink"]},
            "stream_format": {"type": "string", "enum": ["auto", "flv", "hls"]},
            "quality": {"type": "string", "description": "best, worst, 720p or <=3000k"},
            "min_segment_size": size,
            "max_segment_size": size,
            "min_free_space": size,
            "max_segment_duration": duration,
            "check_interval": duration,
            "offline_confirmations": {"type": "integer", "minimum": 1},
            "proxy": {"type": "string"},
            "cookies": {"type": "string"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "filters": {"type": "object", "description": "title_include, title_exclude, categories, title_regex, schedule, timezone, cron"},
            "codec": {"type": "array", "items": {"type": "string", "enum": ["avc", "hevc", "av1"]}, "description": "video codecs, most wanted first"},
            "cdn": {"type": "array", "items": {"type": "string"}, "description": "CDN names or host fragments, most wanted first"},
            "api_base": {"type": "string", "description": "the platform API origin (mirrors, tests)"},
            "oauth_token": {"type": "string", "description": "Twitch OAuth token (secret)"},
            "record_danmu": {"type": "boolean", "description": "capture the live chat beside each segment as <segment>.xml"},
            "pipeline": {
                "type": ["string", "array"],
                "items": {"type": "string"},
                "description": "post-processing pipeline name(s) from `[pipelines]`"
            }
        }
    })
}

/// Schema of `RecordingOptions` (streamer overrides, `[recording]`, ...).
pub struct RecordingOptionsDoc;

impl PartialSchema for RecordingOptionsDoc {
    fn schema() -> RefOr<Schema> {
        parse(recording_options())
    }
}

impl ToSchema for RecordingOptionsDoc {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("RecordingOptions")
    }
}

/// Schema of the config file as JSON (`api.token` is never returned).
pub struct ConfigFileDoc;

impl PartialSchema for ConfigFileDoc {
    fn schema() -> RefOr<Schema> {
        let opts = recording_options();
        parse(json!({
            "type": "object",
            "description": "config.toml as JSON; sections not listed here are returned as they are.",
            "required": ["daemon", "download", "api", "recording"],
            "properties": {
                "daemon": {"type": "object"},
                "download": {
                    "type": "object",
                    "properties": {
                        "max_concurrent": {"type": "integer", "minimum": 1},
                        "high_priority_slots": {"type": "integer", "minimum": 0}
                    }
                },
                "api": {
                    "type": "object",
                    "properties": {
                        "enabled": {"type": "boolean"},
                        "address": {"type": "string"},
                        "port": {"type": "integer", "minimum": 0, "maximum": 65535},
                        "allow_remote": {"type": "boolean"},
                        "token_set": {"type": "boolean", "description": "a token is configured (its value is never returned)"}
                    }
                },
                "recording": opts,
                "platforms": {"type": "object", "additionalProperties": opts},
                "templates": {"type": "object", "additionalProperties": opts},
                "pipeline": {
                    "type": "object",
                    "properties": {
                        "cpu_workers": {"type": "integer", "minimum": 0, "description": "0 = number of cores"},
                        "io_workers": {"type": "integer", "minimum": 1}
                    }
                },
                "pipelines": {"type": "object", "description": "named post-processing DAGs (read-only through the API)"}
            }
        }))
    }
}

impl ToSchema for ConfigFileDoc {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ConfigFile")
    }
}

/// Schema of a merged, fully resolved recording config.
pub struct EffectiveConfigDoc;

impl PartialSchema for EffectiveConfigDoc {
    fn schema() -> RefOr<Schema> {
        let mut v = recording_options();
        v["description"] = json!("Every recording option resolved through the four levels.");
        v["required"] = json!([
            "output_dir",
            "filename_template",
            "engine",
            "check_interval"
        ]);
        for nullable in [
            "max_segment_size",
            "max_segment_duration",
            "proxy",
            "cookies",
            "api_base",
        ] {
            let t = v["properties"][nullable]["type"].clone();
            let mut types = match t {
                Value::Array(a) => a,
                other => vec![other],
            };
            types.push(json!("null"));
            v["properties"][nullable]["type"] = Value::Array(types);
        }
        v["properties"]["min_segment_size"] = json!({"type": "integer", "minimum": 0});
        v["properties"]["min_free_space"] = json!({"type": "integer", "minimum": 0});
        v["properties"]["max_segment_size"]["type"] = json!(["integer", "null"]);
        parse(v)
    }
}

impl ToSchema for EffectiveConfigDoc {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EffectiveConfig")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_parse_as_schemas() {
        serde_json::from_value::<Schema>(recording_options()).unwrap();
        for s in [
            RecordingOptionsDoc::schema(),
            ConfigFileDoc::schema(),
            EffectiveConfigDoc::schema(),
        ] {
            let RefOr::T(Schema::Object(o)) = s else {
                panic!("not an object schema")
            };
            assert!(!o.properties.is_empty());
        }
    }
}
