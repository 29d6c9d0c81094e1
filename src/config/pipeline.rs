//! Post-processing pipelines in the config: `[pipeline]` worker limits and
//! named DAGs under `[pipelines.<name>]`, each a list of typed steps
//! (`processor = "remux"` plus that processor's own parameters, unknown
//! keys rejected) with `depends_on` edges, and the trigger that starts it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `[pipeline]`: pool sizes of the job runner (hot reloadable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineSettings {
    /// Steps of CPU-bound processors (remux, thumbnail, execute, danmu_ass,
    /// metadata) running at once; 0 means the number of cores.
    pub cpu_workers: usize,
    /// Steps of IO-bound processors (copy, move, delete, upload) at once.
    pub io_workers: usize,
    /// Fewer new recordings while the job queue is backed up.
    pub throttle: ThrottleSettings,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        Self {
            cpu_workers: 0,
            io_workers: 4,
            throttle: ThrottleSettings::default(),
        }
    }
}

/// `[pipeline.throttle]`: when queued steps pass `high_depth` (or the
/// oldest has waited `max_wait`), `download.max_concurrent` is scaled by
/// `factor` for new recordings (running ones go on) until the queue is
/// back under `low_depth`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleSettings {
    pub enabled: bool,
    pub high_depth: usize,
    pub low_depth: usize,
    #[serde(with = "humantime_serde")]
    pub max_wait: Duration,
    pub factor: f64,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            high_depth: 500,
            low_depth: 100,
            max_wait: Duration::from_secs(3600),
            factor: 0.5,
        }
    }
}

impl PipelineSettings {
    /// The CPU pool size with 0 resolved to the number of cores.
    pub fn cpu_limit(&self) -> usize {
        if self.cpu_workers > 0 {
            self.cpu_workers
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }

    /// The IO pool size (at least one).
    pub fn io_limit(&self) -> usize {
        self.io_workers.max(1)
    }
}

/// What starts a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// Every finalised video segment (input: that file).
    #[default]
    Segment,
    /// A video segment and its chat XML of the same index, once both are
    /// closed (inputs: the video, then the XML).
    Paired,
    /// A closed session (inputs: all its video files in index order).
    Session,
}

impl Trigger {
    /// Stable text stored in `dag_executions.trigger`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Segment => "segment",
            Self::Paired => "paired",
            Self::Session => "session",
        }
    }
}

/// One `[pipelines.<name>]` DAG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineDef {
    /// What starts it.
    #[serde(default)]
    pub trigger: Trigger,
    /// Runs per step before it fails for good (retries back off).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Higher runs first; equal priorities run oldest first.
    #[serde(default)]
    pub priority: i32,
    /// The steps; a step runs once every step it depends on succeeded.
    pub steps: Vec<StepDef>,
}

fn default_attempts() -> u32 {
    3
}

/// One step of a DAG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepDef {
    /// Unique within the pipeline.
    pub id: String,
    /// Steps whose outputs become this step's inputs.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// What it does.
    #[serde(flatten)]
    pub processor: Processor,
}

/// Container a remux writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RemuxFormat {
    #[default]
    Mp4,
    Mkv,
}

/// A processor and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "processor", rename_all = "snake_case", deny_unknown_fields)]
pub enum Processor {
    /// ffmpeg `-c copy` into MP4 (faststart) or MKV beside the input.
    Remux {
        #[serde(default)]
        format: RemuxFormat,
        /// Delete the source file once the remuxed one is complete.
        #[serde(default)]
        delete_source: bool,
    },
    /// One JPEG at `offset` (default: the middle) beside the input.
    Thumbnail {
        #[serde(
            default,
            with = "humantime_serde",
            skip_serializing_if = "Option::is_none"
        )]
        offset: Option<Duration>,
        /// Output width in pixels (height keeps the aspect); none = source.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
    },
    /// A user command as an argument array; placeholders `{input}`,
    /// `{inputs_json}`, `{input_dir}`, `{output_dir}`, `{streamer}`,
    /// `{platform}`, `{title}`, `{category}`, `{session_id}`, `{index}` are
    /// replaced inside each argument; never run by a shell.
    Execute {
        command: Vec<String>,
        /// Extra environment variables (placeholders allowed).
        #[serde(default)]
        env: BTreeMap<String, String>,
        #[serde(default = "default_timeout", with = "humantime_serde")]
        timeout: Duration,
        /// Files the command produces (placeholders allowed); none = the inputs pass through.
        #[serde(default)]
        outputs: Vec<String>,
    },
    /// Copies the inputs into `dest` (a folder; placeholders allowed).
    Copy { dest: String },
    /// Moves the inputs into `dest` (a folder; placeholders allowed).
    Move { dest: String },
    /// Deletes the inputs (only files inside the recording's output folder).
    Delete {},
    /// A JSON sidecar (`<input stem>.meta.json`) with the session's facts.
    Metadata {},
    /// Chat XML inputs → ASS subtitles (scrolling lanes).
    DanmuAss {
        #[serde(default = "default_font_size")]
        font_size: u32,
        /// 0.0 transparent … 1.0 opaque.
        #[serde(default = "default_opacity")]
        opacity: f32,
        /// Seconds a comment takes to cross the screen.
        #[serde(default = "default_scroll", with = "humantime_serde")]
        duration: Duration,
        /// `WIDTHxHEIGHT`; default 1920x1080.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution: Option<String>,
        #[serde(default = "default_font")]
        font: String,
    },
    /// Uploads the inputs with `rclone copyto` to `remote:path/<file name>`.
    Upload {
        /// An rclone remote name (configured in rclone or by `RCLONE_CONFIG_*`).
        remote: String,
        /// Folder on the remote (placeholders allowed).
        #[serde(default)]
        path: String,
        /// The rclone binary (default: `rclone` on PATH).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rclone: Option<std::path::PathBuf>,
    },
}

fn default_timeout() -> Duration {
    Duration::from_secs(3600)
}
fn default_font_size() -> u32 {
    38
}
fn default_opacity() -> f32 {
    0.8
}
fn default_scroll() -> Duration {
    Duration::from_secs(12)
}
fn default_font() -> String {
    "Microsoft YaHei".into()
}

/// Which worker pool runs a processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pool {
    Cpu,
    Io,
}

impl Pool {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Io => "io",
        }
    }
}

impl Processor {
    /// The processor's config name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Remux { .. } => "remux",
            Self::Thumbnail { .. } => "thumbnail",
            Self::Execute { .. } => "execute",
            Self::Copy { .. } => "copy",
            Self::Move { .. } => "move",
            Self::Delete {} => "delete",
            Self::Metadata {} => "metadata",
            Self::DanmuAss { .. } => "danmu_ass",
            Self::Upload { .. } => "upload",
        }
    }

    /// The pool its steps run in.
    pub fn pool(&self) -> Pool {
        match self {
            Self::Copy { .. } | Self::Move { .. } | Self::Delete {} | Self::Upload { .. } => {
                Pool::Io
            }
            _ => Pool::Cpu,
        }
    }
}

/// `1920x1080` → (1920, 1080).
pub fn parse_resolution(r: &str) -> Option<(u32, u32)> {
    let (w, h) = r.split_once(['x', 'X'])?;
    let (w, h) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

pub use super::pipeline_validate::validate;
