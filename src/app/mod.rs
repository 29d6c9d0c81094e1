//! The running daemon: the [`ServiceContainer`] that wires services together,
//! the single-daemon lock, the watcher that notices CLI edits of the DB, and
//! the systemd notifications.

pub mod api_wiring;
pub mod container;
pub mod db_watch;
pub mod lock;
pub mod sd_notify;

pub use container::{ContainerError, ServiceContainer};
