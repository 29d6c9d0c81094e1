//! Downloads: the [`engine::Engine`] contract every recording engine
//! implements, the [`manager::DownloadManager`] that runs engines within
//! slot limits, and the [`recorder::Recorder`] that connects live sessions
//! to downloads and segment rows.

pub mod engine;
pub mod engines;
pub mod manager;
pub mod recorder;
pub mod slots;

pub use engine::{DownloadHandle, DownloadRequest, Engine, EngineError, EventSink};
pub use manager::{ActiveDownload, DownloadManager};

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::EngineKind;

/// The engines built into this binary.
pub fn engines() -> HashMap<EngineKind, Arc<dyn Engine>> {
    let mut map: HashMap<EngineKind, Arc<dyn Engine>> = HashMap::new();
    map.insert(
        EngineKind::Ffmpeg,
        Arc::new(engines::ffmpeg::FfmpegEngine::default()),
    );
    map.insert(
        EngineKind::Mesio,
        Arc::new(engines::mesio::MesioEngine::default()),
    );
    map
}
