//! Supervisor: runs actor tasks, restarts one that panicked with exponential
//! backoff (1 s doubling to 60 s) and counts restarts. Stopping an actor
//! cancels its token; the actor finalises and returns on its own.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

type MakeFut =
    Arc<dyn Fn(CancellationToken) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

struct Entry {
    make: MakeFut,
    cancel: CancellationToken,
    restarts: u32,
    task: Option<tokio::task::Id>,
}

/// Something the supervisor did, for logging and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisorEvent<K> {
    /// The actor panicked; it restarts after the delay.
    Crashed {
        key: K,
        restart_in: Duration,
        restarts: u32,
    },
    /// A crashed actor was started again.
    Restarted { key: K },
    /// The actor returned (stopped, or its subject is gone).
    Ended { key: K },
}

/// Supervises actors keyed by `K`.
pub struct Supervisor<K> {
    set: JoinSet<()>,
    tasks: HashMap<tokio::task::Id, K>,
    entries: HashMap<K, Entry>,
    pending: Vec<(Instant, K)>,
    parent: CancellationToken,
}

impl<K: Hash + Eq + Clone + Send + 'static> Supervisor<K> {
    /// Actors' tokens are children of `parent`.
    pub fn new(parent: CancellationToken) -> Self {
        Self {
            set: JoinSet::new(),
            tasks: HashMap::new(),
            entries: HashMap::new(),
            pending: Vec::new(),
            parent,
        }
    }

    /// Starts (or replaces) an actor; `make` builds its future from a token.
    pub fn start<F, Fut>(&mut self, key: K, make: F)
    where
        F: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.stop(&key);
        let make: MakeFut = Arc::new(move |t| Box::pin(make(t)));
        let cancel = self.parent.child_token();
        self.entries.insert(
            key.clone(),
            Entry {
                make,
                cancel,
                restarts: 0,
                task: None,
            },
        );
        self.spawn(&key);
    }

    fn spawn(&mut self, key: &K) {
        let Some(e) = self.entries.get_mut(key) else {
            return;
        };
        let fut = (e.make)(e.cancel.clone());
        let handle = self.set.spawn(fut);
        e.task = Some(handle.id());
        self.tasks.insert(handle.id(), key.clone());
    }

    /// Cancels an actor; it is not restarted.
    pub fn stop(&mut self, key: &K) {
        if let Some(e) = self.entries.remove(key) {
            e.cancel.cancel();
        }
        self.pending.retain(|(_, k)| k != key);
    }

    /// Whether an actor with this key is supervised.
    pub fn contains(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    /// Keys of supervised actors.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.keys()
    }

    /// How often an actor was restarted after a crash.
    pub fn restarts(&self, key: &K) -> u32 {
        self.entries.get(key).map_or(0, |e| e.restarts)
    }

    /// Number of running tasks (including ones finishing after stop).
    pub fn running(&self) -> usize {
        self.set.len()
    }

    /// Waits for the next task end or due restart and handles it. Pending
    /// forever when there is nothing to wait for (use inside `select!`).
    pub async fn next(&mut self) -> SupervisorEvent<K> {
        loop {
            let due = self.pending.iter().map(|(at, _)| *at).min();
            tokio::select! {
                Some(res) = self.set.join_next_with_id() => {
                    let (id, panicked) = match res {
                        Ok((id, ())) => (id, false),
                        Err(e) => (e.id(), e.is_panic()),
                    };
                    let Some(key) = self.tasks.remove(&id) else { continue };
                    let live = self.entries.get(&key).is_some_and(|e| e.task == Some(id) && !e.cancel.is_cancelled());
                    if live && panicked {
                        let e = self.entries.get_mut(&key).map(|e| { e.restarts += 1; e.task = None; e.restarts }).unwrap_or(1);
                        let delay = Duration::from_secs(1u64 << (e - 1).min(6)).min(Duration::from_secs(60));
                        self.pending.push((Instant::now() + delay, key.clone()));
                        return SupervisorEvent::Crashed { key, restart_in: delay, restarts: e };
                    }
                    if live {
                        self.entries.remove(&key);
                    }
                    return SupervisorEvent::Ended { key };
                }
                _ = sleep_until_opt(due) => {
                    let now = Instant::now();
                    if let Some(pos) = self.pending.iter().position(|(at, _)| *at <= now) {
                        let (_, key) = self.pending.swap_remove(pos);
                        if self.entries.contains_key(&key) {
                            self.spawn(&key);
                            return SupervisorEvent::Restarted { key };
                        }
                    }
                }
            }
        }
    }

    /// Cancels everything and waits for all tasks (bounded by the caller).
    pub async fn shutdown(&mut self) {
        for e in self.entries.values() {
            e.cancel.cancel();
        }
        self.entries.clear();
        self.pending.clear();
        while self.set.join_next().await.is_some() {}
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn crashed_actor_restarts_with_backoff_and_stop_is_final() {
        let mut sup = Supervisor::new(CancellationToken::new());
        let runs = Arc::new(AtomicU32::new(0));
        let r = runs.clone();
        sup.start("a", move |cancel| {
            let n = r.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    panic!("actor crash {n}");
                }
                cancel.cancelled().await;
            }
        });
        assert_eq!(
            sup.next().await,
            SupervisorEvent::Crashed {
                key: "a",
                restart_in: Duration::from_secs(1),
                restarts: 1
            }
        );
        assert_eq!(sup.next().await, SupervisorEvent::Restarted { key: "a" });
        assert_eq!(
            sup.next().await,
            SupervisorEvent::Crashed {
                key: "a",
                restart_in: Duration::from_secs(2),
                restarts: 2
            }
        );
        assert_eq!(sup.next().await, SupervisorEvent::Restarted { key: "a" });
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(sup.restarts(&"a"), 2);
        sup.stop(&"a");
        assert_eq!(sup.next().await, SupervisorEvent::Ended { key: "a" });
        assert!(!sup.contains(&"a"));
        assert_eq!(sup.running(), 0);
    }

    #[tokio::test]
    async fn actor_returning_on_its_own_ends() {
        let mut sup = Supervisor::new(CancellationToken::new());
        sup.start(1, |_| async {});
        assert_eq!(sup.next().await, SupervisorEvent::Ended { key: 1 });
        assert!(!sup.contains(&1));
    }
}
