//! The 4-level merge: global → platform → template → streamer, into one
//! [`EffectiveConfig`] with the level each value came from.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::model::{
    Codec, ConfigFile, EngineKind, Filters, OutputFormat, Quality, RecordingOptions,
    StreamPreference,
};

/// Default path template (relative to the output folder, extension added by the engine).
pub const DEFAULT_FILENAME_TEMPLATE: &str = "{streamer}/%Y-%m-%d/{streamer}_%Y%m%d-%H%M%S_{title}";

/// Default `min_free_space`: 1 GiB.
pub const DEFAULT_MIN_FREE_SPACE: u64 = 1 << 30;

/// Fully resolved recording options for one streamer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveConfig {
    pub output_dir: PathBuf,
    pub filename_template: String,
    pub output_format: OutputFormat,
    pub engine: EngineKind,
    pub stream_format: StreamPreference,
    pub quality: Quality,
    /// Bytes; 0 keeps every segment.
    pub min_segment_size: u64,
    /// Bytes; `None` = unlimited.
    pub max_segment_size: Option<u64>,
    /// Bytes the output folder's filesystem keeps free (0 = no check).
    pub min_free_space: u64,
    #[serde(with = "humantime_serde")]
    pub max_segment_duration: Option<Duration>,
    #[serde(with = "humantime_serde")]
    pub check_interval: Duration,
    pub offline_confirmations: u32,
    pub proxy: Option<String>,
    pub cookies: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub filters: Filters,
    /// Codec preference, most wanted first (empty = the platform's order).
    pub codec: Vec<Codec>,
    /// CDN preference, most wanted first.
    pub cdn: Vec<String>,
    /// The platform API origin override (tests, mirrors).
    pub api_base: Option<String>,
    /// Twitch OAuth token (secret: never printed or returned by the API).
    #[serde(skip_serializing)]
    pub oauth_token: Option<String>,
    /// Write the live chat beside each segment (`.xml`).
    pub record_danmu: bool,
    /// Pipelines attached to this recording's files.
    pub pipeline: Vec<String>,
    /// Field name → level that set it (`default`, `global`, `platform:x`,
    /// `template:y`, `streamer`).
    #[serde(skip)]
    pub sources: BTreeMap<&'static str, String>,
    /// The streamlink binary (`[engines.streamlink] path`), which checks of
    /// platform `streamlink` run. An engine setting, not a recording
    /// option: not merged per level, not shown.
    #[serde(skip)]
    pub streamlink_path: PathBuf,
}

/// The levels that apply to one streamer.
#[derive(Debug, Clone, Copy)]
pub struct Layers<'a> {
    pub platform: &'a str,
    pub template: Option<&'a str>,
    pub streamer: Option<&'a RecordingOptions>,
}

impl EffectiveConfig {
    /// Built-in defaults (level 0).
    pub fn defaults(default_output_dir: PathBuf) -> Self {
        let mut sources = BTreeMap::new();
        for f in FIELDS {
            sources.insert(*f, "default".to_string());
        }
        Self {
            output_dir: default_output_dir,
            filename_template: DEFAULT_FILENAME_TEMPLATE.into(),
            output_format: OutputFormat::Auto,
            engine: EngineKind::Mesio,
            stream_format: StreamPreference::Auto,
            quality: Quality::Best,
            min_segment_size: 0,
            max_segment_size: None,
            min_free_space: DEFAULT_MIN_FREE_SPACE,
            max_segment_duration: None,
            check_interval: Duration::from_secs(60),
            offline_confirmations: 3,
            proxy: None,
            cookies: None,
            headers: BTreeMap::new(),
            filters: Filters::default(),
            codec: Vec::new(),
            cdn: Vec::new(),
            api_base: None,
            oauth_token: None,
            record_danmu: false,
            pipeline: Vec::new(),
            sources,
            streamlink_path: PathBuf::from("streamlink"),
        }
    }

    /// Merges all levels for a streamer. A template name missing from the file
    /// is skipped here; `validate` and `srec add` reject it earlier.
    pub fn resolve(file: &ConfigFile, default_output_dir: PathBuf, layers: Layers<'_>) -> Self {
        let mut eff = Self::defaults(default_output_dir);
        eff.streamlink_path = file.engines.streamlink.path.clone();
        // URLs only streamlink's plugins understand are recorded by it
        // unless a level says otherwise.
        if layers.platform == "streamlink" {
            eff.engine = EngineKind::Streamlink;
            eff.sources.insert("engine", "default:platform".to_string());
        }
        eff.apply(&file.recording, "global");
        if let Some(p) = file.platforms.get(layers.platform) {
            eff.apply(p, &format!("platform:{}", layers.platform));
        }
        if let Some(t) = layers
            .template
            .and_then(|t| file.templates.get(t).map(|o| (t, o)))
        {
            eff.apply(t.1, &format!("template:{}", t.0));
        }
        if let Some(s) = layers.streamer {
            eff.apply(s, "streamer");
        }
        eff
    }

    /// Applies one level on top of the current values.
    pub fn apply(&mut self, o: &RecordingOptions, level: &str) {
        macro_rules! set {
            ($field:ident, $val:expr) => {
                if let Some(v) = &o.$field {
                    self.$field = $val(v);
                    self.sources.insert(stringify!($field), level.to_string());
                }
            };
        }
        set!(output_dir, |v: &PathBuf| v.clone());
        set!(filename_template, |v: &String| v.clone());
        set!(output_format, |v: &OutputFormat| *v);
        set!(engine, |v: &EngineKind| *v);
        set!(stream_format, |v: &StreamPreference| *v);
        set!(quality, |v: &Quality| *v);
        set!(min_segment_size, |v: &bytesize::ByteSize| v.as_u64());
        set!(max_segment_size, |v: &bytesize::ByteSize| nonzero_u64(
            v.as_u64()
        ));
        set!(min_free_space, |v: &bytesize::ByteSize| v.as_u64());
        set!(max_segment_duration, |v: &Duration| (!v.is_zero())
            .then_some(*v));
        set!(check_interval, |v: &Duration| *v);
        set!(offline_confirmations, |v: &u32| *v);
        set!(proxy, |v: &String| non_empty(v));
        set!(cookies, |v: &String| non_empty(v));
        set!(filters, |v: &Filters| v.clone());
        set!(codec, |v: &Vec<Codec>| v.clone());
        set!(cdn, |v: &Vec<String>| v.clone());
        set!(api_base, |v: &String| non_empty(v));
        set!(oauth_token, |v: &String| non_empty(v));
        set!(record_danmu, |v: &bool| *v);
        set!(pipeline, |v: &super::model::PipelineNames| v.names());
        if let Some(h) = &o.headers {
            for (k, v) in h {
                self.headers.insert(k.clone(), v.clone());
            }
            self.sources.insert("headers", level.to_string());
        }
    }
}

/// Every merged field name, for provenance display.
pub const FIELDS: &[&str] = &[
    "output_dir",
    "filename_template",
    "output_format",
    "engine",
    "stream_format",
    "quality",
    "min_segment_size",
    "max_segment_size",
    "min_free_space",
    "max_segment_duration",
    "check_interval",
    "offline_confirmations",
    "proxy",
    "cookies",
    "headers",
    "filters",
    "codec",
    "cdn",
    "api_base",
    "oauth_token",
    "record_danmu",
    "pipeline",
];

fn nonzero_u64(v: u64) -> Option<u64> {
    (v > 0).then_some(v)
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(interval: Option<u64>, engine: Option<EngineKind>) -> RecordingOptions {
        RecordingOptions {
            check_interval: interval.map(Duration::from_secs),
            engine,
            ..Default::default()
        }
    }

    #[test]
    fn later_levels_win_and_sources_are_tracked() {
        let mut file = ConfigFile {
            recording: layer(Some(30), Some(EngineKind::Ffmpeg)),
            ..Default::default()
        };
        file.platforms.insert("fake".into(), layer(Some(10), None));
        file.templates
            .insert("night".into(), layer(None, Some(EngineKind::Streamlink)));
        let streamer = layer(Some(5), None);
        let eff = EffectiveConfig::resolve(
            &file,
            "/out".into(),
            Layers {
                platform: "fake",
                template: Some("night"),
                streamer: Some(&streamer),
            },
        );
        assert_eq!(eff.check_interval, Duration::from_secs(5));
        assert_eq!(eff.engine, EngineKind::Streamlink);
        assert_eq!(eff.sources["check_interval"], "streamer");
        assert_eq!(eff.sources["engine"], "template:night");
        assert_eq!(eff.sources["quality"], "default");

        let other = EffectiveConfig::resolve(
            &file,
            "/out".into(),
            Layers {
                platform: "generic",
                template: None,
                streamer: None,
            },
        );
        assert_eq!(other.check_interval, Duration::from_secs(30));
        assert_eq!(other.engine, EngineKind::Ffmpeg);
    }

    #[test]
    fn headers_merge_per_key_and_empty_proxy_clears() {
        let global = RecordingOptions {
            headers: Some([("a".into(), "1".into()), ("b".into(), "1".into())].into()),
            proxy: Some("http://127.0.0.1:3128".into()),
            ..Default::default()
        };
        let s = RecordingOptions {
            headers: Some([("b".into(), "2".into())].into()),
            proxy: Some(String::new()),
            ..Default::default()
        };
        let file = ConfigFile {
            recording: global,
            ..Default::default()
        };
        let eff = EffectiveConfig::resolve(
            &file,
            "/o".into(),
            Layers {
                platform: "generic",
                template: None,
                streamer: Some(&s),
            },
        );
        assert_eq!(eff.headers["a"], "1");
        assert_eq!(eff.headers["b"], "2");
        assert_eq!(eff.proxy, None);
    }

    #[test]
    fn zero_limits_mean_unlimited() {
        let g = RecordingOptions {
            max_segment_size: Some(bytesize::ByteSize::b(0)),
            max_segment_duration: Some(Duration::ZERO),
            ..Default::default()
        };
        let file = ConfigFile {
            recording: g,
            ..Default::default()
        };
        let eff = EffectiveConfig::resolve(
            &file,
            "/o".into(),
            Layers {
                platform: "generic",
                template: None,
                streamer: None,
            },
        );
        assert_eq!(eff.max_segment_size, None);
        assert_eq!(eff.max_segment_duration, None);
    }
}
