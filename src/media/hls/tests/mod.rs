//! HLS tests.
