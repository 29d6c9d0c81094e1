//! [`ByteBudget`]: the per-recording cap on bytes fetched but not yet
//! written. Segment fetchers acquire a permit per chunk before holding it;
//! the writer drops the permit once the chunk is on disk. When the cap is
//! reached fetchers stop reading their sockets (TCP backpressure), so memory
//! stays bounded whatever the bitrate or disk speed.
//!
//! Deadlock freedom: the writer only ever waits for the *head* segment (the
//! one being written). Non-head fetchers may fill the budget only up to
//! `cap - reserve`; the head may use all of it, so it can always make
//! progress while the writer drains it.

use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

#[derive(Debug, Default)]
struct State {
    used: usize,
    high_water: usize,
    /// Order number of the segment being written.
    head: u64,
}

/// Shared byte budget of one recording.
#[derive(Debug)]
pub struct ByteBudget {
    cap: usize,
    reserve: usize,
    state: Mutex<State>,
    changed: Notify,
}

impl ByteBudget {
    pub fn new(cap: usize) -> Arc<Self> {
        let cap = cap.max(1024);
        Arc::new(Self {
            cap,
            reserve: cap / 4,
            state: Mutex::new(State::default()),
            changed: Notify::new(),
        })
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Largest single acquisition; bigger chunks are split so the head's
    /// reserve always fits a piece.
    pub fn max_piece(&self) -> usize {
        (self.reserve / 4).max(1)
    }

    /// How much the writer may buffer to look at a segment's first frame
    /// before committing it (must stay well inside the reserve).
    pub fn peek_limit(&self) -> usize {
        (self.reserve / 2).max(1)
    }

    /// Highest `used` ever observed (for tests and diagnostics).
    pub fn high_water(&self) -> usize {
        self.lock().high_water
    }

    pub fn used(&self) -> usize {
        self.lock().used
    }

    /// Marks which segment (by order number) the writer now waits on.
    pub fn set_head(&self, order: u64) {
        self.lock().head = order;
        self.changed.notify_waiters();
    }

    /// Waits until `n` bytes (≤ [`max_piece`](Self::max_piece)) fit for the
    /// segment with order number `order`.
    pub async fn acquire(self: &Arc<Self>, order: u64, n: usize) -> Permit {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut s = self.lock();
                let limit = if s.head == order {
                    self.cap
                } else {
                    self.cap - self.reserve
                };
                if s.used + n <= limit || s.used == 0 {
                    s.used += n;
                    s.high_water = s.high_water.max(s.used);
                    return Permit {
                        budget: self.clone(),
                        n,
                    };
                }
            }
            notified.await;
        }
    }

    fn release(&self, n: usize) {
        {
            let mut s = self.lock();
            s.used = s.used.saturating_sub(n);
        }
        self.changed.notify_waiters();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Bytes held against the budget; released on drop.
#[derive(Debug)]
pub struct Permit {
    budget: Arc<ByteBudget>,
    n: usize,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.budget.release(self.n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn non_head_waits_but_head_uses_the_reserve() {
        let b = ByteBudget::new(4096);
        b.set_head(1);
        let ahead = b.acquire(2, 3072).await; // fills cap - reserve
        let blocked = tokio::time::timeout(Duration::from_millis(50), b.acquire(3, 10)).await;
        assert!(blocked.is_err(), "a non-head fetcher must wait");
        let head = tokio::time::timeout(Duration::from_millis(50), b.acquire(1, 1024)).await;
        assert!(head.is_ok(), "the head always fits in the reserve");
        assert_eq!(b.used(), 4096);
        drop(ahead);
        drop(head);
        assert_eq!(b.used(), 0);
        assert_eq!(b.high_water(), 4096);
    }

    #[tokio::test]
    async fn waiter_wakes_when_it_becomes_head() {
        let b = ByteBudget::new(4096);
        b.set_head(1);
        let _full = b.acquire(1, 3500).await;
        let b2 = b.clone();
        let waiter = tokio::spawn(async move { b2.acquire(2, 500).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        b.set_head(2);
        let got = tokio::time::timeout(Duration::from_secs(1), waiter).await;
        assert!(got.is_ok());
    }
}
