//! Recording shards: single-threaded tokio runtimes, one per core, across
//! which the daemon spreads its in-process recordings.
//!
//! Why not the daemon's multi-threaded runtime: a recording is a handful of
//! small tasks (playlist watcher, segment fetches, hyper connection tasks,
//! the writer) that hand every chunk to each other. On a work-stealing
//! runtime each hand-over can wake a parked sibling worker that finds
//! nothing to do and parks again — a futex wake and two context switches
//! per chunk, which at 100 concurrent low-bitrate recordings costs more CPU
//! than moving the bytes (measured in docs/BENCHMARKS.md). On a shard all
//! of one recording's tasks share one thread and one epoll, so a hand-over
//! is a queue push. Recordings are independent, so spreading them over one
//! shard per core keeps every core usable.
//!
//! A shard thread lives until its [`Shards`] is dropped; tasks still running
//! then are cancelled, which is why the daemon stops its downloads first.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A set of single-threaded runtimes, each driven by its own thread.
pub struct Shards {
    shards: Vec<Shard>,
}

struct Shard {
    handle: Handle,
    /// Tasks spawned here that have not finished (placement uses it).
    active: Arc<AtomicUsize>,
    /// Dropping it ends the shard's thread.
    _stop: oneshot::Sender<()>,
}

impl std::fmt::Debug for Shards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shards")
            .field("active", &self.active())
            .finish()
    }
}

impl Shards {
    /// `n` shards (at least one), threads named `srec-rec-<i>`.
    pub fn new(n: usize) -> std::io::Result<Arc<Self>> {
        let shards = (0..n.max(1))
            .map(Shard::start)
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Arc::new(Self { shards }))
    }

    /// One shard per core the process may use.
    pub fn per_core() -> std::io::Result<Arc<Self>> {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(n)
    }

    /// Runs `fut` on the shard with the fewest running tasks.
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let Some(shard) = self
            .shards
            .iter()
            .min_by_key(|s| s.active.load(Ordering::Relaxed))
        else {
            // Unreachable (`new` starts at least one); the caller's runtime
            // is a working fallback.
            return tokio::spawn(fut);
        };
        let active = shard.active.clone();
        active.fetch_add(1, Ordering::Relaxed);
        let done = Done(active);
        shard.handle.spawn(async move {
            let _done = done;
            fut.await
        })
    }

    /// Running tasks per shard.
    pub fn active(&self) -> Vec<usize> {
        self.shards
            .iter()
            .map(|s| s.active.load(Ordering::Relaxed))
            .collect()
    }
}

impl Shard {
    fn start(i: usize) -> std::io::Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name(format!("srec-rec-{i}-io"))
            .build()?;
        let handle = rt.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name(format!("srec-rec-{i}"))
            .spawn(move || {
                // Drives the shard's tasks until the owner goes away (the
                // sender drops: `Err` is the expected outcome).
                let _ = rt.block_on(stopped);
            })?;
        Ok(Self {
            handle,
            active: Arc::new(AtomicUsize::new(0)),
            _stop: stop,
        })
    }
}

/// Decrements a shard's task count when its task ends (or is dropped).
struct Done(Arc<AtomicUsize>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Where an engine runs its recordings: the caller's runtime (tests, where
/// paused time and one runtime matter) or the daemon's [`Shards`].
#[derive(Clone, Default)]
pub enum Spawner {
    #[default]
    Ambient,
    Shards(Arc<Shards>),
}

impl std::fmt::Debug for Spawner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ambient => f.write_str("Ambient"),
            Self::Shards(s) => write!(f, "Shards({})", s.shards.len()),
        }
    }
}

impl Spawner {
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Self::Ambient => tokio::spawn(fut),
            Self::Shards(s) => s.spawn(fut),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn thread_name() -> String {
        std::thread::current().name().unwrap_or("").to_string()
    }

    #[tokio::test]
    async fn tasks_run_on_shard_threads_and_spread_by_load() {
        let shards = Shards::new(2).unwrap();
        let (release, wait) = tokio::sync::watch::channel(false);
        let mut long = Vec::new();
        for _ in 0..4 {
            let mut wait = wait.clone();
            long.push(shards.spawn(async move {
                let name = thread_name();
                let _ = wait.wait_for(|go| *go).await;
                name
            }));
        }
        assert_eq!(shards.active(), vec![2, 2]);
        // Everything a task spawns stays on its shard.
        let inner = shards
            .spawn(async { tokio::spawn(async { thread_name() }).await.unwrap() })
            .await
            .unwrap();
        assert!(inner.starts_with("srec-rec-"), "{inner}");
        release.send(true).unwrap();
        let mut names = Vec::new();
        for h in long {
            names.push(h.await.unwrap());
        }
        names.sort();
        assert_eq!(
            names,
            ["srec-rec-0", "srec-rec-0", "srec-rec-1", "srec-rec-1"]
        );
        assert_eq!(shards.active(), vec![0, 0]);
    }

    #[tokio::test]
    async fn timers_and_blocking_work_and_abort_reaches_the_shard() {
        let shards = Shards::new(1).unwrap();
        let t = shards.spawn(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tokio::task::spawn_blocking(|| 7).await.unwrap()
        });
        assert_eq!(t.await.unwrap(), 7);
        let stuck = shards.spawn(std::future::pending::<()>());
        assert_eq!(shards.active(), vec![1]);
        stuck.abort();
        assert!(stuck.await.unwrap_err().is_cancelled());
        assert_eq!(shards.active(), vec![0]);
    }

    #[tokio::test]
    async fn dropping_the_shards_ends_their_tasks() {
        let shards = Shards::new(1).unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let t = shards.spawn(async move {
            let _tx = tx;
            std::future::pending::<()>().await
        });
        drop(shards);
        // The task (and the sender it holds) is dropped with its runtime.
        assert!(rx.await.is_err());
        assert!(t.await.unwrap_err().is_cancelled());
    }
}
