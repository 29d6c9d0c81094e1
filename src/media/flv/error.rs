//! Errors of the FLV layer.
//!
//! Parse problems in the *stream* are mostly not errors: the parser resyncs and
//! reports skipped bytes instead. Errors here are the cases a caller must see:
//! oversized tags, broken AMF0 (for callers that decode it directly) and I/O.

use std::io;

use super::amf0::Amf0Error;

/// Error of the FLV parser, writer or sink.
#[derive(Debug, thiserror::Error)]
pub enum FlvError {
    /// A tag header announced more data than the configured cap. The parser
    /// skips the header and resyncs on the next call.
    #[error("tag of {size} bytes at stream offset {offset} exceeds the {cap}-byte cap")]
    TagTooLarge {
        size: usize,
        cap: usize,
        offset: u64,
    },

    /// A tag body is too large to be represented in FLV's 24-bit size field.
    #[error("tag data of {size} bytes does not fit FLV's 24-bit size field")]
    TagDataTooLong { size: usize },

    /// AMF0 encode/decode failure.
    #[error("AMF0: {0}")]
    Amf0(#[from] Amf0Error),

    /// The onMetaData tag grew beyond the space reserved for it at open time.
    /// This is a bug guard: the layout is computed so it cannot happen.
    #[error("onMetaData needs {needed} bytes but only {reserved} were reserved")]
    MetadataOverflow { needed: usize, reserved: usize },

    /// An I/O error, with what we were doing when it happened.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },

    /// The sink got events in an impossible order (e.g. a tag with no open file).
    #[error("segment event out of order: {0}")]
    EventOrder(&'static str),
}

impl FlvError {
    /// Wraps an I/O error with a description of the operation.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
