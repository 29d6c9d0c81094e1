//! Streamers: the domain model and the [`StreamerManager`] that owns their
//! in-memory state with write-through to SQLite.

pub mod admission;
pub mod manager;
pub mod recovery;
pub use crate::model::streamer as model;

pub use manager::StreamerManager;
pub use model::{NewStreamer, Priority, Streamer, StreamerState};
