//! Typed events services exchange over tokio broadcast channels.

/// Something about the configuration or the set of streamers changed.
/// Consumers (the scheduler) spawn, stop or reconfigure actors in response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigUpdateEvent {
    /// `config.toml` was re-read and validated; effective configs may differ.
    GlobalReloaded,
    /// A streamer row was created (by the CLI, the API or the TUI).
    StreamerAdded { id: i64 },
    /// A streamer row was deleted.
    StreamerRemoved { id: i64 },
    /// Name, priority, enabled flag, template or overrides changed.
    StreamerUpdated { id: i64 },
}
