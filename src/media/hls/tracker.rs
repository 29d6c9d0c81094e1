//! [`PlaylistTracker`]: turns successive loads of a live playlist into the
//! ordered list of segments still to record. Segments are identified by
//! media sequence number, never by URL (URLs carry rotating tokens), and
//! every place where the recording cannot be continuous is marked with a
//! [`Boundary`] so the recorder splits instead of gluing.

use std::collections::VecDeque;

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
}

/// A segment to fetch, with what (if anything) precedes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentJob {
    pub seg: SegmentRef,
    pub boundary: Option<Boundary>,
}

/// Remembered URL paths of recent segments, to tell a stale (cached) older
/// playlist from a reset one.
const HISTORY: usize = 64;

/// Dedup and continuity state across playlist loads.
#[derive(Debug, Default)]
pub struct PlaylistTracker {
    start: StartAt,
    last_seq: Option<u64>,
    history: VecDeque<(u64, String)>,
}

impl PlaylistTracker {
    pub fn new(start: StartAt) -> Self {
        Self {
            start,
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
        if newest >= last {
            let fresh: Vec<_> = w
                .segments
                .iter()
                .filter(|s| s.seq > last)
                .cloned()
                .collect();
            let boundary = fresh
                .first()
                .filter(|s| s.seq > last + 1)
                .map(|s| Boundary::Skipped {
                    missing: s.seq - last - 1,
                });
            return self.emit(&fresh, boundary);
        }
        // The sequence went backwards: a reset, or a stale cached playlist.
        // Segments we recorded under the same numbers decide; without any,
        // only a step back larger than the window is taken as a reset.
        let reset = match self.matches_history(w) {
            Some(same) => !same,
            None => last - newest > w.segments.len() as u64,
        };
        if reset {
            tracing::warn!(
                last,
                newest,
                "HLS media sequence reset: starting a new timeline"
            );
            self.history.clear();
            return self.emit(&w.segments, Some(Boundary::Reset));
        }
        tracing::debug!(last, newest, "ignoring a stale (older) playlist");
        Vec::new()
    }

    /// For the sequence numbers of `w` we recorded: `Some(true)` if all name
    /// the same resource as then (compared without the query, where tokens
    /// live), `Some(false)` if any differs, `None` if none was recorded.
    fn matches_history(&self, w: &MediaWindow) -> Option<bool> {
        let mut seen = None;
        for s in &w.segments {
            for (seq, path) in &self.history {
                if *seq == s.seq {
                    if *path != s.url.path() {
                        return Some(false);
                    }
                    seen = Some(true);
                }
            }
        }
        seen
    }

    fn emit(&mut self, segs: &[SegmentRef], boundary: Option<Boundary>) -> Vec<SegmentJob> {
        let mut out = Vec::with_capacity(segs.len());
        for (i, s) in segs.iter().enumerate() {
            let boundary = if i == 0 { boundary } else { None };
            let boundary = boundary.or(s.discontinuity.then_some(Boundary::Tag));
            if self.history.len() == HISTORY {
                self.history.pop_front();
            }
            self.history.push_back((s.seq, s.url.path().to_string()));
            self.last_seq = Some(s.seq);
            out.push(SegmentJob {
                seg: s.clone(),
                boundary,
            });
        }
        out
    }
}
