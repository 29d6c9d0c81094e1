//! The `srec run` dashboard: a view of the running services, never the
//! owner of their state.
//!
//! Keys become [`Action`]s ([`input`]); `update(&mut AppState, Action)`
//! ([`update`]) is the only state change and returns [`Command`]s, which
//! the [`exec`]utor runs against the same service handles the CLI and API
//! use. Rendering is `impl Widget for &Snapshot` ([`view`]): a pure function
//! of the state, the clock value and the theme. [`event_loop`] ties them
//! together; [`terminal`] owns raw mode and the alternate screen.

pub mod action;
pub mod data;
pub mod event_loop;
pub mod exec;
pub mod input;
pub mod source;
pub mod state;
pub mod terminal;
pub mod update;
pub mod view;

pub use crate::config::keys::KeyMap;
pub use action::{Action, Command, Op, Outcome};
pub use data::Data;
pub use event_loop::{Dashboard, LoopEnd, LoopError, run};
pub use source::Services;
pub use state::AppState;
pub use update::update;
pub use view::{Snapshot, Theme};

/// Log lines the dashboard keeps in memory for the log pane.
pub const LOG_LINES: usize = 500;
