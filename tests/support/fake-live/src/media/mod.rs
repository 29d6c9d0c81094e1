//! Media handling: the fixtures (embedded, or loaded from a directory) and
//! the byte-level rewriting that turns a 4-second clip into an endless live
//! stream.

pub mod aes;
pub mod avc;
pub mod fixture;
pub mod flv;
pub mod fmp4;
pub mod segment;
pub mod ts;
