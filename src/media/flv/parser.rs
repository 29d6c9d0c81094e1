//! Incremental FLV parser that survives arbitrary chunking and garbage.
//!
//! Bytes are copied once into an internal [`BytesMut`]; each tag's body is a
//! zero-copy slice of it. The buffer holds at most one incomplete tag (capped
//! by [`ParserConfig::max_tag_size`]) plus whatever the caller fed since the
//! last drain, so callers should pull items after every `feed`.
//!
//! When the bytes stop looking like FLV (bad tag type, mismatched
//! PreviousTagSize, an oversized tag) the parser scans forward for the next
//! plausible tag — valid type, stream id 0, size within the cap and a trailing
//! PreviousTagSize equal to `size + 11` — or an `FLV` file header, and reports
//! the number of bytes skipped as [`FlvItem::Skipped`] instead of failing.

use bytes::{Buf, BytesMut};

use super::error::FlvError;
use super::tag::{FlvHeader, FlvTag, MAX_TAG_DATA_LEN, PREV_TAG_SIZE_LEN, TAG_HEADER_LEN, TagType};

/// Parser limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParserConfig {
    /// Largest tag body accepted; larger ones are reported as
    /// [`FlvError::TagTooLarge`] and skipped. Clamped to FLV's 24-bit limit.
    pub max_tag_size: usize,
}

impl Default for ParserConfig {
    fn default() -> Self {
        Self {
            max_tag_size: 8 * 1024 * 1024,
        }
    }
}

/// One thing pulled out of the byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlvItem {
    /// A file header (at the start, or mid-stream in a concatenated stream).
    Header(FlvHeader),
    Tag(FlvTag),
    /// This many bytes were not FLV and were dropped while resyncing (or were
    /// an incomplete tail at end of input).
    Skipped {
        bytes: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Tags,
    /// Scanning for the next plausible tag; `scan` is the first offset in the
    /// buffer not yet rejected, `skipped` the bytes dropped so far.
    Resync {
        scan: usize,
        skipped: u64,
    },
}

/// Streaming FLV parser. See the module docs.
#[derive(Debug)]
pub struct FlvParser {
    buf: BytesMut,
    state: State,
    cap: usize,
    /// Stream offset of `buf[0]`, for error messages.
    offset: u64,
    eof: bool,
    tags: u64,
    skipped: u64,
}

impl Default for FlvParser {
    fn default() -> Self {
        Self::new(ParserConfig::default())
    }
}

impl FlvParser {
    /// A parser expecting an FLV file header first.
    pub fn new(cfg: ParserConfig) -> Self {
        Self {
            buf: BytesMut::with_capacity(64 * 1024),
            state: State::Header,
            cap: cfg.max_tag_size.min(MAX_TAG_DATA_LEN),
            offset: 0,
            eof: false,
            tags: 0,
            skipped: 0,
        }
    }

    /// A parser that starts in the middle of a tag stream (no file header),
    /// e.g. for a resumed HTTP range request.
    pub fn new_headerless(cfg: ParserConfig) -> Self {
        let mut p = Self::new(cfg);
        p.state = State::Tags;
        p
    }

    /// Appends bytes from the network. Pull items with [`Self::next_item`].
    pub fn feed(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// Marks end of input: the next calls drain what can still be parsed and
    /// report any incomplete tail as skipped.
    pub fn finish(&mut self) {
        self.eof = true;
    }

    /// Forgets buffered bytes and expects a new file header (a reconnect).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.state = State::Header;
        self.eof = false;
    }

    /// Bytes currently buffered.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Complete tags returned so far.
    pub fn tags_parsed(&self) -> u64 {
        self.tags
    }

    /// Bytes skipped so far (garbage and truncated tails).
    pub fn bytes_skipped(&self) -> u64 {
        match self.state {
            State::Resync { skipped, .. } => self.skipped + skipped,
            _ => self.skipped,
        }
    }

    /// Pulls the next item, `Ok(None)` when more input is needed. An error is
    /// not fatal: the offending bytes are skipped and parsing continues on the
    /// next call.
    pub fn next_item(&mut self) -> Result<Option<FlvItem>, FlvError> {
        loop {
            match self.state {
                State::Header => match self.parse_header() {
                    Step::Item(item) => return Ok(Some(item)),
                    Step::NeedMore => return Ok(self.drain_tail()),
                    Step::Continue => {}
                },
                State::Tags => match self.parse_tag()? {
                    Step::Item(item) => return Ok(Some(item)),
                    Step::NeedMore => return Ok(self.drain_tail()),
                    Step::Continue => {}
                },
                State::Resync { scan, skipped } => match self.resync(scan, skipped) {
                    Step::Item(item) => return Ok(Some(item)),
                    Step::NeedMore => return Ok(self.drain_tail()),
                    Step::Continue => {}
                },
            }
        }
    }

    fn parse_header(&mut self) -> Step {
        let b = &self.buf[..];
        let check = b.len().min(3);
        if b[..check] != b"FLV"[..check] {
            // Not a file header: maybe a headerless tag stream, so position 0
            // itself is the first resync candidate.
            self.state = State::Resync {
                scan: 0,
                skipped: 0,
            };
            return Step::Continue;
        }
        if b.len() < FlvHeader::LEN {
            return Step::NeedMore;
        }
        let Some((header, data_offset)) = FlvHeader::parse(b) else {
            self.enter_resync();
            return Step::Continue;
        };
        let total = data_offset as usize + PREV_TAG_SIZE_LEN;
        if b.len() < total {
            return Step::NeedMore;
        }
        self.consume(total);
        self.state = State::Tags;
        Step::Item(FlvItem::Header(header))
    }

    fn parse_tag(&mut self) -> Result<Step, FlvError> {
        let b = &self.buf[..];
        if b.len() < TAG_HEADER_LEN {
            if b.len() >= 3 && &b[..3] == b"FLV" {
                self.state = State::Header;
                return Ok(Step::Continue);
            }
            return Ok(Step::NeedMore);
        }
        let Some(tag_type) = TagType::from_byte(b[0]) else {
            if &b[..3] == b"FLV" {
                self.state = State::Header;
            } else {
                self.enter_resync();
            }
            return Ok(Step::Continue);
        };
        let size = u24(&b[1..4]);
        if size > self.cap {
            let offset = self.offset;
            self.enter_resync();
            return Err(FlvError::TagTooLarge {
                size,
                cap: self.cap,
                offset,
            });
        }
        let total = TAG_HEADER_LEN + size + PREV_TAG_SIZE_LEN;
        if b.len() < total {
            return Ok(Step::NeedMore);
        }
        let prev = u32::from_be_bytes([b[total - 4], b[total - 3], b[total - 2], b[total - 1]]);
        if prev as usize != size + TAG_HEADER_LEN {
            // Some muxers write a wrong PreviousTagSize. Accept the tag if what
            // follows is a plausible tag or header; otherwise this "tag" is
            // most likely garbage and we resync from its second byte.
            let rest = &b[total..];
            let follows_ok = if rest.len() >= TAG_HEADER_LEN {
                plausible_header(rest, self.cap) || &rest[..3] == b"FLV"
            } else if self.eof {
                rest.is_empty()
            } else {
                return Ok(Step::NeedMore);
            };
            if !follows_ok {
                self.enter_resync();
                return Ok(Step::Continue);
            }
        }
        let timestamp = u32::from_be_bytes([b[7], b[4], b[5], b[6]]);
        let stream_id = u24(&b[8..11]) as u32;
        let raw = self.buf.split_to(total).freeze();
        self.offset += total as u64;
        self.tags += 1;
        let data = raw.slice(TAG_HEADER_LEN..TAG_HEADER_LEN + size);
        Ok(Step::Item(FlvItem::Tag(FlvTag {
            tag_type,
            timestamp,
            stream_id,
            data,
        })))
    }

    /// Starts scanning for the next plausible tag after the first buffered
    /// byte, which has just been rejected.
    fn enter_resync(&mut self) {
        self.state = State::Resync {
            scan: 1,
            skipped: 0,
        };
    }

    fn resync(&mut self, mut scan: usize, skipped: u64) -> Step {
        let found = loop {
            let b = &self.buf[..];
            if scan + TAG_HEADER_LEN > b.len() {
                // Too short for any candidate: wait (or, at EOF, give up).
                break None;
            }
            let cand = &b[scan..];
            if &cand[..3] == b"FLV" && FlvHeader::parse(cand).is_some() {
                break Some(State::Header);
            }
            if plausible_header(cand, self.cap) {
                let size = u24(&cand[1..4]);
                let total = TAG_HEADER_LEN + size + PREV_TAG_SIZE_LEN;
                if cand.len() < total {
                    if !self.eof {
                        break None;
                    }
                } else {
                    let p = &cand[total - 4..total];
                    if u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize
                        == size + TAG_HEADER_LEN
                    {
                        break Some(State::Tags);
                    }
                }
            }
            scan += 1;
        };
        // Everything before `scan` is garbage: drop it now so the buffer stays
        // bounded while we wait for a candidate to complete.
        self.consume(scan);
        let skipped = skipped + scan as u64;
        match found {
            Some(next) => {
                self.state = next;
                if skipped == 0 {
                    return Step::Continue;
                }
                self.skipped += skipped;
                Step::Item(FlvItem::Skipped { bytes: skipped })
            }
            None => {
                self.state = State::Resync { scan: 0, skipped };
                Step::NeedMore
            }
        }
    }

    /// At end of input, reports whatever could not be parsed as skipped.
    fn drain_tail(&mut self) -> Option<FlvItem> {
        if !self.eof {
            return None;
        }
        let pending = match self.state {
            State::Resync { skipped, .. } => skipped,
            _ => 0,
        };
        let bytes = pending + self.buf.len() as u64;
        self.consume(self.buf.len());
        self.state = State::Resync {
            scan: 0,
            skipped: 0,
        };
        if bytes == 0 {
            return None;
        }
        self.skipped += bytes;
        Some(FlvItem::Skipped { bytes })
    }

    fn consume(&mut self, n: usize) {
        self.buf.advance(n);
        self.offset += n as u64;
    }
}

enum Step {
    Item(FlvItem),
    NeedMore,
    Continue,
}

fn u24(b: &[u8]) -> usize {
    (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2])
}

/// Cheap plausibility test of an 11-byte tag header used for resync.
fn plausible_header(b: &[u8], cap: usize) -> bool {
    TagType::from_byte(b[0]).is_some()
        && b[8] == 0
        && b[9] == 0
        && b[10] == 0
        && u24(&b[1..4]) <= cap
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
