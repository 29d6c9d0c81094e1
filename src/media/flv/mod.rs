//! FLV: streaming parser, AMF0, repair rules, segmenter and file writer.
//!
//! Data flows `bytes -> FlvParser -> RuleChain -> Segmenter -> SegmentEvent`,
//! glued together by [`FlvPipeline`], which performs no I/O. Files are written
//! by [`FlvWriter`] (one file) or [`SegmentFileSink`] (a sequence of files named
//! by a path factory), which consume the pipeline's events.

pub mod amf0;
pub mod audio;
pub mod duration;
pub mod error;
pub mod parser;
pub mod repair;
pub mod script;
pub mod segmenter;
pub mod synth;
pub mod tag;
pub mod video;
pub mod writer;
