//! Plain data types that several layers share (streamers, live status and
//! stream candidates). They sit at the bottom of the layer map so `db/` and
//! `events.rs` can name them without importing a service; the service
//! modules re-export them under their old paths (`streamer::model`,
//! `platform::model`).

pub mod platforms;
pub mod stream;
pub mod streamer;
