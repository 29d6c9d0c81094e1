//! Rooms in the `SEND_GIFT_V2` gray release push each gift twice: the
//! legacy JSON `SEND_GIFT` and the protobuf `SEND_GIFT_V2`. Both carry the
//! gift's transaction id (`tid`), so a bounded set of the keys seen lately
//! on one connection writes each gift once, whichever arrives first.

use std::collections::{HashSet, VecDeque};

/// How many recent keys one connection remembers. The two copies of a
/// gift arrive within the same second; thousands of gifts in between
/// would be a flood the cap keeps bounded.
pub const RECENT_KEYS: usize = 4096;

/// The most recent gift keys (oldest forgotten first).
#[derive(Debug, Clone, Default)]
pub struct RecentGifts {
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl RecentGifts {
    /// The dedupe key of a gift: its transaction id with its gift id;
    /// `None` when the gift has no tid (such a gift is never deduped).
    pub fn key(tid: &str, gift_id: &str) -> Option<String> {
        let tid = tid.trim();
        (!tid.is_empty() && tid != "0").then(|| format!("{tid}/{gift_id}"))
    }

    /// True the first time `key` is offered (then it is remembered), false
    /// for a repeat still remembered.
    pub fn first_time(&mut self, key: &str) -> bool {
        if self.seen.contains(key) {
            return false;
        }
        if self.order.len() >= RECENT_KEYS
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen.insert(key.to_string());
        self.order.push_back(key.to_string());
        true
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_refused_and_the_set_stays_bounded() {
        let mut r = RecentGifts::default();
        assert!(r.first_time("a/1"));
        assert!(!r.first_time("a/1"));
        assert!(r.first_time("a/2"), "same tid, other gift");
        for i in 0..RECENT_KEYS * 2 {
            assert!(r.first_time(&format!("k{i}")));
        }
        assert_eq!(r.len(), RECENT_KEYS);
        assert!(r.first_time("a/1"), "forgotten after RECENT_KEYS others");
        assert_eq!(RecentGifts::key("", "1"), None);
        assert_eq!(RecentGifts::key("0", "1"), None);
        assert_eq!(RecentGifts::key("t9", "1").as_deref(), Some("t9/1"));
    }
}
