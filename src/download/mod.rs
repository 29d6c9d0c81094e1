//! Downloads: the [`engine::Engine`] contract every recording engine
//! implements, and (with the scheduler) the manager that runs them.

pub mod engine;
pub mod engines;

pub use engine::{DownloadHandle, DownloadRequest, Engine, EngineError, EventSink};
