//! BililiveRecorder-compatible danmaku XML: one file per video segment,
//! written with quick-xml so no chat text can make it invalid
//! ([`sanitize`]), flushed at least every second ([`writer`]), and closed
//! after a crash by [`repair`]; each open file is written by its own
//! thread ([`thread`]) so a stalled disk never blocks an async worker.

pub mod repair;
pub mod sanitize;
pub mod thread;
pub mod writer;

pub use repair::{RepairOutcome, repair};
pub use thread::ChatFile;
pub use writer::{DanmuXmlWriter, RecordInfo, WriterStats};
