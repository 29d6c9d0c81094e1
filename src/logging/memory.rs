//! An in-memory tail of recent log events, for the dashboard's log pane
//! while the dashboard owns the terminal and nothing may write to stderr.
//!
//! A bounded ring: the newest `capacity` events are kept, older ones drop
//! off (they are in the log file). A sequence number lets a reader skip work
//! when nothing new arrived.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::DynFilterFn;
use tracing_subscriber::layer::Context;

/// One formatted event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Unix milliseconds.
    pub at_ms: i64,
    pub level: Level,
    /// The message followed by `key=value` fields.
    pub text: String,
}

#[derive(Debug, Default)]
struct Ring {
    lines: VecDeque<LogLine>,
    /// Events pushed so far (not capped), so readers can tell "unchanged".
    seq: u64,
}

/// Shared handle to the ring; cheap to clone.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    ring: Arc<Mutex<Ring>>,
    capacity: usize,
    /// Most verbose level of srec's own events the pane wants (1 error ..
    /// 5 trace), captured even when `daemon.log_level` is less verbose.
    capture: Arc<AtomicU8>,
}

fn level_code(l: Level) -> u8 {
    match l {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

impl LogBuffer {
    /// A ring keeping the newest `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        Self {
            ring: Arc::new(Mutex::new(Ring::default())),
            capacity: capacity.max(1),
            capture: Arc::new(AtomicU8::new(level_code(Level::INFO))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        // A poisoned ring only holds text; keep using it.
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends a line, dropping the oldest past capacity.
    pub fn push(&self, line: LogLine) {
        let mut r = self.lock();
        if r.lines.len() == self.capacity {
            r.lines.pop_front();
        }
        r.lines.push_back(line);
        r.seq += 1;
    }

    /// Number of lines ever pushed; changes whenever the content does.
    pub fn seq(&self) -> u64 {
        self.lock().seq
    }

    /// Every kept line, oldest first.
    pub fn lines(&self) -> Vec<LogLine> {
        self.lock().lines.iter().cloned().collect()
    }

    /// Makes srec's events down to `level` reach the ring (the dashboard's
    /// `l` key), whatever the file logs' level is.
    pub fn set_capture(&self, level: Level) {
        self.capture.store(level_code(level), Ordering::Relaxed);
    }

    /// A per-layer filter passing srec's own events at or above the
    /// capture level; combine it with the config's filter using `or`.
    pub fn capture_filter<S: Subscriber>(
        &self,
    ) -> impl tracing_subscriber::layer::Filter<S> + Send + Sync + use<S> {
        let capture = Arc::clone(&self.capture);
        DynFilterFn::new(move |meta, _| {
            meta.target().starts_with("srec")
                && level_code(*meta.level()) <= capture.load(Ordering::Relaxed)
        })
        .with_callsite_filter(|meta| {
            // Decided per event: the capture level changes at run time.
            if meta.target().starts_with("srec") {
                Interest::sometimes()
            } else {
                Interest::never()
            }
        })
    }

    /// A tracing layer that feeds this ring.
    pub fn layer(&self) -> MemoryLayer {
        MemoryLayer { buf: self.clone() }
    }
}

/// Tracing layer writing into a [`LogBuffer`].
pub struct MemoryLayer {
    buf: LogBuffer,
}

/// Collects `message` first and the other fields as ` key=value`.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={:?}", field.name(), value);
        }
    }
}

impl<S: Subscriber> Layer<S> for MemoryLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let mut text = f.message;
        text.push_str(&f.rest);
        // One event is one line in the pane.
        let text = text.replace(['\n', '\r'], " ");
        self.buf.push(LogLine {
            at_ms: crate::db::now_ms(),
            level: *event.metadata().level(),
            text,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn keeps_the_newest_lines_with_fields() {
        let buf = LogBuffer::new(2);
        let sub = tracing_subscriber::registry().with(buf.layer());
        tracing::subscriber::with_default(sub, || {
            tracing::info!("one");
            tracing::warn!(streamer = 3, "two\nlines");
            tracing::error!(path = %"/x", "three");
        });
        let lines = buf.lines();
        assert_eq!(buf.seq(), 3);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "two lines streamer=3");
        assert_eq!(lines[0].level, Level::WARN);
        assert_eq!(lines[1].text, "three path=/x");
    }

    #[test]
    fn the_capture_level_brings_srec_debug_lines_in() {
        use tracing_subscriber::filter::{EnvFilter, FilterExt};
        let buf = LogBuffer::new(10);
        let filter = EnvFilter::new("info").or(buf.capture_filter());
        let sub = tracing_subscriber::registry().with(buf.layer().with_filter(filter));
        tracing::subscriber::with_default(sub, || {
            tracing::debug!(target: "srec::x", "hidden");
            buf.set_capture(Level::DEBUG);
            tracing::debug!(target: "srec::x", "shown");
            tracing::trace!(target: "srec::x", "too verbose");
            tracing::debug!(target: "hyper::x", "not ours");
            tracing::info!(target: "hyper::x", "config level");
        });
        let texts: Vec<String> = buf.lines().into_iter().map(|l| l.text).collect();
        assert_eq!(texts, ["shown", "config level"]);
    }
}
