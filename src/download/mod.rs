//! Downloads: the [`engine::Engine`] contract every recording engine
//! implements, the [`manager::DownloadManager`] that runs engines within
//! slot limits and circuit breakers, the [`retry`] policy, and the
//! [`recorder::Recorder`] that connects live sessions to downloads and
//! segment rows.

pub mod breaker;
pub mod breaker_store;
pub mod child;
pub mod disk;
pub mod engine;
pub mod engines;
mod error_map;
pub mod limits;
pub mod manager;
pub mod metrics;
pub mod progress;
pub mod recorder;
pub mod retry;
pub mod shards;
pub mod slots;
pub mod tools;

pub use engine::{DownloadHandle, DownloadRequest, Engine, EngineError, EventSink};
pub use manager::{ActiveDownload, DownloadManager, EngineMap};

use std::sync::Arc;

use crate::config::{EngineKind, EnginesSettings};

/// Builds the engines from `[engines]` (at daemon start and on every config
/// reload). Tests may pin an engine of a kind with [`EngineFactory::with`].
#[derive(Clone, Default)]
pub struct EngineFactory {
    overrides: EngineMap,
    /// Where mesio runs its recordings.
    spawner: shards::Spawner,
}

impl EngineFactory {
    /// Uses `engine` for its kind whatever the config says.
    pub fn with(mut self, engine: Arc<dyn Engine>) -> Self {
        self.overrides.insert(engine.kind(), engine);
        self
    }

    /// Runs mesio recordings on `shards` instead of the caller's runtime.
    pub fn on_shards(mut self, shards: Arc<shards::Shards>) -> Self {
        self.spawner = shards::Spawner::Shards(shards);
        self
    }

    /// One engine per kind, configured from `settings`.
    pub fn build(&self, settings: &EnginesSettings) -> EngineMap {
        let mut map: EngineMap = EngineMap::new();
        map.insert(
            EngineKind::Mesio,
            Arc::new(
                engines::MesioEngine::from_settings(&settings.mesio)
                    .with_spawner(self.spawner.clone()),
            ),
        );
        map.insert(
            EngineKind::Ffmpeg,
            Arc::new(engines::FfmpegEngine::from_settings(&settings.ffmpeg)),
        );
        map.insert(
            EngineKind::Streamlink,
            Arc::new(engines::StreamlinkEngine::from_settings(
                &settings.streamlink,
            )),
        );
        for (k, e) in &self.overrides {
            map.insert(*k, Arc::clone(e));
        }
        map
    }
}

/// The engines of this binary, built from config by the daemon; mesio
/// recordings run on one [`shards::Shards`] runtime per core.
pub fn engines() -> std::io::Result<EngineFactory> {
    Ok(EngineFactory::default().on_shards(shards::Shards::per_core()?))
}
