//! Recording engines. Each implements [`crate::download::Engine`].

pub mod ffmpeg;
pub mod mesio;

pub use mesio::MesioEngine;
