//! The HLS half of mesio: resolve a master playlist to one variant, watch
//! the live media playlist, fetch segments in parallel but write them in
//! order (decrypting AES-128, prefixing fMP4 init sections, rebasing each
//! fMP4 file's timeline to 0), and split the output into files at
//! discontinuities, header changes and — at keyframes — size/duration
//! limits. Memory per recording is capped ([`ByteBudget`]).
//!
//! Everything downloads through the [`Fetch`] trait and writes through
//! [`SegmentSink`], so tests drive it deterministically.

mod ads;
mod assembler;
mod budget;
mod cache;
mod crypto;
mod error;
mod fetch;
mod fetcher;
mod file_writer;
mod fmp4;
mod numbering;
mod output;
mod pipeline;
mod playlist;
mod recorder;
mod resolve;
mod timing;
mod tracker;
mod variant;
mod watcher;

#[cfg(test)]
mod tests;

pub use assembler::{Container, EventFn, SplitLimits};
pub use budget::ByteBudget;
pub use crypto::{CbcStream, sequence_iv};
pub use error::HlsError;
pub use fetch::Fetch;
pub use fetcher::RetryPolicy;
pub use fmp4::{Fmp4Error, MAX_MOOF, Rebaser};
pub use numbering::Numbering;
pub use output::{FileSink, PathFn, SegmentSink, WRITE_CHUNK, WRITER_QUEUE};
pub use playlist::{KeyRef, MapRef, MediaWindow, Parsed, SegmentRef, parse};
pub use recorder::{HlsOptions, HlsRecorder, Outcome};
pub use resolve::resolve_media;
pub use tracker::{Boundary, PlaylistTracker, SegmentJob, StartAt};
pub use variant::select_variant;
pub use watcher::{WatchItem, WatchOptions, load_media, watch};
