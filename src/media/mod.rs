//! srec's own media path: container parsing, repair and writing.
//!
//! The parsers and writers are synchronous and free of async runtimes so the
//! download engines can drive them from whichever task owns the connection,
//! and so they can be unit-tested, benchmarked and fuzzed without I/O. The
//! HLS recorder is async (it fetches) but generic over its fetcher and sink.

pub mod flv;
pub mod hls;
pub mod slow_write;
pub mod ts;

/// Reads a finished or crash-cut file's media length (crash recovery).
pub mod probe;
