//! srec: a terminal-first live-stream recorder.
//!
//! The binary (`src/main.rs`) only parses the command line and dispatches to
//! [`cli`]; everything else lives here so tests and benchmarks can drive the
//! real services. See `DESIGN.md` in the shared folder for the module map.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod danmu;
pub mod db;
pub mod download;
pub mod events;
pub mod logging;
pub mod media;
pub mod model;
pub mod monitor;
pub mod net;
pub mod notify;
pub mod pipeline;
pub mod platform;
pub mod scheduler;
pub mod streamer;
pub mod tui;
