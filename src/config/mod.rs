//! Configuration: the TOML model, the 4-level merge into an
//! [`EffectiveConfig`], validation with precise errors, XDG paths, filename
//! templates and the hot-reloading [`ConfigService`].

pub mod bounds;
pub mod ca_file;
pub mod effective;
pub mod engines;
pub mod filters;
pub mod keys;
pub mod load;
pub mod messages;
pub mod model;
pub mod notify;
pub mod notify_check;
pub mod paths;
pub mod pipeline;
pub mod pipeline_validate;
pub mod secrets;
pub mod service;
pub mod template;
pub mod tui;
pub mod validate;

pub use effective::{EffectiveConfig, Layers};
pub use engines::{BreakerSettings, EnginesSettings, RetrySettings};
pub use load::{ConfigError, load_file, parse_str};
pub use model::{
    Codec, ConfigFile, EngineKind, Filters, OutputFormat, Quality, RecordingOptions,
    StreamPreference,
};
pub use paths::Paths;
pub use service::ConfigService;

/// The commented example config, embedded so the tests check the very
/// file users read.
pub const EXAMPLE_CONFIG: &str = include_str!("../../examples/config.toml");
