//! [`PlaylistTracker`]: turns successive loads of a live playlist into the
//! ordered list of segments still to record. Segments are identified by
//! media sequence number, never by URL (URLs carry rotating tokens), and
//! every place where the recording cannot be continuous is marked with a
//! [`Boundary`] so the recorder splits instead of gluing.
//!
//! When the sequence goes backwards, `EXT-X-PROGRAM-DATE-TIME` (if the
//! playlist has it) tells a stale cached copy (only media already recorded)
//! from a reset (media past what was recorded), and after a reset it skips
//! the renumbered segments whose media was already recorded.

use std::collections::VecDeque;
use std::sync::Arc;

use super::numbering::Numbering;
use super::playlist::{MediaWindow, SegmentRef};

/// Where to begin in the live window on the first load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartAt {
    /// The oldest segment listed: the most already-broadcast media.
    #[default]
    Oldest,
    /// Only the newest segment.
    Newest,
    /// The last N segments.
    FromEnd(usize),
}

/// Why the recording cannot continue seamlessly into a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// `#EXT-X-DISCONTINUITY` in the playlist.
    Tag,
    /// We fell behind the live window and these many segments are gone.
    Skipped { missing: u64 },
    /// The media sequence restarted (server restart, playlist reset).
    Reset,
    /// Content resumes after these many server-side ad segments were left
    /// out (see [`super::ads`]).
    Ad { skipped: u64 },
}

/// A segment to fetch, with what (if anything) precedes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentJob {
    pub seg: SegmentRef,
    pub boundary: Option<Boundary>,
    /// The [`Numbering`] generation `seg.seq` and its URL belong to.
    pub generation: u64,
}

/// Remembered URL paths of recent segments, to tell a stale (cached) older
/// playlist from a reset one.
const HISTORY: usize = 64;

/// Program date times closer than this name the same instant (they are
/// millisecond-rounded and partly derived by adding EXTINF durations).
const PDT_SLOP_MS: i64 = 250;

/// Dedup and continuity state across playlist loads.
#[derive(Debug, Default)]
pub struct PlaylistTracker {
    start: StartAt,
    last_seq: Option<u64>,
    /// Program date time where the media handed out so far ends.
    media_end_ms: Option<i64>,
    /// A reset whose segments were all already recorded: the boundary goes
    /// to the first new segment.
    pending: Option<Boundary>,
    history: VecDeque<(u64, String, Option<i64>)>,
    /// With downloads attached: which handed-out segments were answered
    /// when a reset is seen (without, all count as recorded).
    numbering: Option<Arc<Numbering>>,
}

impl PlaylistTracker {
    pub fn new(start: StartAt) -> Self {
        Self {
            start,
            ..Self::default()
        }
    }

    /// A tracker whose resets abandon the downloads `numbering` reports as
    /// unanswered and list their media again under the new numbers.
    pub fn with_numbering(start: StartAt, numbering: Arc<Numbering>) -> Self {
        Self {
            start,
            numbering: Some(numbering),
            ..Self::default()
        }
    }

    /// Highest media sequence handed out so far.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// The segments of `w` not handed out before, oldest first.
    pub fn update(&mut self, w: &MediaWindow) -> Vec<SegmentJob> {
        let Some(newest) = w.segments.last().map(|s| s.seq) else {
            return Vec::new();
        };
        let Some(last) = self.last_seq else {
            // A finished (VOD/event-ended) playlist is recorded whole.
            let from = match self.start {
                _ if w.end_list => 0,
                StartAt::Oldest => 0,
                StartAt::Newest => w.segments.len() - 1,
                StartAt::FromEnd(n) => w.segments.len().saturating_sub(n.max(1)),
            };
            return self.emit(&w.segments[from..], None);
        };
        // Segments we recorded now dated differently: the sequence was
        // renumbered, whichever way the numbers moved.
        let renumbered = self.dates_moved(w);
        if newest >= last && !renumbered {
            let fresh: Vec<_> = w
                .segments
                .iter()
                .filter(|s| s.seq > last)
                .cloned()
                .collect();
            let boundary = fresh
                .first()
                .filter(|s| s.seq - last > 1)
                .map(|s| Boundary::Skipped {
                    missing: s.seq - last - 1,
                });
            return self.emit(&fresh, boundary);
        }
        if renumbered || self.is_reset(w, last, newest) {
            tracing::warn!(
                last,
                newest,
                "HLS media sequence reset: starting a new timeline"
            );
            let end = self.recorded_end();
            self.history.clear();
            // Renumbered segments whose media was already recorded are
            // skipped; without program date times all are taken (a repeat
            // is better than a loss).
            let new: Vec<_> = w
                .segments
                .iter()
                .filter(|s| match (end, pdt_end(s)) {
                    (Some(end), Some(s_end)) => s_end > end + PDT_SLOP_MS,
                    _ => true,
                })
                .cloned()
                .collect();
            if new.is_empty() {
                self.pending = Some(Boundary::Reset);
                self.last_seq = Some(newest);
                return Vec::new();
            }
            return self.emit(&new, Some(Boundary::Reset));
        }
        tracing::debug!(last, newest, "ignoring a stale (older) playlist");
        Vec::new()
    }

    /// At a reset: the program date time where the media that will be
    /// recorded under the old numbering ends. Downloads not answered yet
    /// are abandoned (their URLs may name other media now), so that is where
    /// the first of them starts.
    fn recorded_end(&self) -> Option<i64> {
        let Some(n) = &self.numbering else {
            return self.media_end_ms;
        };
        match n.renumber(self.history.iter().map(|(seq, ..)| *seq)) {
            Some(cut) => self
                .history
                .iter()
                .find(|(seq, ..)| *seq == cut)
                .and_then(|(_, _, pdt)| *pdt),
            None => self.media_end_ms,
        }
    }

    /// The sequence went backwards: a reset, or a stale cached playlist.
    /// Program date times decide when both sides have them (a stale copy
    /// lists nothing past the media already recorded); else segments we
    /// recorded under the same numbers; else only a step back larger than
    /// the window is taken as a reset.
    fn is_reset(&self, w: &MediaWindow, last: u64, newest: u64) -> bool {
        if let (Some(end), Some(newest_end)) =
            (self.media_end_ms, w.segments.last().and_then(pdt_end))
        {
            return newest_end > end + PDT_SLOP_MS;
        }
        match self.matches_history(w) {
            Some(same) => !same,
            None => last - newest > w.segments.len() as u64,
        }
    }

    /// Whether a sequence number we recorded is listed with a program date
    /// time other than the one it had then.
    fn dates_moved(&self, w: &MediaWindow) -> bool {
        w.segments.iter().any(|s| {
            self.history.iter().any(|(seq, _, pdt)| {
                *seq == s.seq
                    && matches!((pdt, s.program_date_ms), (Some(a), Some(b)) if a.abs_diff(b) > PDT_SLOP_MS.unsigned_abs())
            })
        })
    }

    /// For the sequence numbers of `w` we recorded: `Some(true)` if all name
    /// the same resource as then (compared without the query, where tokens
    /// live), `Some(false)` if any differs, `None` if none was recorded.
    fn matches_history(&self, w: &MediaWindow) -> Option<bool> {
        let mut seen = None;
        for s in &w.segments {
            for (seq, path, pdt) in &self.history {
                if *seq == s.seq {
                    let moved = match (pdt, s.program_date_ms) {
                        (Some(a), Some(b)) => a.abs_diff(b) > PDT_SLOP_MS.unsigned_abs(),
                        _ => false,
                    };
                    if *path != s.url.path() || moved {
                        return Some(false);
                    }
                    seen = Some(true);
                }
            }
        }
        seen
    }

    fn emit(&mut self, segs: &[SegmentRef], boundary: Option<Boundary>) -> Vec<SegmentJob> {
        let generation = self.numbering.as_ref().map_or(0, |n| n.generation());
        let mut out = Vec::with_capacity(segs.len());
        for (i, s) in segs.iter().enumerate() {
            let boundary = if i == 0 {
                boundary.or(self.pending.take())
            } else {
                None
            };
            let boundary = boundary.or(s.discontinuity.then_some(Boundary::Tag));
            if self.history.len() == HISTORY {
                self.history.pop_front();
            }
            self.history
                .push_back((s.seq, s.url.path().to_string(), s.program_date_ms));
            self.last_seq = Some(s.seq);
            // The latest segment's, not the largest seen: one absurd date
            // must not make every later window look already recorded.
            self.media_end_ms = pdt_end(s);
            out.push(SegmentJob {
                seg: s.clone(),
                boundary,
                generation,
            });
        }
        out
    }
}

/// Program date time where `s` ends.
fn pdt_end(s: &SegmentRef) -> Option<i64> {
    let ms = i64::try_from(s.duration.as_millis()).ok()?;
    s.program_date_ms?.checked_add(ms)
}
