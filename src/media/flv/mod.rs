//! FLV: streaming parser, AMF0, repair rules, segmenter and file writer.
//!
//! Data flows `bytes -> FlvParser -> RuleChain -> Segmenter -> SegmentEvent`,
//! glued together by [`FlvPipeline`], which performs no I/O. Files are written
//! by [`FlvWriter`] (one file) or [`SegmentFileSink`] (a sequence of files named
//! by a path factory), which consume the pipeline's events.
//!
//! ```no_run
//! use srec::media::flv::{FlvPipeline, PipelineConfig, SegmentFileSink, WriterOptions};
//! # fn demo(chunks: Vec<Vec<u8>>) -> Result<(), srec::media::flv::FlvError> {
//! let cfg = PipelineConfig::default();
//! let mut pipeline = FlvPipeline::new(cfg);
//! let mut sink = SegmentFileSink::new(
//!     |i| format!("/rec/part-{i:03}.flv").into(),
//!     WriterOptions::for_max_duration(cfg.segment.max_duration_ms),
//! );
//! let mut events = Vec::new();
//! for chunk in chunks {
//!     pipeline.push(&chunk, &mut events);
//!     for ev in events.drain(..) {
//!         if let Some(closed) = sink.handle(&ev)? {
//!             println!("closed {}", closed.path.display());
//!         }
//!     }
//! }
//! pipeline.finish(&mut events);
//! for ev in events.drain(..) {
//!     sink.handle(&ev)?;
//! }
//! # Ok(()) }
//! ```

pub mod amf0;
pub mod audio;
pub mod duration;
pub mod error;
pub mod parser;
pub mod pipeline;
pub mod repair;
pub mod script;
pub mod segmenter;
pub mod synth;
pub mod tag;
pub mod video;
pub mod writer;

#[cfg(test)]
mod ffmpeg_tests;

pub use error::FlvError;
pub use parser::{FlvItem, FlvParser, ParserConfig};
pub use pipeline::{FlvPipeline, PipelineConfig, PipelineStats};
pub use repair::{Action, RepairConfig, RepairContext, RepairRule, RuleChain, SplitReason};
pub use segmenter::{SegmentEvent, SegmentPolicy, SegmentStart, Segmenter};
pub use tag::{FlvHeader, FlvTag, TagType};
pub use writer::{ClosedSegment, FinishedFile, FlvWriter, SegmentFileSink, SyncAll, WriterOptions};
