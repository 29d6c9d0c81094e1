//! srec's own media path: container parsing, repair and writing.
//!
//! Everything here is synchronous and free of async runtimes so that the
//! download engines can drive it from whichever task owns the connection, and
//! so that it can be unit-tested, benchmarked and fuzzed without I/O.

pub mod flv;
