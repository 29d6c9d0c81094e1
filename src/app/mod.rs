//! The running daemon: the [`ServiceContainer`] that wires services together,
//! the single-daemon lock, and the watcher that notices CLI edits of the DB.

pub mod container;
pub mod db_watch;
pub mod lock;

pub use container::{ContainerError, ServiceContainer};
