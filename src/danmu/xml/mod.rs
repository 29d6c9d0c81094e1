//! BililiveRecorder-compatible danmaku XML: one file per video segment,
//! written with quick-xml so no chat text can make it invalid
//! ([`sanitize`]), flushed at least every second ([`writer`]), and closed
//! after a crash by [`repair`].

pub mod repair;
pub mod sanitize;
pub mod writer;

pub use repair::{RepairOutcome, repair};
pub use writer::{DanmuXmlWriter, RecordInfo, WriterStats};
