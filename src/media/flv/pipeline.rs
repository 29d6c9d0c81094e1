//! [`FlvPipeline`]: bytes in, segment events out, no I/O.
//!
//! parser -> repair rules -> segmenter. Problems in the input are counted in
//! [`PipelineStats`] and logged, never returned: a recorder must keep going.
//! The events are meant for [`super::SegmentFileSink`] (or any other writer)
//! and for the recorder's own `SegmentOpened`/`SegmentClosed` reporting.

use super::parser::{FlvItem, FlvParser, ParserConfig};
use super::repair::{Action, RepairConfig, RepairContext, RepairStats, RuleChain, SplitReason};
use super::segmenter::{SegmentEvent, SegmentPolicy, Segmenter, SegmenterStats};
use super::tag::FlvTag;

/// Settings of every stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct PipelineConfig {
    pub parser: ParserConfig,
    pub repair: RepairConfig,
    pub segment: SegmentPolicy,
    /// Request a (soft) split when the input reconnects. Off by default: the
    /// repair rules exist so that a reconnect continues the same file.
    pub split_on_reconnect: bool,
}

/// Counters across the whole pipeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipelineStats {
    pub bytes_in: u64,
    pub tags_in: u64,
    /// FLV file headers seen (1 per connection, more if concatenated).
    pub headers: u64,
    /// Recoverable parse errors (oversized tags).
    pub parse_errors: u64,
    /// Bytes dropped as garbage or truncated.
    pub bytes_skipped: u64,
    /// Times the parser had to resync.
    pub resyncs: u64,
    pub reconnects: u64,
    pub repair: RepairStats,
    pub segmenter: SegmenterStats,
}

/// See the module docs.
#[derive(Debug)]
pub struct FlvPipeline {
    cfg: PipelineConfig,
    parser: FlvParser,
    chain: RuleChain,
    ctx: RepairContext,
    segmenter: Segmenter,
    actions: Vec<Action>,
    stats: PipelineStats,
}

impl FlvPipeline {
    /// A pipeline with the standard rule set.
    pub fn new(cfg: PipelineConfig) -> Self {
        Self::with_rules(cfg, RuleChain::standard(&cfg.repair))
    }

    /// A pipeline with a custom rule chain.
    pub fn with_rules(cfg: PipelineConfig, chain: RuleChain) -> Self {
        Self {
            cfg,
            parser: FlvParser::new(cfg.parser),
            chain,
            ctx: RepairContext::default(),
            segmenter: Segmenter::new(cfg.segment),
            actions: Vec::new(),
            stats: PipelineStats::default(),
        }
    }

    /// Feeds bytes from the connection; appends resulting events to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<SegmentEvent>) {
        self.stats.bytes_in += chunk.len() as u64;
        self.parser.feed(chunk);
        self.drain_parser(out);
    }

    /// Feeds one already-parsed tag (bypassing the parser).
    pub fn push_tag(&mut self, tag: FlvTag, out: &mut Vec<SegmentEvent>) {
        self.stats.tags_in += 1;
        self.chain.process(tag, &mut self.ctx, &mut self.actions);
        for a in self.actions.drain(..) {
            self.segmenter.push(a, &self.ctx, out);
        }
    }

    /// The input connection was re-established: the next bytes start with a
    /// new FLV header. Repair state (timestamps, headers, the duplicate
    /// window) carries over so the recording continues seamlessly.
    pub fn reconnect(&mut self, out: &mut Vec<SegmentEvent>) {
        self.stats.reconnects += 1;
        self.parser.finish();
        self.drain_parser(out);
        self.parser.reset();
        self.chain.on_discontinuity(&mut self.ctx);
        if self.cfg.split_on_reconnect {
            self.segmenter
                .push(Action::Split(SplitReason::Discontinuity), &self.ctx, out);
        }
    }

    /// End of input: releases held tags and closes the open file.
    pub fn finish(&mut self, out: &mut Vec<SegmentEvent>) {
        self.parser.finish();
        self.drain_parser(out);
        self.chain.flush(&mut self.ctx, &mut self.actions);
        for a in self.actions.drain(..) {
            self.segmenter.push(a, &self.ctx, out);
        }
        self.segmenter.finish(&self.ctx, out);
        self.parser.reset();
    }

    /// Counters so far.
    pub fn stats(&self) -> PipelineStats {
        PipelineStats {
            repair: self.ctx.stats,
            segmenter: self.segmenter.stats(),
            ..self.stats
        }
    }

    /// Current stream state (headers, metadata).
    pub fn context(&self) -> &RepairContext {
        &self.ctx
    }

    fn drain_parser(&mut self, out: &mut Vec<SegmentEvent>) {
        loop {
            match self.parser.next_item() {
                Ok(Some(FlvItem::Tag(tag))) => self.push_tag(tag, out),
                Ok(Some(FlvItem::Header(_))) => self.stats.headers += 1,
                Ok(Some(FlvItem::Skipped { bytes })) => {
                    self.stats.resyncs += 1;
                    self.stats.bytes_skipped += bytes;
                    tracing::debug!(bytes, "FLV: skipped bytes that are not FLV");
                }
                Ok(None) => break,
                Err(e) => {
                    self.stats.parse_errors += 1;
                    tracing::warn!(error = %e, "FLV: parse error, resyncing");
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
