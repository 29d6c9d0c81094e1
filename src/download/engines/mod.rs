//! Recording engines. Each implements [`crate::download::Engine`].

pub mod ffmpeg;
pub mod mesio;
pub mod streamlink;

pub use ffmpeg::FfmpegEngine;
pub use mesio::MesioEngine;
pub use streamlink::StreamlinkEngine;
