//! StreamMonitor: runs live checks, applies filters, opens and closes
//! sessions, and publishes [`MonitorEvent`]s through a DB outbox.

pub mod batch;
pub use crate::config::filters;
pub mod follow;
pub mod outbox;
pub mod proxy_hint;
pub mod service;

pub use service::{Outcome, StreamMonitor};
