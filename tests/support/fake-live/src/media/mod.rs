//! Media handling: embedded fixtures and the byte-level rewriting that turns a
//! 4-second clip into an endless live stream.

pub mod aes;
pub mod fixture;
pub mod flv;
pub mod fmp4;
pub mod segment;
pub mod ts;
