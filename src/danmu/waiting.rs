//! Chat that arrives while no video segment is open: held for the next
//! file (written at its offset 0), bounded in count and in age. A short
//! gap (the engine restarting after a dropped connection) keeps every
//! message; a long one (a user's stop, a full disk, an open circuit
//! breaker) has no video to pair with, so its messages are not recorded
//! rather than piled up at the start of a file minutes later.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::message::ChatEvent;

/// Oldest chat still written into the next file: longer than an engine
/// restart (0.5 s plus a connect), shorter than a pause anyone would call
/// "stopped".
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// The bounded buffer.
#[derive(Debug)]
pub struct Waiting {
    queue: VecDeque<(ChatEvent, Instant)>,
    cap: usize,
}

/// What [`Waiting::push`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Held,
    /// The buffer is full of fresh messages (a flood): counted as dropped.
    Full,
}

impl Waiting {
    pub fn new(cap: usize) -> Self {
        Self {
            queue: VecDeque::new(),
            cap,
        }
    }

    /// Holds a message that arrived `at`, forgetting ones older than
    /// [`MAX_AGE`] first; returns how many were forgotten beside the result.
    pub fn push(&mut self, event: ChatEvent, at: Instant) -> (Pushed, usize) {
        let expired = self.expire(at);
        if self.queue.len() >= self.cap {
            return (Pushed::Full, expired);
        }
        self.queue.push_back((event, at));
        (Pushed::Held, expired)
    }

    /// The messages still fresh at `now`, oldest first, and how many were
    /// too old to keep.
    pub fn take(&mut self, now: Instant) -> (Vec<(ChatEvent, Instant)>, usize) {
        let expired = self.expire(now);
        (self.queue.drain(..).collect(), expired)
    }

    fn expire(&mut self, now: Instant) -> usize {
        let before = self.queue.len();
        while self
            .queue
            .front()
            .is_some_and(|(_, t)| now.saturating_duration_since(*t) > MAX_AGE)
        {
            self.queue.pop_front();
        }
        before - self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::danmu::message::{Comment, Sender};

    fn msg(text: &str) -> ChatEvent {
        ChatEvent::Comment(Comment {
            sender: Sender {
                name: "v".into(),
                uid: None,
            },
            text: text.into(),
            mode: 1,
            size: 25,
            color: 0xffffff,
            sent_ms: None,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_gap_keeps_every_message_in_order() {
        let mut w = Waiting::new(8);
        let t0 = Instant::now();
        assert_eq!(w.push(msg("a"), t0), (Pushed::Held, 0));
        assert_eq!(
            w.push(msg("b"), t0 + Duration::from_secs(2)),
            (Pushed::Held, 0)
        );
        let (kept, expired) = w.take(t0 + Duration::from_secs(3));
        assert_eq!(expired, 0);
        assert_eq!(
            kept.into_iter().map(|(e, _)| e).collect::<Vec<_>>(),
            [msg("a"), msg("b")]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_pause_forgets_what_has_no_video() {
        let mut w = Waiting::new(8);
        let t0 = Instant::now();
        w.push(msg("during the stop"), t0);
        w.push(msg("still stopped"), t0 + Duration::from_secs(5));
        // The user starts the recording again 60 s later.
        let resume = t0 + Duration::from_secs(60);
        let (_, gone) = w.push(msg("just before the file"), resume - Duration::from_secs(1));
        assert_eq!(gone, 2, "the stop's messages are forgotten");
        let (kept, expired) = w.take(resume);
        assert_eq!(expired, 0);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].0, msg("just before the file"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_is_bounded_and_old_messages_make_room() {
        let mut w = Waiting::new(2);
        let t0 = Instant::now();
        w.push(msg("1"), t0);
        w.push(msg("2"), t0);
        assert_eq!(w.push(msg("3"), t0), (Pushed::Full, 0));
        let later = t0 + MAX_AGE + Duration::from_secs(1);
        assert_eq!(w.push(msg("4"), later), (Pushed::Held, 2));
        assert_eq!(w.take(later).0.len(), 1);
        // Nothing arrives during a pause: the file that opens after it
        // starts clean.
        w.push(msg("5"), later);
        assert_eq!(w.take(later + MAX_AGE * 2), (Vec::new(), 1));
    }
}
