//! [`Numbering`]: ties the segment downloads of one recording to the media
//! sequence numbering they were listed under.
//!
//! Servers name segments by number (`{seq}.ts`), so when a playlist is
//! renumbered (a reset) a URL listed before can name *other media* a moment
//! later. A download whose response arrived under the old numbering is
//! kept; one not answered by then is abandoned ("superseded"), and the
//! tracker lists its media again under the new number. Everything handed
//! out after the first unanswered segment is abandoned too, so the output
//! stays in media order.
//!
//! The server's reset is only seen at the next playlist load, so a failed
//! segment request asks the watcher for a reload before it retries
//! ([`request_reload`](Numbering::request_reload),
//! [`wait_load_after`](Numbering::wait_load_after)): a retry then runs
//! under the numbering the playlist shows now. Not caught here: a first
//! request that the server answers with other media before any playlist
//! shows the reset (a recorder far behind the live edge); the assembler's
//! timestamp check then puts that media in a file of its own
//! (`TimestampJump`) instead of gluing it on.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch};

/// Answered sequence numbers remembered (more than the tracker's history,
/// which is what [`Numbering::renumber`] looks up).
const ANSWERED: usize = 256;
/// Cut-offs of past numberings remembered (a job is at most a few behind).
const CUTOFFS: usize = 8;

#[derive(Debug, Default)]
struct State {
    generation: u64,
    /// Sequence numbers of the current numbering whose download was
    /// answered.
    answered: BTreeSet<u64>,
    /// Per past numbering: jobs from this sequence number on were abandoned
    /// (`None`: every job of it was kept).
    cutoffs: VecDeque<(u64, Option<u64>)>,
}

/// Shared by the playlist watcher and the segment downloads of a recording.
#[derive(Debug)]
pub struct Numbering {
    state: Mutex<State>,
    reload: Notify,
    loads: watch::Sender<u64>,
}

impl Default for Numbering {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            reload: Notify::new(),
            loads: watch::Sender::new(0),
        }
    }
}

impl Numbering {
    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent whatever panicked while it was held.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The numbering new jobs are listed under.
    pub fn generation(&self) -> u64 {
        self.state().generation
    }

    /// A download of `seq`, listed under `generation`, got its response.
    /// False when the playlist was renumbered since: the URL may have named
    /// other media when the server answered.
    pub fn answered(&self, generation: u64, seq: u64) -> bool {
        let mut s = self.state();
        if s.generation != generation {
            return false;
        }
        s.answered.insert(seq);
        while s.answered.len() > ANSWERED {
            s.answered.pop_first();
        }
        true
    }

    /// The playlist was renumbered. `handed` are the sequence numbers handed
    /// out under the current numbering, oldest first; returns the first one
    /// abandoned (not answered yet, so it and everything after it are
    /// listed again under the new numbering), or `None` if all were kept.
    pub fn renumber(&self, handed: impl IntoIterator<Item = u64>) -> Option<u64> {
        let mut s = self.state();
        let cutoff = handed.into_iter().find(|seq| !s.answered.contains(seq));
        let old = s.generation;
        s.generation += 1;
        s.answered.clear();
        if s.cutoffs.len() == CUTOFFS {
            s.cutoffs.pop_front();
        }
        s.cutoffs.push_back((old, cutoff));
        cutoff
    }

    /// Whether a job (`seq` listed under `generation`) was abandoned by a
    /// renumbering: its media is listed again under another number.
    pub fn is_superseded(&self, generation: u64, seq: u64) -> bool {
        let s = self.state();
        generation != s.generation
            && s.cutoffs
                .iter()
                .find(|(g, _)| *g == generation)
                .is_none_or(|(_, cut)| cut.is_some_and(|c| seq >= c))
    }

    /// Asks the watcher to load the playlist now rather than on schedule.
    pub fn request_reload(&self) {
        self.reload.notify_one();
    }

    /// Resolves when a reload was requested.
    pub async fn reload_requested(&self) {
        self.reload.notified().await;
    }

    /// Playlist loads processed so far.
    pub fn loads(&self) -> u64 {
        *self.loads.borrow()
    }

    /// The watcher processed one more playlist load.
    pub fn loaded(&self) {
        self.loads.send_modify(|n| *n += 1);
    }

    /// Waits (at most `max`) until a load after the `since`-th was
    /// processed.
    pub async fn wait_load_after(&self, since: u64, max: Duration) {
        let mut rx = self.loads.subscribe();
        let _ = tokio::time::timeout(max, rx.wait_for(|n| *n > since)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answered_jobs_are_kept_and_the_rest_superseded_from_the_first_gap() {
        let n = Numbering::default();
        assert!(n.answered(0, 10));
        assert!(n.answered(0, 12));
        // 9 was never answered: everything from it on goes.
        assert_eq!(n.renumber([9, 10, 11, 12, 13]), Some(9));
        assert!(n.is_superseded(0, 9));
        assert!(n.is_superseded(0, 10));
        let n = Numbering::default();
        for seq in [9, 10, 12] {
            assert!(n.answered(0, seq));
        }
        // 11 unanswered: 11 and everything after it go, 12 included.
        assert_eq!(n.renumber([9, 10, 11, 12, 13]), Some(11));
        assert!(!n.is_superseded(0, 10));
        assert!(n.is_superseded(0, 11));
        assert!(n.is_superseded(0, 12), "answered but after the gap");
        assert!(!n.is_superseded(1, 11), "the new numbering is current");
        // A response arriving now was answered under the new numbering.
        assert!(!n.answered(0, 13));
        assert!(n.answered(1, 13));
    }

    #[test]
    fn a_renumbering_with_everything_answered_keeps_all() {
        let n = Numbering::default();
        for seq in 0..4 {
            assert!(n.answered(0, seq));
        }
        assert_eq!(n.renumber(0..4), None);
        assert!(!n.is_superseded(0, 3));
        assert_eq!(n.generation(), 1);
    }

    #[test]
    fn forgotten_numberings_count_as_superseded() {
        let n = Numbering::default();
        for _ in 0..=CUTOFFS {
            n.renumber([]);
        }
        assert!(n.is_superseded(0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reload_request_wakes_the_watcher_and_waiters_see_the_load() {
        let n = std::sync::Arc::new(Numbering::default());
        let seen = n.loads();
        n.request_reload();
        // The permit is kept until the watcher waits.
        n.reload_requested().await;
        let waiter = tokio::spawn({
            let n = n.clone();
            async move { n.wait_load_after(seen, Duration::from_secs(5)).await }
        });
        tokio::task::yield_now().await;
        n.loaded();
        let t = tokio::time::Instant::now();
        waiter.await.unwrap();
        assert!(t.elapsed() < Duration::from_secs(1));
        // Without a load, the wait ends at its limit.
        let t = tokio::time::Instant::now();
        n.wait_load_after(n.loads(), Duration::from_secs(2)).await;
        assert_eq!(t.elapsed(), Duration::from_secs(2));
    }
}
