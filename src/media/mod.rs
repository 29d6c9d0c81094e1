//! srec's own media path: container parsing and writing that the in-process
//! engine (mesio) needs, without external tools.

pub mod hls;
pub mod ts;
