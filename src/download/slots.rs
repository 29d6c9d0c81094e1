//! Download slot accounting: `max_concurrent` slots for everyone plus
//! `high_priority_slots` only high-priority streamers may take. Waiting
//! requests are served by priority, then by arrival.

use std::collections::BTreeMap;

use crate::streamer::Priority;

/// Pure slot/queue state (no I/O), so the policy is unit-testable.
#[derive(Debug)]
pub struct Slots<T> {
    max_concurrent: usize,
    high_slots: usize,
    active: usize,
    seq: u64,
    queue: BTreeMap<(Priority, u64), T>,
}

impl<T> Slots<T> {
    pub fn new(max_concurrent: usize, high_slots: usize) -> Self {
        Self {
            max_concurrent: max_concurrent.max(1),
            high_slots,
            active: 0,
            seq: 0,
            queue: BTreeMap::new(),
        }
    }

    /// Applies new limits (config reload); running downloads keep their slot.
    pub fn set_limits(&mut self, max_concurrent: usize, high_slots: usize) {
        self.max_concurrent = max_concurrent.max(1);
        self.high_slots = high_slots;
    }

    fn fits(&self, p: Priority) -> bool {
        let cap = if p == Priority::High {
            self.max_concurrent + self.high_slots
        } else {
            self.max_concurrent
        };
        self.active < cap
    }

    /// Takes a slot now (`Ok`) or queues the item (`Err` position).
    pub fn acquire(&mut self, p: Priority, item: T) -> Result<T, usize> {
        if self.queue.keys().all(|(qp, _)| *qp > p) && self.fits(p) {
            self.active += 1;
            return Ok(item);
        }
        self.seq += 1;
        self.queue.insert((p, self.seq), item);
        Err(self.queue.len())
    }

    /// Frees a slot and returns the queued items that may start now.
    pub fn release(&mut self) -> Vec<T> {
        self.active = self.active.saturating_sub(1);
        self.drain()
    }

    /// Starts whatever fits (after a limit change).
    pub fn drain(&mut self) -> Vec<T> {
        let mut started = Vec::new();
        while let Some((&(p, seq), _)) = self.queue.iter().next() {
            if !self.fits(p) {
                break;
            }
            if let Some(item) = self.queue.remove(&(p, seq)) {
                self.active += 1;
                started.push(item);
            }
        }
        started
    }

    /// Drops queued items matching `f` (streamer went offline while waiting).
    pub fn remove_queued(&mut self, mut f: impl FnMut(&T) -> bool) -> usize {
        let before = self.queue.len();
        self.queue.retain(|_, v| !f(v));
        before - self.queue.len()
    }

    /// Whether a queued item matches `f`.
    pub fn any_queued(&self, f: impl FnMut(&T) -> bool) -> bool {
        self.queue.values().any(f)
    }

    pub fn active(&self) -> usize {
        self.active
    }

    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    pub fn limit(&self) -> usize {
        self.max_concurrent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_priority_gets_reserved_slot_when_normal_slots_are_full() {
        let mut s = Slots::new(2, 1);
        assert!(s.acquire(Priority::Normal, "n1").is_ok());
        assert!(s.acquire(Priority::Low, "l1").is_ok());
        assert_eq!(s.acquire(Priority::Normal, "n2"), Err(1));
        assert!(s.acquire(Priority::High, "h1").is_ok(), "reserved slot");
        assert_eq!(s.acquire(Priority::High, "h2"), Err(2));
        // One slot frees: the waiting high goes first, even though n2 came earlier.
        assert_eq!(s.release(), vec!["h2"]);
        assert_eq!(s.active(), 3);
        assert_eq!(s.release(), Vec::<&str>::new(), "3 active > 2 normal slots");
        assert_eq!(s.release(), vec!["n2"]);
        assert_eq!(s.queued(), 0);
    }

    #[test]
    fn queue_is_fifo_within_priority_and_removable() {
        let mut s = Slots::new(1, 0);
        assert!(s.acquire(Priority::Normal, 1).is_ok());
        assert!(s.acquire(Priority::Normal, 2).is_err());
        assert!(s.acquire(Priority::Normal, 3).is_err());
        assert_eq!(s.remove_queued(|v| *v == 2), 1);
        assert_eq!(s.release(), vec![3]);
        s.set_limits(3, 0);
        assert!(s.acquire(Priority::Low, 4).is_ok());
    }
}
