//! Repair rules: an ordered list of small, independent stream fixers.
//!
//! Each rule sees tags one at a time and emits zero or more [`Action`]s:
//! forward a (possibly rewritten) tag, or ask for a file split. Rules share a
//! [`RepairContext`] holding the stream's current sequence headers and
//! metadata, which the segmenter re-injects at the start of every file.
//!
//! The standard order ([`RuleChain::standard`]) and why:
//! 1. [`ScriptRule`] consumes onMetaData (our writer writes its own) and asks
//!    for a split when the stream's resolution/codecs change.
//! 2. [`EndOfSequenceRule`] drops end-of-sequence markers and asks for a split.
//! 3. [`SequenceHeaderRule`] consumes sequence headers: byte-identical repeats
//!    are dropped, changed ones replace the current header and force a split.
//! 4. [`DuplicateRule`] drops tags already seen with identical timestamp and
//!    bytes: the GOP a CDN re-sends after a reconnect. It runs before any
//!    timestamp rewriting so it compares the source's own timestamps.
//! 5. [`DelayedAudioHeaderRule`] holds the stream while AAC frames arrive
//!    before their AAC header, so every written frame is decodable.
//! 6. [`TimestampRule`] removes forward jumps and rebounds, keeping one shared
//!    offset so audio and video stay in sync.
//! 7. [`MonotonicRule`] makes each stream's timestamps move forward: what
//!    steps back less than the rebound tolerance (an audio tail overlapping
//!    written audio when the publisher drops, jitter) is moved 1 ms after
//!    the previous tag of its stream, or dropped if it is audio a whole
//!    frame behind. Last, so nothing after it can step back again.

mod delayed_audio;
mod duplicate;
mod end_of_sequence;
mod monotonic;
mod script;
mod sequence_header;
mod timestamp;

#[cfg(test)]
mod test_util;

use super::script::StreamMetadata;
use super::tag::FlvTag;

pub use delayed_audio::{DelayedAudioConfig, DelayedAudioHeaderRule};
pub use duplicate::{DuplicateConfig, DuplicateRule};
pub use end_of_sequence::EndOfSequenceRule;
pub use monotonic::MonotonicRule;
pub use script::ScriptRule;
pub use sequence_header::SequenceHeaderRule;
pub use timestamp::{TimestampConfig, TimestampRule};

/// Why a file was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SplitReason {
    /// The size limit was reached.
    Size,
    /// The duration limit was reached.
    Duration,
    /// A sequence header changed (or a stream appeared): the old file cannot
    /// carry the new decoder configuration.
    HeaderChange { audio: bool, video: bool },
    /// The source sent an end-of-sequence marker.
    EndOfSequence,
    /// The source's onMetaData announced a different resolution or codec.
    MetadataChange,
    /// The input connection was re-established (only if configured).
    Discontinuity,
    /// A timestamp jump was repaired (only if configured).
    TimestampGap,
    /// The input ended.
    EndOfInput,
}

impl SplitReason {
    /// Mandatory splits happen even if the current file is tiny; the others
    /// are skipped when the current file is below the minimum size.
    pub fn is_mandatory(self) -> bool {
        matches!(self, Self::HeaderChange { .. })
    }

    /// Short stable name for logs and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Size => "size",
            Self::Duration => "duration",
            Self::HeaderChange { .. } => "header-change",
            Self::EndOfSequence => "end-of-sequence",
            Self::MetadataChange => "metadata-change",
            Self::Discontinuity => "discontinuity",
            Self::TimestampGap => "timestamp-gap",
            Self::EndOfInput => "end-of-input",
        }
    }
}

/// Maps to the recorder-wide reason stored with a segment. `EndOfInput` maps
/// to `Stopped`; an engine whose input ended by failure should report
/// `Error` instead, which only it can know.
impl From<SplitReason> for crate::events::SplitReason {
    fn from(r: SplitReason) -> Self {
        use crate::events::SplitReason as E;
        match r {
            SplitReason::Size => E::Size,
            SplitReason::Duration => E::Duration,
            SplitReason::HeaderChange { .. } | SplitReason::MetadataChange => E::HeaderChange,
            SplitReason::EndOfSequence => E::EndOfStream,
            SplitReason::Discontinuity => E::Discontinuity,
            SplitReason::TimestampGap => E::TimestampJump,
            SplitReason::EndOfInput => E::Stopped,
        }
    }
}

/// Output of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Tag(FlvTag),
    /// Close the current file before the next suitable tag.
    Split(SplitReason),
}

/// Counters of what the rules changed, for logs and stats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepairStats {
    pub script_tags_consumed: u64,
    pub metadata_changes: u64,
    pub end_of_sequence: u64,
    pub duplicate_headers_dropped: u64,
    pub header_changes: u64,
    pub duplicate_tags_dropped: u64,
    pub headerless_audio_dropped: u64,
    pub timestamp_rebases: u64,
    /// Tags moved to 1 ms after the previous tag of their stream.
    pub timestamp_clamps: u64,
    /// Audio tags dropped because they lay a frame or more behind written
    /// audio (e.g. the tail a server sends when the publisher drops).
    pub overlap_audio_dropped: u64,
}

/// Stream state shared by the rules and read by the segmenter.
#[derive(Debug, Clone, Default)]
pub struct RepairContext {
    /// Current video decoder configuration, if any.
    pub video_header: Option<FlvTag>,
    /// Current audio decoder configuration (AAC), if any.
    pub audio_header: Option<FlvTag>,
    /// Latest onMetaData facts from the source.
    pub metadata: Option<StreamMetadata>,
    pub stats: RepairStats,
}

/// One repair rule. Implementations must never panic on any input.
pub trait RepairRule: Send {
    /// Name for logs.
    fn name(&self) -> &'static str;
    /// Handles one tag, pushing the resulting actions to `out`.
    fn process(&mut self, tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>);
    /// End of input: release anything held.
    fn flush(&mut self, _ctx: &mut RepairContext, _out: &mut Vec<Action>) {}
    /// The input connection was re-established.
    fn on_discontinuity(&mut self, _ctx: &mut RepairContext) {}
}

/// Configuration of the standard rule set.
#[derive(Debug, Clone, Copy, Default)]
pub struct RepairConfig {
    pub timestamp: TimestampConfig,
    pub delayed_audio: DelayedAudioConfig,
    pub duplicate: DuplicateConfig,
}

/// Runs tags through rules in order. Buffers are reused, so the steady state
/// allocates nothing per tag.
pub struct RuleChain {
    rules: Vec<Box<dyn RepairRule>>,
    cur: Vec<Action>,
    next: Vec<Action>,
}

impl RuleChain {
    /// A chain of the given rules, applied in order.
    pub fn new(rules: Vec<Box<dyn RepairRule>>) -> Self {
        Self {
            rules,
            cur: Vec::new(),
            next: Vec::new(),
        }
    }

    /// The standard rule set in the order documented at module level.
    pub fn standard(cfg: &RepairConfig) -> Self {
        Self::new(vec![
            Box::new(ScriptRule),
            Box::new(EndOfSequenceRule),
            Box::new(SequenceHeaderRule),
            Box::new(DuplicateRule::new(cfg.duplicate)),
            Box::new(DelayedAudioHeaderRule::new(cfg.delayed_audio)),
            Box::new(TimestampRule::new(cfg.timestamp)),
            Box::new(MonotonicRule::new()),
        ])
    }

    /// Names of the rules, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.rules.iter().map(|r| r.name()).collect()
    }

    /// Runs one tag through every rule, appending the result to `out`.
    pub fn process(&mut self, tag: FlvTag, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        self.cur.clear();
        self.cur.push(Action::Tag(tag));
        self.run_from(0, ctx, out);
    }

    /// Flushes every rule in order; what rule `i` releases still passes
    /// through rules `i+1..`.
    pub fn flush(&mut self, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        for i in 0..self.rules.len() {
            self.cur.clear();
            self.rules[i].flush(ctx, &mut self.cur);
            self.run_from(i + 1, ctx, out);
        }
    }

    /// Tells every rule the input connection was re-established.
    pub fn on_discontinuity(&mut self, ctx: &mut RepairContext) {
        for r in &mut self.rules {
            r.on_discontinuity(ctx);
        }
    }

    /// Passes `self.cur` through rules `start..` and appends the result.
    fn run_from(&mut self, start: usize, ctx: &mut RepairContext, out: &mut Vec<Action>) {
        for rule in &mut self.rules[start..] {
            if self.cur.is_empty() {
                return;
            }
            self.next.clear();
            for action in self.cur.drain(..) {
                match action {
                    Action::Tag(t) => rule.process(t, ctx, &mut self.next),
                    split @ Action::Split(_) => self.next.push(split),
                }
            }
            std::mem::swap(&mut self.cur, &mut self.next);
        }
        out.append(&mut self.cur);
    }
}

impl std::fmt::Debug for RuleChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleChain")
            .field("rules", &self.names())
            .finish()
    }
}

#[cfg(test)]
mod tests;
