//! HLS.
